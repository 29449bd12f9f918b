/**
 * The data plane: `handle(packet, nowMs) → verdict`, a pure function of the packet bytes, the
 * time and the engine's own state (DESIGN.md §1). It decodes the packet, finds the ingress
 * interface, intercepts unauthenticated hosts' connections to trigger ports with the userspace
 * TCP endpoint (which answers as the original server), and decides everything else with the
 * interface ACLs (each authenticated host's dynamic entries first) and the flow table (return
 * traffic of permitted flows). Answers the endpoint produces wait in `tx` for the adapter.
 *
 * Nothing here does I/O, reads a clock, draws random numbers or sets timers: time comes in as
 * `nowMs`, ISNs from the injected `rng`, and `nextDeadline()` says when `poll()` has work.
 * `nowMs` is milliseconds on the adapter's timeline; adapters pass whole milliseconds from an
 * origin of their choosing (replay: the capture's first packet), which keeps times small
 * integers that the per-packet path never has to box.
 */
import {
  PacketMeta, FRAG_LATER, FRAG_NONE, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAG_ACK, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../wire/packet.js';
import { decodePacket } from '../wire/decode.js';
import { formatIp } from '../wire/addr.js';
import { FAULT_OK } from '../wire/faults.js';
import { ACL_PERMIT } from '../acl/api.js';
import type { AclRuntime, DynamicAclText, InstallResult } from '../acl/api.js';
import type { Config } from '../config/types.js';
import {
  AP_PROTO_FTP, AP_PROTO_HTTP, AP_PROTO_HTTPS, AP_PROTO_TELNET,
} from '../authproxy/protocols.js';
import { FlowTable, FLOW_DIR_ORIGINAL, FLOW_DIR_REPLY, FLOW_INSERT_FULL } from '../flow/flow-table.js';
import { AuthCache } from '../authproxy/auth-cache.js';
import {
  AP_STATE_FIN_WAIT, AP_STATE_HTTP_ESTAB, AP_STATE_WATCH_LIST,
  AP_DELETE_REASONS, AP_DELETE_CLEAR,
} from '../authproxy/states.js';
import { TcpEndpoint } from '../tcp/endpoint.js';
import type { EndpointApp } from '../tcp/app.js';
import { TxQueue } from './tx-queue.js';
import { InterfaceTable } from './interfaces.js';
import {
  DEBUG_DETAILED, DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION, DEBUG_TIMERS,
} from './debug.js';
import type { DebugSink } from './debug.js';
import {
  COUNTER_COUNT, COUNTER_DROPPED, COUNTER_DROP_ACL_IN, COUNTER_DROP_ACL_OUT,
  COUNTER_DROP_CACHE_FULL, COUNTER_DROP_HALF_OPEN_LIMIT, COUNTER_DROP_INTERCEPT_FULL,
  COUNTER_DROP_NODATA_LIMIT, COUNTER_DROP_NO_CONNECTION, COUNTER_DROP_WATCH_LIST,
  COUNTER_FAULT_BASE, COUNTER_FLOWS_CREATED, COUNTER_FLOW_TABLE_FULL, COUNTER_FORWARDED,
  COUNTER_HOSTS_CREATED, COUNTER_HOSTS_EXPIRED, COUNTER_INTERCEPTED, COUNTER_LOCAL,
  COUNTER_PACKETS, COUNTER_RETURN_TRAFFIC, COUNTER_FLOW_UNTRACKED,
} from './counters.js';

/** Write the packet back (to the TUN device / `--out`). */
export const VERDICT_FORWARD = 0;
/** Drop it (the reason is counted). */
export const VERDICT_DROP = 1;
/** The userspace TCP endpoint took it (an intercepted connection). */
export const VERDICT_INTERCEPT = 2;
/** Addressed to the gateway itself: the host stack delivers it (live, it never enters the TUN). */
export const VERDICT_LOCAL = 3;

export const VERDICT_NAMES: readonly string[] = ['forward', 'drop', 'intercept', 'local'];

/**
 * What the login subsystem implements to receive intercepted connections (src/login). The
 * engine calls it from `handle()`/`poll()`; it answers through `connSend`/`connShutdown`/
 * `connAbort`, at any later time.
 */
export interface InterceptApp {
  /** A connection was established; `proto` is the AP_PROTO_* bit of its trigger port. */
  accepted(conn: number, proto: number, nowMs: number): void;
  /** In-order bytes from the client (copy them: `buf` is reused). */
  data(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): void;
  /** The client closed its side. */
  peerFin(conn: number, nowMs: number): void;
  /** The connection was reset (by the client, or aborted by the endpoint). */
  reset(conn: number, nowMs: number): void;
  /** The connection is gone; `conn` may be reused. */
  released(conn: number, nowMs: number): void;
  /** Send space was freed after `connSend` accepted less than offered. */
  writable(conn: number, nowMs: number): void;
}

export interface EngineOptions {
  readonly config: Config;
  readonly acls: AclRuntime;
  /** Source of uint32 random numbers (ISNs). Seeded in replay, so output repeats exactly. */
  readonly rng: () => number;
  /** Replay mode: follow the capture's sequence space (spec §5), pick up flows mid-stream. */
  readonly replay: boolean;
  readonly debug?: DebugSink | null;
  /** DEBUG_* bits enabled. */
  readonly debugFlags?: number;
  readonly app?: InterceptApp | null;
  readonly maxFlows?: number;
  readonly maxHosts?: number;
  readonly maxInterceptedConnections?: number;
  /** MSS the endpoint announces (IPv4; IPv6 uses 20 bytes less). */
  readonly mss?: number;
  readonly txQueueBytes?: number;
  /**
   * Receives the engine's messages (not debug output: what a router logs whatever is being
   * debugged, e.g. a rejected ACL download). Called with the time and one line of text.
   */
  readonly messages?: ((nowMs: number, text: string) => void) | null;
  /**
   * Remember in each flow how its packets were decided and repeat that for the flow's next
   * packets of the same kind (see `decide`). Default true; off, every packet takes every step
   * (tests prove both give the same results).
   */
  readonly flowMemo?: boolean;
}

const MINUTE_MS = 60_000;

/** ACL classifications one flow memo repeats at most: the rule's trigger list, inbound, outbound. */
const MEMO_MAX_MATCHES = 3;
/**
 * Distinct sets of ACL matches the memos refer to before the set table starts afresh (13 bits).
 * A dynamic entry's match is recorded by its place among the host's entries, so hosts holding
 * the same downloaded list share sets: the table fills with kinds of decision, not with hosts.
 */
const MEMO_SETS = 8192;
/** Hosts a memo can name: `(host + 1)` takes the top 18 bits of the memo's data word. */
const MEMO_HOST_LIMIT = (1 << 18) - 1;
/** `slot` argument of `filter`: the flow table has not been searched for this packet yet. */
const SLOT_UNKNOWN = -2;

/** 1 if the packet is a TCP segment with ACK or RST set (what ACL `established` tests), else 0. */
function establishedBit(meta: PacketMeta): number {
  return meta.proto === IPPROTO_TCP && (meta.tcpFlags & (TCP_FLAG_ACK | TCP_FLAG_RST)) !== 0 ? 1 : 0;
}

/** The auth-proxy data plane. One per gateway (or per replay). */
export class Engine implements EndpointApp {
  /** Packets the engine itself emits, waiting for the adapter. */
  readonly tx: TxQueue;
  /** Counters (see counters.ts). */
  readonly counters = new Float64Array(COUNTER_COUNT);
  /** The decoded current packet (reused). */
  readonly meta = new PacketMeta();
  readonly interfaces = new InterfaceTable();
  readonly cache: AuthCache;
  readonly flows: FlowTable;
  readonly endpoint: TcpEndpoint;
  readonly acls: AclRuntime;
  readonly config: Config;
  /** DEBUG_* bits; may be changed at any time (`debug ip auth-proxy …`). */
  debugFlags: number;
  debug: DebugSink | null;
  app: InterceptApp | null;
  /** Where messages go (see EngineOptions.messages). */
  messages: ((nowMs: number, text: string) => void) | null;
  /** Intercepted connections that sent a SYN and have not completed the handshake. */
  halfOpenCount = 0;

  // Auth-proxy rules, index-aligned.
  private readonly ruleNames: string[] = [];
  private readonly ruleProtoFlags: number[] = [];
  /** Per rule and port index (1 ftp, 2 telnet, 3 https, 4 http; stride 5) — ACL limiting the trigger (-1 none). */
  private readonly ruleListAcl: number[] = [];
  /** Per rule and protocol index — inactivity timeout in ms. */
  private readonly ruleCacheTimeMs: number[] = [];
  private readonly halfOpenLimit: number;
  private readonly maxNodataConns: number;
  private readonly absoluteMs: number;

  // Per intercepted connection.
  private readonly connHalfOpen: Uint8Array;
  private readonly connNoData: Uint8Array;
  private readonly connHost: Int32Array;
  private readonly connHostGen: Uint32Array;
  private readonly connProto: Uint8Array;

  private readonly scratchAddr = new Uint32Array(4);

  // Flow memos (see `decide`). A flow's memo — three words of its flow-table record — says:
  // word 0 (tag T, `memoTag()`) and word 1 ((H + 1) << 14 | S << 1 | E): at T, a packet of this
  // flow in its original direction with established bit E was forwarded by the full path,
  // which counted ACL match set S and accounted the packet to authenticated host H (-1: none);
  // word 2 (a tag): under that tag, a reply was let through as return traffic with no ACL
  // lookup and no authenticated host to account it to.
  private readonly memoOn: boolean;
  /** Bumped when the set table starts afresh, which invalidates every memo. */
  private memoEpoch = 0;
  /** Interned sets of ACL matches: count, then list index and match code per match. */
  private readonly setN = new Uint8Array(MEMO_SETS);
  private readonly setList = new Int32Array(MEMO_SETS * MEMO_MAX_MATCHES);
  private readonly setCode = new Int32Array(MEMO_SETS * MEMO_MAX_MATCHES);
  /** Open-addressing index of the sets (-1 empty); set 0 is the empty set. */
  private readonly setIndex = new Int32Array(MEMO_SETS * 2).fill(-1);
  private setCount = 1;
  /** ACL matches of the packet being decided (-1: one that must not be repeated). */
  private recCount = 0;
  private readonly recList = new Int32Array(MEMO_MAX_MATCHES);
  private readonly recCode = new Int32Array(MEMO_MAX_MATCHES);

  constructor(opts: EngineOptions) {
    this.config = opts.config;
    this.acls = opts.acls;
    this.debug = opts.debug ?? null;
    this.debugFlags = this.debug === null ? 0 : (opts.debugFlags ?? 0);
    this.app = opts.app ?? null;
    this.messages = opts.messages ?? null;
    this.memoOn = opts.flowMemo ?? true;
    const cfg = opts.config;
    this.halfOpenLimit = cfg.authProxy.halfOpenLimit;
    this.maxNodataConns = cfg.authProxy.maxNodataConns;
    this.absoluteMs = cfg.authProxy.absoluteTimeMin * MINUTE_MS;

    for (const rule of cfg.authProxyRules.values()) {
      const r = this.ruleNames.length;
      this.ruleNames.push(rule.name);
      this.ruleProtoFlags.push(rule.protoFlags);
      for (let p = 0; p < 5; p++) {
        this.ruleListAcl[r * 5 + p] = -1;
        this.ruleCacheTimeMs[r * 5 + p] = cfg.authProxy.authCacheTimeMin * MINUTE_MS;
      }
      for (const pr of rule.protocols) {
        const p = protoIndexOfBit(pr.proto);
        this.ruleListAcl[r * 5 + p] = pr.list === undefined ? -1 : this.acls.listIndex(pr.list);
        if (pr.authCacheTimeMin !== undefined) this.ruleCacheTimeMs[r * 5 + p] = pr.authCacheTimeMin * MINUTE_MS;
      }
    }
    for (const itf of cfg.interfaces) {
      const rule = itf.authProxy === undefined ? -1 : this.ruleNames.indexOf(itf.authProxy);
      const idx = this.interfaces.addInterface(
        itf.name, rule,
        aclIndex(this.acls, itf.accessGroupIn), aclIndex(this.acls, itf.accessGroupOut),
        aclIndex(this.acls, itf.ipv6FilterIn), aclIndex(this.acls, itf.ipv6FilterOut));
      for (const a of itf.ipv4) {
        const w = new Uint32Array([0, 0, 0xffff, a.address >>> 0]);
        this.interfaces.addAddress(idx, w, 96 + a.prefixLength);
      }
      for (const a of itf.ipv6) this.interfaces.addAddress(idx, a.address, a.prefixLength);
    }

    const maxConns = opts.maxInterceptedConnections ?? 4096;
    this.tx = new TxQueue(opts.txQueueBytes ?? 8 << 20);
    this.cache = new AuthCache(opts.maxHosts ?? 65536);
    this.flows = new FlowTable({ capacity: opts.maxFlows ?? 262144, midstreamPickup: opts.replay, hashSeed: opts.rng() });
    this.endpoint = new TcpEndpoint({
      maxConnections: maxConns,
      mss: opts.mss ?? 1460,
      sendBufferBytes: 64 * 1024,
      receiveBufferBytes: 64 * 1024,
      rng: opts.rng,
      followPeerSequence: opts.replay,
      tx: this.tx,
      app: this,
    });
    this.connHalfOpen = new Uint8Array(maxConns);
    this.connNoData = new Uint8Array(maxConns);
    this.connHost = new Int32Array(maxConns).fill(-1);
    this.connHostGen = new Uint32Array(maxConns);
    this.connProto = new Uint8Array(maxConns);
  }

  /**
   * Handles one frame of link type `linkType` at `buf[off, off+len)` at time `nowMs` and
   * returns a VERDICT_*. Never throws on packet content; malformed packets are counted by
   * reason and dropped.
   */
  handle(buf: Uint8Array, off: number, len: number, linkType: number, nowMs: number): number {
    const c = this.counters;
    c[COUNTER_PACKETS]!++;
    const meta = this.meta;
    const fault = decodePacket(buf, off, len, linkType, meta);
    if (fault !== FAULT_OK) {
      c[COUNTER_FAULT_BASE + fault]!++;
      c[COUNTER_DROPPED]!++;
      return VERDICT_DROP;
    }
    const v = this.decide(meta, nowMs);
    c[v === VERDICT_FORWARD ? COUNTER_FORWARDED : v === VERDICT_DROP ? COUNTER_DROPPED
      : v === VERDICT_INTERCEPT ? COUNTER_INTERCEPTED : COUNTER_LOCAL]!++;
    return v;
  }

  private decide(meta: PacketMeta, nowMs: number): number {
    const isTcp = meta.proto === IPPROTO_TCP && meta.fragment !== FRAG_LATER;
    // A segment of a connection the proxy intercepted goes to the endpoint, whoever sent it.
    if (isTcp && this.endpoint.connectionCount() > 0) {
      const conn = this.endpoint.lookup(meta);
      if (conn >= 0) return this.interceptedSegment(conn, meta, nowMs);
    }
    // A TCP or UDP packet in the original direction of a known flow, of the kind (established
    // bit) whose last packet the steps below forwarded while the auth cache and the dynamic ACL
    // entries stood as they stand now, would take the same steps to the same end: everything
    // they read is the same — the addresses and ports fix the interfaces, the host and its
    // rule, the trigger port and what the ACLs match (they test nothing else of an
    // unfragmented TCP or UDP packet). So the flow's memo repeats their effects (ACL match
    // counters, the host's timer and accounting, flow tracking) instead. Not while
    // `debug … detailed` prints every packet.
    // (The packet-kind test is `memorable`'s, written out: as a shared helper it changed what
    // TurboFan inlines here and cost ~60 instructions per packet, valgrind.)
    let slot = SLOT_UNKNOWN;
    let dir = FLOW_DIR_ORIGINAL;
    if (this.memoOn && meta.fragment === FRAG_NONE && (meta.proto === IPPROTO_TCP || meta.proto === IPPROTO_UDP)
      && (this.debugFlags & DEBUG_DETAILED) === 0) {
      slot = this.flows.lookup(meta);
      if (slot >= 0) {
        dir = this.flows.lastDirection;
        if (dir === FLOW_DIR_ORIGINAL) {
          if (this.repeatMemo(slot, meta, nowMs)) return VERDICT_FORWARD;
        } else {
          const tag = this.flows.memo(slot, 2);
          if (tag !== 0 && tag === this.memoTag()) {
            this.counters[COUNTER_RETURN_TRAFFIC]!++;
            this.flows.update(slot, FLOW_DIR_REPLY, meta, nowMs);
            return VERDICT_FORWARD;
          }
        }
      }
    }
    this.recCount = 0;
    const itf = this.interfaces;
    itf.resolve(meta);
    // The gateway's own output (its login service answering, say) is the host stack's business.
    if (itf.srcIsOwn) return VERDICT_LOCAL;
    const ingress = itf.ingress;
    const rule = ingress >= 0 ? this.interfaces.rule[ingress]! : -1;
    let host = -1;
    let hostState = -1;
    if (rule >= 0) {
      host = this.cache.lookup(meta.srcAddr);
      hostState = host >= 0 ? this.cache.state[host]! : -1;
      if (isTcp && hostState !== AP_STATE_HTTP_ESTAB) {
        const v = this.authProxyCandidate(meta, rule, ingress, host, hostState, nowMs);
        if (v >= 0) return v;
      }
    }
    if (itf.dstIsOwn) return VERDICT_LOCAL;
    return this.filter(meta, ingress, host, hostState, slot, dir, nowMs);
  }

  /**
   * The tag memos are valid under: it changes whenever the auth cache or the dynamic ACL
   * entries change (as 32-bit sums it could come back to an old value only after 2^32 changes
   * during one flow's life). 0 means no memo is valid.
   */
  private memoTag(): number {
    return (this.cache.version + this.acls.version + this.memoEpoch + 1) >>> 0;
  }

  /** Repeats flow `slot`'s memo for this original-direction packet if it applies; true if it did. */
  private repeatMemo(slot: number, meta: PacketMeta, nowMs: number): boolean {
    const flows = this.flows;
    const tag = flows.memo(slot, 0);
    if (tag === 0 || tag !== this.memoTag()) return false;
    const data = flows.memo(slot, 1);
    if ((data & 1) !== establishedBit(meta)) return false;
    const set = (data >>> 1) & (MEMO_SETS - 1);
    const n = this.setN[set]!;
    for (let i = 0; i < n; i++) {
      const k = set * MEMO_MAX_MATCHES + i;
      this.acls.countMatch(this.setList[k]!, this.setCode[k]!, meta.srcAddr);
    }
    const host = (data >>> 14) - 1;
    if (host >= 0) this.accountOut(host, meta, nowMs);
    flows.update(slot, FLOW_DIR_ORIGINAL, meta, nowMs);
    return true;
  }

  /** Notes the ACL match of the classification of list `list` just made, for the packet's memo. */
  private recordMatch(list: number): void {
    const n = this.recCount;
    if (n < 0) return;
    const code = this.acls.lastMatchCode;
    if (code < 0 || n === MEMO_MAX_MATCHES) {
      this.recCount = -1;
      return;
    }
    this.recList[n] = list;
    this.recCode[n] = code;
    this.recCount = n + 1;
  }

  /** Whether what the full path just did to this packet may be remembered. */
  private memorable(meta: PacketMeta): boolean {
    return this.memoOn && this.recCount >= 0 && meta.fragment === FRAG_NONE
      && (meta.proto === IPPROTO_TCP || meta.proto === IPPROTO_UDP);
  }

  /** Stores what the full path did to this forwarded original-direction packet as flow `slot`'s memo. */
  private storeMemo(slot: number, host: number, meta: PacketMeta): void {
    if (!this.memorable(meta) || host >= MEMO_HOST_LIMIT) return;
    let set = this.internMatches();
    if (set < 0) {
      // The set table is full: start it afresh (every memo made so far becomes invalid).
      this.setIndex.fill(-1);
      this.setCount = 1;
      this.memoEpoch = (this.memoEpoch + 1) | 0;
      set = this.internMatches();
    }
    const tag = this.memoTag();
    if (tag === 0 || set < 0) return;
    this.flows.setMemo(slot, 0, tag);
    this.flows.setMemo(slot, 1, (((host + 1) << 14) | (set << 1) | establishedBit(meta)) >>> 0);
  }

  /** The id of the set of ACL matches recorded for this packet (interned), or -1 if the table is full. */
  private internMatches(): number {
    const n = this.recCount;
    if (n === 0) return 0;
    let h = n;
    for (let i = 0; i < n; i++) {
      h = Math.imul(h ^ this.recList[i]!, 0x9e3779b1);
      h = Math.imul(h ^ this.recCode[i]!, 0x85ebca6b);
    }
    const mask = this.setIndex.length - 1;
    for (let p = (h ^ (h >>> 15)) & mask; ; p = (p + 1) & mask) {
      const id = this.setIndex[p]!;
      if (id < 0) {
        if (this.setCount === MEMO_SETS) return -1;
        const nid = this.setCount++;
        this.setN[nid] = n;
        for (let i = 0; i < n; i++) {
          this.setList[nid * MEMO_MAX_MATCHES + i] = this.recList[i]!;
          this.setCode[nid * MEMO_MAX_MATCHES + i] = this.recCode[i]!;
        }
        this.setIndex[p] = nid;
        return nid;
      }
      if (this.setN[id] === n && this.sameMatches(id, n)) return id;
    }
  }

  /** True if interned set `id` holds the `n` matches recorded for this packet. */
  private sameMatches(id: number, n: number): boolean {
    for (let i = 0; i < n; i++) {
      const k = id * MEMO_MAX_MATCHES + i;
      if (this.setList[k] !== this.recList[i] || this.setCode[k] !== this.recCode[i]) return false;
    }
    return true;
  }

  /**
   * The auth-proxy check of a TCP packet from a host that is not authenticated, arriving on an
   * interface with rule `rule` (spec §2). Returns a verdict if the proxy took the packet, or
   * -1 to let the interface ACL decide.
   */
  private authProxyCandidate(meta: PacketMeta, rule: number, ingress: number, host: number, hostState: number,
    nowMs: number): number {
    const protoFlag = this.ruleProtoFlags[rule]!;
    const index = this.interfaces.dstIsOwn ? 0 : dstportIndex(meta.dstPort, protoFlag);
    if (index !== 0) {
      const list = this.ruleListAcl[rule * 5 + index]!;
      // A rule's `list ACL` limits which traffic triggers the proxy; other traffic is not its concern.
      if (list >= 0) {
        const v = this.acls.classify(list, meta, false, nowMs);
        this.recordMatch(list);
        if (v !== ACL_PERMIT) return -1;
      }
    }
    const detailed = (this.debugFlags & DEBUG_DETAILED) !== 0;
    if (detailed) this.debug!.protoHeader(nowMs, protoFlag, index);
    if (index === 0) {
      if (detailed) this.debug!.notConfigured(nowMs);
      return -1;
    }
    if (detailed) this.debug!.segment(nowMs, meta);
    if (hostState === AP_STATE_WATCH_LIST) {
      if (detailed) this.debug!.clientPort(nowMs, this.cache.clientPort[host]!, hostState);
      this.counters[COUNTER_DROP_WATCH_LIST]!++;
      return VERDICT_DROP;
    }
    const flags = meta.tcpFlags;
    const isSyn = (flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) === TCP_FLAG_SYN;
    if (!isSyn) {
      // No connection for this segment: the endpoint answers with a reset (RFC 9293 §3.10.7.1).
      if (host >= 0) {
        if (detailed) this.debug!.clientPort(nowMs, this.cache.clientPort[host]!, hostState);
        this.cache.clientPort[host] = meta.srcPort;
      }
      this.endpoint.refuse(meta, nowMs);
      this.counters[COUNTER_DROP_NO_CONNECTION]!++;
      return VERDICT_DROP;
    }
    if (this.halfOpenCount >= this.halfOpenLimit) {
      this.counters[COUNTER_DROP_HALF_OPEN_LIMIT]!++;
      return VERDICT_DROP;
    }
    if (host < 0) {
      host = this.cache.create(meta.srcAddr, meta.srcPort, ingress,
        this.ruleCacheTimeMs[rule * 5 + index]!, nowMs);
      if (host < 0) {
        this.counters[COUNTER_DROP_CACHE_FULL]!++;
        return VERDICT_DROP;
      }
      this.counters[COUNTER_HOSTS_CREATED]!++;
      this.halfOpenCount++;
      if (detailed) this.debug!.halfOpenIncrement(nowMs, this.halfOpenCount);
      if ((this.debugFlags & DEBUG_OBJECT_CREATION) !== 0) {
        this.debug!.event(nowMs, DEBUG_OBJECT_CREATION,
          `AUTH-PROXY OBJ_CREATE: acct-session-id ${host + 1} cache entry for ${this.hostText(host)} port ${meta.srcPort}`);
      }
    } else {
      if (detailed) this.debug!.clientPort(nowMs, this.cache.clientPort[host]!, hostState);
      this.cache.clientPort[host] = meta.srcPort;
      if (this.cache.nodataConns[host]! >= this.maxNodataConns) {
        this.counters[COUNTER_DROP_NODATA_LIMIT]!++;
        return VERDICT_DROP;
      }
      this.halfOpenCount++;
    }
    this.cache.touch(host, nowMs);
    const conn = this.endpoint.open(meta, nowMs);
    if (conn < 0) {
      this.halfOpenCount--;
      this.counters[COUNTER_DROP_INTERCEPT_FULL]!++;
      return VERDICT_DROP;
    }
    this.connHalfOpen[conn] = 1;
    this.connNoData[conn] = 1;
    this.connHost[conn] = host;
    this.connHostGen[conn] = this.cache.generation[host]!;
    this.connProto[conn] = PROTO_BIT_OF_INDEX[index]!;
    this.cache.nodataConns[host]!++;
    return VERDICT_INTERCEPT;
  }

  /** A segment of an intercepted connection: debug lines, then the endpoint. */
  private interceptedSegment(conn: number, meta: PacketMeta, nowMs: number): number {
    const host = this.liveHost(conn);
    if ((this.debugFlags & DEBUG_DETAILED) !== 0) {
      const d = this.debug!;
      const ingress = this.interfaces.ingressOf(meta);
      const rule = ingress >= 0 ? this.interfaces.rule[ingress]! : -1;
      d.protoHeader(nowMs, rule >= 0 ? this.ruleProtoFlags[rule]! : 0, PORT_INDEX_OF_BIT[this.connProto[conn]!]!);
      d.segment(nowMs, meta);
      if (host >= 0) {
        const state = this.endpoint.closedByUs(conn) ? AP_STATE_FIN_WAIT : this.cache.state[host]!;
        d.clientPort(nowMs, this.cache.clientPort[host]!, state);
        if (state === AP_STATE_FIN_WAIT) d.finWait(nowMs);
      }
    }
    if (host >= 0) {
      this.cache.clientPort[host] = meta.srcPort;
      this.cache.touch(host, nowMs);
    }
    this.endpoint.input(conn, meta, nowMs);
    return VERDICT_INTERCEPT;
  }

  /**
   * The interface ACLs and the flow table decide a packet the proxy did not take. `slot` and
   * `dir` are the packet's flow and direction if `decide` has looked it up (-1: no flow), else
   * `SLOT_UNKNOWN`.
   */
  private filter(meta: PacketMeta, ingress: number, host: number, hostState: number, slot: number, dir: number,
    nowMs: number): number {
    const flows = this.flows;
    const v6 = meta.ipVersion === 6;
    if (slot === SLOT_UNKNOWN) {
      slot = flows.lookup(meta);
      dir = flows.lastDirection;
    }
    if (slot >= 0 && dir === FLOW_DIR_REPLY) {
      // Return traffic of a permitted flow (a temporary opening, as the IOS firewall makes).
      flows.update(slot, FLOW_DIR_REPLY, meta, nowMs);
      this.counters[COUNTER_RETURN_TRAFFIC]!++;
      // Replies that needed no ACL lookup and account to no host are remembered (the flow's
      // memo word 2): the next ones under the same tag pass straight through.
      if (!this.accountReturn(meta, nowMs) && this.recCount === 0 && this.memorable(meta)) {
        flows.setMemo(slot, 2, this.memoTag());
      }
      return VERDICT_FORWARD;
    }
    if (ingress >= 0) {
      const list = v6 ? this.interfaces.aclIn6[ingress]! : this.interfaces.aclIn4[ingress]!;
      if (list >= 0) {
        const authed = hostState === AP_STATE_HTTP_ESTAB;
        if (this.acls.classify(list, meta, authed, nowMs) !== ACL_PERMIT) {
          this.counters[COUNTER_DROP_ACL_IN]!++;
          return VERDICT_DROP;
        }
        this.recordMatch(list);
      }
    }
    const egress = this.interfaces.egress;
    if (egress >= 0) {
      const list = v6 ? this.interfaces.aclOut6[egress]! : this.interfaces.aclOut4[egress]!;
      if (list >= 0) {
        if (this.acls.classify(list, meta, false, nowMs) !== ACL_PERMIT) {
          this.counters[COUNTER_DROP_ACL_OUT]!++;
          return VERDICT_DROP;
        }
        this.recordMatch(list);
      }
    }
    const from = hostState === AP_STATE_HTTP_ESTAB ? host : -1;
    if (from >= 0) this.accountOut(from, meta, nowMs);
    if (slot >= 0) {
      flows.update(slot, dir, meta, nowMs);
      if (dir === FLOW_DIR_ORIGINAL) this.storeMemo(slot, from, meta);
    } else {
      const r = flows.insert(meta, ingress, nowMs);
      this.counters[r >= 0 ? COUNTER_FLOWS_CREATED : r === FLOW_INSERT_FULL ? COUNTER_FLOW_TABLE_FULL : COUNTER_FLOW_UNTRACKED]!++;
      if (r >= 0) this.storeMemo(r, from, meta);
    }
    return VERDICT_FORWARD;
  }

  /** An authenticated host sent a forwarded packet: refresh its inactivity timer, count it. */
  private accountOut(host: number, meta: PacketMeta, nowMs: number): void {
    const cache = this.cache;
    cache.touch(host, nowMs);
    cache.packetsOut[host]!++;
    cache.octetsOut[host]! += meta.ipTotalLength;
  }

  /** Counts return traffic to an authenticated host for accounting; true if there was one. */
  private accountReturn(meta: PacketMeta, nowMs: number): boolean {
    const cache = this.cache;
    if (cache.count === 0) return false;
    const host = cache.lookup(meta.dstAddr);
    if (host >= 0 && cache.state[host] === AP_STATE_HTTP_ESTAB) {
      cache.touch(host, nowMs);
      cache.packetsIn[host]!++;
      cache.octetsIn[host]! += meta.ipTotalLength;
      return true;
    }
    return false;
  }

  /** The cache slot of the host that opened `conn`, or -1 if that entry is gone. */
  private liveHost(conn: number): number {
    const host = this.connHost[conn]!;
    if (host < 0 || this.cache.generation[host] !== this.connHostGen[conn]) return -1;
    return host;
  }

  // ---- timers -------------------------------------------------------------------------------

  /** Runs timed work due at `nowMs`: endpoint retransmissions, cache and flow expiry. */
  poll(nowMs: number): void {
    this.endpoint.poll(nowMs);
    if (this.cache.nextDeadline() <= nowMs) {
      this.counters[COUNTER_HOSTS_EXPIRED]! += this.cache.expire(nowMs, this.onHostExpire);
    }
    if (this.flows.nextDeadline() <= nowMs) this.flows.expire(nowMs, 4096);
  }

  /**
   * True if `poll()` has work due at or before `nowMs`. The per-packet check of adapters: it
   * returns a boolean, so no time value is boxed.
   */
  dueBy(nowMs: number): boolean {
    return this.endpoint.nextDeadline() <= nowMs || this.cache.nextDeadline() <= nowMs || this.flows.nextDeadline() <= nowMs;
  }

  /** Earliest time `poll()` has work to do (Infinity if none). */
  nextDeadline(): number {
    return Math.min(this.endpoint.nextDeadline(), this.cache.nextDeadline(), this.flows.nextDeadline());
  }

  private readonly onHostExpire = (slot: number, reason: number, nowMs: number): void => {
    this.releaseHost(slot, reason, nowMs);
  };

  /** Removes a host's dynamic ACL entries and says so (the cache frees the slot). */
  private releaseHost(slot: number, reason: number, nowMs: number): void {
    const list = this.cache.aclList[slot]!;
    const addr = this.scratchAddr;
    for (let w = 0; w < 4; w++) addr[w] = this.cache.addr[slot * 4 + w]!;
    if (list >= 0) this.acls.removeDynamic(list, addr);
    if ((this.debugFlags & (DEBUG_OBJECT_DELETION | DEBUG_TIMERS)) !== 0) {
      this.debug!.event(nowMs, DEBUG_OBJECT_DELETION,
        `AUTH-PROXY OBJ_DELETE: delete auth_cache entry for ${this.hostText(slot)} (${AP_DELETE_REASONS[reason]})`);
    }
  }

  // ---- control plane (may allocate) -----------------------------------------------------------

  /**
   * Authenticates a host: creates or updates its cache entry as HTTP_ESTAB, installs its
   * downloaded `proxyacl#N` entries on the inbound ACL of its interface (atomically — on any
   * parse error nothing is installed and the host stays unauthenticated) and arms its timers.
   * `words` is the client address (IPv4-mapped for IPv4).
   */
  authorizeHost(words: Uint32Array, user: string, entries: readonly DynamicAclText[], nowMs: number): InstallResult {
    let host = this.cache.lookup(words);
    const ingress = host >= 0 ? this.cache.ifIndex[host]! : this.interfaces.interfaceOf(words);
    if (ingress < 0) return { ok: false, reason: 'the host is on no connected interface' };
    const v4 = words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
    const list = v4 ? this.interfaces.aclIn4[ingress]! : this.interfaces.aclIn6[ingress]!;
    if (list >= 0 && entries.length > 0) {
      const r = this.acls.installDynamic(list, words, entries);
      if (!r.ok) {
        if (this.messages !== null) {
          this.messages(nowMs, `AUTH-PROXY: login of ${user} from ${formatIp(words)} rejected: downloaded ACL not ` +
            `installed (${r.reason})`);
        }
        return r;
      }
    }
    // A new login without entries must not leave the previous login's entries behind.
    if (host >= 0 && entries.length === 0 && this.cache.aclList[host]! >= 0) {
      this.acls.removeDynamic(this.cache.aclList[host]!, words);
    }
    const rule = this.interfaces.rule[ingress]!;
    const cacheMs = rule >= 0 ? this.ruleCacheTimeMs[rule * 5 + 4]! : this.config.authProxy.authCacheTimeMin * MINUTE_MS;
    if (host < 0) {
      host = this.cache.create(words, 0, ingress, cacheMs, nowMs);
      if (host < 0) {
        if (list >= 0 && entries.length > 0) this.acls.removeDynamic(list, words);
        return { ok: false, reason: 'the auth-proxy cache is full' };
      }
      this.counters[COUNTER_HOSTS_CREATED]!++;
    }
    this.cache.setState(host, AP_STATE_HTTP_ESTAB);
    this.cache.setUser(host, user);
    this.cache.aclList[host] = list >= 0 && entries.length > 0 ? list : -1;
    this.cache.setTimers(host, cacheMs, this.absoluteMs, nowMs);
    return { ok: true };
  }

  /** Sets the auth-proxy state of a host's entry (login progress: HTTP_REQ, AUTHC_FAIL, …). */
  setHostState(words: Uint32Array, state: number): boolean {
    const host = this.cache.lookup(words);
    if (host < 0) return false;
    this.cache.setState(host, state);
    return true;
  }

  /** `clear ip auth-proxy cache *|HOST`: removes entries and their ACL entries. Returns how many. */
  clearCache(words: Uint32Array | null, nowMs: number): number {
    const slots: number[] = [];
    if (words === null) this.cache.forEach((s) => slots.push(s));
    else {
      const s = this.cache.lookup(words);
      if (s >= 0) slots.push(s);
    }
    for (const s of slots) {
      this.releaseHost(s, AP_DELETE_CLEAR, nowMs);
      this.cache.remove(s);
    }
    return slots.length;
  }

  /** Text form of a host's address. */
  hostText(slot: number): string {
    return formatIp(this.cache.addr.subarray(slot * 4, slot * 4 + 4));
  }

  /** Names of the auth-proxy rules, by index. */
  ruleName(index: number): string {
    return this.ruleNames[index]!;
  }

  /** Inactivity timeout of a cache entry, in whole minutes (`show ip auth-proxy cache`). */
  hostTimeoutMin(slot: number): number {
    return Math.round(this.cache.inactivityMs[slot]! / MINUTE_MS);
  }

  // ---- the login subsystem's side of intercepted connections -------------------------------

  /** Queues application bytes on an intercepted connection; returns how many were accepted. */
  connSend(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): number {
    return this.endpoint.send(conn, buf, off, len, nowMs);
  }

  /** Closes an intercepted connection after its queued bytes (the proxy's FIN). */
  connShutdown(conn: number, nowMs: number): void {
    this.endpoint.shutdown(conn, nowMs);
  }

  /** Resets an intercepted connection. */
  connAbort(conn: number, nowMs: number): void {
    this.endpoint.abort(conn, nowMs);
  }

  // ---- EndpointApp: events from the TCP endpoint --------------------------------------------

  accepted(conn: number, nowMs: number): void {
    if (this.connHalfOpen[conn] === 1) {
      this.connHalfOpen[conn] = 0;
      this.halfOpenCount--;
    }
    if (this.app !== null) this.app.accepted(conn, this.connProto[conn]!, nowMs);
  }

  data(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): void {
    if (this.connNoData[conn] === 1) {
      this.connNoData[conn] = 0;
      const host = this.liveHost(conn);
      if (host >= 0 && this.cache.nodataConns[host]! > 0) this.cache.nodataConns[host]!--;
    }
    if (this.app !== null) this.app.data(conn, buf, off, len, nowMs);
  }

  peerFin(conn: number, nowMs: number): void {
    if (this.app !== null) this.app.peerFin(conn, nowMs);
  }

  reset(conn: number, nowMs: number): void {
    if (this.app !== null) this.app.reset(conn, nowMs);
  }

  released(conn: number, _wasEstablished: boolean, nowMs: number): void {
    if (this.connHalfOpen[conn] === 1) {
      this.connHalfOpen[conn] = 0;
      this.halfOpenCount--;
    }
    if (this.connNoData[conn] === 1) {
      this.connNoData[conn] = 0;
      const host = this.liveHost(conn);
      if (host >= 0 && this.cache.nodataConns[host]! > 0) this.cache.nodataConns[host]!--;
    }
    this.connHost[conn] = -1;
    if (this.app !== null) this.app.released(conn, nowMs);
  }

  writable(conn: number, nowMs: number): void {
    if (this.app !== null) this.app.writable(conn, nowMs);
  }
}

/** Index in the intercepted-port table (spec §2) of a destination port, 0 if not configured. */
export function dstportIndex(port: number, protoFlag: number): number {
  switch (port) {
    case 21: return (protoFlag & AP_PROTO_FTP) !== 0 ? 1 : 0;
    case 23: return (protoFlag & AP_PROTO_TELNET) !== 0 ? 2 : 0;
    case 443: return (protoFlag & AP_PROTO_HTTPS) !== 0 ? 3 : 0;
    case 80: return (protoFlag & AP_PROTO_HTTP) !== 0 ? 4 : 0;
    default: return 0;
  }
}

/** AP_PROTO_* bit of each port index (index 0 unused). */
const PROTO_BIT_OF_INDEX = [0, AP_PROTO_FTP, AP_PROTO_TELNET, AP_PROTO_HTTPS, AP_PROTO_HTTP];
/** Port index of each AP_PROTO_* bit value. */
const PORT_INDEX_OF_BIT: number[] = [];
PORT_INDEX_OF_BIT[AP_PROTO_FTP] = 1;
PORT_INDEX_OF_BIT[AP_PROTO_TELNET] = 2;
PORT_INDEX_OF_BIT[AP_PROTO_HTTPS] = 3;
PORT_INDEX_OF_BIT[AP_PROTO_HTTP] = 4;

function protoIndexOfBit(bit: number): number {
  return PORT_INDEX_OF_BIT[bit] ?? 0;
}

function aclIndex(acls: AclRuntime, name: string | undefined): number {
  return name === undefined ? -1 : acls.listIndex(name);
}

