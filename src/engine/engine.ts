/**
 * The data plane: `handle(packet, nowMs) → verdict`, a pure function of the packet bytes, the
 * time and the engine's own state (DESIGN.md §1). It decodes the packet, finds the ingress
 * interface, intercepts unauthenticated hosts' connections to trigger ports with the userspace
 * TCP endpoint (which answers as the original server), and decides everything else with the
 * interface ACLs (each authenticated host's dynamic entries first) and the flow table (return
 * traffic of permitted flows). Answers the endpoint produces wait in `tx` for the adapter.
 *
 * The engine is a front for four rooms that share one {@link EngineState}:
 * - {@link VerdictPath} (verdict.ts): the per-packet decision;
 * - {@link FlowMemos} (flow-memo.ts): what a flow's next packets may repeat;
 * - {@link InterceptedConnections} (connections.ts): the bookkeeping of intercepted
 *   connections and the relay between the TCP endpoint and the login subsystem;
 * - {@link HostSessions} (sessions.ts): the hosts' cache entries — authorization, accounting,
 *   timers, removal with a reason.
 *
 * Nothing here does I/O, reads a clock, draws random numbers or sets timers: time comes in as
 * `nowMs`, ISNs from the injected `rng`, and `nextDeadline()` says when `poll()` has work.
 * `nowMs` is milliseconds on the adapter's timeline; adapters pass whole milliseconds from an
 * origin of their choosing (replay: the capture's first packet), which keeps times small
 * integers that the per-packet path never has to box.
 */
import { permitsConnection } from './query.js';
import type { PacketMeta } from '../wire/packet.js';
import { decodePacket } from '../wire/decode.js';
import { LINKTYPE_RAW, segmentCount } from '../wire/packet.js';
import { FAULT_OK } from '../wire/faults.js';
import type { AclRuntime, DynamicAclText } from '../acl/api.js';
import { AP_PROTO_HTTP } from '../authproxy/protocols.js';
import { FlowTable } from '../flow/flow-table.js';
import { hashKeyFromSeed, type HashKey } from '../table/keyed-hash.js';
import { AuthCache } from '../authproxy/auth-cache.js';
import { WatchList } from '../authproxy/watch-list.js';
import { TcpEndpoint } from '../tcp/endpoint.js';
import { TxQueue } from './tx-queue.js';
import type { InterfaceTable } from './interfaces.js';
import type { DebugSink } from './debug.js';
import {
  COUNTER_COUNT, COUNTER_DROPPED, COUNTER_FAULT_BASE, COUNTER_FORWARDED, COUNTER_INTERCEPTED, COUNTER_LOCAL, COUNTER_PACKETS,
  COUNTER_SUPER_PACKETS,
} from './counters.js';
import { EngineState, NO_DEBUG } from './state.js';
import type { MessageSink } from './state.js';
import type { EngineSettings } from './settings.js';
import { HostSessions } from './sessions.js';
import { HostWatch } from './watch.js';
import type { AuthorizeResult, ReplaceEntriesResult } from './sessions.js';
import type { SessionListener } from './session-hooks.js';
import { AP_DELETE_SHUTDOWN } from '../authproxy/states.js';

export type { AuthorizeResult, ReplaceEntriesResult };
export type { SessionListener } from './session-hooks.js';
import { FlowMemos } from './flow-memo.js';
import { InterceptedConnections } from './connections.js';
import type { InterceptApp } from './connections.js';
import { VerdictPath, VERDICT_DROP, VERDICT_FORWARD, VERDICT_INTERCEPT } from './verdict.js';

export { VERDICT_FORWARD, VERDICT_DROP, VERDICT_INTERCEPT, VERDICT_LOCAL } from './verdict.js';
export type { InterceptApp } from './connections.js';
export { dstportIndex } from './ports.js';

export const VERDICT_NAMES: readonly string[] = ['forward', 'drop', 'intercept', 'local'];

