/**
 * Debug events the engine emits. The engine checks `Engine.debugFlags` before building any
 * event (a cheap guard on the hot path); the sink (src/log) formats them as IOS `AUTH-PROXY`
 * lines. Every call carries the time of the packet being handled.
 */
import type { PacketMeta } from '../wire/packet.js';

/** `debug ip auth-proxy detailed`. */
export const DEBUG_DETAILED = 0x01;
/** `debug ip auth-proxy object-creation`. */
export const DEBUG_OBJECT_CREATION = 0x02;
/** `debug ip auth-proxy object-deletion`. */
export const DEBUG_OBJECT_DELETION = 0x04;
/** `debug ip auth-proxy http`. */
export const DEBUG_HTTP = 0x08;
/** `debug ip auth-proxy ftp`. */
export const DEBUG_FTP = 0x10;
/** `debug ip auth-proxy telnet`. */
export const DEBUG_TELNET = 0x20;
/** `debug ip auth-proxy timers`. */
export const DEBUG_TIMERS = 0x40;
/** `debug ip auth-proxy function-trace`. */
export const DEBUG_FUNCTION_TRACE = 0x80;

/** Keyword → flag, as typed after `debug ip auth-proxy`. */
export const DEBUG_KEYWORDS: ReadonlyMap<string, number> = new Map([
  ['detailed', DEBUG_DETAILED],
  ['object-creation', DEBUG_OBJECT_CREATION],
  ['object-deletion', DEBUG_OBJECT_DELETION],
  ['http', DEBUG_HTTP],
  ['ftp', DEBUG_FTP],
  ['telnet', DEBUG_TELNET],
  ['timers', DEBUG_TIMERS],
  ['function-trace', DEBUG_FUNCTION_TRACE],
]);

/** Receiver of the engine's debug events (implemented by `src/log/auth-proxy-debug.ts`). */
export interface DebugSink {
  /** `AUTH-PROXY:proto_flag=P, dstport_index=I`. */
  protoHeader(nowMs: number, protoFlag: number, dstportIndex: number): void;
  /** `AUTH-PROXY:Protocol not configured on if_input`. */
  notConfigured(nowMs: number): void;
  /** The two segment lines (`<FLAGS> SEQ … LEN …`, `dst_addr … src_port …`) of the packet in `meta`. */
  segment(nowMs: number, meta: PacketMeta): void;
  /** `AUTH-PROXY:auth_proxy_half_open_count++ N`. */
  halfOpenIncrement(nowMs: number, count: number): void;
  /** `clientport P state S`. */
  clientPort(nowMs: number, port: number, state: number): void;
  /** `AUTH-PROXY:Packet in FIN_WAIT state`. */
  finWait(nowMs: number): void;
  /**
   * A control-plane event line for the other keywords (`object-creation`, `object-deletion`,
   * `timers`, `http`, …): `flag` says which keyword it belongs to, `text` is the line after
   * the timestamp. Built only when that keyword is enabled.
   */
  event(nowMs: number, flag: number, text: string): void;
}
