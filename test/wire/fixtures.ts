/**
 * Packets shared by the wire tests: real frames captured on the loopback interface (Linux
 * 6.x, tcpdump, Ethernet link type with zero MACs) and builders that assemble frames from
 * reprs. The loopback frames carry CHECKSUM_PARTIAL TCP checksums (the pseudo-header sum
 * only); the correct values Wireshark computes for them are recorded beside them.
 */
import { EthernetRepr, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../src/wire/ethernet.js';
import type { VlanTagRepr } from '../../src/wire/ethernet.js';
import { Ipv4Repr } from '../../src/wire/ipv4.js';
import { Ipv6Repr } from '../../src/wire/ipv6.js';
import type { Ipv6ExtRepr } from '../../src/wire/ipv6.js';
import { TcpRepr } from '../../src/wire/tcp.js';
import { UdpRepr } from '../../src/wire/udp.js';
import { IcmpRepr } from '../../src/wire/icmp.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/packet.js';

/** Parses a hex string into bytes. */
export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

/** Formats bytes as hex (for assertion messages). */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** A buffer of `n` bytes filled with 0xa5 (junk that an emitter must overwrite exactly). */
export function junk(n: number): Uint8Array {
  return new Uint8Array(n).fill(0xa5);
}

/**
 * The Internet checksum written out the slow, obvious way (RFC 1071 §4.1 pseudo-code), as an
 * oracle independent of src/wire/checksum.ts.
 */
export function naiveChecksum(...parts: Uint8Array[]): number {
  const all: number[] = [];
  for (const p of parts) all.push(...p);
  if (all.length % 2) all.push(0);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all[i]! * 256 + all[i + 1]!;
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return 0xffff - sum;
}

/** IPv4 pseudo-header bytes (RFC 9293 §3.1). */
export function pseudo4(src: number, dst: number, proto: number, len: number): Uint8Array {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(src >>> 0, 0);
  b.writeUInt32BE(dst >>> 0, 4);
  b[9] = proto;
  b.writeUInt16BE(len, 10);
  return new Uint8Array(b);
}

/** IPv6 pseudo-header bytes (RFC 8200 §8.1). */
export function pseudo6(src: Uint32Array, dst: Uint32Array, proto: number, len: number): Uint8Array {
  const b = Buffer.alloc(40);
  for (let i = 0; i < 4; i++) {
    b.writeUInt32BE(src[i]!, 4 * i);
    b.writeUInt32BE(dst[i]!, 16 + 4 * i);
  }
  b.writeUInt32BE(len, 32);
  b[39] = proto;
  return new Uint8Array(b);
}

/**
 * Linux SYN 127.0.0.1:58486 → 127.0.0.1:45678 with MSS 65495, SACK-permitted, timestamps
 * (1591936786, 0) and window scale 10; IP ID 0xaf00, DF, TTL 64. Wireshark: TCP checksum
 * should be 0x879b.
 */
export const SYN4_FRAME = fromHex(
  '00000000000000000000000008004500003caf00400040068db97f0000017f000001e476b26e1888b30000000000a002ffd7fe3000000204ffd70402080a5ee30712000000000103030a');
export const SYN4_TCP_CHECKSUM = 0x879b;

/** The SYN-ACK answering it: seq 1467486748, ack 411611905, window 65483, ID 0. Checksum 0x6c88. */
export const SYNACK4_FRAME = fromHex(
  '00000000000000000000000008004500003c0000400040063cba7f0000017f000001b26ee4765778121c1888b301a012ffcbfe3000000204ffd70402080a39b377c65ee307120103030a');
export const SYNACK4_TCP_CHECKSUM = 0x6c88;

/**
 * Linux SYN [::1]:46430 → [::1]:45679, flow label 0xf0598, hop limit 64, MSS 65476, SACK-permitted,
 * timestamps (864268755, 0), window scale 10. Checksum should be 0x1eb4.
 */
export const SYN6_FRAME = fromHex(
  '00000000000000000000000086dd600f0598002806400000000000000000000000000000000100000000000000000000000000000001b55eb26feb14f73700000000a002ffc4003000000204ffc40402080a3383b1d3000000000103030a');
export const SYN6_TCP_CHECKSUM = 0x1eb4;

/** The SYN-ACK: flow label 0x8466f, seq 742320223, ack 3944019768, window 65464. Checksum 0x0c5b. */
export const SYNACK6_FRAME = fromHex(
  '00000000000000000000000086dd6008466f002806400000000000000000000000000000000100000000000000000000000000000001b26fb55e2c3ee85feb14f738a012ffb8003000000204ffc40402080ac13d3c783383b1d30103030a');
export const SYNACK6_TCP_CHECKSUM = 0x0c5b;

/** Returns a copy of `frame` with the TCP checksum at `l4 + 16` replaced by `sum`. */
export function withTcpChecksum(frame: Uint8Array, l4: number, sum: number): Uint8Array {
  const b = frame.slice();
  b[l4 + 16] = sum >>> 8;
  b[l4 + 17] = sum & 0xff;
  return b;
}

/** What a builder produces: the frame and the reprs it was made from. */
export interface BuiltFrame {
  frame: Uint8Array;
  eth: EthernetRepr | undefined;
  ip: Ipv4Repr | Ipv6Repr;
  l4: TcpRepr | UdpRepr | IcmpRepr | Uint8Array;
}

/** Options for {@link buildFrame}. */
export interface BuildOptions {
  /** Wrap in Ethernet (default true). */
  ethernet?: boolean;
  tags?: VlanTagRepr[];
  /** IPv6 extension headers. */
  extensions?: Ipv6ExtRepr[];
  /** IPv4 options (raw bytes). */
  ipv4Options?: Uint8Array;
}

/** Assembles a frame (optionally Ethernet-framed) from an IP repr and a transport repr. */
export function buildFrame(ip: Ipv4Repr | Ipv6Repr, l4: TcpRepr | UdpRepr | IcmpRepr | Uint8Array,
  opts: BuildOptions = {}): BuiltFrame {
  let eth: EthernetRepr | undefined;
  if (opts.ethernet !== false) {
    eth = new EthernetRepr();
    eth.dst = fromHex('020000000001');
    eth.src = fromHex('020000000002');
    eth.tags = opts.tags ?? [];
    eth.etherType = ip.version === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  }
  if (ip.version === 6 && opts.extensions) ip.extensions = opts.extensions;
  if (ip.version === 4 && opts.ipv4Options) ip.options = opts.ipv4Options;
  const l4Len = l4 instanceof TcpRepr ? l4.segmentLength
    : l4 instanceof UdpRepr ? l4.datagramLength
      : l4 instanceof IcmpRepr ? l4.messageLength : l4.length;
  ip.protocol = l4 instanceof TcpRepr ? IPPROTO_TCP : l4 instanceof UdpRepr ? IPPROTO_UDP
    : l4 instanceof IcmpRepr ? (ip.version === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6) : ip.protocol;
  ip.payloadLength = l4Len;
  const ethLen = eth ? eth.headerLength : 0;
  const frame = new Uint8Array(ethLen + ip.headerLength + l4Len);
  let p = 0;
  if (eth) p += eth.emit(frame, 0);
  p += ip.emit(frame, p);
  if (l4 instanceof TcpRepr || l4 instanceof UdpRepr) l4.emit(frame, p, ip);
  else if (l4 instanceof IcmpRepr) l4.emit(frame, p, ip.version === 6 ? ip : undefined);
  else frame.set(l4, p);
  return { frame, eth, ip, l4 };
}

/** An IPv4 repr from 192.0.2.1 to 198.51.100.7. */
export function ip4(): Ipv4Repr {
  const r = new Ipv4Repr();
  r.src = 0xc0000201;
  r.dst = 0xc6336407;
  r.ttl = 63;
  r.ident = 0x1234;
  return r;
}

/** An IPv6 repr from 2001:db8::1 to 2001:db8:1::7. */
export function ip6(): Ipv6Repr {
  const r = new Ipv6Repr();
  r.src = Uint32Array.of(0x20010db8, 0, 0, 1);
  r.dst = Uint32Array.of(0x20010db8, 0x00010000, 0, 7);
  r.hopLimit = 61;
  r.flowLabel = 0x12345;
  r.trafficClass = 0x28;
  return r;
}

/** A SYN with every option the decoder understands. */
export function synRepr(): TcpRepr {
  const t = new TcpRepr();
  t.srcPort = 3061;
  t.dstPort = 80;
  t.seq = 462612879;
  t.flags = 0x02;
  t.window = 64240;
  t.mss = 1460;
  t.windowScale = 7;
  t.sackPermitted = true;
  t.timestamp = { tsVal: 123456, tsEcr: 0 };
  return t;
}

/** A PSH/ACK data segment with SACK blocks and timestamps. */
export function dataRepr(): TcpRepr {
  const t = new TcpRepr();
  t.srcPort = 3061;
  t.dstPort = 80;
  t.seq = 462612880;
  t.ack = 3715697587;
  t.flags = 0x18;
  t.window = 501;
  t.timestamp = { tsVal: 99, tsEcr: 77 };
  t.sackBlocks = [[1000, 2000], [3000, 4000]];
  t.payload = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example\r\n\r\n');
  return t;
}

/** A UDP datagram (DNS-sized). */
export function udpRepr(): UdpRepr {
  const u = new UdpRepr();
  u.srcPort = 53000;
  u.dstPort = 53;
  u.payload = fromHex('abcd01000001000000000000076578616d706c6503636f6d0000010001');
  return u;
}

/** An ICMP or ICMPv6 echo request. */
export function echoRepr(version: 4 | 6): IcmpRepr {
  const r = new IcmpRepr();
  r.version = version;
  r.type = version === 4 ? 8 : 128;
  r.code = 0;
  r.rest = 0x0042_0001;
  r.payload = fromHex('000102030405060708090a0b0c0d0e0f');
  return r;
}

/**
 * The extension chain used in the IPv6 tests: hop-by-hop, routing, fragment (first), dest
 * opts, AH. Bodies are already padded to their unit so that parse gives them back unchanged.
 */
export function extChain(): Ipv6ExtRepr[] {
  return [
    { type: 0, body: fromHex('010400000000') },             // PadN
    { type: 43, body: fromHex('0000000000002001000000000000') }, // type 0, segments left 0
    { type: 44, body: fromHex('00000100abcdef') },          // reserved, offset 0, M = 1, id
    { type: 60, body: fromHex('010400000000') },
    { type: 51, body: fromHex('00000000000100000002000000030000000400000000') }, // SPI 1, seq 2, ICV
  ];
}