export interface EngineOptions {
  /** The gateway's configuration as the engine needs it (`engineSettingsOf(config)`). */
  readonly settings: EngineSettings;
  readonly acls: AclRuntime;
  /** Source of uint32 random numbers (ISNs). Seeded in replay, so output repeats exactly. */
  readonly rng: () => number;
  /**
   * The process's secret key for every table keyed by what packets choose (flows, hosts): from
   * `--seed` in replay, from the operating system live. Default: derived from one `rng` draw.
   */
  readonly hashKey?: HashKey;
  /** Replay mode: follow the capture's sequence space (spec §5), pick up flows mid-stream. */
  readonly replay: boolean;
  readonly debug?: DebugSink | null;
  /** DEBUG_* bits enabled. */
  readonly debugFlags?: number;
  readonly app?: InterceptApp | null;
  readonly maxFlows?: number;
  readonly maxHosts?: number;
  readonly maxInterceptedConnections?: number;
  /** Hosts the watch list and failed-login counts hold at most (default 4,096). */
  readonly maxWatchListEntries?: number;
  /** MSS the endpoint announces (IPv4; IPv6 uses 20 bytes less). */
  readonly mss?: number;
  readonly txQueueBytes?: number;
  /**
   * Receives the engine's messages (not debug output: what a router logs whatever is being
   * debugged, e.g. a rejected ACL download). Called with the time and one line of text.
   */
  readonly messages?: MessageSink | null;
  /**
   * Remember in each flow how its packets were decided and repeat that for the flow's next
   * packets of the same kind (see `VerdictPath.decide`). Default true; off, every packet takes
   * every step (tests prove both give the same results).
   */
  readonly flowMemo?: boolean;
}

/** The auth-proxy data plane. One per gateway (or per replay). */
export class Engine {
  /** Packets the engine itself emits, waiting for the adapter. */
  readonly tx: TxQueue;
  /** Counters (see counters.ts). */
  readonly counters: Float64Array;
  /** The decoded current packet (reused). */
  readonly meta: PacketMeta;
  /** gso_size of the super-packet {@link handleOn} is handling (0: a plain packet, and outside it). */
  private gsoSize = 0;
  readonly interfaces: InterfaceTable;
  readonly cache: AuthCache;
  readonly flows: FlowTable;
  readonly endpoint: TcpEndpoint;
  readonly acls: AclRuntime;
  /** Hosts on the watch list and failed-login counts (`show ip auth-proxy watch-list`). */
  readonly watchList: WatchList;

  private readonly state: EngineState;
  private readonly sessions: HostSessions;
  private readonly watch: HostWatch;
  private readonly conns: InterceptedConnections;
  private readonly path: VerdictPath;

  constructor(opts: EngineOptions) {
    const maxConns = opts.maxInterceptedConnections ?? 4096;
    const counters = new Float64Array(COUNTER_COUNT);
    const tx = new TxQueue(opts.txQueueBytes ?? 8 << 20, undefined, undefined, counters);
    const hashKey = opts.hashKey ?? hashKeyFromSeed(opts.rng());
    const cache = new AuthCache(opts.maxHosts ?? 65536, undefined, hashKey);
    const flows = new FlowTable({ capacity: opts.maxFlows ?? 262144, midstreamPickup: opts.replay, hashKey });
    const st = opts.settings;
    const watchList = new WatchList({
      enabled: st.watchListEnabled, expiryMs: st.watchListExpiryMs, maxLoginAttempts: st.maxLoginAttempts,
    }, opts.maxWatchListEntries ?? 4096, hashKey);
    for (const w of st.watchListItems) watchList.addManual(w, 0);
    const s = new EngineState(st, counters, opts.acls, flows, cache, watchList, tx, opts.debug ?? null, opts.debugFlags ?? 0,
      opts.messages ?? null);
    this.state = s;
    this.sessions = new HostSessions(s);
    this.watch = new HostWatch(s, watchList);
    this.watchList = watchList;
    this.conns = new InterceptedConnections(s, this.sessions, maxConns, opts.app ?? null);
    s.endpoint = new TcpEndpoint({
      maxConnections: maxConns,
      mss: opts.mss ?? 1460,
      sendBufferBytes: 64 * 1024,
      receiveBufferBytes: 64 * 1024,
      rng: opts.rng,
      followPeerSequence: opts.replay,
      holdUntilRead: true,
      hashKey,
      tx,
      app: this.conns,
    });
    const memos = new FlowMemos(s, this.sessions, opts.flowMemo ?? true);
    this.path = new VerdictPath(s, memos, this.sessions, this.conns);
    this.tx = tx;
    this.counters = s.counters;
    this.meta = s.meta;
    this.interfaces = s.interfaces;
    this.cache = cache;
    this.flows = flows;
    this.endpoint = s.endpoint;
    this.acls = s.acls;
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
    const gso = this.gsoSize;
    if (gso !== 0) meta.segments = segmentCount(meta.payloadLength, gso);
    const v = this.path.decide(meta, nowMs);
    c[v === VERDICT_FORWARD ? COUNTER_FORWARDED : v === VERDICT_DROP ? COUNTER_DROPPED
      : v === VERDICT_INTERCEPT ? COUNTER_INTERCEPTED : COUNTER_LOCAL]!++;
    return v;
  }

