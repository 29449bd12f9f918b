/**
 * IPv6 (RFC 8200): a rebindable zero-copy {@link Ipv6View} that walks the extension-header
 * chain, and an {@link Ipv6Repr} for emit, tests and the control plane.
 */
import {
  FAULT_BAD_EXT_HEADER, FAULT_BAD_IP_LENGTH, FAULT_BAD_IP_VERSION, FAULT_OK, FAULT_TRUNCATED_IP,
} from './faults.js';
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';

/** Length of the IPv6 fixed header (RFC 8200 §3). */
export const IPV6_HEADER_LENGTH = 40;

/** Extension header / next-header values (RFC 8200 §4, RFC 4302). */
export const IPV6_NH_HOP_BY_HOP = 0;
export const IPV6_NH_ROUTING = 43;
export const IPV6_NH_FRAGMENT = 44;
export const IPV6_NH_ESP = 50;
export const IPV6_NH_AH = 51;
export const IPV6_NH_NONE = 59;
export const IPV6_NH_DEST_OPTS = 60;

/** Length of the fragment extension header (RFC 8200 §4.5). */
export const IPV6_FRAGMENT_HEADER_LENGTH = 8;

// Field offsets (RFC 8200 §3).
const O_VTF = 0;
const O_PAYLOAD_LENGTH = 4;
const O_NEXT_HEADER = 6;
const O_HOP_LIMIT = 7;
const O_SRC = 8;
const O_DST = 24;

/**
 * A zero-copy view of one IPv6 header and its extension headers. {@link bind} walks hop-by-hop
 * options, routing, fragment, destination options and AH headers (RFC 8200 §4.1 order is not
 * enforced except that hop-by-hop must come first); ESP and No Next Header end the walk, as
 * does any upper-layer protocol, and so does a non-first fragment (what follows its fragment
 * header is the middle of the original payload, not a header).
 */
export class Ipv6View {
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the fixed header in `buf`. */
  off = 0;
  /** Captured bytes from `off`. */
  len = 0;
  /** Fixed header plus the extension headers walked. */
  headerLength = IPV6_HEADER_LENGTH;
  /** Protocol after the extension headers (TCP, UDP, ICMPv6, ESP, 59 …). */
  upperProtocol = 0;
  /** True when a fragment header was found. */
  hasFragmentHeader = false;
  /** Fragment offset in bytes (0 without a fragment header). */
  fragmentOffset = 0;
  /** M flag of the fragment header. */
  moreFragments = false;
  /** Identification of the fragment header. */
  fragmentId = 0;
  /** Number of extension headers walked. */
  extCount = 0;

  /**
   * Binds the view to `buf[off, off+len)` and walks the extension headers. Returns FAULT_OK,
   * FAULT_TRUNCATED_IP (fewer than 40 bytes), FAULT_BAD_IP_VERSION, FAULT_BAD_EXT_HEADER (an
   * extension header cut short by the capture, or hop-by-hop not first) or FAULT_BAD_IP_LENGTH
   * (the extension headers run past the payload length). Never throws.
   */
  bind(buf: Uint8Array, off: number, len: number): number {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.headerLength = IPV6_HEADER_LENGTH;
    this.upperProtocol = 0;
    this.hasFragmentHeader = false;
    this.fragmentOffset = 0;
    this.moreFragments = false;
    this.fragmentId = 0;
    this.extCount = 0;
    if (len < IPV6_HEADER_LENGTH || off < 0 || off + len > buf.length) return FAULT_TRUNCATED_IP;
    if (buf[off]! >>> 4 !== 6) return FAULT_BAD_IP_VERSION;
    const end = IPV6_HEADER_LENGTH + readU16(buf, off + O_PAYLOAD_LENGTH);
    let nh = buf[off + O_NEXT_HEADER]!;
    let pos = IPV6_HEADER_LENGTH;
    for (;;) {
      let hl: number;
      if (nh === IPV6_NH_HOP_BY_HOP || nh === IPV6_NH_ROUTING || nh === IPV6_NH_DEST_OPTS) {
        if (nh === IPV6_NH_HOP_BY_HOP && pos !== IPV6_HEADER_LENGTH) return FAULT_BAD_EXT_HEADER;
        if (pos + 2 > len) return FAULT_BAD_EXT_HEADER;
        hl = (buf[off + pos + 1]! + 1) << 3;
      } else if (nh === IPV6_NH_FRAGMENT) {
        hl = IPV6_FRAGMENT_HEADER_LENGTH;
      } else if (nh === IPV6_NH_AH) {
        // RFC 4302 §2.2: Payload Len counts 32-bit words minus 2.
        if (pos + 2 > len) return FAULT_BAD_EXT_HEADER;
        hl = (buf[off + pos + 1]! + 2) << 2;
      } else {
        break;
      }
      if (pos + hl > len) return FAULT_BAD_EXT_HEADER;
      if (pos + hl > end) return FAULT_BAD_IP_LENGTH;
      const next = buf[off + pos]!;
      this.extCount++;
      if (nh === IPV6_NH_FRAGMENT) {
        const fo = readU16(buf, off + pos + 2);
        this.hasFragmentHeader = true;
        this.fragmentOffset = fo & 0xfff8;
        this.moreFragments = (fo & 1) !== 0;
        this.fragmentId = readU32(buf, off + pos + 4);
        if (this.fragmentOffset !== 0) {
          pos += hl;
          nh = next;
          break;
        }
      }
      pos += hl;
      nh = next;
    }
    this.headerLength = pos;
    this.upperProtocol = nh;
    return FAULT_OK;
  }

