/**
 * Builds the golden captures in `captures/`: TCP/UDP packets over IPv4 or IPv6, framed as
 * Ethernet (optionally 802.1Q / QinQ tagged), raw IP or Linux cooked SLL2, written as classic
 * pcap or pcapng. Used by the committed generator scripts, so every golden capture can be
 * rebuilt byte for byte (a test checks that).
 */
import { writeFileSync } from 'node:fs';
import { TcpSegmentSpec, writeTcpSegment } from '../../src/wire/emit-tcp.js';
import { parseIpv4, parseIpv6 } from '../../src/wire/addr.js';
import { Ipv4Repr } from '../../src/wire/ipv4.js';
import { Ipv6Repr } from '../../src/wire/ipv6.js';
import { UdpRepr } from '../../src/wire/udp.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW } from '../../src/wire/packet.js';
import {
  PCAP_FILE_HEADER_BYTES, PCAP_MAGIC_MICROSECONDS, PCAP_RECORD_HEADER_BYTES, PCAPNG_BLOCK_EPB, PCAPNG_BLOCK_FRAME_BYTES,
  PCAPNG_BLOCK_IDB, PCAPNG_BLOCK_SHB, PCAPNG_EPB_HEADER_BYTES, PCAPNG_IDB_BODY_BYTES, PCAPNG_SHB_BODY_BYTES, normalizePcapTime,
  pad4, pcapTime, writePcapFileHeader, writePcapngBlockFrame, writePcapngInterfaceBody, writePcapngPacketHeader,
  writePcapngSectionHeaderBody, writePcapRecordHeader,
} from '../../src/io/pcap-format.js';

export type Framing =
  | { readonly kind: 'raw' }
  | { readonly kind: 'ethernet'; readonly vlans?: readonly number[] }
  | { readonly kind: 'sll2'; readonly ifIndex?: number };

export interface TcpPacket {
  /** Capture time, ms since the epoch (µs resolution is kept). */
  readonly timeMs: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  /** Flag names: FIN SYN RST PSH ACK URG. */
  readonly flags: string;
  readonly seq: number;
  readonly ack?: number;
  readonly window?: number;
  readonly payload?: Uint8Array;
  /** SYN options. */
  readonly mss?: number;
  readonly windowScale?: number;
  readonly sackPermitted?: boolean;
}

export interface Frame {
  readonly timeMs: number;
  readonly bytes: Uint8Array;
}

const FLAG_BITS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32 };

/** Parses an address to four words (IPv4-mapped for IPv4) and tells the version. */
function addrWords(text: string): { words: Uint32Array; v4: number | undefined } {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { words: new Uint32Array([0, 0, 0xffff, v4]), v4 };
  const v6 = parseIpv6(text);
  if (v6 === undefined) throw new Error(`bad address ${text}`);
  return { words: v6, v4: undefined };
}

export class CaptureBuilder {
  private readonly frames: Frame[] = [];
  private ipId = 1;

  constructor(private readonly framing: Framing) {}

  /** Adds a TCP segment. */
  tcp(p: TcpPacket): this {
    const s = new TcpSegmentSpec();
    const src = addrWords(p.src);
    const dst = addrWords(p.dst);
    s.ipVersion = src.v4 !== undefined ? 4 : 6;
    s.srcAddr.set(src.words);
    s.dstAddr.set(dst.words);
    s.src4 = src.v4 ?? 0;
    s.dst4 = dst.v4 ?? 0;
    s.srcPort = p.sport;
    s.dstPort = p.dport;
    s.seq = p.seq >>> 0;
    s.ack = (p.ack ?? 0) >>> 0;
    s.flags = p.flags.split(/\s+/).filter((f) => f.length > 0).reduce((a, f) => {
      const b = FLAG_BITS[f];
      if (b === undefined) throw new Error(`bad flag ${f}`);
      return a | b;
    }, 0);
    s.window = p.window ?? 64240;
    s.ttl = 64;
    s.ipId = this.ipId++ & 0xffff;
    s.mss = p.mss ?? 0;
    s.windowScale = p.windowScale ?? -1;
    s.sackPermitted = p.sackPermitted ?? false;
    const payload = p.payload ?? new Uint8Array(0);
    s.payloadBuf = payload;
    s.payloadOff = 0;
    s.payloadLen = payload.length;
    const ip = new Uint8Array(120 + payload.length);
    const len = writeTcpSegment(ip, 0, s);
    this.frames.push({ timeMs: p.timeMs, bytes: this.frame(ip.subarray(0, len), s.ipVersion) });
    return this;
  }

  /** Adds a UDP datagram. */
  udp(p: { timeMs: number; src: string; dst: string; sport: number; dport: number; payload: Uint8Array }): this {
    const src = addrWords(p.src);
    const dst = addrWords(p.dst);
    const u = new UdpRepr();
    u.srcPort = p.sport;
    u.dstPort = p.dport;
    u.payload = p.payload;
    let ip: Ipv4Repr | Ipv6Repr;
    if (src.v4 !== undefined) {
      const r = new Ipv4Repr();
      r.src = src.v4;
      r.dst = dst.v4 ?? 0;
      r.ident = this.ipId++ & 0xffff;
      ip = r;
    } else {
      const r = new Ipv6Repr();
      r.src = src.words;
      r.dst = dst.words;
      ip = r;
    }
    ip.protocol = 17;
    ip.payloadLength = u.datagramLength;
    const buf = new Uint8Array(40 + u.datagramLength);
    const hl = ip.emit(buf, 0);
    u.emit(buf, hl, ip);
    this.frames.push({ timeMs: p.timeMs, bytes: this.frame(buf.subarray(0, hl + u.datagramLength), ip.version) });
    return this;
  }