  /**
   * Handles one IP packet that arrived on interface `ingress` (an index into
   * {@link interfaces}, config order), as a live gateway reads it from that interface's TUN
   * device: the same path as {@link handle}, with the ingress interface known instead of found
   * by reverse-path lookup (and a flow's memo repeated only for packets arriving on the flow's
   * own ingress interface). `gsoSize` is the virtio header's `gso_size` of a super-packet (0 for
   * a plain packet): the super-packet is classified once, as the single segment of its headers
   * it is (never split), and counted as the segments it carries, ceil(payload / gsoSize), like
   * the kernel's own segmentation will make of it: in `packets` and its verdict's counter, in the
   * match counts of the ACL entries it matched (`show ip access-lists`), and in its host's
   * accounting (packets, and octets as the segments put them on the wire: each repeats the
   * headers, {@link wireOctets}). A super-packet that does not decode counts once (its segments
   * are unknown).
   */
  handleOn(buf: Uint8Array, off: number, len: number, ingress: number, gsoSize: number, nowMs: number): number {
    const itf = this.interfaces;
    itf.fixedIngress = ingress;
    this.gsoSize = gsoSize;
    const v = this.handle(buf, off, len, LINKTYPE_RAW, nowMs);
    itf.fixedIngress = -1;
    if (gsoSize > 0) {
      this.gsoSize = 0;
      const meta = this.meta;
      const more = meta.segments - 1;
      meta.segments = 1;
      const c = this.counters;
      c[COUNTER_SUPER_PACKETS]!++;
      c[COUNTER_PACKETS]! += more;
      c[v === VERDICT_FORWARD ? COUNTER_FORWARDED : v === VERDICT_DROP ? COUNTER_DROPPED
        : v === VERDICT_INTERCEPT ? COUNTER_INTERCEPTED : COUNTER_LOCAL]! += more;
    }
    return v;
  }

  // ---- debug and messages ---------------------------------------------------------------------

  /** DEBUG_* bits enabled; may be changed at any time (`debug ip auth-proxy …`). */
  get debugFlags(): number {
    return this.state.debugFlags;
  }

  set debugFlags(flags: number) {
    this.state.debugFlags = flags;
  }

  /** Where debug events go (null: nowhere; flags may still be set). */
  get debug(): DebugSink | null {
    return this.state.debug === NO_DEBUG ? null : this.state.debug;
  }

  set debug(sink: DebugSink | null) {
    this.state.debug = sink ?? NO_DEBUG;
  }

  /** Where messages go (see EngineOptions.messages). */
  get messages(): MessageSink | null {
    return this.state.messages;
  }

  set messages(sink: MessageSink | null) {
    this.state.messages = sink;
  }

  /**
   * Told when an authorized host session starts and ends (src/engine/session-hooks.ts: RADIUS
   * accounting listens), or null.
   */
  get sessionListener(): SessionListener | null {
    return this.sessions.listener;
  }

  set sessionListener(listener: SessionListener | null) {
    this.sessions.listener = listener;
  }

  /** The login subsystem receiving intercepted connections. */
  get app(): InterceptApp | null {
    return this.conns.app;
  }

