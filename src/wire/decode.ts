/**
 * THE per-packet parse: {@link decodePacket} fills the engine's reusable {@link PacketMeta}
 * from a captured frame of any supported link type, {@link decodeIp} from a bare IP packet
 * (what a TUN device hands over). Allocation-free, byte-indexed, never throws: every problem
 * is a numeric fault code from `faults.ts`.
 *
 * Snapped captures (snaplen shorter than the datagram, e.g. 96) decode as long as the headers
 * needed are present: `meta.snapped` is set and `payloadCaptured` says how much payload is
 * really there. Lengths are taken from the IP header, never from the capture.
 */
import {
  FAULT_BAD_IP_VERSION, FAULT_BAD_TCP_OFFSET, FAULT_BAD_UDP_LENGTH, FAULT_NOT_IP, FAULT_OK,
  FAULT_TRUNCATED_IP, FAULT_TRUNCATED_L4, FAULT_TRUNCATED_LINK,
} from './faults.js';
import {
  FRAG_FIRST, FRAG_LATER, FRAG_NONE, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP,
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW, TCP_FLAG_SYN,
} from './packet.js';
import type { PacketMeta } from './packet.js';
import { readU16, readU32 } from './bytes.js';
import {
  ETHERNET_HEADER_LENGTH, ETHERNET_MAX_TAGS, ETHERNET_VLAN_TAG_LENGTH, ETHERTYPE_IPV4,
  ETHERTYPE_IPV6, isVlanTpid,
} from './ethernet.js';
import { IPV4_HEADER_LENGTH, Ipv4View } from './ipv4.js';
import { Ipv6View } from './ipv6.js';
import { TCP_HEADER_LENGTH, TcpOptions, parseTcpOptions } from './tcp.js';
import { UDP_HEADER_LENGTH } from './udp.js';
import { ICMP_HEADER_LENGTH } from './icmp.js';

/** Linux cooked capture v1 header length; protocol type at offset 14 (tcpdump.org LINKTYPE_LINUX_SLL). */
export const SLL_HEADER_LENGTH = 16;
/** Linux cooked capture v2 header length; protocol type at offset 0 (LINKTYPE_LINUX_SLL2). */
export const SLL2_HEADER_LENGTH = 20;
/** BSD loopback / OpenBSD loop header: a 4-byte address family. */
export const LOOPBACK_HEADER_LENGTH = 4;

/** Address families seen in LINKTYPE_NULL / LINKTYPE_LOOP headers. */
export const BSD_AF_INET = 2;
/** AF_INET6 on NetBSD/OpenBSD, FreeBSD/DragonFly, and Darwin respectively. */
export const BSD_AF_INET6_NETBSD = 24;
export const BSD_AF_INET6_FREEBSD = 28;
export const BSD_AF_INET6_DARWIN = 30;

// Reused for every packet: nothing below allocates.
const ip4 = new Ipv4View();
const ip6 = new Ipv6View();
const tcpOptions = new TcpOptions();
/** Set by walkEtherType: the EtherType after any VLAN tags. */
let innerEtherType = 0;

/** Clears the TCP option fields (decoded only on SYN segments). */
function clearTcpOptions(meta: PacketMeta): void {
  meta.tcpMss = 0;
  meta.tcpWindowScale = -1;
  meta.tcpSackPermitted = false;
  meta.tcpHasTimestamp = false;
  meta.tcpTsVal = 0;
  meta.tcpTsEcr = 0;
}

/** Clears every TCP header field, for a packet that is not TCP. */
function clearTcpFields(meta: PacketMeta): void {
  meta.tcpFlags = 0;
  meta.seq = 0;
  meta.ack = 0;
  meta.window = 0;
  meta.urgent = 0;
  meta.tcpHeaderLength = 0;
  clearTcpOptions(meta);
}

