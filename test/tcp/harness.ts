/**
 * A simulated client for the TCP endpoint's tests: builds client segments as the decoder would
 * present them, decodes what the endpoint emits (checksums verified) and records the events
 * the application receives.
 */
import { seededRng } from '../../src/io/rng.js';
import assert from 'node:assert/strict';
import {
  PacketMeta, IPPROTO_TCP, TCP_FLAG_ACK, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../../src/wire/packet.js';
import { TcpSegmentSpec, writeTcpSegment } from '../../src/wire/emit-tcp.js';
import { foldChecksum, pseudoHeaderSum4, pseudoHeaderSum6, sumWords } from '../../src/wire/checksum.js';
import { TxQueue } from '../../src/engine/tx-queue.js';
import { TcpEndpoint } from '../../src/tcp/endpoint.js';
import type { EndpointOptions } from '../../src/tcp/endpoint.js';
import type { EndpointApp } from '../../src/tcp/app.js';
import { TCP_STATE_ESTABLISHED } from '../../src/tcp/constants.js';

// ---- a simulated peer ---------------------------------------------------------------------------

export const CLIENT4 = 0xc0a8010a; // 192.168.1.10
export const SERVER4 = 0x0a000001; // 10.0.0.1
export const CLIENT6 = new Uint32Array([0x20010db8, 0, 0, 0x10]);
export const SERVER6 = new Uint32Array([0x20010db8, 0, 1, 0x1]);
export const CPORT = 40000;
export const SPORT = 80;

/** One segment the endpoint emitted, decoded by hand (checksums verified). */
export interface Out {
  v6: boolean;
  src: number[];
  dst: number[];
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  mss: number;
  ws: number;
  sackOk: boolean;
  hasTs: boolean;
  tsVal: number;
  tsEcr: number;
  sack: number[];
  payload: Uint8Array;
  ttl: number;
}

export function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

export function decodeOut(buf: Uint8Array, off: number, len: number): Out {
  const v = buf[off]! >>> 4;
  const v6 = v === 6;
  assert.ok(v === 4 || v === 6, 'IP version');
  let t: number, l4Len: number, sum: number;
  const src: number[] = [], dst: number[] = [];
  let ttl: number;
  if (v6) {
    l4Len = (buf[off + 4]! << 8) | buf[off + 5]!;
    assert.equal(buf[off + 6], IPPROTO_TCP);
    assert.equal(40 + l4Len, len, 'IPv6 payload length');
    ttl = buf[off + 7]!;
    const s = new Uint32Array(4), d = new Uint32Array(4);
    for (let w = 0; w < 4; w++) {
      s[w] = u32(buf, off + 8 + 4 * w);
      d[w] = u32(buf, off + 24 + 4 * w);
      src.push(s[w]!);
      dst.push(d[w]!);
    }
    t = off + 40;
    sum = pseudoHeaderSum6(s, d, IPPROTO_TCP, l4Len);
  } else {
    assert.equal(buf[off]! & 15, 5, 'IHL');
    const total = (buf[off + 2]! << 8) | buf[off + 3]!;
    assert.equal(total, len, 'IPv4 total length');
    assert.equal(foldChecksum(sumWords(buf, off, 20, 0)), 0, 'IPv4 header checksum');
    assert.equal(buf[off + 9], IPPROTO_TCP);
    ttl = buf[off + 8]!;
    const s = u32(buf, off + 12), d = u32(buf, off + 16);
    src.push(s);
    dst.push(d);
    t = off + 20;
    l4Len = total - 20;
    sum = pseudoHeaderSum4(s, d, IPPROTO_TCP, l4Len);
  }
  assert.equal(foldChecksum(sumWords(buf, t, l4Len, sum)), 0, 'TCP checksum');
  const hl = (buf[t + 12]! >>> 4) * 4;
  const o: Out = {
    v6, src, dst, ttl,
    sport: (buf[t]! << 8) | buf[t + 1]!,
    dport: (buf[t + 2]! << 8) | buf[t + 3]!,
    seq: u32(buf, t + 4),
    ack: u32(buf, t + 8),
    flags: buf[t + 13]!,
    window: (buf[t + 14]! << 8) | buf[t + 15]!,
    mss: 0, ws: -1, sackOk: false, hasTs: false, tsVal: 0, tsEcr: 0, sack: [],
    payload: buf.slice(t + hl, t + l4Len),
  };
  let i = t + 20;
  while (i < t + hl) {
    const kind = buf[i]!;
    if (kind === 0) break;
    if (kind === 1) { i++; continue; }
    const l = buf[i + 1]!;
    assert.ok(l >= 2 && i + l <= t + hl, 'option length');
    if (kind === 2) o.mss = (buf[i + 2]! << 8) | buf[i + 3]!;
    else if (kind === 3) o.ws = buf[i + 2]!;
    else if (kind === 4) o.sackOk = true;
    else if (kind === 8) { o.hasTs = true; o.tsVal = u32(buf, i + 2); o.tsEcr = u32(buf, i + 6); }
    else if (kind === 5) for (let k = i + 2; k < i + l; k += 4) o.sack.push(u32(buf, k));
    i += l;
  }
  return o;
}

/** Client segment description. */
export interface Seg {
  flags: number;
  seq: number;
  ack?: number;
  win?: number;
  data?: Uint8Array | string;
  mss?: number;
  ws?: number;
  sackOk?: boolean;
  ts?: [number, number];
  /** Bytes of payload present (snapped capture); the rest is missing. */
  captured?: number;
  cport?: number;
}

/** The application side: records events, optionally reacts. */
export class Recorder implements EndpointApp {
  events: string[] = [];
  received = new Map<number, number[]>();
  onData: ((conn: number, nowMs: number) => void) | null = null;
  onAccepted: ((conn: number, nowMs: number) => void) | null = null;
  accepted(conn: number, nowMs: number): void {
    this.events.push(`accepted ${conn}`);
    this.onAccepted?.(conn, nowMs);
  }
  data(conn: number, buf: Uint8Array, off: number, len: number, nowMs: number): void {
    let r = this.received.get(conn);
    if (r === undefined) this.received.set(conn, r = []);
    for (let i = 0; i < len; i++) r.push(buf[off + i]!);
    this.events.push(`data ${conn} ${len}`);
    this.onData?.(conn, nowMs);
  }
  peerFin(conn: number): void { this.events.push(`peerFin ${conn}`); }
  reset(conn: number): void { this.events.push(`reset ${conn}`); }
  released(conn: number, was: boolean): void { this.events.push(`released ${conn} ${was}`); }
  writable(conn: number): void { this.events.push(`writable ${conn}`); }
  timeout(conn: number): void { this.events.push(`timeout ${conn}`); }
  text(conn: number): string {
    return String.fromCharCode(...(this.received.get(conn) ?? []));
  }
}

export class Harness {
  readonly tx = new TxQueue(1 << 22, 4096);
  readonly app = new Recorder();
  readonly ep: TcpEndpoint;
  readonly meta = new PacketMeta();
  readonly spec = new TcpSegmentSpec();
  readonly pkt = new Uint8Array(70000);
  now = 1000;
  v6 = false;

  constructor(opts: Partial<EndpointOptions> = {}) {
    this.ep = new TcpEndpoint({
      maxConnections: 8, mss: 1460, sendBufferBytes: 16384, receiveBufferBytes: 65536,
      rng: seededRng(7), followPeerSequence: false, tx: this.tx, app: this.app, ...opts,
    });
  }

  /** Builds a client → server segment as the decoder would present it. */
  build(s: Seg): PacketMeta {
    const spec = this.spec;
    spec.clearOptions();
    if (this.v6) spec.setAddresses6(CLIENT6, SERVER6);
    else spec.setAddresses4(CLIENT4, SERVER4);
    spec.srcPort = s.cport ?? CPORT;
    spec.dstPort = SPORT;
    spec.seq = s.seq >>> 0;
    spec.ack = (s.ack ?? 0) >>> 0;
    spec.flags = s.flags;
    spec.window = s.win ?? 65535;
    const syn = (s.flags & TCP_FLAG_SYN) !== 0;
    if (s.mss !== undefined) spec.mss = s.mss;
    if (s.ws !== undefined) spec.windowScale = s.ws;
    if (s.sackOk) spec.sackPermitted = true;
    if (s.ts) { spec.hasTimestamp = true; spec.tsVal = s.ts[0] >>> 0; spec.tsEcr = s.ts[1] >>> 0; }
    const data = typeof s.data === 'string' ? new TextEncoder().encode(s.data) : s.data ?? new Uint8Array(0);
    spec.payloadBuf = data;
    spec.payloadOff = 0;
    spec.payloadLen = data.length;
    const len = writeTcpSegment(this.pkt, 0, spec);
    assert.ok(len > 0);
    const m = this.meta;
    const ipLen = this.v6 ? 40 : 20;
    m.buf = this.pkt;
    m.frameOffset = 0;
    m.capturedLength = len;
    m.l3Offset = 0;
    m.ipVersion = this.v6 ? 6 : 4;
    m.ipHeaderLength = ipLen;
    m.ipTotalLength = len;
    m.ttl = 64;
    m.src4 = this.v6 ? 0 : CLIENT4;
    m.dst4 = this.v6 ? 0 : SERVER4;
    for (let w = 0; w < 4; w++) {
      m.srcAddr[w] = spec.srcAddr[w]!;
      m.dstAddr[w] = spec.dstAddr[w]!;
    }
    m.proto = IPPROTO_TCP;
    m.l4Offset = ipLen;
    m.l4Length = len - ipLen;
    m.srcPort = spec.srcPort;
    m.dstPort = SPORT;
    m.tcpFlags = s.flags;
    m.seq = spec.seq;
    m.ack = spec.ack;
    m.window = spec.window;
    const hl = (this.pkt[ipLen + 12]! >>> 4) * 4;
    m.tcpHeaderLength = hl;
    m.tcpMss = syn ? s.mss ?? 0 : 0;
    m.tcpWindowScale = syn ? s.ws ?? -1 : -1;
    m.tcpSackPermitted = syn ? !!s.sackOk : false;
    m.tcpHasTimestamp = syn ? !!s.ts : false;
    m.tcpTsVal = syn && s.ts ? s.ts[0] >>> 0 : 0;
    m.tcpTsEcr = syn && s.ts ? s.ts[1] >>> 0 : 0;
    m.payloadOffset = ipLen + hl;
    m.payloadLength = data.length;
    m.payloadCaptured = s.captured ?? data.length;
    m.snapped = m.payloadCaptured < data.length;
    if (m.snapped) {
      // The bytes past the snap length are not in the buffer: scribble over them.
      for (let i = m.payloadOffset + m.payloadCaptured; i < len; i++) this.pkt[i] = 0xa5;
    }
    return m;
  }

  /** Delivers a client segment the way the engine does: lookup → input, else open or refuse. */
  send(s: Seg): number {
    const m = this.build(s);
    const c = this.ep.lookup(m);
    if (c >= 0) {
      this.ep.input(c, m, this.now);
      return c;
    }
    if ((s.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) === TCP_FLAG_SYN) return this.ep.open(m, this.now);
    this.ep.refuse(m, this.now);
    return -1;
  }

  /** Segments emitted since the last call. */
  out(): Out[] {
    const r: Out[] = [];
    for (let i = 0; i < this.tx.length; i++) r.push(decodeOut(this.tx.buf, this.tx.offsetOf(i), this.tx.lengthOf(i)));
    this.tx.clear();
    return r;
  }

  one(): Out {
    const o = this.out();
    assert.equal(o.length, 1, `expected one segment, got ${o.length}`);
    return o[0]!;
  }

  advance(ms: number): void {
    this.now += ms;
    this.ep.poll(this.now);
  }

  seqState(conn: number): { una: number; nxt: number; max: number; iss: number; rcvNxt: number; wnd: number; queued: number } {
    const a = new Float64Array(8);
    this.ep.sequenceState(conn, a);
    return { una: a[0]!, nxt: a[1]!, max: a[2]!, iss: a[3]!, rcvNxt: a[4]!, wnd: a[6]!, queued: a[7]! };
  }

  /** Opens a connection: SYN, SYN-ACK, ACK. Returns the connection and our ISN. */
  handshake(syn: Partial<Seg> = {}, clientIsn = 1000): { conn: number; isn: number; synAck: Out } {
    const conn = this.send({ flags: TCP_FLAG_SYN, seq: clientIsn, ...syn });
    assert.ok(conn >= 0);
    const synAck = this.one();
    const ts = syn.ts ? { ts: [syn.ts[0] + 1, synAck.tsVal] as [number, number] } : {};
    const cport = syn.cport !== undefined ? { cport: syn.cport } : {};
    this.send({ flags: TCP_FLAG_ACK, seq: clientIsn + 1, ack: synAck.seq + 1, win: syn.win ?? 65535, ...ts, ...cport });
    assert.equal(this.ep.state(conn), TCP_STATE_ESTABLISHED);
    this.out();
    return { conn, isn: synAck.seq, synAck };
  }
}

export function bytes(n: number, salt = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt) & 0xff;
  return b;
}
