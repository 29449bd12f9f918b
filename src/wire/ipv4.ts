/**
 * IPv4 (RFC 791): a rebindable zero-copy {@link Ipv4View} over a buffer and an {@link Ipv4Repr}
 * for emit, tests and the control plane.
 */

import {
  FAULT_BAD_IHL, FAULT_BAD_IP_LENGTH, FAULT_BAD_IP_VERSION, FAULT_OK, FAULT_TRUNCATED_IP,
} from './faults.js';
import { foldChecksum, sumWords } from './checksum.js';
import { readU16 as rd16, readU32 as rd32, writeU16 as wr16, writeU32 as wr32 } from './bytes.js';

/** Length of an IPv4 header without options (RFC 791 §3.1). */
export const IPV4_HEADER_LENGTH = 20;
/** Largest IPv4 header: IHL 15 (RFC 791 §3.1). */
export const IPV4_MAX_HEADER_LENGTH = 60;
/** Flags/fragment-offset word: Don't Fragment bit. */
export const IPV4_FLAG_DF = 0x4000;
/** Flags/fragment-offset word: More Fragments bit. */
export const IPV4_FLAG_MF = 0x2000;
/** Flags/fragment-offset word: fragment offset mask (units of 8 bytes). */
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;

// Field offsets (RFC 791 §3.1).
const O_VER_IHL = 0;
const O_TOS = 1;
const O_TOTAL_LENGTH = 2;
const O_IDENT = 4;
const O_FLAGS_FRAG = 6;
const O_TTL = 8;
const O_PROTOCOL = 9;
const O_CHECKSUM = 10;
const O_SRC = 12;
const O_DST = 16;

/**
 * A zero-copy view of one IPv4 header. {@link bind} validates version, IHL and total length;
 * the datagram may be cut short by the capture (`snapped`) as long as the header is whole.
 * Fragments are recognised from the MF flag and the fragment offset.
 */
export class Ipv4View {
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the IP header in `buf`. */
  off = 0;
  /** Captured bytes from `off` (may be less or, with link padding, more than `totalLength`). */
  len = 0;
  /** Header length in bytes (IHL × 4), valid after a successful bind. */
  headerLength = IPV4_HEADER_LENGTH;

  /**
   * Binds the view to `buf[off, off+len)`. Returns FAULT_OK, FAULT_TRUNCATED_IP (shorter than
   * 20 bytes or than IHL says), FAULT_BAD_IP_VERSION, FAULT_BAD_IHL (IHL < 5) or
   * FAULT_BAD_IP_LENGTH (total length < header length). Never throws.
   */
  bind(buf: Uint8Array, off: number, len: number): number {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.headerLength = IPV4_HEADER_LENGTH;
    if (len < IPV4_HEADER_LENGTH || off < 0 || off + len > buf.length) return FAULT_TRUNCATED_IP;
    const vi = buf[off]!;
    if (vi >>> 4 !== 4) return FAULT_BAD_IP_VERSION;
    const hl = (vi & 0x0f) << 2;
    if (hl < IPV4_HEADER_LENGTH) return FAULT_BAD_IHL;
    if (hl > len) return FAULT_TRUNCATED_IP;
    if (rd16(buf, off + O_TOTAL_LENGTH) < hl) return FAULT_BAD_IP_LENGTH;
    this.headerLength = hl;
    return FAULT_OK;
  }

  get version(): number { return this.buf[this.off + O_VER_IHL]! >>> 4; }
  /** Type-of-service byte (DSCP << 2 | ECN). */
  get tos(): number { return this.buf[this.off + O_TOS]!; }
  get dscp(): number { return this.buf[this.off + O_TOS]! >>> 2; }
  get ecn(): number { return this.buf[this.off + O_TOS]! & 3; }
  /** Total datagram length as the header states it. */
  get totalLength(): number { return rd16(this.buf, this.off + O_TOTAL_LENGTH); }
  get ident(): number { return rd16(this.buf, this.off + O_IDENT); }
  get dontFragment(): boolean { return (this.buf[this.off + O_FLAGS_FRAG]! & 0x40) !== 0; }
  get moreFragments(): boolean { return (this.buf[this.off + O_FLAGS_FRAG]! & 0x20) !== 0; }
  /** Fragment offset in bytes (the field counts 8-byte units). */
  get fragmentOffset(): number { return (rd16(this.buf, this.off + O_FLAGS_FRAG) & IPV4_FRAG_OFFSET_MASK) << 3; }
  /** True for any fragment (MF set or nonzero offset). */
  get isFragment(): boolean { return (rd16(this.buf, this.off + O_FLAGS_FRAG) & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) !== 0; }
  get ttl(): number { return this.buf[this.off + O_TTL]!; }
  get protocol(): number { return this.buf[this.off + O_PROTOCOL]!; }
  get checksum(): number { return rd16(this.buf, this.off + O_CHECKSUM); }
  /** Source address as uint32. */
  get src(): number { return rd32(this.buf, this.off + O_SRC); }
  /** Destination address as uint32. */
  get dst(): number { return rd32(this.buf, this.off + O_DST); }
  /** Offset of the options in `buf`; their length is `headerLength − 20`. */
  get optionsOffset(): number { return this.off + IPV4_HEADER_LENGTH; }
  get optionsLength(): number { return this.headerLength - IPV4_HEADER_LENGTH; }
  /** Offset of the payload in `buf`. */
  get payloadOffset(): number { return this.off + this.headerLength; }
  /** Payload length according to the header. */
  get payloadLength(): number { return this.totalLength - this.headerLength; }
  /** Payload bytes actually present in `buf`. */
  get payloadCaptured(): number {
    const t = this.totalLength;
    return (this.len < t ? this.len : t) - this.headerLength;
  }
  /** True when the capture holds fewer bytes than the header's total length. */
  get snapped(): boolean { return this.len < this.totalLength; }

