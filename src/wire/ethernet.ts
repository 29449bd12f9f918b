/**
 * Ethernet II framing (IEEE 802.3) with 802.1Q and 802.1ad (QinQ) VLAN tags: a rebindable
 * zero-copy {@link EthernetView} and an {@link EthernetRepr} for emit, tests and the control plane.
 */
import { FAULT_NOT_IP, FAULT_OK, FAULT_TRUNCATED_LINK } from './faults.js';

/** Ethernet header without tags: destination, source, EtherType. */
export const ETHERNET_HEADER_LENGTH = 14;
/** One VLAN tag: TPID + TCI (IEEE 802.1Q §9.6). */
export const ETHERNET_VLAN_TAG_LENGTH = 4;
/** Most VLAN tags walked (802.1ad service tag + 802.1Q customer tag). */
export const ETHERNET_MAX_TAGS = 2;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1ad service tag (S-tag). */
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ S-tag some switches still send. */
export const ETHERTYPE_QINQ_LEGACY = 0x9100;

const O_DST = 0;
const O_SRC = 6;
const O_TYPE = 12;

/** True when `type` is a VLAN tag protocol identifier (802.1Q, 802.1ad or legacy 0x9100). */
export function isVlanTpid(type: number): boolean {
  return type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_LEGACY;
}

/**
 * A zero-copy view of one Ethernet frame. {@link bind} walks up to two VLAN tags; the getters
 * then read the inner EtherType and the payload offset. Rebind it for every frame.
 */
export class EthernetView {
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the frame in `buf`. */
  off = 0;
  /** Captured frame length. */
  len = 0;
  /** VLAN tags walked (0–2). */
  tagCount = 0;
  /** EtherType after the tags (the payload's protocol). */
  etherType = 0;
  /** Header length including tags. */
  headerLength = ETHERNET_HEADER_LENGTH;

  /**
   * Binds the view to `buf[off, off+len)` and walks the VLAN tags. Returns FAULT_OK,
   * FAULT_TRUNCATED_LINK when a header or tag is cut short, or FAULT_NOT_IP when more than
   * {@link ETHERNET_MAX_TAGS} tags are stacked. Never throws.
   */
  bind(buf: Uint8Array, off: number, len: number): number {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.tagCount = 0;
    this.etherType = 0;
    this.headerLength = ETHERNET_HEADER_LENGTH;
    if (len < ETHERNET_HEADER_LENGTH || off < 0 || off + len > buf.length) return FAULT_TRUNCATED_LINK;
    let p = off + O_TYPE;
    let type = (buf[p]! << 8) | buf[p + 1]!;
    let hl = ETHERNET_HEADER_LENGTH;
    while (isVlanTpid(type)) {
      if (this.tagCount === ETHERNET_MAX_TAGS) return FAULT_NOT_IP;
      hl += ETHERNET_VLAN_TAG_LENGTH;
      if (hl > len) return FAULT_TRUNCATED_LINK;
      p += ETHERNET_VLAN_TAG_LENGTH;
      type = (buf[p]! << 8) | buf[p + 1]!;
      this.tagCount++;
    }
    this.etherType = type;
    this.headerLength = hl;
    return FAULT_OK;
  }

  /** Byte `i` (0–5) of the destination MAC address. */
  dstByte(i: number): number {
    return this.buf[this.off + O_DST + i]!;
  }

  /** Byte `i` (0–5) of the source MAC address. */
  srcByte(i: number): number {
    return this.buf[this.off + O_SRC + i]!;
  }

  /** Tag protocol identifier of tag `i` (0 = outermost). */
  tagTpid(i: number): number {
    const p = this.off + O_TYPE + i * ETHERNET_VLAN_TAG_LENGTH;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  /** Tag control information (PCP, DEI, VID) of tag `i` (0 = outermost). */
  tagTci(i: number): number {
    const p = this.off + O_TYPE + 2 + i * ETHERNET_VLAN_TAG_LENGTH;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  /** VLAN ID (12 bits) of tag `i` (0 = outermost). */
  vlanId(i: number): number {
    return this.tagTci(i) & 0x0fff;
  }

  /** Offset in `buf` of the payload (after the tags). */
  get payloadOffset(): number {
    return this.off + this.headerLength;
  }

  /** Captured payload length. */
  get payloadLength(): number {
    return this.len - this.headerLength;
  }

  /** Overwrites the inner EtherType (after the tags). */
  setEtherType(type: number): void {
    const p = this.off + this.headerLength - 2;
    this.buf[p] = (type >>> 8) & 0xff;
    this.buf[p + 1] = type & 0xff;
    this.etherType = type & 0xffff;
  }

  /** Overwrites the destination (`which` = 0) or source (`which` = 1) MAC from `mac[0..5]`. */
  setMac(which: 0 | 1, mac: Uint8Array): void {
    const p = this.off + (which === 0 ? O_DST : O_SRC);
    for (let i = 0; i < 6; i++) this.buf[p + i] = mac[i]!;
  }
}

/** One VLAN tag in an {@link EthernetRepr}. */
export interface VlanTagRepr {
  /** Tag protocol identifier: ETHERTYPE_VLAN, ETHERTYPE_QINQ or ETHERTYPE_QINQ_LEGACY. */
  tpid: number;
  /** Priority code point (3 bits). */
  pcp: number;
  /** Drop eligible indicator. */
  dei: boolean;
  /** VLAN ID (12 bits). */
  vid: number;
}

/** An Ethernet header as plain values (allocates; not for the per-packet path). */
export class EthernetRepr {
  dst: Uint8Array = new Uint8Array(6);
  src: Uint8Array = new Uint8Array(6);
  /** VLAN tags, outermost first. */
  tags: VlanTagRepr[] = [];
  /** EtherType after the tags. */
  etherType = ETHERTYPE_IPV4;

  /** Reads a bound view into a new repr. */
  static parse(view: EthernetView): EthernetRepr {
    const r = new EthernetRepr();
    for (let i = 0; i < 6; i++) {
      r.dst[i] = view.dstByte(i);
      r.src[i] = view.srcByte(i);
    }
    for (let i = 0; i < view.tagCount; i++) {
      const tci = view.tagTci(i);
      r.tags.push({ tpid: view.tagTpid(i), pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff });
    }
    r.etherType = view.etherType;
    return r;
  }

  /** Header length this repr emits. */
  get headerLength(): number {
    return ETHERNET_HEADER_LENGTH + this.tags.length * ETHERNET_VLAN_TAG_LENGTH;
  }

  /** Writes the header at `buf[off…]` and returns its length (0 when it does not fit). */
  emit(buf: Uint8Array, off: number): number {
    const hl = this.headerLength;
    if (off < 0 || off + hl > buf.length) return 0;
    for (let i = 0; i < 6; i++) {
      buf[off + O_DST + i] = this.dst[i]!;
      buf[off + O_SRC + i] = this.src[i]!;
    }
    let p = off + O_TYPE;
    for (const t of this.tags) {
      const tci = ((t.pcp & 7) << 13) | (t.dei ? 0x1000 : 0) | (t.vid & 0x0fff);
      buf[p] = t.tpid >>> 8;
      buf[p + 1] = t.tpid & 0xff;
      buf[p + 2] = tci >>> 8;
      buf[p + 3] = tci & 0xff;
      p += ETHERNET_VLAN_TAG_LENGTH;
    }
    buf[p] = (this.etherType >>> 8) & 0xff;
    buf[p + 1] = this.etherType & 0xff;
    return hl;
  }
}