  get version(): number { return this.buf[this.off]! >>> 4; }
  get trafficClass(): number { return (readU16(this.buf, this.off + O_VTF) >>> 4) & 0xff; }
  get flowLabel(): number { return readU32(this.buf, this.off + O_VTF) & 0xfffff; }
  /** Payload length field (everything after the fixed header). */
  get payloadLength(): number { return readU16(this.buf, this.off + O_PAYLOAD_LENGTH); }
  /** Next-header field of the fixed header. */
  get nextHeader(): number { return this.buf[this.off + O_NEXT_HEADER]!; }
  get hopLimit(): number { return this.buf[this.off + O_HOP_LIMIT]!; }
  /** Total datagram length: fixed header + payload length. */
  get totalLength(): number { return IPV6_HEADER_LENGTH + this.payloadLength; }
  /** Source address word `i` (0–3, big-endian). */
  srcWord(i: number): number { return readU32(this.buf, this.off + O_SRC + 4 * i); }
  /** Destination address word `i` (0–3, big-endian). */
  dstWord(i: number): number { return readU32(this.buf, this.off + O_DST + 4 * i); }
  /** Copies the source address into `out` (four words) and returns it. */
  readSrc(out: Uint32Array): Uint32Array {
    for (let i = 0; i < 4; i++) out[i] = this.srcWord(i);
    return out;
  }
  /** Copies the destination address into `out` (four words) and returns it. */
  readDst(out: Uint32Array): Uint32Array {
    for (let i = 0; i < 4; i++) out[i] = this.dstWord(i);
    return out;
  }
  /** True for any fragment (fragment header with M set or nonzero offset). */
  get isFragment(): boolean { return this.moreFragments || this.fragmentOffset !== 0; }
  /** Offset in `buf` of the upper-layer header / payload after the extension headers. */
  get payloadOffset(): number { return this.off + this.headerLength; }
  /** Upper-layer bytes according to the header. */
  get upperLength(): number { return this.totalLength - this.headerLength; }
  /** Upper-layer bytes present in `buf`. */
  get upperCaptured(): number {
    const t = this.totalLength;
    return (this.len < t ? this.len : t) - this.headerLength;
  }
  /** True when the capture holds fewer bytes than the header's total length. */
  get snapped(): boolean { return this.len < this.totalLength; }

  set hopLimit(v: number) { this.buf[this.off + O_HOP_LIMIT] = v & 0xff; }
  set payloadLength(v: number) { writeU16(this.buf, this.off + O_PAYLOAD_LENGTH, v); }
  /** Overwrites the source address from four words. */
  setSrc(words: Uint32Array): void {
    for (let i = 0; i < 4; i++) writeU32(this.buf, this.off + O_SRC + 4 * i, words[i]!);
  }
  /** Overwrites the destination address from four words. */
  setDst(words: Uint32Array): void {
    for (let i = 0; i < 4; i++) writeU32(this.buf, this.off + O_DST + 4 * i, words[i]!);
  }
}

/**
 * One extension header in an {@link Ipv6Repr}: its type and body, the bytes after the
 * next-header byte (and after the length byte, for all but the fragment header). Emit pads
 * the body with zeros to the header's unit (8 bytes; 4 for AH).
 */