/** Resets every field of `meta` to its "nothing decoded" value for a new frame. */
function resetMeta(meta: PacketMeta, buf: Uint8Array, off: number, len: number, linkType: number): void {
  meta.buf = buf;
  meta.frameOffset = off;
  meta.capturedLength = len;
  meta.linkType = linkType;
  meta.vlanCount = 0;
  meta.vlanId = 0;
  meta.l3Offset = 0;
  meta.ipVersion = 0;
  meta.ipHeaderLength = 0;
  meta.ipTotalLength = 0;
  meta.ttl = 0;
  meta.src4 = 0;
  meta.dst4 = 0;
  const s = meta.srcAddr, d = meta.dstAddr;
  s[0] = 0; s[1] = 0; s[2] = 0; s[3] = 0;
  d[0] = 0; d[1] = 0; d[2] = 0; d[3] = 0;
  meta.proto = 0;
  meta.fragment = FRAG_NONE;
  meta.fragmentOffset = 0;
  meta.l4Offset = 0;
  meta.l4Length = 0;
  meta.srcPort = 0;
  meta.dstPort = 0;
  clearTcpFields(meta);
  meta.payloadOffset = 0;
  meta.payloadLength = 0;
  meta.payloadCaptured = 0;
  meta.icmpType = -1;
  meta.icmpCode = -1;
  meta.snapped = false;
}

/**
 * Decodes one captured frame of link type `linkType` (LINKTYPE_* from packet.ts) at
 * `buf[off, off+len)` into `meta` and returns FAULT_OK or a fault code. Supported: Ethernet
 * with up to two VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8, legacy 0x9100), RAW (IPv4 or IPv6
 * by the version nibble), IPV4, IPV6, LINUX_SLL, LINUX_SLL2 (VLAN tags after the cooked header
 * are walked too), NULL and LOOP. Other EtherTypes, families and link types give FAULT_NOT_IP.
 *
 * LINKTYPE_NULL stores the family in the capturing host's byte order, which the frame does not
 * record; since every family value fits in one byte, the decoder accepts either order (as
 * tcpdump does) instead of guessing the writer's endianness.
 *
 * TCP options are decoded only on SYN segments (the only ones whose options the engine uses);
 * on other segments they are neither read nor validated. Non-first fragments carry no
 * transport header: ports stay 0 and the payload is the fragment's data.
 */
export function decodePacket(buf: Uint8Array, off: number, len: number, linkType: number, meta: PacketMeta): number {
  // The common frames (untagged Ethernet or raw IPv4, unfragmented TCP or UDP) take the fast
  // path; it hands anything else, and anything it would fault on, back to the full decode below.
  if (off >= 0 && off + len <= buf.length) {
    if (linkType === LINKTYPE_ETHERNET) {
      if (len >= ETHERNET_HEADER_LENGTH + IPV4_HEADER_LENGTH && buf[off + 12] === 0x08 && buf[off + 13] === 0x00
        && decodeIpv4Fast(buf, off, len, linkType, off + ETHERNET_HEADER_LENGTH, meta)) {
        return FAULT_OK;
      }
    } else if ((linkType === LINKTYPE_RAW || linkType === LINKTYPE_IPV4) && decodeIpv4Fast(buf, off, len, linkType, off, meta)) {
      return FAULT_OK;
    }
  }
  return decodePacketFully(buf, off, len, linkType, meta);
}

/**
 * Decodes like {@link decodePacket}, always by the general path (every link type, every
 * fault), never by its fast path: the reference the fast path is tested against.
 */