  /** The frames built so far, in order (for tests that feed them to an engine directly). */
  packets(): readonly Frame[] {
    return this.frames;
  }

  /** Link type of the frames (LINKTYPE_*). */
  get linkTypeValue(): number {
    return this.linkType();
  }

  /** Appends the frames of another builder (with its own framing, e.g. other VLAN tags). */
  append(other: CaptureBuilder): this {
    this.frames.push(...other.frames);
    return this;
  }

  /** Wraps an IP packet in the builder's link layer. */
  private frame(ip: Uint8Array, version: number): Uint8Array {
    const f = this.framing;
    const etherType = version === 4 ? 0x0800 : 0x86dd;
    if (f.kind === 'raw') return ip.slice();
    if (f.kind === 'sll2') {
      // LINKTYPE_LINUX_SLL2: protocol, reserved, ifindex, ARPHRD, packet type, addr len, addr[8].
      const h = new Uint8Array(20 + ip.length);
      const dv = new DataView(h.buffer);
      dv.setUint16(0, etherType);
      dv.setUint32(4, f.ifIndex ?? 2);
      dv.setUint16(8, 1); // ARPHRD_ETHER
      h[10] = 0; // PACKET_HOST
      h[11] = 6;
      h.set([0x02, 0x00, 0x00, 0x00, 0x00, 0x25], 12);
      h.set(ip, 20);
      return h;
    }
    const vlans = f.vlans ?? [];
    const h = new Uint8Array(14 + 4 * vlans.length + ip.length);
    const dv = new DataView(h.buffer);
    h.set([0x02, 0x00, 0x00, 0x00, 0x00, 0x01], 0); // gateway
    h.set([0x02, 0x00, 0x00, 0x00, 0x00, 0x25], 6); // client
    let o = 12;
    vlans.forEach((vid, i) => {
      // Outer tag of a QinQ stack is 802.1ad (0x88a8), the others 802.1Q.
      dv.setUint16(o, i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100);
      dv.setUint16(o + 2, vid & 0x0fff);
      o += 4;
    });
    dv.setUint16(o, etherType);
    h.set(ip, o + 2);
    return h;
  }

  private linkType(): number {
    return this.framing.kind === 'raw' ? LINKTYPE_RAW : this.framing.kind === 'sll2' ? LINKTYPE_LINUX_SLL2 : LINKTYPE_ETHERNET;
  }

  /** Classic pcap, little-endian, µs timestamps. */
  toPcap(): Uint8Array {
    const size = PCAP_FILE_HEADER_BYTES + this.frames.reduce((a, f) => a + PCAP_RECORD_HEADER_BYTES + f.bytes.length, 0);
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    let o = writePcapFileHeader(dv, 0, true, PCAP_MAGIC_MICROSECONDS, 262144, this.linkType());
    for (const fr of this.frames) {
      const us = Math.round(fr.timeMs * 1000);
      normalizePcapTime(0, us, 1e6);
      o += writePcapRecordHeader(dv, o, true, pcapTime.sec, pcapTime.sub, fr.bytes.length, fr.bytes.length);
      out.set(fr.bytes, o);
      o += fr.bytes.length;
    }
    return out;
  }

  /** pcapng: one section, one interface (µs resolution), Enhanced Packet Blocks. */
  toPcapng(): Uint8Array {
    const F = PCAPNG_BLOCK_FRAME_BYTES;
    const size = F + PCAPNG_SHB_BODY_BYTES + F + PCAPNG_IDB_BODY_BYTES +
      this.frames.reduce((a, f) => a + F + PCAPNG_EPB_HEADER_BYTES + pad4(f.bytes.length), 0);
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    let o = 0;
    writePcapngSectionHeaderBody(dv, o + 8, true);
    o += writePcapngBlockFrame(dv, o, true, PCAPNG_BLOCK_SHB, PCAPNG_SHB_BODY_BYTES);
    writePcapngInterfaceBody(dv, o + 8, true, this.linkType(), 262144);
    o += writePcapngBlockFrame(dv, o, true, PCAPNG_BLOCK_IDB, PCAPNG_IDB_BODY_BYTES);
    for (const fr of this.frames) {
      const us = Math.round(fr.timeMs * 1000);
      writePcapngPacketHeader(dv, o + 8, true, 0, Math.floor(us / 2 ** 32), us >>> 0, fr.bytes.length, fr.bytes.length);
      out.set(fr.bytes, o + 8 + PCAPNG_EPB_HEADER_BYTES);
      o += writePcapngBlockFrame(dv, o, true, PCAPNG_BLOCK_EPB, PCAPNG_EPB_HEADER_BYTES + fr.bytes.length);
    }
    return out;
  }

  /** Writes the capture (pcapng if the path ends in `.pcapng`). */
  write(path: string): void {
    writeFileSync(path, path.endsWith('.pcapng') ? this.toPcapng() : this.toPcap());
  }
}

/** Milliseconds since the epoch of `Mar 1 1993 hh:mm:ss.mmm` UTC (the IOS default clock's date). */
export function mar1(h: number, m: number, s: number, ms: number): number {
  return Date.UTC(1993, 2, 1, h, m, s, ms);
}

/** An ASCII HTTP request of exactly `length` bytes, padded in a `User-Agent` comment. */
export function httpRequestOfLength(length: number, lines: readonly string[]): Uint8Array {
  const head = lines.join('\r\n');
  const fixed = `${head}\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; )\r\n\r\n`;
  const pad = length - fixed.length;
  if (pad < 0) throw new Error(`request lines are already ${fixed.length} bytes, more than ${length}`);
  const text = `${head}\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; ${'x'.repeat(pad)})\r\n\r\n`;
  const bytes = new TextEncoder().encode(text);
  if (bytes.length !== length) throw new Error('internal: request length');
  return bytes;
}