  set app(app: InterceptApp | null) {
    this.conns.app = app;
  }

  /** Intercepted connections that sent a SYN and have not completed the handshake. */
  get halfOpenCount(): number {
    return this.conns.halfOpenCount;
  }

  // ---- timers -------------------------------------------------------------------------------

  /** Runs timed work due at `nowMs`: endpoint retransmissions, cache and flow expiry. */
  poll(nowMs: number): void {
    const s = this.state;
    s.endpoint.poll(nowMs);
    this.sessions.expire(nowMs);
    this.watch.expire(nowMs);
    if (s.flows.nextDeadline() <= nowMs) s.flows.expire(nowMs, 4096);
  }

  /**
   * True if `poll()` has work due at or before `nowMs`. The per-packet check of adapters: it
   * returns a boolean, so no time value is boxed.
   */
  dueBy(nowMs: number): boolean {
    return this.endpoint.nextDeadline() <= nowMs || this.cache.nextDeadline() <= nowMs || this.flows.nextDeadline() <= nowMs
      || this.watchList.nextDeadline() <= nowMs;
  }

  /** Earliest time `poll()` has work to do (Infinity if none). */
  nextDeadline(): number {
    return Math.min(this.endpoint.nextDeadline(), this.cache.nextDeadline(), this.flows.nextDeadline(),
      this.watchList.nextDeadline());
  }

  // ---- host sessions (control plane, may allocate) ---------------------------------------------

  /**
   * Authenticates a host: creates or updates its cache entry as HTTP_ESTAB, installs its
   * downloaded `proxyacl#N` entries on the inbound ACL of its interface (atomically — on any
   * parse error nothing is installed and the host stays unauthenticated) and arms its timers.
   * `words` is the client address (IPv4-mapped for IPv4); `proto` the AP_PROTO_* bit of the
   * protocol the user logged in through, whose rule line's inactivity time the entry takes;
   * `authentic` how the user was authenticated, kept for the session's accounting
   * ({@link sessionAuthentic}): the RFC 2866 §5.6 Acct-Authentic value (1 RADIUS, 2 Local,
   * 3 Remote), 0 when not known.
   */
  authorizeHost(words: Uint32Array, user: string, entries: readonly DynamicAclText[], nowMs: number,
    proto = AP_PROTO_HTTP, authentic = 0): AuthorizeResult {
    return this.sessions.authorize(words, user, entries, nowMs, proto, authentic);
  }

  /**
   * Would a new TCP connection from `client` to `dst`:`dstPort` pass the interface ACLs as the
   * host's own SYN would (its downloaded entries included)? Asked by the explicit proxy before
   * it connects on a user's behalf (`query.ts`). Counts as that packet would.
   */
  permitsConnection(client: Uint32Array, dst: Uint32Array, dstPort: number, nowMs: number): boolean {
    return permitsConnection(this.state, client, dst, dstPort, nowMs);
  }

  /** Sets the auth-proxy state of a host's entry (login progress: HTTP_REQ, AUTHC_FAIL, …). */
  setHostState(words: Uint32Array, state: number): boolean {
    return this.sessions.setState(words, state);
  }

  /**
   * A login from `words` failed (credentials rejected, or a privilege below 15): counted toward
   * `max-login-attempts`; the host's entry goes to AUTHC_FAIL, or WATCH_LIST when this failure
   * lists it. Returns the watch list's FAILURE_* code.
   */
  loginFailed(words: Uint32Array, nowMs: number): number {
    return this.watch.loginFailed(words, nowMs);
  }

  /** A login from `words` succeeded: its failed attempts are forgotten. */
  loginSucceeded(words: Uint32Array): void {
    this.watch.loginSucceeded(words);
  }

  /** True if `words` is on the watch list (and the list is on): its logins and intercepted connections are refused. */
  isWatchListed(words: Uint32Array, nowMs: number): boolean {
    return this.watchList.isListed(words, nowMs);
  }

  /** Puts `words` on the watch list by hand (until cleared); false if the list is full of listed hosts. */
  watchListAdd(words: Uint32Array, nowMs: number): boolean {
    return this.watch.add(words, nowMs);
  }