export function decodePacketFully(buf: Uint8Array, off: number, len: number, linkType: number, meta: PacketMeta): number {
  resetMeta(meta, buf, off, len, linkType);
  if (off < 0 || len < 0 || off + len > buf.length) return FAULT_TRUNCATED_LINK;
  const end = off + len;
  let l3: number;
  let version = 0;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (len < ETHERNET_HEADER_LENGTH) return FAULT_TRUNCATED_LINK;
      l3 = walkEtherType(buf, off + ETHERNET_HEADER_LENGTH - 2, end, meta);
      if (l3 < 0) return -l3;
      version = versionOfEtherType(innerEtherType);
      if (version === 0) return FAULT_NOT_IP;
      break;
    case LINKTYPE_LINUX_SLL:
      if (len < SLL_HEADER_LENGTH) return FAULT_TRUNCATED_LINK;
      l3 = walkEtherType(buf, off + SLL_HEADER_LENGTH - 2, end, meta);
      if (l3 < 0) return -l3;
      version = versionOfEtherType(innerEtherType);
      if (version === 0) return FAULT_NOT_IP;
      break;
    case LINKTYPE_LINUX_SLL2: {
      if (len < SLL2_HEADER_LENGTH) return FAULT_TRUNCATED_LINK;
      const type = readU16(buf, off);
      if (isVlanTpid(type)) {
        // libpcap inserts the tags after the cooked header (TCI, then the inner protocol), with
        // the TPID standing in the protocol field; walk them as if the TPID ended the header.
        l3 = walkTags(buf, off + SLL2_HEADER_LENGTH - 2, type, end, meta);
        if (l3 < 0) return -l3;
      } else {
        innerEtherType = type;
        l3 = off + SLL2_HEADER_LENGTH;
      }
      version = versionOfEtherType(innerEtherType);
      if (version === 0) return FAULT_NOT_IP;
      break;
    }
    case LINKTYPE_NULL: {
      if (len < LOOPBACK_HEADER_LENGTH) return FAULT_TRUNCATED_LINK;
      const b0 = buf[off]!, b1 = buf[off + 1]!, b2 = buf[off + 2]!, b3 = buf[off + 3]!;
      if (b1 !== 0 || b2 !== 0 || (b0 !== 0 && b3 !== 0)) return FAULT_NOT_IP;
      version = versionOfFamily(b0 | b3);
      if (version === 0) return FAULT_NOT_IP;
      l3 = off + LOOPBACK_HEADER_LENGTH;
      break;
    }
    case LINKTYPE_LOOP: {
      if (len < LOOPBACK_HEADER_LENGTH) return FAULT_TRUNCATED_LINK;
      const family = readU32(buf, off);
      version = family > 0xff ? 0 : versionOfFamily(family);
      if (version === 0) return FAULT_NOT_IP;
      l3 = off + LOOPBACK_HEADER_LENGTH;
      break;
    }
    case LINKTYPE_RAW:
      l3 = off;
      break;
    case LINKTYPE_IPV4:
      l3 = off;
      version = 4;
      break;
    case LINKTYPE_IPV6:
      l3 = off;
      version = 6;
      break;
    default:
      return FAULT_NOT_IP;
  }
  return decodeIpAt(buf, l3, end, version, meta);
}

/**
 * Decodes a packet that starts at its IP header (`buf[off, off+len)`, IPv4 or IPv6 by the
 * version nibble, as a TUN device without packet information hands it over) into `meta`.
 * `meta.linkType` is set to LINKTYPE_RAW. Returns FAULT_OK or a fault code; never throws.
 */
export function decodeIp(buf: Uint8Array, off: number, len: number, meta: PacketMeta): number {
  if (off >= 0 && off + len <= buf.length && decodeIpv4Fast(buf, off, len, LINKTYPE_RAW, off, meta)) return FAULT_OK;
  resetMeta(meta, buf, off, len, LINKTYPE_RAW);
  if (off < 0 || len < 0 || off + len > buf.length) return FAULT_TRUNCATED_IP;
  return decodeIpAt(buf, off, off + len, 0, meta);
}

/**
 * Decodes, in one pass that writes every field of `meta` once, a frame whose IPv4 header
 * starts at `l3`, provided it is an unfragmented TCP or UDP datagram that decodes without a
 * fault. Returns true when it did; false (leaving `meta` half-written) for anything else,
 * which the caller then decodes in full. Byte for byte the same result as the full decode:
 * the conditions below are the full decode's checks, in its order, on its success branch.
 */
let viewBuf: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));

