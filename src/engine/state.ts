/**
 * The state the engine's rooms share (src/engine/engine.ts lists them): one small object of
 * references to the tables, counters and compiled settings, built once. Each room keeps its own
 * working arrays; what two rooms both read or write lives here, and nowhere else.
 *
 * Results read back after a call. For speed, a few hot-path calls leave secondary results in
 * fields of the object called instead of returning an object: `FlowTable.lastDirection`,
 * `AclRuntime.lastMatchCode`, `InterfaceTable.lastIngress`/`lastEgress`/`lastSrcIsOwn`/
 * `lastDstIsOwn`. Such fields are named `last…`, are documented at the call that sets them, and
 * are read at once after that call, before any other call on the same object.
 */
import { PacketMeta } from '../wire/packet.js';
import type { AclRuntime } from '../acl/api.js';
import { FlowTable } from '../flow/flow-table.js';
import { AuthCache } from '../authproxy/auth-cache.js';
import type { WatchList } from '../authproxy/watch-list.js';
import type { TcpEndpoint } from '../tcp/endpoint.js';
import { TxQueue } from './tx-queue.js';
import { InterfaceTable } from './interfaces.js';
import type { DebugSink } from './debug.js';
import type { EngineSettings } from './settings.js';
import { PORT_INDEXES, portIndexOfBit } from './ports.js';

/** A debug sink that prints nothing: the engine's sink when it was given none. */
export const NO_DEBUG: DebugSink = {
  protoHeader(): void { /* nothing */ },
  notConfigured(): void { /* nothing */ },
  segment(): void { /* nothing */ },
  halfOpenIncrement(): void { /* nothing */ },
  clientPort(): void { /* nothing */ },
  finWait(): void { /* nothing */ },
  event(): void { /* nothing */ },
};

/** Receives the engine's messages (what a router logs whatever is being debugged). */
export type MessageSink = (nowMs: number, text: string) => void;

/** What the rooms share. */
export class EngineState {
  /** Counters (see counters.ts). */
  readonly counters: Float64Array;
  /** The decoded current packet (reused). */
  readonly meta = new PacketMeta();
  readonly interfaces = new InterfaceTable();
  readonly acls: AclRuntime;
  readonly cache: AuthCache;
  readonly flows: FlowTable;
  /** Hosts on the watch list, and failed-login counts (src/engine/watch.ts keeps them). */
  readonly watchList: WatchList;
  /** Packets the engine itself emits, waiting for the adapter. */
  readonly tx: TxQueue;
  /** The userspace TCP endpoint of intercepted connections (set once, right after construction). */
  endpoint!: TcpEndpoint;
  /** Where debug events go ({@link NO_DEBUG} when nowhere). */
  debug: DebugSink;
  /** DEBUG_* bits enabled; may change at any time. */
  debugFlags: number;
  /** Where messages go, or null. */
  messages: MessageSink | null;

  // Auth-proxy rules, index-aligned.
  readonly ruleNames: string[] = [];
  readonly ruleProtoFlags: number[] = [];
  /** Per rule and port index (stride {@link PORT_INDEXES}): ACL limiting the trigger (-1 none). */
  readonly ruleListAcl: number[] = [];
  /** Per rule and port index (stride {@link PORT_INDEXES}): inactivity timeout in ms. */
  readonly ruleCacheTimeMs: number[] = [];
  /** Inactivity timeout of hosts on an interface without a rule. */
  readonly defaultCacheTimeMs: number;
  readonly absoluteMs: number;
  readonly halfOpenLimit: number;
  readonly maxNodataConns: number;

  constructor(settings: EngineSettings, counters: Float64Array, acls: AclRuntime, flows: FlowTable, cache: AuthCache,
    watchList: WatchList, tx: TxQueue, debug: DebugSink | null, debugFlags: number, messages: MessageSink | null) {
    this.counters = counters;
    this.acls = acls;
    this.flows = flows;
    this.cache = cache;
    this.watchList = watchList;
    this.tx = tx;
    this.debug = debug ?? NO_DEBUG;
    this.debugFlags = debug === null ? 0 : debugFlags;
    this.messages = messages;
    this.defaultCacheTimeMs = settings.authCacheTimeMs;
    this.absoluteMs = settings.absoluteTimeMs;
    this.halfOpenLimit = settings.halfOpenLimit;
    this.maxNodataConns = settings.maxNodataConns;
    for (const rule of settings.rules) {
      const r = this.ruleNames.length;
      this.ruleNames.push(rule.name);
      this.ruleProtoFlags.push(rule.protoFlags);
      for (let p = 0; p < PORT_INDEXES; p++) {
        this.ruleListAcl[r * PORT_INDEXES + p] = -1;
        this.ruleCacheTimeMs[r * PORT_INDEXES + p] = settings.authCacheTimeMs;
      }
      for (const pr of rule.protocols) {
        const p = portIndexOfBit(pr.proto);
        this.ruleListAcl[r * PORT_INDEXES + p] = pr.list === undefined ? -1 : acls.listIndex(pr.list);
        if (pr.cacheTimeMs !== undefined) this.ruleCacheTimeMs[r * PORT_INDEXES + p] = pr.cacheTimeMs;
      }
    }
    for (const itf of settings.interfaces) {
      const rule = itf.rule === undefined ? -1 : this.ruleNames.indexOf(itf.rule);
      const idx = this.interfaces.addInterface(itf.name, rule,
        aclIndex(acls, itf.aclIn4), aclIndex(acls, itf.aclOut4), aclIndex(acls, itf.aclIn6), aclIndex(acls, itf.aclOut6));
      for (const a of itf.addresses) this.interfaces.addAddress(idx, a.words, a.prefixLength);
    }
    // Routes after every address: a next hop is resolved over the connected prefixes only (a
    // route to a next hop on none is not installed, as IOS does not install it). A route over an
    // interface the gateway does not have — Null0, the only one the config accepts — places
    // the packets it covers on no interface.
    for (const r of settings.routes) {
      const itf = r.interface !== undefined ? this.interfaces.indexOfName(r.interface)
        : this.interfaces.connectedInterfaceOf(r.nextHop!);
      if (itf >= 0 || r.interface !== undefined) this.interfaces.addRoute(itf, r.words, r.prefixLength, r.distance);
    }
  }
}

function aclIndex(acls: AclRuntime, name: string | undefined): number {
  return name === undefined ? -1 : acls.listIndex(name);
}
