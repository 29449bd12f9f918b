/**
 * UDP (RFC 768): a rebindable zero-copy {@link UdpView} and a {@link UdpRepr} for emit, tests
 * and the control plane.
 */
import { FAULT_BAD_UDP_LENGTH, FAULT_OK, FAULT_TRUNCATED_L4 } from './faults.js';
import { readU16, writeU16 } from './bytes.js';
import { IPPROTO_UDP } from './packet.js';
import { transportChecksum } from './tcp.js';
import type { Ipv4Repr } from './ipv4.js';
import type { Ipv6Repr } from './ipv6.js';

/** Length of the UDP header (RFC 768). */
export const UDP_HEADER_LENGTH = 8;

const O_SRC_PORT = 0;
const O_DST_PORT = 2;
const O_LENGTH = 4;
const O_CHECKSUM = 6;

/** A zero-copy view of one UDP datagram header. Rebind it for every datagram. */
export class UdpView {
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the UDP header in `buf`. */
  off = 0;
  /** Bytes available from `off`. */
  len = 0;

  /**
   * Binds the view to `buf[off, off+len)`. Returns FAULT_OK, FAULT_TRUNCATED_L4 (fewer than 8
   * bytes) or FAULT_BAD_UDP_LENGTH (length field below 8). The length field may exceed `len`
   * on snapped captures; the decoder checks it against the IP payload length. Never throws.
   */
  bind(buf: Uint8Array, off: number, len: number): number {
    this.buf = buf;
    this.off = off;
    this.len = len;
    if (len < UDP_HEADER_LENGTH || off < 0 || off + len > buf.length) return FAULT_TRUNCATED_L4;
    if (readU16(buf, off + O_LENGTH) < UDP_HEADER_LENGTH) return FAULT_BAD_UDP_LENGTH;
    return FAULT_OK;
  }

  get srcPort(): number { return readU16(this.buf, this.off + O_SRC_PORT); }
  get dstPort(): number { return readU16(this.buf, this.off + O_DST_PORT); }
  /** Length field: header + payload. */
  get length(): number { return readU16(this.buf, this.off + O_LENGTH); }
  /** Checksum field (0 = none over IPv4, RFC 768). */
  get checksum(): number { return readU16(this.buf, this.off + O_CHECKSUM); }
  get payloadOffset(): number { return this.off + UDP_HEADER_LENGTH; }
  /** Payload length according to the length field. */
  get payloadLength(): number { return this.length - UDP_HEADER_LENGTH; }

  set srcPort(v: number) { writeU16(this.buf, this.off + O_SRC_PORT, v); }
  set dstPort(v: number) { writeU16(this.buf, this.off + O_DST_PORT, v); }
  set length(v: number) { writeU16(this.buf, this.off + O_LENGTH, v); }
  set checksum(v: number) { writeU16(this.buf, this.off + O_CHECKSUM, v); }
}

/** A UDP datagram as plain values (allocates; not for the per-packet path). */
export class UdpRepr {
  srcPort = 0;
  dstPort = 0;
  payload: Uint8Array = new Uint8Array(0);

  /** Reads a bound view into a new repr (payload clipped to the bytes present). */
  static parse(view: UdpView): UdpRepr {
    const r = new UdpRepr();
    r.srcPort = view.srcPort;
    r.dstPort = view.dstPort;
    const n = Math.min(view.payloadLength, view.len - UDP_HEADER_LENGTH);
    r.payload = view.buf.slice(view.payloadOffset, view.payloadOffset + n);
    return r;
  }

  /** Header plus payload length. */
  get datagramLength(): number {
    return UDP_HEADER_LENGTH + this.payload.length;
  }

  /**
   * Writes the datagram at `buf[off…]` with its checksum over the pseudo-header of `ip`
   * (RFC 768; a computed 0 is sent as 0xffff). Returns the bytes written, or 0 when it does
   * not fit.
   */
  emit(buf: Uint8Array, off: number, ip: Ipv4Repr | Ipv6Repr): number {
    const total = this.datagramLength;
    if (off < 0 || off + total > buf.length || total > 0xffff) return 0;
    writeU16(buf, off + O_SRC_PORT, this.srcPort);
    writeU16(buf, off + O_DST_PORT, this.dstPort);
    writeU16(buf, off + O_LENGTH, total);
    writeU16(buf, off + O_CHECKSUM, 0);
    buf.set(this.payload, off + UDP_HEADER_LENGTH);
    const c = transportChecksum(buf, off, total, IPPROTO_UDP, ip);
    writeU16(buf, off + O_CHECKSUM, c === 0 ? 0xffff : c);
    return total;
  }
}