/** A DataView over `buf`, made once per buffer (the decoder is fed from one reused buffer). */
function viewOf(buf: Uint8Array): DataView {
  if (buf !== viewBuf) {
    viewBuf = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return view;
}

function decodeIpv4Fast(buf: Uint8Array, off: number, len: number, linkType: number, l3: number, meta: PacketMeta): boolean {
  const end = off + len;
  const dv = viewOf(buf);
  if (l3 + IPV4_HEADER_LENGTH > end) return false;
  const vi = buf[l3]!;
  if ((vi >>> 4) !== 4) return false;
  const hl = (vi & 0x0f) << 2;
  if (hl < IPV4_HEADER_LENGTH || l3 + hl > end) return false;
  const total = dv.getUint16(l3 + 2);
  if (total < hl) return false;
  // Any fragment (MF set or a nonzero offset) goes the full way.
  if (((buf[l3 + 6]! & 0x3f) | buf[l3 + 7]!) !== 0) return false;
  const proto = buf[l3 + 9]!;
  const ipEnd = l3 + total;
  const capEnd = end < ipEnd ? end : ipEnd;
  const l4 = l3 + hl;
  const l4Len = total - hl;
  const cap = capEnd - l4;
  if (proto === IPPROTO_TCP) {
    if (l4Len < TCP_HEADER_LENGTH || cap < TCP_HEADER_LENGTH) return false;
    const thl = (buf[l4 + 12]! >>> 4) << 2;
    if (thl < TCP_HEADER_LENGTH || thl > l4Len || thl > cap) return false;
    const flags = buf[l4 + 13]!;
    if ((flags & TCP_FLAG_SYN) !== 0 && thl > TCP_HEADER_LENGTH) {
      if (parseTcpOptions(buf, l4 + TCP_HEADER_LENGTH, l4 + thl, tcpOptions) !== FAULT_OK) return false;
      meta.tcpMss = tcpOptions.mss;
      meta.tcpWindowScale = tcpOptions.windowScale;
      meta.tcpSackPermitted = tcpOptions.sackPermitted;
      meta.tcpHasTimestamp = tcpOptions.hasTimestamp;
      meta.tcpTsVal = tcpOptions.tsVal;
      meta.tcpTsEcr = tcpOptions.tsEcr;
    } else {
      clearTcpOptions(meta);
    }
    meta.srcPort = dv.getUint16(l4);
    meta.dstPort = dv.getUint16(l4 + 2);
    meta.seq = dv.getUint32(l4 + 4);
    meta.ack = dv.getUint32(l4 + 8);
    meta.tcpFlags = flags;
    meta.window = dv.getUint16(l4 + 14);
    meta.urgent = dv.getUint16(l4 + 18);
    meta.tcpHeaderLength = thl;
    meta.payloadOffset = l4 + thl;
    meta.payloadLength = l4Len - thl;
    meta.payloadCaptured = cap - thl;
  } else if (proto === IPPROTO_UDP) {
    if (l4Len < UDP_HEADER_LENGTH || cap < UDP_HEADER_LENGTH) return false;
    const ulen = dv.getUint16(l4 + 4);
    if (ulen < UDP_HEADER_LENGTH || ulen > l4Len) return false;
    meta.srcPort = dv.getUint16(l4);
    meta.dstPort = dv.getUint16(l4 + 2);
    clearTcpFields(meta);
    const pl = ulen - UDP_HEADER_LENGTH;
    const pc = cap - UDP_HEADER_LENGTH;
    meta.payloadOffset = l4 + UDP_HEADER_LENGTH;
    meta.payloadLength = pl;
    meta.payloadCaptured = pc < pl ? pc : pl;
  } else {
    return false;
  }
  const src = dv.getUint32(l3 + 12);
  const dst = dv.getUint32(l3 + 16);
  meta.buf = buf;
  meta.frameOffset = off;
  meta.capturedLength = len;
  meta.linkType = linkType;
  meta.vlanCount = 0;
  meta.vlanId = 0;
  meta.l3Offset = l3;
  meta.ipVersion = 4;
  meta.ipHeaderLength = hl;
  meta.ipTotalLength = total;
  meta.ttl = buf[l3 + 8]!;
  meta.src4 = src;
  meta.dst4 = dst;
  const s = meta.srcAddr, d = meta.dstAddr;
  s[0] = 0; s[1] = 0; s[2] = 0xffff; s[3] = src;
  d[0] = 0; d[1] = 0; d[2] = 0xffff; d[3] = dst;
  meta.proto = proto;
  meta.fragment = FRAG_NONE;
  meta.fragmentOffset = 0;
  meta.l4Offset = l4;
  meta.l4Length = l4Len;
  meta.icmpType = -1;
  meta.icmpCode = -1;
  meta.snapped = end < ipEnd;
  return true;
}

function versionOfEtherType(type: number): number {
  return type === ETHERTYPE_IPV4 ? 4 : type === ETHERTYPE_IPV6 ? 6 : 0;
}

function versionOfFamily(family: number): number {
  if (family === BSD_AF_INET) return 4;
  if (family === BSD_AF_INET6_NETBSD || family === BSD_AF_INET6_FREEBSD || family === BSD_AF_INET6_DARWIN) return 6;
  return 0;
}

/**
 * Reads the EtherType at `typeOff` and walks any VLAN tags after it. Sets `innerEtherType`
 * and the meta's VLAN fields; returns the offset after the link header or −fault.
 */
function walkEtherType(buf: Uint8Array, typeOff: number, end: number, meta: PacketMeta): number {
  const type = readU16(buf, typeOff);
  if (!isVlanTpid(type)) {
    innerEtherType = type;
    return typeOff + 2;
  }
  return walkTags(buf, typeOff, type, end, meta);
}

/**
 * Walks VLAN tags whose first TPID (`type`) sits at `tpidOff` (IEEE 802.1Q §9.5: TPID, TCI,
 * then the next EtherType). Returns the offset after the last tag or −fault.
 */
function walkTags(buf: Uint8Array, tpidOff: number, type: number, end: number, meta: PacketMeta): number {
  let p = tpidOff;
  let count = 0;
  while (isVlanTpid(type)) {
    if (count === ETHERNET_MAX_TAGS) return -FAULT_NOT_IP;
    if (p + ETHERNET_VLAN_TAG_LENGTH + 2 > end) return -FAULT_TRUNCATED_LINK;
    if (count === 0) meta.vlanId = readU16(buf, p + 2) & 0x0fff;
    count++;
    p += ETHERNET_VLAN_TAG_LENGTH;
    type = readU16(buf, p);
  }
  meta.vlanCount = count;
  innerEtherType = type;
  return p + 2;
}

/** Decodes the IP header at `l3` (`expect` = 4, 6 or 0 for "by the version nibble"). */
function decodeIpAt(buf: Uint8Array, l3: number, end: number, expect: number, meta: PacketMeta): number {
  meta.l3Offset = l3;
  if (l3 >= end) return FAULT_TRUNCATED_IP;
  const v = buf[l3]! >>> 4;
  if (expect !== 0 && v !== expect) return FAULT_BAD_IP_VERSION;
  if (v === 4) return decodeIpv4(buf, l3, end, meta);
  if (v === 6) return decodeIpv6(buf, l3, end, meta);
  return FAULT_BAD_IP_VERSION;
}

function decodeIpv4(buf: Uint8Array, l3: number, end: number, meta: PacketMeta): number {
  const f = ip4.bind(buf, l3, end - l3);
  if (f !== FAULT_OK) return f;
  const hl = ip4.headerLength;
  const total = ip4.totalLength;
  meta.ipVersion = 4;
  meta.ipHeaderLength = hl;
  meta.ipTotalLength = total;
  meta.ttl = ip4.ttl;
  const src = ip4.src, dst = ip4.dst;
  meta.src4 = src;
  meta.dst4 = dst;
  meta.srcAddr[2] = 0xffff;
  meta.srcAddr[3] = src;
  meta.dstAddr[2] = 0xffff;
  meta.dstAddr[3] = dst;
  meta.proto = ip4.protocol;
  const fo = ip4.fragmentOffset;
  meta.fragmentOffset = fo;
  meta.fragment = fo !== 0 ? FRAG_LATER : ip4.moreFragments ? FRAG_FIRST : FRAG_NONE;
  const ipEnd = l3 + total;
  meta.snapped = end < ipEnd;
  meta.l4Offset = l3 + hl;
  meta.l4Length = total - hl;
  return decodeTransport(buf, end < ipEnd ? end : ipEnd, meta);
}

function decodeIpv6(buf: Uint8Array, l3: number, end: number, meta: PacketMeta): number {
  const f = ip6.bind(buf, l3, end - l3);
  if (f !== FAULT_OK) return f;
  const hl = ip6.headerLength;
  const total = ip6.totalLength;
  meta.ipVersion = 6;
  meta.ipHeaderLength = hl;
  meta.ipTotalLength = total;
  meta.ttl = ip6.hopLimit;
  ip6.readSrc(meta.srcAddr);
  ip6.readDst(meta.dstAddr);
  meta.proto = ip6.upperProtocol;
  const fo = ip6.fragmentOffset;
  meta.fragmentOffset = fo;
  meta.fragment = fo !== 0 ? FRAG_LATER : ip6.moreFragments ? FRAG_FIRST : FRAG_NONE;
  const ipEnd = l3 + total;
  meta.snapped = end < ipEnd;
  meta.l4Offset = l3 + hl;
  meta.l4Length = total - hl;
  return decodeTransport(buf, end < ipEnd ? end : ipEnd, meta);
}

/** Decodes the transport header at `meta.l4Offset`; `capEnd` is the end of the captured datagram. */
function decodeTransport(buf: Uint8Array, capEnd: number, meta: PacketMeta): number {
  const l4 = meta.l4Offset;
  const l4Len = meta.l4Length;
  const cap = capEnd - l4;
  if (meta.fragment === FRAG_LATER) {
    meta.payloadOffset = l4;
    meta.payloadLength = l4Len;
    meta.payloadCaptured = cap;
    return FAULT_OK;
  }
  const proto = meta.proto;
  if (proto === IPPROTO_TCP) {
    if (l4Len < TCP_HEADER_LENGTH || cap < TCP_HEADER_LENGTH) return FAULT_TRUNCATED_L4;
    const hl = (buf[l4 + 12]! >>> 4) << 2;
    if (hl < TCP_HEADER_LENGTH || hl > l4Len) return FAULT_BAD_TCP_OFFSET;
    if (hl > cap) return FAULT_TRUNCATED_L4;
    const flags = buf[l4 + 13]!;
    meta.srcPort = readU16(buf, l4);
    meta.dstPort = readU16(buf, l4 + 2);
    meta.seq = readU32(buf, l4 + 4);
    meta.ack = readU32(buf, l4 + 8);
    meta.tcpFlags = flags;
    meta.window = readU16(buf, l4 + 14);
    meta.urgent = readU16(buf, l4 + 18);
    meta.tcpHeaderLength = hl;
    if ((flags & TCP_FLAG_SYN) !== 0 && hl > TCP_HEADER_LENGTH) {
      const f = parseTcpOptions(buf, l4 + TCP_HEADER_LENGTH, l4 + hl, tcpOptions);
      if (f !== FAULT_OK) return f;
      meta.tcpMss = tcpOptions.mss;
      meta.tcpWindowScale = tcpOptions.windowScale;
      meta.tcpSackPermitted = tcpOptions.sackPermitted;
      meta.tcpHasTimestamp = tcpOptions.hasTimestamp;
      meta.tcpTsVal = tcpOptions.tsVal;
      meta.tcpTsEcr = tcpOptions.tsEcr;
    }
    meta.payloadOffset = l4 + hl;
    meta.payloadLength = l4Len - hl;
    meta.payloadCaptured = cap - hl;
    return FAULT_OK;
  }
  if (proto === IPPROTO_UDP) {
    if (l4Len < UDP_HEADER_LENGTH || cap < UDP_HEADER_LENGTH) return FAULT_TRUNCATED_L4;
    const ulen = readU16(buf, l4 + 4);
    if (ulen < UDP_HEADER_LENGTH) return FAULT_BAD_UDP_LENGTH;
    // A first fragment's UDP length covers the whole datagram, not this fragment (RFC 768, RFC 791 §2.3).
    if (meta.fragment === FRAG_NONE && ulen > l4Len) return FAULT_BAD_UDP_LENGTH;
    meta.srcPort = readU16(buf, l4);
    meta.dstPort = readU16(buf, l4 + 2);
    const pl = meta.fragment === FRAG_NONE ? ulen - UDP_HEADER_LENGTH : l4Len - UDP_HEADER_LENGTH;
    const pc = cap - UDP_HEADER_LENGTH;
    meta.payloadOffset = l4 + UDP_HEADER_LENGTH;
    meta.payloadLength = pl;
    meta.payloadCaptured = pc < pl ? pc : pl;
    return FAULT_OK;
  }
  if ((proto === IPPROTO_ICMP && meta.ipVersion === 4) || (proto === IPPROTO_ICMPV6 && meta.ipVersion === 6)) {
    if (l4Len < ICMP_HEADER_LENGTH || cap < ICMP_HEADER_LENGTH) return FAULT_TRUNCATED_L4;
    meta.icmpType = buf[l4]!;
    meta.icmpCode = buf[l4 + 1]!;
    meta.payloadOffset = l4 + ICMP_HEADER_LENGTH;
    meta.payloadLength = l4Len - ICMP_HEADER_LENGTH;
    meta.payloadCaptured = cap - ICMP_HEADER_LENGTH;
    return FAULT_OK;
  }
  meta.payloadOffset = l4;
  meta.payloadLength = l4Len;
  meta.payloadCaptured = cap;
  return FAULT_OK;
}
