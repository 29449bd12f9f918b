/**
 * The verdict path: what the engine does with one decoded packet (DESIGN.md §1, README "How a
 * packet is decided"). A segment of an intercepted connection goes to the endpoint; a flow's
 * packet repeats its memo when one applies; otherwise the interfaces are resolved, an
 * unauthenticated host's TCP packet to a trigger port is intercepted, and everything else is
 * decided by the flow table (return traffic) and the interface ACLs.
 */
import {
  PacketMeta, FRAG_LATER, FRAG_NONE, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAG_ACK, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../wire/packet.js';
import { ACL_PERMIT } from '../acl/api.js';
import type { AclRuntime } from '../acl/api.js';
import { FlowTable, FLOW_DIR_ORIGINAL, FLOW_DIR_REPLY, FLOW_INSERT_FULL, FLOW_INVALID } from '../flow/flow-table.js';
import type { AuthCache } from '../authproxy/auth-cache.js';
import { AP_STATE_FIN_WAIT, AP_STATE_HTTP_ESTAB } from '../authproxy/states.js';
import type { InterfaceTable } from './interfaces.js';
import { DEBUG_DETAILED } from './debug.js';
import {
  COUNTER_DROP_ACL_IN, COUNTER_DROP_ACL_OUT, COUNTER_DROP_CACHE_FULL, COUNTER_DROP_HALF_OPEN_LIMIT,
  COUNTER_DROP_INTERCEPT_FULL, COUNTER_DROP_NODATA_LIMIT, COUNTER_DROP_NO_CONNECTION, COUNTER_DROP_WATCH_LIST,
  COUNTER_DROP_TCP_INVALID,
  COUNTER_FLOWS_CREATED, COUNTER_FLOW_EVICTED, COUNTER_FLOW_TABLE_FULL, COUNTER_FLOW_UNTRACKED, COUNTER_NO_INGRESS, COUNTER_RETURN_TRAFFIC,
} from './counters.js';
import type { EngineState } from './state.js';
import type { HostSessions } from './sessions.js';
import type { FlowMemos } from './flow-memo.js';
import type { InterceptedConnections } from './connections.js';
import { PORT_INDEXES, PORT_INDEX_OF_BIT, PROTO_BIT_OF_INDEX, dstportIndex } from './ports.js';
import { TCP_CTR_SYN_COOKIES_SENT } from '../tcp/counters.js';

/** Write the packet back (to the TUN device / `--out`). */
export const VERDICT_FORWARD = 0;
/** Drop it (the reason is counted). */
export const VERDICT_DROP = 1;
/** The userspace TCP endpoint took it (an intercepted connection). */
export const VERDICT_INTERCEPT = 2;
/** Addressed to the gateway itself: the host stack delivers it (live, it never enters the TUN). */
export const VERDICT_LOCAL = 3;

/** `slot` argument of `filter`: the flow table has not been searched for this packet yet. */
const SLOT_UNKNOWN = -2;

/** The engine's room for the per-packet decision. */
export class VerdictPath {
  private readonly counters: Float64Array;
  private readonly interfaces: InterfaceTable;
  private readonly flows: FlowTable;
  private readonly cache: AuthCache;
  private readonly acls: AclRuntime;

  constructor(
    private readonly s: EngineState,
    private readonly memos: FlowMemos,
    private readonly sessions: HostSessions,
    private readonly conns: InterceptedConnections,
  ) {
    this.counters = s.counters;
    this.interfaces = s.interfaces;
    this.flows = s.flows;
    this.cache = s.cache;
    this.acls = s.acls;
  }

  /** Decides a decoded packet at `nowMs`; returns a VERDICT_*. */
  decide(meta: PacketMeta, nowMs: number): number {
    const isTcp = meta.proto === IPPROTO_TCP && meta.fragment !== FRAG_LATER;
    // A segment of a connection the proxy intercepted goes to the endpoint, whoever sent it.
    if (isTcp && this.s.endpoint.connectionCount() > 0) {
      const conn = this.s.endpoint.lookup(meta);
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
    const memos = this.memos;
    if (memos.on && meta.fragment === FRAG_NONE && (meta.proto === IPPROTO_TCP || meta.proto === IPPROTO_UDP)
      && (this.s.debugFlags & DEBUG_DETAILED) === 0) {
      slot = this.flows.lookup(meta);
      if (slot >= 0) {
        dir = this.flows.lastDirection;
        if (dir === FLOW_DIR_ORIGINAL) {
          // Live, the ingress interface is known, not implied by the addresses: a packet of the
          // flow arriving on another interface (a spoofed source) takes the full path, under
          // that interface's ACLs.
          const fixed = this.interfaces.fixedIngress;
          if (fixed < 0 || this.flows.ingressOf(slot) === fixed) {
            const r = memos.repeat(slot, meta, nowMs);
            if (r >= 0) return r === FLOW_INVALID ? this.dropInvalid() : VERDICT_FORWARD;
          }
        } else {
          const tag = this.flows.memo(slot, 2);
          if (tag !== 0 && tag === memos.tag()) {
            if (this.flows.update(slot, FLOW_DIR_REPLY, meta, nowMs) === FLOW_INVALID) return this.dropInvalid();
            this.counters[COUNTER_RETURN_TRAFFIC]!++;
            return VERDICT_FORWARD;
          }
        }
      }
    }
    memos.begin();
    const itf = this.interfaces;
    itf.resolve(meta);
    // The gateway's own output (its login service answering, say) is the host stack's business.
    if (itf.lastSrcIsOwn) return VERDICT_LOCAL;
    const ingress = itf.lastIngress;
    if (ingress < 0) {
      // From beyond every route (no default route): counted per packet, so never remembered.
      this.counters[COUNTER_NO_INGRESS]!++;
      memos.forget();
    }
    const rule = ingress >= 0 ? itf.rule[ingress]! : -1;
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
    if (itf.lastDstIsOwn) return VERDICT_LOCAL;
    return this.filter(meta, ingress, host, hostState, slot, dir, nowMs);
  }

  /**
   * The auth-proxy check of a TCP packet from a host that is not authenticated, arriving on an
   * interface with rule `rule` (spec §2). Returns a verdict if the proxy took the packet, or
   * -1 to let the interface ACL decide.
   */
  private authProxyCandidate(meta: PacketMeta, rule: number, ingress: number, host: number, hostState: number,
    nowMs: number): number {
    const s = this.s;
    const protoFlag = s.ruleProtoFlags[rule]!;
    const index = this.interfaces.lastDstIsOwn ? 0 : dstportIndex(meta.dstPort, protoFlag);
    if (index !== 0) {
      const list = s.ruleListAcl[rule * PORT_INDEXES + index]!;
      // A rule's `list ACL` limits which traffic triggers the proxy; other traffic is not its concern.
      if (list >= 0) {
        const v = this.acls.classify(list, meta, false, nowMs);
        this.memos.record(list);
        if (v !== ACL_PERMIT) return -1;
      }
    }
    const detailed = (s.debugFlags & DEBUG_DETAILED) !== 0;
    const debug = s.debug;
    if (detailed) debug.protoHeader(nowMs, protoFlag, index);
    if (index === 0) {
      if (detailed) debug.notConfigured(nowMs);
      return -1;
    }
    if (detailed) debug.segment(nowMs, meta);
    const cache = this.cache;
    // A host on the watch list gets no intercepted connection until its entry expires.
    const watch = s.watchList;
    if (watch.listedCount !== 0 && watch.isListed(meta.srcAddr, nowMs)) {
      if (detailed && host >= 0) debug.clientPort(nowMs, cache.clientPort[host]!, hostState);
      this.counters[COUNTER_DROP_WATCH_LIST]!++;
      return VERDICT_DROP;
    }
    const flags = meta.tcpFlags;
    const isSyn = (flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) === TCP_FLAG_SYN;
    if (!isSyn) {
      if (host >= 0) {
        if (detailed) debug.clientPort(nowMs, cache.clientPort[host]!, hostState);
        cache.clientPort[host] = meta.srcPort;
      }
      // The ACK of a SYN cookie makes the connection (and the host's entry) only now.
      if (s.endpoint.counters[TCP_CTR_SYN_COOKIES_SENT]! > 0) {
        const v = this.cookieAck(meta, rule, index, ingress, host, nowMs);
        if (v >= 0) return v;
      }
      // No connection for this segment: the endpoint answers with a reset (RFC 9293 §3.10.7.1).
      s.endpoint.refuse(meta, nowMs);
      this.counters[COUNTER_DROP_NO_CONNECTION]!++;
      return VERDICT_DROP;
    }
    const conns = this.conns;
    const endpoint = s.endpoint;
    if (conns.halfOpenCount >= s.halfOpenLimit || endpoint.halfOpenFrom(meta) >= endpoint.halfOpenPerSource) {
      // Past the half-open limit (or the source's own cap), live: a SYN cookie, and no state —
      // no connection, no cache entry, no half-open count — until the ACK brings it back
      // (RFC 4987 §3.6). Replay cannot check cookies (the capture's client acknowledges the
      // original server's ISN), so there the SYN is dropped.
      if (!endpoint.cookiesUsable) {
        this.counters[COUNTER_DROP_HALF_OPEN_LIMIT]!++;
        return VERDICT_DROP;
      }
      if (host >= 0) {
        if (detailed) debug.clientPort(nowMs, cache.clientPort[host]!, hostState);
        cache.clientPort[host] = meta.srcPort;
      }
      endpoint.answerWithCookie(meta, nowMs);
      return VERDICT_INTERCEPT;
    }
    if (host < 0) {
      host = this.sessions.create(meta.srcAddr, meta.srcPort, ingress, s.ruleCacheTimeMs[rule * PORT_INDEXES + index]!, nowMs);
      if (host < 0) {
        this.counters[COUNTER_DROP_CACHE_FULL]!++;
        return VERDICT_DROP;
      }
      conns.halfOpenCount++;
      if (detailed) debug.halfOpenIncrement(nowMs, conns.halfOpenCount);
      this.sessions.announceCreated(host, meta.srcPort, nowMs);
    } else {
      if (detailed) debug.clientPort(nowMs, cache.clientPort[host]!, hostState);
      cache.clientPort[host] = meta.srcPort;
      if (cache.nodataConns[host]! >= s.maxNodataConns) {
        this.counters[COUNTER_DROP_NODATA_LIMIT]!++;
        return VERDICT_DROP;
      }
      conns.halfOpenCount++;
    }
    cache.touch(host, nowMs);
    const conn = s.endpoint.open(meta, nowMs);
    if (conn < 0) {
      conns.halfOpenCount--;
      this.counters[COUNTER_DROP_INTERCEPT_FULL]!++;
      return VERDICT_DROP;
    }
    conns.opened(conn, host, PROTO_BIT_OF_INDEX[index]!);
    return VERDICT_INTERCEPT;
  }

  /**
   * A segment of no connection that may acknowledge a SYN cookie: if it does, the host's entry
   * is made (if it has none; `object-creation` says so, `detailed` prints no `++` line: the
   * connection was never counted half-open) and the connection, which the segment then
   * establishes. Returns VERDICT_INTERCEPT (VERDICT_DROP if the cache is full), or -1 when the
   * segment brings back no cookie.
   */
  private cookieAck(meta: PacketMeta, rule: number, index: number, ingress: number, host: number, nowMs: number): number {
    const s = this.s;
    const conn = s.endpoint.openFromCookie(meta, nowMs);
    if (conn < 0) return -1;
    if (host < 0) {
      host = this.sessions.create(meta.srcAddr, meta.srcPort, ingress, s.ruleCacheTimeMs[rule * PORT_INDEXES + index]!, nowMs);
      if (host < 0) {
        s.endpoint.abort(conn, nowMs);
        this.counters[COUNTER_DROP_CACHE_FULL]!++;
        return VERDICT_DROP;
      }
      this.sessions.announceCreated(host, meta.srcPort, nowMs);
    }
    this.cache.touch(host, nowMs);
    this.conns.opened(conn, host, PROTO_BIT_OF_INDEX[index]!, false);
    s.endpoint.input(conn, meta, nowMs);
    return VERDICT_INTERCEPT;
  }

  /** A segment of an intercepted connection: debug lines, then the endpoint. */
  private interceptedSegment(conn: number, meta: PacketMeta, nowMs: number): number {
    const s = this.s;
    const host = this.conns.liveHost(conn);
    if ((s.debugFlags & DEBUG_DETAILED) !== 0) {
      const d = s.debug;
      const ingress = this.interfaces.ingressOf(meta);
      const rule = ingress >= 0 ? this.interfaces.rule[ingress]! : -1;
      d.protoHeader(nowMs, rule >= 0 ? s.ruleProtoFlags[rule]! : 0, PORT_INDEX_OF_BIT[this.conns.protoOf(conn)]!);
      d.segment(nowMs, meta);
      if (host >= 0) {
        const state = s.endpoint.closedByUs(conn) ? AP_STATE_FIN_WAIT : this.cache.state[host]!;
        d.clientPort(nowMs, this.cache.clientPort[host]!, state);
        if (state === AP_STATE_FIN_WAIT) d.finWait(nowMs);
      }
    }
    if (host >= 0) {
      this.cache.clientPort[host] = meta.srcPort;
      this.cache.touch(host, nowMs);
    }
    s.endpoint.input(conn, meta, nowMs);
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
    const memos = this.memos;
    if (slot >= 0 && dir === FLOW_DIR_REPLY) {
      // Return traffic of a permitted flow (a temporary opening, as the IOS firewall makes),
      // unless the tracker finds it cannot belong to the connection.
      if (flows.update(slot, FLOW_DIR_REPLY, meta, nowMs) === FLOW_INVALID) return this.dropInvalid();
      this.counters[COUNTER_RETURN_TRAFFIC]!++;
      // Replies that needed no ACL lookup and account to no host are remembered (the flow's
      // memo word 2): the next ones under the same tag pass straight through.
      if (!this.sessions.accountReturn(meta, nowMs) && memos.recordedNothing() && memos.memorable(meta)) {
        flows.setMemo(slot, 2, memos.tag());
      }
      return VERDICT_FORWARD;
    }
    const itf = this.interfaces;
    if (ingress >= 0) {
      const list = v6 ? itf.aclIn6[ingress]! : itf.aclIn4[ingress]!;
      if (list >= 0) {
        const authed = hostState === AP_STATE_HTTP_ESTAB;
        if (this.acls.classify(list, meta, authed, nowMs) !== ACL_PERMIT) {
          this.counters[COUNTER_DROP_ACL_IN]!++;
          return VERDICT_DROP;
        }
        memos.record(list);
      }
    }
    const egress = itf.lastEgress;
    if (egress >= 0) {
      const list = v6 ? itf.aclOut6[egress]! : itf.aclOut4[egress]!;
      if (list >= 0) {
        if (this.acls.classify(list, meta, false, nowMs) !== ACL_PERMIT) {
          this.counters[COUNTER_DROP_ACL_OUT]!++;
          return VERDICT_DROP;
        }
        memos.record(list);
      }
    }
    const from = hostState === AP_STATE_HTTP_ESTAB ? host : -1;
    if (from >= 0) this.sessions.accountOut(from, meta, nowMs);
    if (slot >= 0) {
      if (flows.update(slot, dir, meta, nowMs) === FLOW_INVALID) return this.dropInvalid();
      // A memo is the decision of the flow's own ingress interface (see `decide`).
      if (dir === FLOW_DIR_ORIGINAL && (itf.fixedIngress < 0 || flows.ingressOf(slot) === ingress)) memos.store(slot, from, meta);
    } else {
      const r = flows.insert(meta, ingress, nowMs);
      this.counters[r >= 0 ? COUNTER_FLOWS_CREATED : r === FLOW_INSERT_FULL ? COUNTER_FLOW_TABLE_FULL : COUNTER_FLOW_UNTRACKED]!++;
      if (flows.lastEvicted) this.counters[COUNTER_FLOW_EVICTED]!++;
      if (r >= 0) memos.store(r, from, meta);
    }
    return VERDICT_FORWARD;
  }

  /**
   * Drops a segment the TCP tracker found invalid for its tracked flow (a blind reset outside
   * the window, data on a closed connection, …), as a stateful filter drops conntrack's
   * INVALID; counted in `drop-tcp-invalid`.
   */
  private dropInvalid(): number {
    this.counters[COUNTER_DROP_TCP_INVALID]!++;
    return VERDICT_DROP;
  }
}
