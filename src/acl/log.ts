/**
 * `log` / `log-input` entries: IOS-style `%SEC-6-IPACCESSLOG*` lines (`%IPV6_ACL-6-ACCESSLOG*`
 * for IPv6), rate-limited as IOS does it — the first packet of a flow on an entry is logged at
 * once, later ones are counted and reported in at most one summary line per flow and entry per
 * 5-minute interval. The pure core has no timer: a summary is written when the flow's next
 * packet arrives after the interval, or when the owner calls {@link AclLogger.flush}.
 *
 * Flows are kept in a bounded table of typed arrays (lookups allocate nothing); when a probe
 * window is full the entry reported longest ago is evicted, its pending count written first.
 * Formatting a line allocates, which is fine: it happens at most once per flow per interval.
 */
import type { PacketMeta } from '../wire/packet.js';
import type { AclLogSink } from './api.js';
import { formatIpv4, formatIpv6 } from './addr.js';
import { formatProtocol } from './names.js';

/** IOS's log update interval: 5 minutes. */
export const ACL_LOG_INTERVAL_MS = 5 * 60 * 1000;
const SLOTS = 4096;
const WINDOW = 8;
/** Words per flow key: list, entry, proto, src[4], dst[4], ports. */
const KEY_WORDS = 12;

/** Writes the log lines of `log` entries, rate-limited per flow and entry. */
export class AclLogger {
  sink: AclLogSink | null = null;
  private readonly keys = new Int32Array(SLOTS * KEY_WORDS);
  private readonly used = new Uint8Array(SLOTS);
  private readonly reportedMs = new Float64Array(SLOTS);
  private readonly pending = new Float64Array(SLOTS);
  /** Per slot: what is needed to print its summary later. */
  private readonly family = new Uint8Array(SLOTS);
  private readonly permitted = new Uint8Array(SLOTS);
  private readonly kindOf = new Uint8Array(SLOTS);
  private readonly listNames: Array<string | undefined> = new Array<string | undefined>(SLOTS);

  /**
   * Records one packet that matched a logging entry. `entryKey` identifies the entry within list
   * `list`; `listLabel` is what the line names (`101`, or `NAME/10` for IPv6). `standard` selects
   * the standard-list line (source address only).
   */
  record(list: number, entryKey: number, listLabel: string, standard: boolean, permitted: boolean,
    meta: PacketMeta, nowMs: number): void {
    if (this.sink === null) return;
    const v6 = meta.ipVersion === 6;
    const ports = standard ? 0 : meta.proto === 6 || meta.proto === 17 ? (meta.srcPort << 16) | meta.dstPort
      : meta.icmpType >= 0 ? (meta.icmpType << 8) | meta.icmpCode : 0;
    let h = Math.imul(list ^ 0x3c6ef372, 0x9e3779b1) ^ entryKey;
    h = Math.imul(h ^ (h >>> 15) ^ meta.proto, 0x85ebca77);
    for (let w = 0; w < 4; w++) {
      h = Math.imul(h ^ (h >>> 13) ^ meta.srcAddr[w]!, 0xc2b2ae35);
      h = Math.imul(h ^ (h >>> 16) ^ meta.dstAddr[w]!, 0x9e3779b1);
    }
    h = Math.imul(h ^ ports, 0x85ebca77);
    h = (h ^ (h >>> 15)) & (SLOTS - 1);
    const k = this.keys;
    let free = -1;
    let oldest = -1;
    for (let i = 0; i < WINDOW; i++) {
      const s = (h + i) & (SLOTS - 1);
      const o = s * KEY_WORDS;
      if (this.used[s] === 1 && k[o] === list && k[o + 1] === entryKey && k[o + 2] === meta.proto &&
        k[o + 3] === (meta.srcAddr[0]! | 0) && k[o + 4] === (meta.srcAddr[1]! | 0) &&
        k[o + 5] === (meta.srcAddr[2]! | 0) && k[o + 6] === (meta.srcAddr[3]! | 0) &&
        k[o + 7] === (meta.dstAddr[0]! | 0) && k[o + 8] === (meta.dstAddr[1]! | 0) &&
        k[o + 9] === (meta.dstAddr[2]! | 0) && k[o + 10] === (meta.dstAddr[3]! | 0) && k[o + 11] === ports) {
        this.pending[s]!++;
        if (nowMs - this.reportedMs[s]! >= ACL_LOG_INTERVAL_MS) this.report(s, nowMs);
        return;
      }
      if (free < 0 && (this.used[s] === 0 || (this.pending[s] === 0 && nowMs - this.reportedMs[s]! >= ACL_LOG_INTERVAL_MS))) {
        free = s;
      } else if (oldest < 0 || this.reportedMs[s]! < this.reportedMs[oldest]!) {
        oldest = s;
      }
    }
    const victim = free >= 0 ? free : oldest;
    if (this.used[victim] === 1 && this.pending[victim]! > 0) this.report(victim, nowMs);
    const o = victim * KEY_WORDS;
    k[o] = list; k[o + 1] = entryKey; k[o + 2] = meta.proto;
    for (let w = 0; w < 4; w++) { k[o + 3 + w] = meta.srcAddr[w]! | 0; k[o + 7 + w] = meta.dstAddr[w]! | 0; }
    k[o + 11] = ports;
    this.used[victim] = 1;
    this.family[victim] = v6 ? 6 : 4;
    this.permitted[victim] = permitted ? 1 : 0;
    this.kindOf[victim] = standard ? 1 : 0;
    this.listNames[victim] = listLabel;
    this.pending[victim] = 1;
    this.report(victim, nowMs);
  }

  /** Writes the summary of every flow whose interval has passed with packets pending. */
  flush(nowMs: number): void {
    for (let s = 0; s < SLOTS; s++) {
      if (this.used[s] === 1 && this.pending[s]! > 0 && nowMs - this.reportedMs[s]! >= ACL_LOG_INTERVAL_MS) this.report(s, nowMs);
    }
  }

  private report(s: number, nowMs: number): void {
    const n = this.pending[s]!;
    this.pending[s] = 0;
    this.reportedMs[s] = nowMs;
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