  /** `clear ip auth-proxy watch-list *|ADDRESS` (null: all). Returns how many entries left the list. */
  clearWatchList(words: Uint32Array | null, nowMs: number): number {
    return this.watch.clear(words, nowMs);
  }

  /** `clear ip auth-proxy cache *|HOST`: removes entries and their ACL entries. Returns how many. */
  clearCache(words: Uint32Array | null, nowMs: number): number {
    return this.sessions.clear(words, nowMs);
  }

  /**
   * A RADIUS Disconnect-Request (RFC 5176 §2.1) for the host `words`: its entry and downloaded
   * entries go, its session ends with reason `disconnect` (accounting: Admin-Reset). False
   * when the host has no authorized session.
   */
  disconnectHost(words: Uint32Array, nowMs: number): boolean {
    return this.sessions.disconnect(words, nowMs);
  }

  /**
   * A RADIUS CoA-Request (RFC 5176 §2.2) for the host `words`: its downloaded `proxyacl#N`
   * entries become `entries` (none: removed), atomically — on any parse error nothing changes.
   * The session goes on.
   */
  replaceHostEntries(words: Uint32Array, entries: readonly DynamicAclText[]): ReplaceEntriesResult {
    return this.sessions.replaceEntries(words, entries);
  }

  /**
   * The gateway stops: every cache entry goes (reason `shutdown`), so that each authorized
   * session's end is reported. Returns how many entries there were.
   */
  endAllSessions(nowMs: number): number {
    return this.sessions.clear(null, nowMs, AP_DELETE_SHUTDOWN);
  }

  /**
   * The counters of the authorized session in cache slot `slot` into `out` (`USAGE_*` of
   * session-hooks.ts; an Interim-Update's figures); false when the slot has none.
   */
  sessionUsage(slot: number, out: Float64Array): boolean {
    return this.sessions.usageOf(slot, out);
  }

  /** True if the entry in cache slot `slot` has an authorized session. */
  hasSession(slot: number): boolean {
    return this.sessions.isAuthorized(slot);
  }

  /** Text form of a host's address. */
  hostText(slot: number): string {
    return this.sessions.hostText(slot);
  }

  /** Accounting session id of the entry in cache slot `slot` (unique per entry, RFC 2866 §5.5). */
  sessionId(slot: number): number {
    return this.sessions.sessionId(slot);
  }

  /** How the user of the session in cache slot `slot` was authenticated, as {@link authorizeHost} was told (0: not known). */
  sessionAuthentic(slot: number): number {
    return this.sessions.authenticOf(slot);
  }

  /** Names of the auth-proxy rules, by index. */
  ruleName(index: number): string {
    return this.state.ruleNames[index]!;
  }

  /** Inactivity timeout of a cache entry, in whole minutes (`show ip auth-proxy cache`). */
  hostTimeoutMin(slot: number): number {
    return this.sessions.hostTimeoutMin(slot);
  }

  // ---- the login subsystem's side of intercepted connections -------------------------------

  /** Queues application bytes on an intercepted connection; returns how many were accepted. */
  connSend(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): number {
    return this.conns.send(conn, buf, off, len, nowMs);
  }

  /** Closes an intercepted connection after its queued bytes (the proxy's FIN). */
  connShutdown(conn: number, nowMs: number): void {
    this.conns.shutdown(conn, nowMs);
  }

  /** Resets an intercepted connection. */
  connAbort(conn: number, nowMs: number): void {
    this.conns.abort(conn, nowMs);
  }

  /**
   * The app read `n` of the bytes delivered on `conn`: the endpoint's receive window reopens by
   * as much (flow control: a client can send no more than the app has room for).
   */
  connRead(conn: number, n: number, nowMs: number): void {
    this.conns.read(conn, n, nowMs);
  }

  /** Arms the app's deadline for `conn` at `atMs` on the engine's clock; `InterceptApp.timeout` follows. */
  connSetDeadline(conn: number, atMs: number): void {
    this.conns.setDeadline(conn, atMs);
  }
}