  set ttl(v: number) { this.buf[this.off + O_TTL] = v & 0xff; }
  set tos(v: number) { this.buf[this.off + O_TOS] = v & 0xff; }
  set totalLength(v: number) { wr16(this.buf, this.off + O_TOTAL_LENGTH, v); }
  set ident(v: number) { wr16(this.buf, this.off + O_IDENT, v); }
  set protocol(v: number) { this.buf[this.off + O_PROTOCOL] = v & 0xff; }
  set checksum(v: number) { wr16(this.buf, this.off + O_CHECKSUM, v); }
  set src(v: number) { wr32(this.buf, this.off + O_SRC, v); }
  set dst(v: number) { wr32(this.buf, this.off + O_DST, v); }

  /** Returns the header checksum computed over the header (the field itself taken as zero). */
  computeChecksum(): number {
    const b = this.buf, o = this.off;
    // Adding the field's one's complement cancels it out (RFC 1071 §1).
    return foldChecksum(sumWords(b, o, this.headerLength, ~rd16(b, o + O_CHECKSUM) & 0xffff));
  }

  /** Recomputes and stores the header checksum (RFC 791 §3.1, RFC 1071). */
  fillChecksum(): void {
    this.checksum = this.computeChecksum();
  }
}

/** An IPv4 header as plain values (allocates; not for the per-packet path). */
export class Ipv4Repr {
  readonly version = 4;
  src = 0;
  dst = 0;
  protocol = 0;
  /** Bytes after the header (transport header + payload). */
  payloadLength = 0;
  ttl = 64;
  tos = 0;
  ident = 0;
  dontFragment = true;
  moreFragments = false;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset = 0;
  /** Raw option bytes; emit pads them with EOL to a multiple of 4 (RFC 791 §3.1). */
  options: Uint8Array = new Uint8Array(0);

  /** Reads a bound view into a new repr. */
  static parse(view: Ipv4View): Ipv4Repr {
    const r = new Ipv4Repr();
    r.src = view.src;
    r.dst = view.dst;
    r.protocol = view.protocol;
    r.payloadLength = view.payloadLength;
    r.ttl = view.ttl;
    r.tos = view.tos;
    r.ident = view.ident;
    r.dontFragment = view.dontFragment;
    r.moreFragments = view.moreFragments;
    r.fragmentOffset = view.fragmentOffset;
    r.options = view.buf.slice(view.optionsOffset, view.optionsOffset + view.optionsLength);
    return r;
  }

  /** Header length this repr emits (20 + options rounded up to 4). */
  get headerLength(): number {
    return IPV4_HEADER_LENGTH + ((this.options.length + 3) & ~3);
  }

  /**
   * Writes the header (checksum filled) at `buf[off…]` and returns its length, or 0 when it
   * does not fit, the options exceed 40 bytes or the total length exceeds 65535.
   */
  emit(buf: Uint8Array, off: number): number {
    const hl = this.headerLength;
    if (hl > IPV4_MAX_HEADER_LENGTH || off < 0 || off + hl > buf.length) return 0;
    const total = hl + this.payloadLength;
    if (total > 0xffff) return 0;
    buf[off + O_VER_IHL] = 0x40 | (hl >>> 2);
    buf[off + O_TOS] = this.tos & 0xff;
    wr16(buf, off + O_TOTAL_LENGTH, total);
    wr16(buf, off + O_IDENT, this.ident);
    wr16(buf, off + O_FLAGS_FRAG, (this.dontFragment ? IPV4_FLAG_DF : 0) | (this.moreFragments ? IPV4_FLAG_MF : 0)
      | ((this.fragmentOffset >>> 3) & IPV4_FRAG_OFFSET_MASK));
    buf[off + O_TTL] = this.ttl & 0xff;
    buf[off + O_PROTOCOL] = this.protocol & 0xff;
    wr16(buf, off + O_CHECKSUM, 0);
    wr32(buf, off + O_SRC, this.src);
    wr32(buf, off + O_DST, this.dst);
    for (let i = IPV4_HEADER_LENGTH; i < hl; i++) {
      const j = i - IPV4_HEADER_LENGTH;
      buf[off + i] = j < this.options.length ? this.options[j]! : 0;
    }
    wr16(buf, off + O_CHECKSUM, foldChecksum(sumWords(buf, off, hl, 0)));
    return hl;
  }
}
