/**
 * ICMP for IPv4 (RFC 792) and IPv6 (RFC 4443): a rebindable zero-copy {@link IcmpView} and an
 * {@link IcmpRepr} for emit, tests and the control plane.
 */
import { FAULT_OK, FAULT_TRUNCATED_L4 } from './faults.js';
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { foldChecksum, sumWords } from './checksum.js';
import { IPPROTO_ICMPV6 } from './packet.js';
import { transportChecksum } from './tcp.js';
import type { Ipv6Repr } from './ipv6.js';

/** Type, code, checksum and the 4-byte rest of header every ICMP message has (RFC 792, RFC 4443 §2.1). */
export const ICMP_HEADER_LENGTH = 8;

/** ICMPv4 types (RFC 792). */
export const ICMP4_ECHO_REPLY = 0;
export const ICMP4_DEST_UNREACHABLE = 3;
export const ICMP4_ECHO_REQUEST = 8;
export const ICMP4_TIME_EXCEEDED = 11;
/** ICMPv4 destination-unreachable codes used by the gateway (RFC 792, RFC 1812 §5.2.7.1). */
export const ICMP4_CODE_PORT_UNREACHABLE = 3;
export const ICMP4_CODE_ADMIN_PROHIBITED = 13;

/** ICMPv6 types (RFC 4443 §2.1, RFC 4861 §4). */
export const ICMP6_DEST_UNREACHABLE = 1;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_PARAMETER_PROBLEM = 4;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;
export const ICMP6_ROUTER_SOLICITATION = 133;
export const ICMP6_ROUTER_ADVERTISEMENT = 134;
export const ICMP6_NEIGHBOR_SOLICITATION = 135;
export const ICMP6_NEIGHBOR_ADVERTISEMENT = 136;
/** ICMPv6 destination-unreachable code "administratively prohibited" (RFC 4443 §3.1). */
export const ICMP6_CODE_ADMIN_PROHIBITED = 1;

const O_TYPE = 0;
const O_CODE = 1;
const O_CHECKSUM = 2;
const O_REST = 4;

/** A zero-copy view of one ICMP or ICMPv6 message. Rebind it for every message. */
export class IcmpView {
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the ICMP header in `buf`. */
  off = 0;
  /** Bytes available from `off`. */
  len = 0;
  /** True when bound as ICMPv6. */
  v6 = false;

  /**
   * Binds the view to `buf[off, off+len)` as ICMPv4 or (with `v6`) ICMPv6. Returns FAULT_OK
   * or FAULT_TRUNCATED_L4 (fewer than 8 bytes). Never throws.
   */
  bind(buf: Uint8Array, off: number, len: number, v6 = false): number {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.v6 = v6;
    if (len < ICMP_HEADER_LENGTH || off < 0 || off + len > buf.length) return FAULT_TRUNCATED_L4;
    return FAULT_OK;
  }

  get type(): number { return this.buf[this.off + O_TYPE]!; }
  get code(): number { return this.buf[this.off + O_CODE]!; }
  get checksum(): number { return readU16(this.buf, this.off + O_CHECKSUM); }
  /** The 4-byte rest of header (identifier/sequence, MTU, pointer, unused …). */
  get restOfHeader(): number { return readU32(this.buf, this.off + O_REST); }
  /** Echo identifier (echo request/reply). */
  get echoIdent(): number { return readU16(this.buf, this.off + O_REST); }
  /** Echo sequence number (echo request/reply). */
  get echoSeq(): number { return readU16(this.buf, this.off + O_REST + 2); }
  get payloadOffset(): number { return this.off + ICMP_HEADER_LENGTH; }
  /** Payload bytes available. */
  get payloadLength(): number { return this.len - ICMP_HEADER_LENGTH; }

  set type(v: number) { this.buf[this.off + O_TYPE] = v & 0xff; }
  set code(v: number) { this.buf[this.off + O_CODE] = v & 0xff; }
  set checksum(v: number) { writeU16(this.buf, this.off + O_CHECKSUM, v); }
  set restOfHeader(v: number) { writeU32(this.buf, this.off + O_REST, v); }
}

/** An ICMP or ICMPv6 message as plain values (allocates; not for the per-packet path). */
export class IcmpRepr {
  /** 4 for ICMP, 6 for ICMPv6. */
  version: 4 | 6 = 4;
  type = 0;
  code = 0;
  /** The 4-byte rest of header. */
  rest = 0;
  payload: Uint8Array = new Uint8Array(0);

  /** Reads a bound view into a new repr. */
  static parse(view: IcmpView): IcmpRepr {
    const r = new IcmpRepr();
    r.version = view.v6 ? 6 : 4;
    r.type = view.type;
    r.code = view.code;
    r.rest = view.restOfHeader;
    r.payload = view.buf.slice(view.payloadOffset, view.payloadOffset + view.payloadLength);
    return r;
  }

  /** Message length (header + payload). */
  get messageLength(): number {
    return ICMP_HEADER_LENGTH + this.payload.length;
  }

  /**
   * Writes the message at `buf[off…]` with its checksum: over the message alone for ICMPv4
   * (RFC 792), over the IPv6 pseudo-header of `ip` too for ICMPv6 (RFC 4443 §2.3, which is
   * why `ip` is required then). Returns the bytes written, or 0 when it does not fit or an
   * ICMPv6 message lacks `ip`.
   */
  emit(buf: Uint8Array, off: number, ip?: Ipv6Repr): number {
    const total = this.messageLength;
    if (off < 0 || off + total > buf.length) return 0;
    if (this.version === 6 && ip === undefined) return 0;
    buf[off + O_TYPE] = this.type & 0xff;
    buf[off + O_CODE] = this.code & 0xff;
    writeU16(buf, off + O_CHECKSUM, 0);
    writeU32(buf, off + O_REST, this.rest);
    buf.set(this.payload, off + ICMP_HEADER_LENGTH);
    const c = this.version === 6
      ? transportChecksum(buf, off, total, IPPROTO_ICMPV6, ip!)
      : foldChecksum(sumWords(buf, off, total, 0));
    writeU16(buf, off + O_CHECKSUM, c);
    return total;
  }
}
