/**
 * The decoded summary of one packet, filled in place by `decodePacket` (see `decode.ts`).
 *
 * One `PacketMeta` is allocated per engine and re-bound for every packet: nothing here is
 * allocated per packet. Offsets index the buffer the packet was decoded from. IPv4 addresses
 * are stored both as a uint32 (`src4`/`dst4`) and, IPv4-mapped (`::ffff:a.b.c.d`), in the
 * 4-word `srcAddr`/`dstAddr` arrays, so that code keyed by address can treat both families alike.
 */
export class PacketMeta {
  /** Buffer the packet was decoded from. */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the first byte of the frame (link header) in `buf`. */
  frameOffset = 0;
  /** Captured length of the frame (bytes present in `buf`). */
  capturedLength = 0;
  /** Link type the frame was decoded as (LINKTYPE_* constant). */
  linkType = 0;
  /** Number of 802.1Q / 802.1ad tags walked (0, 1 or 2). */
  vlanCount = 0;
  /** VLAN ID of the outermost tag (0 when untagged). */
  vlanId = 0;
  /** Offset of the IP header in `buf`. */
  l3Offset = 0;
  /** 4 or 6 (0 when not IP). */
  ipVersion = 0;
  /** IPv4 header length / IPv6 fixed header plus extension headers walked, in bytes. */
  ipHeaderLength = 0;
  /** Total IP datagram length as the header states it (may exceed what was captured). */
  ipTotalLength = 0;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl = 0;
  /** Source/destination IPv4 address as uint32 (valid when `ipVersion === 4`). */
  src4 = 0;
  dst4 = 0;
  /** Source/destination address as four big-endian 32-bit words (IPv4-mapped for IPv4). */
  readonly srcAddr = new Uint32Array(4);
  readonly dstAddr = new Uint32Array(4);
  /** Upper-layer protocol number (after IPv6 extension headers). */
  proto = 0;
  /** Fragment kind: FRAG_NONE, FRAG_FIRST (offset 0, more fragments) or FRAG_LATER (offset > 0). */
  fragment = 0;
  /** Fragment offset in bytes. */
  fragmentOffset = 0;
  /** Offset of the transport header in `buf` (valid when the transport header was decoded). */
  l4Offset = 0;
  /** Transport bytes according to the IP header (header + payload), not clipped to the capture. */
  l4Length = 0;
  /** TCP/UDP ports (0 otherwise). */
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte (FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80). */
  tcpFlags = 0;
  /** TCP sequence and acknowledgement numbers (uint32). */
  seq = 0;
  ack = 0;
  /** TCP window (unscaled) and urgent pointer. */
  window = 0;
  urgent = 0;
  /** TCP header length in bytes. */
  tcpHeaderLength = 0;
  /** TCP options present on this segment (decoded only on SYN segments). */
  tcpMss = 0;            // 0 = absent
  tcpWindowScale = -1;   // -1 = absent
  tcpSackPermitted = false;
  tcpHasTimestamp = false;
  tcpTsVal = 0;
  tcpTsEcr = 0;
  /** Offset of the transport payload in `buf`. */
  payloadOffset = 0;
  /** Transport payload length according to the IP header. */
  payloadLength = 0;
  /** Transport payload bytes actually present in `buf` (less than payloadLength on snapped captures). */
  payloadCaptured = 0;
  /** ICMP / ICMPv6 type and code (-1 otherwise). */
  icmpType = -1;
  icmpCode = -1;
  /** True when the frame was cut short by the capture's snap length (headers are still whole). */
  snapped = false;
  /**
   * The packets this one stands for on the wire: 1, or for a GSO super-packet (read from a TUN
   * device with offloads) the segments the kernel's segmentation makes of it,
   * {@link segmentCount}. Set by the engine's live entry point around one packet; decoding leaves
   * it alone.
   */
  segments = 1;
}

/**
 * Segments of a super-packet whose transport payload of `payload` bytes is cut into `gsoSize`
 * bytes each (the last one shorter): ceil(payload / gsoSize), at least 1.
 */
export function segmentCount(payload: number, gsoSize: number): number {
  return payload > gsoSize ? Math.ceil(payload / gsoSize) : 1;
}

/**
 * IP bytes the packet puts on the wire: its total length, and for a super-packet of n segments
 * the headers (IP, extension and transport headers) n - 1 times more, as each segment repeats
 * them — the sum of the segments' IP total lengths, which is what a router that forwarded the
 * segments one by one (IOS) counts.
 */
export function wireOctets(meta: PacketMeta): number {
  const n = meta.segments;
  const total = meta.ipTotalLength;
  return n === 1 ? total : total + (n - 1) * (total - meta.payloadLength);
}

/** `PacketMeta.fragment` values. */
export const FRAG_NONE = 0;
export const FRAG_FIRST = 1;
export const FRAG_LATER = 2;

/** TCP flag bits (RFC 9293 §3.1). */
export const TCP_FLAG_FIN = 0x01;
export const TCP_FLAG_SYN = 0x02;
export const TCP_FLAG_RST = 0x04;
export const TCP_FLAG_PSH = 0x08;
export const TCP_FLAG_ACK = 0x10;
export const TCP_FLAG_URG = 0x20;
export const TCP_FLAG_ECE = 0x40;
export const TCP_FLAG_CWR = 0x80;

/** IP protocol numbers used across the project. */
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/** Link types (tcpdump.org LINKTYPE_* values). */
export const LINKTYPE_NULL = 0;        // BSD loopback, host-order 4-byte family
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;       // raw IPv4 or IPv6 by version nibble
export const LINKTYPE_LOOP = 108;      // OpenBSD loopback, network-order family
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;
