/**
 * The IOS `AUTH-PROXY` debug formatter (spec §1–2): turns the engine's debug events into the
 * exact lines `debug ip auth-proxy …` prints, each stamped `*Mon D HH:MM:SS.mmm: ` with the
 * time of the packet being handled (UTC).
 */
import type { DebugSink } from '../engine/debug.js';
import type { PacketMeta } from '../wire/packet.js';
import { formatIpIos } from '../wire/addr.js';
import { TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN, TCP_FLAG_URG } from '../wire/packet.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Formats the IOS debug timestamp for `nowMs` (milliseconds since the epoch, possibly with a
 * sub-millisecond fraction, which is truncated): `*Mar 1 21:18:18.534`.
 */
export function formatDebugTimestamp(nowMs: number): string {
  // The epsilon absorbs binary rounding of µs-resolution capture times (x.534 stored as x.53399…).
  const ms = Math.floor(nowMs + 1e-6);
  const d = new Date(ms);
  const milli = ((ms % 1000) + 1000) % 1000;
  return `*${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:` +
    `${pad2(d.getUTCSeconds())}.${String(milli).padStart(3, '0')}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The first segment line: `<FLAGS> [ACK n ]SEQ n LEN n`. */
export function formatSegmentFlags(meta: PacketMeta): string {
  const f = meta.tcpFlags;
  let s = '';
  if (f & TCP_FLAG_FIN) s += 'FIN ';
  if (f & TCP_FLAG_SYN) s += 'SYN ';
  if (f & TCP_FLAG_RST) s += 'RST ';
  if (f & TCP_FLAG_PSH) s += 'PSH ';
  if (f & TCP_FLAG_URG) s += 'URG ';
  if (f & TCP_FLAG_ACK) s += `ACK ${meta.ack >>> 0} `;
  return `${s}SEQ ${meta.seq >>> 0} LEN ${meta.payloadLength}`;
}

/** The second segment line: `dst_addr A src_addr B dst_port P src_port Q`. */
export function formatSegmentAddresses(meta: PacketMeta): string {
  return `dst_addr ${formatIpIos(meta.dstAddr)} src_addr ${formatIpIos(meta.srcAddr)} ` +
    `dst_port ${meta.dstPort} src_port ${meta.srcPort}`;
}

/**
 * A `DebugSink` writing IOS debug lines through `write` (one call per line, `\n` included).
 * The caller buffers (see `LineBuffer`).
 */
export class AuthProxyDebugFormatter implements DebugSink {
  private lastMs = NaN;
  private lastStamp = '';

  /**
   * @param write receives each line.
   * @param originMs maps engine time to wall-clock time: the engine's `nowMs` is milliseconds
   *   since this origin (ms since the epoch). Default 0: engine time is epoch time.
   */
  constructor(private readonly write: (line: string) => void, private readonly originMs: () => number = () => 0) {}

  private line(nowMs: number, text: string): void {
    if (nowMs !== this.lastMs) {
      this.lastMs = nowMs;
      this.lastStamp = formatDebugTimestamp(this.originMs() + nowMs);
    }
    this.write(`${this.lastStamp}: ${text}\n`);
  }

  protoHeader(nowMs: number, protoFlag: number, dstportIndex: number): void {
    this.line(nowMs, `AUTH-PROXY:proto_flag=${protoFlag}, dstport_index=${dstportIndex}`);
  }

  notConfigured(nowMs: number): void {
    this.line(nowMs, 'AUTH-PROXY:Protocol not configured on if_input');
  }

  segment(nowMs: number, meta: PacketMeta): void {
    this.line(nowMs, formatSegmentFlags(meta));
    this.line(nowMs, formatSegmentAddresses(meta));
  }

  halfOpenIncrement(nowMs: number, count: number): void {
    this.line(nowMs, `AUTH-PROXY:auth_proxy_half_open_count++ ${count}`);
  }

  clientPort(nowMs: number, port: number, state: number): void {
    this.line(nowMs, `clientport ${port} state ${state}`);
  }

  finWait(nowMs: number): void {
    this.line(nowMs, 'AUTH-PROXY:Packet in FIN_WAIT state');
  }

  event(nowMs: number, _flag: number, text: string): void {
    this.line(nowMs, text);
  }
}

/** Collects output lines and hands them to `flush` in large chunks (one write per ~64 KiB). */
export class LineBuffer {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly sink: (chunk: string) => void, private readonly limit = 65536) {}

  /** Appends text; flushes when the buffer is large. */
  readonly write = (text: string): void => {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) this.flush();
  };

  /** Writes out everything buffered. */
  flush(): void {
    if (this.parts.length === 0) return;
    this.sink(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
