/**
 * `log` / `log-input` entries: IOS-style `%SEC-6-IPACCESSLOG*` lines (`%IPV6_ACL-6-ACCESSLOG*`
 * for IPv6), rate-limited as IOS does it — the first packet of a flow on an entry is logged at
 * once, later ones are counted and reported in at most one summary line per flow and entry per
 * 5-minute interval. The pure core has no timer: a summary is written when the flow's next
 * packet arrives after the interval, or when the owner calls {@link AclLogger.flush}.
 *
 * Flows are kept in a bounded table (an {@link OpenTable} over typed arrays, keyed by the
 * process's secret hash key, since packets choose the flows; lookups allocate nothing). When it
 * is full the flow reported longest ago is evicted, its pending count written first: the flows
 * are kept in the order of their last report, which is also the order `flush` writes in, so
 * that nothing written depends on the hash key. Formatting a line allocates, which is fine: it
 * happens at most once per flow per interval.
 */
import type { PacketMeta } from '../wire/packet.js';
import type { AclLogSink } from './api.js';
import { formatIpv4, formatIpv6 } from './addr.js';
import { formatProtocol } from './names.js';
import { hashKeyFromSeed, hashWordArray, type HashKey } from '../table/keyed-hash.js';
import { OpenTable } from '../table/open-table.js';

/** IOS's log update interval: 5 minutes. */
export const ACL_LOG_INTERVAL_MS = 5 * 60 * 1000;
/** Flows the logger keeps at once. */
export const ACL_LOG_FLOWS = 4096;
/** Words per flow key: list, entry, proto, src[4], dst[4], ports. */
const KEY_WORDS = 12;
/** The key of loggers built without one (tests); compiled lists get the process key. */
const DEFAULT_KEY = hashKeyFromSeed(0);

/** Writes the log lines of `log` entries, rate-limited per flow and entry. */
export class AclLogger {
  sink: AclLogSink | null = null;
  /** Flow key → flow record (0 .. ACL_LOG_FLOWS − 1). */
  private readonly table = new OpenTable({ initialCells: 64, maxCells: 2 * ACL_LOG_FLOWS, values: true });
  private readonly k0: number;
  private readonly k1: number;
  /** The key of the packet being recorded. */
  private readonly probe = new Int32Array(KEY_WORDS);
  private readonly keys = new Int32Array(ACL_LOG_FLOWS * KEY_WORDS);
  /** Hash of each record's key (to find its cell when it is evicted). */
  private readonly hashes = new Int32Array(ACL_LOG_FLOWS);
  private readonly reportedMs = new Float64Array(ACL_LOG_FLOWS);
  private readonly pending = new Float64Array(ACL_LOG_FLOWS);
  /** Per record: what is needed to print its summary later. */
  private readonly family = new Uint8Array(ACL_LOG_FLOWS);
  private readonly permitted = new Uint8Array(ACL_LOG_FLOWS);
  private readonly kindOf = new Uint8Array(ACL_LOG_FLOWS);
  private readonly listNames: Array<string | undefined> = new Array<string | undefined>(ACL_LOG_FLOWS);
  /** Records in the order of their last report (head: reported longest ago), a doubly linked list. */
  private readonly older = new Int32Array(ACL_LOG_FLOWS);
  private readonly newer = new Int32Array(ACL_LOG_FLOWS);
  private head = -1;
  private tail = -1;
  /** Records never used are those at or above `fresh`. */
  private fresh = 0;

  /** A logger whose flow table hashes under `key` (the process key; the default serves tests). */
  constructor(key: HashKey = DEFAULT_KEY) {
    this.k0 = key.k0 | 0;
    this.k1 = key.k1 | 0;
  }