export interface Ipv6ExtRepr {
  type: number;
  body: Uint8Array;
}

/** An IPv6 header and extension chain as plain values (allocates; not for the per-packet path). */
export class Ipv6Repr {
  readonly version = 6;
  src: Uint32Array = new Uint32Array(4);
  dst: Uint32Array = new Uint32Array(4);
  /** Upper-layer protocol after the extension headers. */
  protocol = 0;
  /** Upper-layer bytes (after all extension headers). */
  payloadLength = 0;
  hopLimit = 64;
  trafficClass = 0;
  flowLabel = 0;
  /** Extension headers in order. */
  extensions: Ipv6ExtRepr[] = [];

  /** Reads a bound view (and the extension headers it walked) into a new repr. */
  static parse(view: Ipv6View): Ipv6Repr {
    const r = new Ipv6Repr();
    view.readSrc(r.src);
    view.readDst(r.dst);
    r.protocol = view.upperProtocol;
    r.payloadLength = view.upperLength;
    r.hopLimit = view.hopLimit;
    r.trafficClass = view.trafficClass;
    r.flowLabel = view.flowLabel;
    const b = view.buf;
    let nh = view.nextHeader;
    let pos = view.off + IPV6_HEADER_LENGTH;
    for (let i = 0; i < view.extCount; i++) {
      const hl = nh === IPV6_NH_FRAGMENT ? IPV6_FRAGMENT_HEADER_LENGTH
        : nh === IPV6_NH_AH ? (b[pos + 1]! + 2) << 2 : (b[pos + 1]! + 1) << 3;
      const bodyStart = nh === IPV6_NH_FRAGMENT ? 1 : 2;
      r.extensions.push({ type: nh, body: b.slice(pos + bodyStart, pos + hl) });
      nh = b[pos]!;
      pos += hl;
    }
    return r;
  }

  /** Encoded length of extension `e`. */
  private static extLength(e: Ipv6ExtRepr): number {
    if (e.type === IPV6_NH_FRAGMENT) return IPV6_FRAGMENT_HEADER_LENGTH;
    if (e.type === IPV6_NH_AH) return (e.body.length + 2 + 3) & ~3;
    return (e.body.length + 2 + 7) & ~7;
  }

  /** Header length this repr emits (fixed header + extension headers). */
  get headerLength(): number {
    let n = IPV6_HEADER_LENGTH;
    for (const e of this.extensions) n += Ipv6Repr.extLength(e);
    return n;
  }

  /**
   * Writes the fixed header and extension headers at `buf[off…]` and returns their length, or
   * 0 when they do not fit or the payload length field would overflow.
   */
  emit(buf: Uint8Array, off: number): number {
    const hl = this.headerLength;
    if (off < 0 || off + hl > buf.length) return 0;
    const pl = hl - IPV6_HEADER_LENGTH + this.payloadLength;
    if (pl > 0xffff) return 0;
    const tc = this.trafficClass & 0xff;
    writeU32(buf, off + O_VTF, ((6 << 28) | (tc << 20) | (this.flowLabel & 0xfffff)) >>> 0);
    writeU16(buf, off + O_PAYLOAD_LENGTH, pl);
    buf[off + O_NEXT_HEADER] = this.extensions.length > 0 ? this.extensions[0]!.type : this.protocol;
    buf[off + O_HOP_LIMIT] = this.hopLimit & 0xff;
    for (let i = 0; i < 4; i++) {
      writeU32(buf, off + O_SRC + 4 * i, this.src[i]!);
      writeU32(buf, off + O_DST + 4 * i, this.dst[i]!);
    }
    let pos = off + IPV6_HEADER_LENGTH;
    for (let i = 0; i < this.extensions.length; i++) {
      const e = this.extensions[i]!;
      const el = Ipv6Repr.extLength(e);
      buf[pos] = i + 1 < this.extensions.length ? this.extensions[i + 1]!.type : this.protocol;
      let bodyStart = 1;
      if (e.type === IPV6_NH_AH) {
        buf[pos + 1] = (el >>> 2) - 2;
        bodyStart = 2;
      } else if (e.type !== IPV6_NH_FRAGMENT) {
        buf[pos + 1] = (el >>> 3) - 1;
        bodyStart = 2;
      }
      for (let j = bodyStart; j < el; j++) {
        const k = j - bodyStart;
        buf[pos + j] = k < e.body.length ? e.body[k]! : 0;
      }
      pos += el;
    }
    return hl;
  }
}