  /**
   * Records one packet that matched a logging entry. `entryKey` identifies the entry within list
   * `list`; `listLabel` is what the line names (`101`, or `NAME/10` for IPv6). `standard` selects
   * the standard-list line (source address only). A super-packet counts as its `segments`, as
   * the packets a router forwarding them one by one would see: the first of a new flow is logged
   * at once as one packet, the others wait for the flow's next summary.
   */
  record(list: number, entryKey: number, listLabel: string, standard: boolean, permitted: boolean,
    meta: PacketMeta, nowMs: number): void {
    if (this.sink === null) return;
    const v6 = meta.ipVersion === 6;
    const ports = standard ? 0 : meta.proto === 6 || meta.proto === 17 ? (meta.srcPort << 16) | meta.dstPort
      : meta.icmpType >= 0 ? (meta.icmpType << 8) | meta.icmpCode : 0;
    const q = this.probe;
    q[0] = list; q[1] = entryKey; q[2] = meta.proto;
    for (let w = 0; w < 4; w++) { q[3 + w] = meta.srcAddr[w]! | 0; q[7 + w] = meta.dstAddr[w]! | 0; }
    q[11] = ports;
    const h = hashWordArray(q, 0, KEY_WORDS, this.k0, this.k1);
    const t = this.table;
    for (let p = t.first(h); p >= 0; p = t.next(h, p)) {
      const r = t.values[p]!;
      if (this.sameKey(r)) {
        this.pending[r]! += meta.segments;
        if (nowMs - this.reportedMs[r]! >= ACL_LOG_INTERVAL_MS) this.report(r, nowMs);
        return;
      }
    }
    let r: number;
    if (this.fresh < ACL_LOG_FLOWS) {
      r = this.fresh++;
    } else {
      // Full: the flow reported longest ago makes room, its pending count written first.
      r = this.head;
      if (this.pending[r]! > 0) this.report(r, nowMs);
      this.unlinkRecord(r);
      const rh = this.hashes[r]!;
      let p = t.first(rh);
      while (t.values[p] !== r) p = t.next(rh, p);
      t.removeAt(p);
    }
    t.insert(h, r);
    this.keys.set(q, r * KEY_WORDS);
    this.hashes[r] = h;
    this.family[r] = v6 ? 6 : 4;
    this.permitted[r] = permitted ? 1 : 0;
    this.kindOf[r] = standard ? 1 : 0;
    this.listNames[r] = listLabel;
    this.pending[r] = 1;
    this.linkNewest(r);
    this.report(r, nowMs);
    this.pending[r] = meta.segments - 1;
  }

  /** Writes the summary of every flow whose interval has passed with packets pending (oldest report first). */
  flush(nowMs: number): void {
    // A report moves its flow to the newest end: stop at the flow that was newest on entry.
    const last = this.tail;
    for (let r = this.head; r >= 0;) {
      const next = r === last ? -1 : this.newer[r]!;
      if (this.pending[r]! > 0 && nowMs - this.reportedMs[r]! >= ACL_LOG_INTERVAL_MS) this.report(r, nowMs);
      r = next;
    }
  }

  private sameKey(r: number): boolean {
    const k = this.keys;
    const q = this.probe;
    const o = r * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) if (k[o + w] !== q[w]) return false;
    return true;
  }

  /** Appends record `r` at the newest end of the report order. */
  private linkNewest(r: number): void {
    this.older[r] = this.tail;
    this.newer[r] = -1;
    if (this.tail >= 0) this.newer[this.tail] = r;
    else this.head = r;
    this.tail = r;
  }

  private unlinkRecord(r: number): void {
    const o = this.older[r]!;
    const n = this.newer[r]!;
    if (o >= 0) this.newer[o] = n;
    else this.head = n;
    if (n >= 0) this.older[n] = o;
    else this.tail = o;
  }

  private report(s: number, nowMs: number): void {
    const n = this.pending[s]!;
    this.pending[s] = 0;
    this.reportedMs[s] = nowMs;
    if (this.tail !== s) {
      this.unlinkRecord(s);
      this.linkNewest(s);
    }
    if (this.sink !== null) this.sink(this.formatLine(s, n), nowMs);
  }

  private formatLine(s: number, n: number): string {
    const k = this.keys;
    const o = s * KEY_WORDS;
    const v6 = this.family[s] === 6;
    const addr = (at: number): string => v6
      ? formatIpv6([k[at]! >>> 0, k[at + 1]! >>> 0, k[at + 2]! >>> 0, k[at + 3]! >>> 0])
      : formatIpv4(k[at + 3]! >>> 0);
    const src = addr(o + 3);
    const dst = addr(o + 7);
    const proto = k[o + 2]!;
    const ports = k[o + 11]!;
    const act = this.permitted[s] === 1 ? 'permitted' : 'denied';
    const count = `${n} packet${n === 1 ? '' : 's'}`;
    const list = this.listNames[s]!;
    const prefix = v6 ? '%IPV6_ACL-6-ACCESSLOG' : '%SEC-6-IPACCESSLOG';
    if (this.kindOf[s] === 1) return `${prefix}S: list ${list} ${act} ${src} ${count}`;
    if (proto === 6 || proto === 17) {
      return `${prefix}P: list ${list} ${act} ${formatProtocol(proto, v6 ? 6 : 4)} ${src}(${ports >>> 16}) -> ${dst}(${ports & 0xffff}), ${count}`;
    }
    if (proto === (v6 ? 58 : 1)) {
      return `${prefix}DP: list ${list} ${act} ${v6 ? 'icmpv6' : 'icmp'} ${src} -> ${dst} (${(ports >>> 8) & 0xff}/${ports & 0xff}), ${count}`;
    }
    return `${prefix}NP: list ${list} ${act} ${proto} ${src} -> ${dst}, ${count}`;
  }
}
