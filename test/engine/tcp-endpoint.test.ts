import { seededRng } from '../../src/cli/rng.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  PacketMeta, IPPROTO_TCP, TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../../src/wire/packet.js';
import { TcpSegmentSpec, writeTcpSegment } from '../../src/wire/emit-tcp.js';
import { foldChecksum, pseudoHeaderSum4, pseudoHeaderSum6, sumWords } from '../../src/wire/checksum.js';
import { TxQueue } from '../../src/engine/tx-queue.js';
import {
  TcpEndpoint, TCP_STATE_CLOSED, TCP_STATE_CLOSE_WAIT, TCP_STATE_CLOSING, TCP_STATE_ESTABLISHED,
  TCP_STATE_FIN_WAIT_1, TCP_STATE_FIN_WAIT_2, TCP_STATE_LAST_ACK, TCP_STATE_SYN_RECEIVED,
  TCP_STATE_TIME_WAIT, TCP_CTR_CHALLENGE_ACKS, TCP_CTR_OUT_OF_ORDER, TCP_CTR_RETRANSMITS,
  TCP_CTR_DUPLICATE_DATA, TCP_CTR_OUT_OF_WINDOW, TCP_CTR_PAWS_REJECTED, TCP_CTR_REPLAY_REBASES, TCP_CTR_TIMEOUT_ABORTS,
  TCP_CTR_ZERO_WINDOW_PROBES, TCP_CTR_RST_IGNORED, TCP_CTR_EVICTIONS, TCP_CTR_OPEN_REFUSED,
  TCP_CTR_TIME_WAIT_REOPENED, TCP_CTR_FAST_RETRANSMITS, TCP_COUNTER_NAMES, TCP_CTR_COUNT,
  TCP_CTR_IDLE_ABORTS, TCP_DEFAULT_IDLE_TIMEOUT_MS,
} from '../../src/engine/tcp-endpoint.js';
import type { EndpointApp, EndpointOptions } from '../../src/engine/tcp-endpoint.js';

// ---- a simulated peer ---------------------------------------------------------------------------

const CLIENT4 = 0xc0a8010a; // 192.168.1.10
const SERVER4 = 0x0a000001; // 10.0.0.1
const CLIENT6 = new Uint32Array([0x20010db8, 0, 0, 0x10]);
const SERVER6 = new Uint32Array([0x20010db8, 0, 1, 0x1]);
const CPORT = 40000;
const SPORT = 80;

/** One segment the endpoint emitted, decoded by hand (checksums verified). */
interface Out {
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

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

function decodeOut(buf: Uint8Array, off: number, len: number): Out {
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
interface Seg {
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
class Recorder implements EndpointApp {
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
  text(conn: number): string {
    return String.fromCharCode(...(this.received.get(conn) ?? []));
  }
}

class Harness {
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

function bytes(n: number, salt = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt) & 0xff;
  return b;
}

// ---- tests ------------------------------------------------------------------------------------

test('handshake with options: SYN-ACK from the original destination, MSS, wscale, SACK, timestamps', () => {
  const h = new Harness();
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 0xfffffff0, mss: 1400, ws: 7, sackOk: true, ts: [5000, 0], win: 29200 });
  assert.equal(conn, 0);
  assert.equal(h.ep.state(conn), TCP_STATE_SYN_RECEIVED);
  assert.equal(h.ep.connectionCount(), 1);
  const sa = h.one();
  assert.equal(sa.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
  assert.deepEqual(sa.src, [SERVER4]);
  assert.deepEqual(sa.dst, [CLIENT4]);
  assert.equal(sa.sport, SPORT);
  assert.equal(sa.dport, CPORT);
  assert.equal(sa.ack, 0xfffffff1);
  assert.equal(sa.seq, seededRng(7)());
  assert.equal(sa.mss, 1460);
  assert.equal(sa.ws, 1, '64 KiB receive buffer needs a shift of 1');
  assert.ok(sa.sackOk);
  assert.ok(sa.hasTs);
  assert.equal(sa.tsEcr, 5000);
  assert.equal(sa.window, 65535, 'the SYN-ACK window is not scaled');
  assert.equal(sa.ttl, 64);
  assert.deepEqual(h.app.events, []);

  h.send({ flags: TCP_FLAG_ACK, seq: 0xfffffff1, ack: sa.seq + 1, win: 229, ts: [5001, sa.tsVal] });
  assert.deepEqual(h.app.events, ['accepted 0']);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
  assert.ok(h.ep.established(conn));
  assert.ok(!h.ep.closedByUs(conn));
  assert.equal(h.out().length, 0, 'the final ACK of the handshake is not answered');
  assert.equal(h.seqState(conn).wnd, 229 << 7, 'peer window scaled by its shift');
  // 4-tuple getters.
  const a = new Uint32Array(4);
  h.ep.clientAddr(conn, a);
  assert.deepEqual([...a], [0, 0, 0xffff, CLIENT4]);
  h.ep.serverAddr(conn, a);
  assert.deepEqual([...a], [0, 0, 0xffff, SERVER4]);
  assert.equal(h.ep.client4(conn), CLIENT4);
  assert.equal(h.ep.server4(conn), SERVER4);
  assert.equal(h.ep.clientPort(conn), CPORT);
  assert.equal(h.ep.serverPort(conn), SPORT);
  assert.equal(h.ep.ipVersion(conn), 4);
  h.ep.setTag(conn, 42);
  assert.equal(h.ep.tag(conn), 42);

  // Data carries timestamps and respects the peer MSS less the timestamp option.
  h.ep.send(conn, bytes(3000), 0, 3000, h.now);
  const segs = h.out();
  assert.deepEqual(segs.map((s) => s.payload.length), [1388, 1388, 224]);
  assert.ok(segs.every((s) => s.hasTs && s.tsEcr === 5001 && s.ws === -1 && s.mss === 0));
  assert.equal(segs[0]!.window, 32768, 'our 64 KiB window scaled down by our shift of 1');
});

test('handshake without options: no options echoed, default peer MSS of 536', () => {
  const h = new Harness();
  const { conn, synAck } = h.handshake();
  assert.equal(synAck.ws, -1);
  assert.ok(!synAck.sackOk);
  assert.ok(!synAck.hasTs);
  assert.equal(synAck.mss, 1460);
  h.ep.send(conn, bytes(1200), 0, 1200, h.now);
  assert.deepEqual(h.out().map((s) => s.payload.length), [536, 536, 128]);
});

test('window scale: a 1 MiB receive buffer announces shift 5 and a window field of buffer >> 5', () => {
  const h = new Harness({ receiveBufferBytes: 1 << 20 });
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 1, ws: 0 });
  const sa = h.one();
  assert.equal(sa.ws, 5);
  assert.equal(sa.window, 65535);
  h.send({ flags: TCP_FLAG_ACK, seq: 2, ack: sa.seq + 1, data: 'x' });
  assert.equal(h.one().window, (1 << 20) >>> 5);
  assert.equal(h.app.text(conn), 'x', 'data on the ACK that completes the handshake is delivered');
  assert.deepEqual(h.app.events, ['accepted 0', 'data 0 1']);
});

test('IPv6: SYN-ACK with an MSS 20 bytes smaller, valid checksums, 1220 default peer MSS', () => {
  const h = new Harness();
  h.v6 = true;
  const { conn, synAck } = h.handshake();
  assert.ok(synAck.v6);
  assert.deepEqual(synAck.src, [...SERVER6]);
  assert.deepEqual(synAck.dst, [...CLIENT6]);
  assert.equal(synAck.mss, 1440);
  assert.equal(h.ep.ipVersion(conn), 6);
  h.ep.send(conn, bytes(2000), 0, 2000, h.now);
  assert.deepEqual(h.out().map((s) => s.payload.length), [1220, 780]);
});

test('data both ways: in-order delivery, ACKs, send data segmented and acknowledged', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ mss: 1000 });
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_PSH, seq: 1001, ack: isn + 1, data: 'GET / HTTP/1.0\r\n\r\n' });
  assert.equal(h.app.text(conn), 'GET / HTTP/1.0\r\n\r\n');
  const ack = h.one();
  assert.equal(ack.flags, TCP_FLAG_ACK);
  assert.equal(ack.ack, 1001 + 18);
  assert.equal(ack.seq, isn + 1);

  const body = bytes(2500, 3);
  assert.equal(h.ep.send(conn, body, 0, 2500, h.now), 2500);
  const segs = h.out();
  assert.deepEqual(segs.map((s) => s.payload.length), [1000, 1000, 500]);
  assert.deepEqual(segs.map((s) => s.seq - isn - 1), [0, 1000, 2000]);
  assert.equal(segs[2]!.flags, TCP_FLAG_ACK | TCP_FLAG_PSH);
  assert.deepEqual(Buffer.concat(segs.map((s) => s.payload)), Buffer.from(body));
  assert.ok(segs.every((s) => s.ack === 1019));
  h.send({ flags: TCP_FLAG_ACK, seq: 1019, ack: isn + 1 + 2500 });
  const st = h.seqState(conn);
  assert.equal(st.una, (isn + 2501) >>> 0);
  assert.equal(st.queued, 0);
  assert.equal(h.ep.nextDeadline(), h.now + TCP_DEFAULT_IDLE_TIMEOUT_MS, 'only the idle timer once all is acknowledged');
  assert.equal(h.out().length, 0);
});

test('a reply sent from the data callback carries the ACK (no separate pure ACK)', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.app.onData = (c, nowMs) => {
    h.ep.send(c, bytes(10), 0, 10, nowMs);
  };
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: 'hello' });
  const o = h.one();
  assert.equal(o.payload.length, 10);
  assert.equal(o.ack, 1006);
  assert.equal(conn, 0);
});

test('out-of-order segments are reassembled, with immediate duplicate ACKs and SACK blocks', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ sackOk: true });
  const all = bytes(3000, 9);
  const part = (a: number, b: number): Uint8Array => all.slice(a, b);
  // Third piece first, then the second, then an overlapping retransmission, then the first.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 2000, ack: isn + 1, data: part(2000, 3000) });
  assert.equal(h.app.text(conn), '');
  let o = h.one();
  assert.equal(o.ack, 1001, 'duplicate ACK for the hole');
  assert.deepEqual(o.sack, [1001 + 2000, 1001 + 3000]);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 1000, ack: isn + 1, data: part(1000, 1500) });
  o = h.one();
  assert.deepEqual(o.sack, [1001 + 1000, 1001 + 1500, 1001 + 2000, 1001 + 3000]);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 1200, ack: isn + 1, data: part(1200, 2100) });
  o = h.one();
  assert.deepEqual(o.sack, [1001 + 1000, 1001 + 3000], 'ranges merged');
  assert.equal(h.app.received.get(conn), undefined);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: part(0, 1100) });
  assert.deepEqual(Buffer.from(h.app.received.get(conn)!), Buffer.from(all));
  o = h.one();
  assert.equal(o.ack, 1001 + 3000);
  assert.deepEqual(o.sack, []);
  assert.equal(h.ep.counters[TCP_CTR_OUT_OF_ORDER], 3);
  // A wholly old segment is outside the window: acknowledged, nothing delivered.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 500, ack: isn + 1, data: part(500, 900) });
  assert.equal(h.one().ack, 1001 + 3000);
  assert.equal(h.app.received.get(conn)!.length, 3000);
  assert.equal(h.ep.counters[TCP_CTR_OUT_OF_WINDOW], 1);
  // Partly old, partly new: the old part is trimmed.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001 + 2900, ack: isn + 1, data: bytes(150, 9).map((_, i) => (2900 + i) * 31 + 9) });
  assert.equal(h.one().ack, 1001 + 3050);
  assert.deepEqual(h.app.received.get(conn)!.slice(3000), [...bytes(3050, 9).slice(3000)]);
  assert.equal(h.ep.counters[TCP_CTR_DUPLICATE_DATA], 1);
});

test('an out-of-order FIN is processed once the hole is filled', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1011, ack: isn + 1, data: 'world' });
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
  assert.equal(h.one().ack, 1001);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: 'hello, you' });
  assert.equal(h.app.text(conn), 'hello, youworld');
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSE_WAIT);
  assert.equal(h.one().ack, 1017);
  assert.deepEqual(h.app.events.slice(-1), ['peerFin 0']);
});

test('snapped capture: missing payload bytes are delivered as zeros', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: bytes(100, 1), captured: 40 });
  const got = h.app.received.get(conn)!;
  assert.equal(got.length, 100);
  assert.deepEqual(got.slice(0, 40), [...bytes(40, 1)]);
  assert.ok(got.slice(40).every((b) => b === 0));
  assert.equal(h.one().ack, 1101);
});

test('retransmission after RTO with exponential backoff, then abort after max retransmits', () => {
  const h = new Harness({ maxRetransmits: 3 });
  const { conn, isn } = h.handshake();
  const t0 = h.now;
  h.ep.send(conn, bytes(100), 0, 100, h.now);
  assert.equal(h.one().seq, isn + 1);
  // The handshake took 0 ms: RTO = max(min 200, 0 + max(1, 0)).
  const rto = h.ep.rto(conn);
  assert.equal(rto, 200);
  assert.equal(h.ep.nextDeadline(), t0 + rto);
  h.advance(rto - 1);
  assert.equal(h.out().length, 0, 'nothing before the deadline');
  h.advance(1);
  let o = h.one();
  assert.equal(o.seq, isn + 1);
  assert.equal(o.payload.length, 100);
  assert.equal(h.ep.nextDeadline(), t0 + rto + 2 * rto, 'backed off');
  h.advance(2 * rto);
  assert.equal(h.one().seq, isn + 1);
  h.advance(4 * rto);
  assert.equal(h.one().seq, isn + 1);
  assert.equal(h.ep.counters[TCP_CTR_RETRANSMITS], 3);
  h.advance(8 * rto);
  o = h.one();
  assert.equal(o.flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.equal(o.seq, isn + 101);
  assert.deepEqual(h.app.events.slice(-2), ['reset 0', 'released 0 true']);
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.equal(h.ep.counters[TCP_CTR_TIMEOUT_ABORTS], 1);
  assert.equal(h.ep.nextDeadline(), Infinity);
});

test('RTO follows RFC 6298 from measured round trips; Karn ignores retransmitted segments', () => {
  const h = new Harness({ minRtoMs: 100 });
  const { conn, isn } = h.handshake();
  h.ep.send(conn, bytes(10), 0, 10, h.now);
  h.out();
  h.now += 300;
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 11 });
  // First sample was the 0 ms handshake (SRTT 0, RTTVAR 0); then R = 300:
  // RTTVAR = 3/4·0 + 1/4·300 = 75, SRTT = 7/8·0 + 1/8·300 = 37.5, RTO = 37.5 + 4·75 = 337.5.
  assert.equal(h.ep.rto(conn), 337.5);
  // A retransmitted segment gives no sample.
  h.ep.send(conn, bytes(10), 0, 10, h.now);
  h.out();
  h.advance(337.5);
  assert.equal(h.out().length, 1);
  const backedOff = h.ep.rto(conn);
  assert.equal(backedOff, 675);
  h.now += 5000;
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 21 });
  assert.equal(h.ep.rto(conn), backedOff, 'no sample from an ambiguous ACK');
});

test('SYN-ACK retransmission on timeout and on a retransmitted SYN; half-open connection expires', () => {
  const h = new Harness({ maxRetransmits: 2, synReceivedTimeoutMs: 60_000 });
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 77 });
  const sa = h.one();
  h.advance(1000);
  const again = h.one();
  assert.equal(again.seq, sa.seq);
  assert.equal(again.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
  // A retransmitted SYN gets the same SYN-ACK at once.
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 77 }), conn);
  const third = h.one();
  assert.equal(third.seq, sa.seq);
  assert.equal(third.ack, 78);
  h.advance(2000);
  assert.equal(h.one().seq, sa.seq);
  h.advance(4000);
  assert.equal(h.out().length, 0, 'no reset for a connection that never opened');
  assert.deepEqual(h.app.events, ['released 0 false']);
  assert.equal(h.ep.connectionCount(), 0);
});

test('an unacceptable ACK in SYN_RECEIVED is answered with a reset and the connection stays', () => {
  const h = new Harness();
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 5 });
  const sa = h.one();
  h.send({ flags: TCP_FLAG_ACK, seq: 6, ack: sa.seq + 100 });
  const r = h.one();
  assert.equal(r.flags, TCP_FLAG_RST);
  assert.equal(r.seq, (sa.seq + 100) >>> 0);
  assert.equal(h.ep.state(conn), TCP_STATE_SYN_RECEIVED);
  h.send({ flags: TCP_FLAG_ACK, seq: 6, ack: sa.seq + 1 });
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
});

test('flow control: sends no more than the peer window, then probes a zero window', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ mss: 1000, win: 2500 });
  h.ep.send(conn, bytes(6000), 0, 6000, h.now);
  // 500 more would fit, but that is a silly window (RFC 9293 §3.8.6.2.1): wait for the ACK.
  assert.deepEqual(h.out().map((s) => s.payload.length), [1000, 1000]);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001, win: 1500 });
  assert.deepEqual(h.out().map((s) => s.payload.length), [], 'still a silly window');
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2001, win: 500 });
  const edge = h.one();
  assert.equal(edge.payload.length, 500, 'nothing in flight: the small window is used');
  assert.equal(edge.seq, isn + 2001);
  // The peer takes everything but its window closes.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2501, win: 0 });
  assert.equal(h.out().length, 0);
  const deadline = h.ep.nextDeadline();
  assert.ok(Number.isFinite(deadline));
  h.advance(deadline - h.now);
  const probe = h.one();
  assert.equal(probe.payload.length, 1);
  assert.equal(probe.seq, isn + 2501);
  assert.equal(h.ep.counters[TCP_CTR_ZERO_WINDOW_PROBES], 1);
  // Still closed: the next probe comes later (backoff); the peer answering keeps it alive.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2501, win: 0 });
  assert.equal(h.out().length, 0);
  const next = h.ep.nextDeadline();
  assert.ok(next > h.now);
  h.advance(next - h.now);
  assert.equal(h.one().payload.length, 1);
  // The window opens: the rest flows.
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2501, win: 5000 });
  const segs = h.out();
  assert.deepEqual(segs.map((s) => s.payload.length), [1000, 1000, 1000, 500]);
  assert.equal(segs[0]!.seq, isn + 2501);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
});

test('send buffer limit: partial acceptance, then writable once ACKs free space', () => {
  const h = new Harness({ sendBufferBytes: 4000 });
  const { conn, isn } = h.handshake({ mss: 1000 });
  assert.equal(h.ep.send(conn, bytes(5000), 0, 5000, h.now), 4000);
  assert.equal(h.out().length, 4);
  assert.equal(h.ep.send(conn, bytes(10), 0, 10, h.now), 0);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  assert.deepEqual(h.app.events.slice(-1), ['writable 0']);
  const payload = bytes(1000, 77);
  assert.equal(h.ep.send(conn, payload, 0, 1000, h.now), 1000);
  const o = h.one();
  assert.equal(o.seq, isn + 4001);
  assert.deepEqual(Buffer.from(o.payload), Buffer.from(payload), 'compacted buffer keeps the bytes');
});

test('fast retransmit after three duplicate ACKs', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ mss: 1000 });
  h.ep.send(conn, bytes(5000), 0, 5000, h.now);
  assert.equal(h.out().length, 5);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  assert.equal(h.out().length, 0, 'two duplicates are not enough');
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1001 });
  const o = h.one();
  assert.equal(o.seq, isn + 1001);
  assert.equal(o.payload.length, 1000);
  assert.equal(h.ep.counters[TCP_CTR_FAST_RETRANSMITS], 1);
});

test('we close first: FIN after the data, FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT → released, slot reused', () => {
  const h = new Harness({ timeWaitMs: 30_000 });
  const { conn, isn } = h.handshake();
  h.ep.send(conn, bytes(100), 0, 100, h.now);
  h.ep.shutdown(conn, h.now);
  assert.ok(h.ep.closedByUs(conn));
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_1);
  const segs = h.out();
  assert.equal(segs.length, 2);
  assert.equal(segs[0]!.flags, TCP_FLAG_ACK | TCP_FLAG_PSH);
  assert.equal(segs[1]!.flags, TCP_FLAG_ACK | TCP_FLAG_FIN);
  assert.equal(segs[1]!.seq, isn + 101);
  assert.equal(h.ep.send(conn, bytes(1), 0, 1, h.now), 0, 'no data after shutdown');
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 102 });
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_2);
  // The client may still send; then it closes.
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 102, data: 'bye' });
  assert.equal(h.app.text(conn), 'bye');
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  const ack = h.one();
  assert.equal(ack.ack, 1005);
  assert.equal(ack.seq, isn + 102);
  // A retransmitted FIN in TIME_WAIT is acknowledged again.
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1004, ack: isn + 102 });
  assert.equal(h.one().ack, 1005);
  // An in-window RST does not end TIME_WAIT (RFC 1337).
  h.send({ flags: TCP_FLAG_RST, seq: 1005 });
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  h.advance(29_999);
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  h.advance(1);
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.deepEqual(h.app.events, ['accepted 0', 'data 0 3', 'peerFin 0', 'released 0 true']);
  assert.equal(h.ep.connectionCount(), 0);
  // The slot is reused.
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 9, cport: 40001 }), conn);
  assert.ok(!h.ep.closedByUs(conn));
  assert.ok(!h.ep.established(conn));
});

test('peer closes first: CLOSE_WAIT, our FIN, LAST_ACK, released; closedByUs stays false', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 1 });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSE_WAIT);
  assert.equal(h.one().ack, 1002);
  assert.deepEqual(h.app.events.slice(-1), ['peerFin 0']);
  assert.equal(h.ep.send(conn, bytes(5), 0, 5, h.now), 5, 'we may still send in CLOSE_WAIT');
  h.ep.shutdown(conn, h.now);
  assert.ok(!h.ep.closedByUs(conn));
  assert.equal(h.ep.state(conn), TCP_STATE_LAST_ACK);
  const segs = h.out();
  assert.equal(segs.length, 2);
  assert.equal(segs[0]!.payload.length, 5);
  const fin = segs[1]!;
  assert.equal(fin.flags, TCP_FLAG_FIN | TCP_FLAG_ACK);
  assert.equal(fin.seq, isn + 6);
  // Unacknowledged, data and FIN go again: the data first, and the FIN rides on it.
  h.advance(h.ep.nextDeadline() - h.now);
  const again = h.one();
  assert.equal(again.seq, isn + 1);
  assert.equal(again.payload.length, 5);
  assert.equal(again.flags & TCP_FLAG_FIN, TCP_FLAG_FIN);
  h.send({ flags: TCP_FLAG_ACK, seq: 1002, ack: isn + 7 });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.deepEqual(h.app.events.slice(-1), ['released 0 true']);
});

test('simultaneous close goes through CLOSING to TIME_WAIT', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.ep.shutdown(conn, h.now);
  const fin = h.one();
  assert.equal(fin.flags, TCP_FLAG_FIN | TCP_FLAG_ACK);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 1 });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSING);
  assert.ok(h.ep.closedByUs(conn));
  h.send({ flags: TCP_FLAG_ACK, seq: 1002, ack: isn + 2 });
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
});

test('FIN_WAIT_2 times out when the peer never closes', () => {
  const h = new Harness({ finWait2TimeoutMs: 5000 });
  const { conn, isn } = h.handshake();
  h.ep.shutdown(conn, h.now);
  h.out();
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 2 });
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_2);
  h.advance(5000);
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.equal(h.one().flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.deepEqual(h.app.events.slice(-2), ['reset 0', 'released 0 true']);
});

test('a connection silent for the idle timeout is reset; any input keeps it alive', () => {
  const h = new Harness({ idleTimeoutMs: 10_000 });
  const { conn, isn } = h.handshake();
  h.advance(6000);
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: 'ping' });
  h.out();
  h.advance(4000);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED, 'the timer was re-armed from the last input');
  assert.equal(h.ep.nextDeadline(), h.now + 6000);
  h.advance(6000);
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  const r = h.one();
  assert.equal(r.flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.equal(r.seq, isn + 1);
  assert.equal(h.ep.counters[TCP_CTR_IDLE_ABORTS], 1);
  assert.deepEqual(h.app.events.slice(-2), ['reset 0', 'released 0 true']);
});

test('RST from the peer: exact sequence resets, in-window gets a challenge ACK, outside is ignored', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.send({ flags: TCP_FLAG_RST, seq: 1001 + 70_000 });
  assert.equal(h.out().length, 0);
  assert.equal(h.ep.counters[TCP_CTR_RST_IGNORED], 1);
  h.send({ flags: TCP_FLAG_RST, seq: 1001 + 10 });
  const ch = h.one();
  assert.equal(ch.flags, TCP_FLAG_ACK);
  assert.equal(ch.ack, 1001);
  assert.equal(ch.seq, isn + 1);
  assert.equal(h.ep.counters[TCP_CTR_CHALLENGE_ACKS], 1);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
  h.send({ flags: TCP_FLAG_RST, seq: 1001 });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  assert.deepEqual(h.app.events, ['accepted 0', 'reset 0', 'released 0 true']);
  assert.equal(h.out().length, 0, 'a reset is never answered');
});

test('a SYN on an established connection gets a challenge ACK (RFC 5961 §4)', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 5_000_000 }), conn);
  const o = h.one();
  assert.equal(o.flags, TCP_FLAG_ACK);
  assert.equal(o.seq, isn + 1);
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
});

test('abort by the application: RST with SND.NXT, slot released, no reset event', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.ep.send(conn, bytes(10), 0, 10, h.now);
  h.out();
  h.ep.abort(conn, h.now);
  const r = h.one();
  assert.equal(r.flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.equal(r.seq, isn + 11);
  assert.deepEqual(h.app.events, ['accepted 0', 'released 0 true']);
  assert.equal(h.ep.connectionCount(), 0);
  assert.equal(h.ep.nextDeadline(), Infinity);
});

test('abort from inside a data callback stops processing safely', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.app.onData = (c, nowMs) => h.ep.abort(c, nowMs);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 1, data: 'x' });
  assert.equal(h.ep.state(conn), TCP_STATE_CLOSED);
  const o = h.out();
  assert.equal(o.length, 1);
  assert.equal(o[0]!.flags & TCP_FLAG_RST, TCP_FLAG_RST);
  assert.deepEqual(h.app.events, ['accepted 0', 'data 0 1', 'released 0 true']);
});

test('segments of no connection are refused with a reset (RFC 9293 §3.10.7.1)', () => {
  const h = new Harness();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_PSH, seq: 500, ack: 123456, data: 'abc' });
  let r = h.one();
  assert.equal(r.flags, TCP_FLAG_RST);
  assert.equal(r.seq, 123456);
  assert.deepEqual(r.src, [SERVER4]);
  assert.equal(r.sport, SPORT);
  assert.equal(r.dport, CPORT);
  h.send({ flags: TCP_FLAG_FIN, seq: 500, data: 'abcd' });
  r = h.one();
  assert.equal(r.flags, TCP_FLAG_RST | TCP_FLAG_ACK);
  assert.equal(r.seq, 0);
  assert.equal(r.ack, 505);
  h.send({ flags: TCP_FLAG_RST | TCP_FLAG_ACK, seq: 500, ack: 1 });
  assert.equal(h.out().length, 0);
});

test('a new SYN for a 4-tuple in TIME_WAIT reopens it', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake();
  h.ep.shutdown(conn, h.now);
  h.out();
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 1001, ack: isn + 2 });
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  h.out();
  // An old SYN (below RCV.NXT) gets an ACK; a newer one opens a new incarnation.
  h.send({ flags: TCP_FLAG_SYN, seq: 10 });
  assert.equal(h.one().flags, TCP_FLAG_ACK);
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
  const c2 = h.send({ flags: TCP_FLAG_SYN, seq: 900_000 });
  assert.equal(c2, conn);
  assert.equal(h.ep.state(c2), TCP_STATE_SYN_RECEIVED);
  const sa = h.one();
  assert.equal(sa.ack, 900_001);
  assert.equal(h.ep.counters[TCP_CTR_TIME_WAIT_REOPENED], 1);
  assert.deepEqual(h.app.events.slice(-1), ['released 0 true']);
  h.send({ flags: TCP_FLAG_ACK, seq: 900_001, ack: sa.seq + 1 });
  assert.equal(h.ep.state(c2), TCP_STATE_ESTABLISHED);
});

test('table pressure: a TIME_WAIT slot is evicted for a new SYN; without one the SYN is refused', () => {
  const h = new Harness({ maxConnections: 2 });
  const a = h.handshake({ cport: 1 }, 100);
  h.handshake({ cport: 2 }, 200);
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 5, cport: 3 }), -1);
  assert.equal(h.ep.counters[TCP_CTR_OPEN_REFUSED], 1);
  h.ep.shutdown(a.conn, h.now);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 101, ack: a.isn + 2, cport: 1 });
  assert.equal(h.ep.state(a.conn), TCP_STATE_TIME_WAIT);
  h.out();
  assert.equal(h.send({ flags: TCP_FLAG_SYN, seq: 5, cport: 3 }), a.conn);
  assert.equal(h.ep.counters[TCP_CTR_EVICTIONS], 1);
  assert.equal(h.ep.clientPort(a.conn), 3);
  assert.equal(h.ep.connectionCount(), 2);
});

test('many connections: lookup keeps every 4-tuple apart through opens and releases', () => {
  const h = new Harness({ maxConnections: 64 });
  const conns: number[] = [];
  for (let i = 0; i < 64; i++) conns.push(h.handshake({ cport: 1000 + i }, i * 10_000).conn);
  assert.equal(new Set(conns).size, 64);
  // Reset every third one, then check lookups of all.
  for (let i = 0; i < 64; i += 3) h.send({ flags: TCP_FLAG_RST, seq: i * 10_000 + 1, cport: 1000 + i });
  for (let i = 0; i < 64; i++) {
    const m = h.build({ flags: TCP_FLAG_ACK, seq: i * 10_000 + 1, cport: 1000 + i });
    assert.equal(h.ep.lookup(m), i % 3 === 0 ? -1 : conns[i]);
  }
  assert.equal(h.ep.connectionCount(), 64 - 22);
});

test('PAWS: a segment with an older timestamp is dropped with an ACK', () => {
  const h = new Harness();
  const { conn, isn } = h.handshake({ ts: [1000, 0] });
  h.send({ flags: TCP_FLAG_ACK, seq: 1001, ack: isn + 1, data: 'new', ts: [1005, 0] });
  assert.equal(h.app.text(conn), 'new');
  const a = h.one();
  assert.equal(a.tsEcr, 1005);
  h.send({ flags: TCP_FLAG_ACK, seq: 1004, ack: isn + 1, data: 'old', ts: [900, 0] });
  assert.equal(h.app.text(conn), 'new');
  assert.equal(h.ep.counters[TCP_CTR_PAWS_REJECTED], 1);
  assert.equal(h.one().ack, 1004);
});

test('replay mode: ISN rebased on the first ACK; ACKs beyond what was sent count as delivered', () => {
  const h = new Harness({ followPeerSequence: true });
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 462612879 });
  const sa = h.one();
  const theirs = 3715697586; // the ISN the capture's server chose, not ours
  assert.notEqual(sa.seq, theirs);
  h.send({ flags: TCP_FLAG_ACK, seq: 462612880, ack: theirs + 1 });
  assert.equal(h.ep.state(conn), TCP_STATE_ESTABLISHED);
  assert.equal(h.ep.counters[TCP_CTR_REPLAY_REBASES], 1);
  assert.equal(h.seqState(conn).iss, theirs);
  // Our data follows the rebased ISN.
  h.ep.send(conn, bytes(100), 0, 100, h.now);
  assert.equal(h.one().seq, theirs + 1);
  // The client acknowledges 300 bytes: 100 we sent and 200 we have not produced yet.
  h.send({ flags: TCP_FLAG_ACK, seq: 462612880, ack: theirs + 301 });
  let st = h.seqState(conn);
  assert.equal(st.una, theirs + 301);
  assert.equal(st.nxt, theirs + 301);
  assert.equal(h.out().length, 0, 'no ACK for an ACK from the future in replay');
  assert.equal(h.ep.nextDeadline(), h.now + TCP_DEFAULT_IDLE_TIMEOUT_MS, 'nothing outstanding to retransmit');
  // The application's next 250 bytes: 200 were already delivered, 50 are new.
  assert.equal(h.ep.send(conn, bytes(250), 0, 250, h.now), 250);
  const o = h.one();
  assert.equal(o.seq, theirs + 301);
  assert.deepEqual(Buffer.from(o.payload), Buffer.from(bytes(250).slice(200)));
  // An ACK below SND.UNA is an ordinary duplicate.
  h.send({ flags: TCP_FLAG_ACK, seq: 462612880, ack: theirs + 100 });
  st = h.seqState(conn);
  assert.equal(st.una, theirs + 301);
  // The client acknowledges past our data; after shutdown our FIN counts as acknowledged.
  h.send({ flags: TCP_FLAG_ACK, seq: 462612880, ack: theirs + 360 });
  h.ep.shutdown(conn, h.now);
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_2);
  assert.ok(h.ep.closedByUs(conn));
  const fin = h.one();
  assert.equal(fin.flags, TCP_FLAG_FIN | TCP_FLAG_ACK);
  assert.equal(fin.seq, theirs + 351);
  h.send({ flags: TCP_FLAG_ACK | TCP_FLAG_FIN, seq: 462612880, ack: theirs + 360 });
  assert.equal(h.ep.state(conn), TCP_STATE_TIME_WAIT);
});

test('replay mode: an ACK covering a queued FIN acknowledges it', () => {
  const h = new Harness({ followPeerSequence: true });
  const conn = h.send({ flags: TCP_FLAG_SYN, seq: 1 });
  h.out();
  h.send({ flags: TCP_FLAG_ACK, seq: 2, ack: 5001 });
  h.ep.send(conn, bytes(40), 0, 40, h.now);
  h.ep.shutdown(conn, h.now);
  const segs = h.out();
  assert.equal(segs.length, 2);
  assert.equal(segs[0]!.seq, 5001);
  assert.equal(segs[1]!.seq, 5041);
  assert.equal(segs[1]!.flags & TCP_FLAG_FIN, TCP_FLAG_FIN);
  h.send({ flags: TCP_FLAG_ACK, seq: 2, ack: 5001 + 41 + 1000 });
  assert.equal(h.ep.state(conn), TCP_STATE_FIN_WAIT_2);
  assert.equal(h.ep.nextDeadline() - h.now, 60_000, 'only the FIN_WAIT_2 timer is left');
});

test('deterministic: the same script and seed give the same bytes', () => {
  const run = (): string => {
    const h = new Harness({ rng: seededRng(99) });
    const chunks: string[] = [];
    const grab = (): void => {
      for (let i = 0; i < h.tx.length; i++) {
        chunks.push(Buffer.from(h.tx.buf.subarray(h.tx.offsetOf(i), h.tx.offsetOf(i) + h.tx.lengthOf(i))).toString('hex'));
      }
      h.tx.clear();
    };
    const conn = h.send({ flags: TCP_FLAG_SYN, seq: 1, ts: [10, 0], sackOk: true, ws: 2, mss: 1200 });
    grab();
    h.send({ flags: TCP_FLAG_ACK, seq: 2, ack: h.seqState(conn).iss + 1, ts: [11, 0] });
    h.ep.send(conn, bytes(5000), 0, 5000, h.now);
    grab();
    h.advance(5000);
    grab();
    h.ep.shutdown(conn, h.now);
    h.advance(100_000);
    grab();
    return chunks.join('\n');
  };
  const a = run();
  assert.ok(a.length > 100);
  assert.equal(run(), a);
  assert.notEqual(a, ((): string => {
    const h = new Harness({ rng: seededRng(100) });
    h.send({ flags: TCP_FLAG_SYN, seq: 1 });
    return Buffer.from(h.tx.buf.subarray(0, h.tx.lengthOf(0))).toString('hex');
  })());
});

test('counter names cover every counter', () => {
  assert.equal(TCP_COUNTER_NAMES.length, TCP_CTR_COUNT);
  assert.equal(new Set(TCP_COUNTER_NAMES).size, TCP_CTR_COUNT);
  const h = new Harness();
  assert.equal(h.ep.counters.length, TCP_CTR_COUNT);
  assert.equal(h.ep.state(-1), TCP_STATE_CLOSED);
  assert.equal(h.ep.state(99), TCP_STATE_CLOSED);
  // Calls on free or bogus slots do nothing.
  h.ep.input(3, h.build({ flags: TCP_FLAG_ACK, seq: 1 }), 0);
  h.ep.shutdown(3, 0);
  h.ep.abort(3, 0);
  assert.equal(h.ep.send(3, bytes(1), 0, 1, 0), 0);
  assert.equal(h.out().length, 0);
});

// ---- property ---------------------------------------------------------------------------------

/** The byte a client sends at sequence number `seq` (content is a function of position). */
function streamByte(seq: number): number {
  return (Math.imul(seq >>> 0, 31) + 7) & 0xff;
}

const FLAG_BITS = [TCP_FLAG_FIN, TCP_FLAG_SYN, TCP_FLAG_RST, TCP_FLAG_PSH, TCP_FLAG_ACK, 0x20];

type Step =
  | { kind: 'seg'; flags: number; seqOff: number; ackOff: number; len: number; win: number; tsStep: number }
  | { kind: 'send'; n: number }
  | { kind: 'shutdown' }
  | { kind: 'abort' }
  | { kind: 'advance'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 40, arbitrary: fc.record({
    kind: fc.constant('seg' as const),
    // Mostly ACKs, with every other flag combination possible.
    flags: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(TCP_FLAG_ACK, TCP_FLAG_ACK | TCP_FLAG_PSH, TCP_FLAG_ACK | TCP_FLAG_FIN) },
      { weight: 1, arbitrary: fc.subarray(FLAG_BITS).map((bits) => bits.reduce((a, b) => a | b, 0)) },
    ),
    seqOff: fc.oneof(fc.integer({ min: -200, max: 3000 }), fc.integer({ min: -70_000, max: 140_000 })),
    ackOff: fc.integer({ min: -3000, max: 6000 }),
    len: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1500 })),
    win: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 65535 })),
    tsStep: fc.integer({ min: -5, max: 100 }),
  }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('send' as const), n: fc.integer({ min: 1, max: 6000 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('shutdown' as const) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const) }) },
);

test('property: random segment sequences never throw and keep the invariants', () => {
  fc.assert(fc.property(
    fc.boolean(),
    fc.record({
      sackOk: fc.boolean(),
      ts: fc.boolean(),
      ws: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
      mss: fc.option(fc.integer({ min: 1, max: 9000 }), { nil: undefined }),
    }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.array(stepArb, { maxLength: 50 }),
    (replay, opts, clientIsn, steps) => {
      const h = new Harness({ followPeerSequence: replay, maxRetransmits: 3, sendBufferBytes: 8192, maxConnections: 2 });
      const delivered = new Map<number, number>();
      h.app.events = [];
      const origReleased = h.app.released.bind(h.app);
      h.app.released = (conn, was) => {
        origReleased(conn, was);
        h.app.received.delete(conn);
        delivered.delete(conn);
      };
      let tsVal = 1;
      const synOpts: Partial<Seg> = { sackOk: opts.sackOk };
      if (opts.ts) synOpts.ts = [tsVal, 0];
      if (opts.ws !== undefined) synOpts.ws = opts.ws;
      if (opts.mss !== undefined) synOpts.mss = opts.mss;
      const conn = h.send({ flags: TCP_FLAG_SYN, seq: clientIsn, ...synOpts });
      assert.equal(conn, 0);
      const payload = new Uint8Array(1500);
      const st = new Float64Array(8);
      let peerMss = 0;
      const check = (): void => {
        for (const o of h.out()) {
          // decodeOut verified the checksums; data never exceeds what the peer can take.
          if (peerMss > 0) assert.ok(o.payload.length <= peerMss, `segment of ${o.payload.length} > MSS ${peerMss}`);
        }
        assert.ok(h.ep.connectionCount() <= 2);
        if (h.ep.state(conn) === TCP_STATE_CLOSED) return;
        h.ep.sequenceState(conn, st);
        const una = st[0]!, nxt = st[1]!, max = st[2]!;
        assert.ok(((nxt - una) | 0) >= 0, 'SND.UNA <= SND.NXT');
        assert.ok(((max - nxt) | 0) >= 0, 'SND.NXT <= SND.MAX');
        assert.ok(st[7]! <= 8192, 'send buffer bound');
        const got = h.app.received.get(conn) ?? [];
        const irs = st[5]!;
        for (let i = delivered.get(conn) ?? 0; i < got.length; i++) {
          assert.equal(got[i], streamByte(irs + 1 + i), `delivered byte ${i} out of order`);
        }
        delivered.set(conn, got.length);
        assert.ok(h.ep.nextDeadline() >= 0);
      };
      peerMss = opts.mss === undefined ? 536 : Math.min(opts.mss, 1460);
      if (opts.ts) peerMss -= 12;
      check();
      for (const step of steps) {
        switch (step.kind) {
          case 'seg': {
            const open = h.ep.state(conn) !== TCP_STATE_CLOSED;
            if (open) h.ep.sequenceState(conn, st);
            const base = open ? st[5]! + 1 : clientIsn + 1;
            const ourNxt = open ? st[1]! : 0;
            const seq = (base + step.seqOff) >>> 0;
            for (let i = 0; i < step.len; i++) payload[i] = streamByte(seq + i);
            tsVal = (tsVal + step.tsStep) >>> 0;
            const seg: Seg = {
              flags: step.flags, seq, ack: (ourNxt + step.ackOff) >>> 0, win: step.win,
              data: payload.subarray(0, step.len),
            };
            if (opts.ts) seg.ts = [tsVal, 0];
            if ((step.flags & TCP_FLAG_SYN) !== 0) Object.assign(seg, synOpts);
            h.send(seg);
            break;
          }
          case 'send':
            h.ep.send(conn, bytes(step.n), 0, step.n, h.now);
            break;
          case 'shutdown':
            h.ep.shutdown(conn, h.now);
            break;
          case 'abort':
            h.ep.abort(conn, h.now);
            break;
          case 'advance':
            h.advance(step.ms);
            break;
        }
        check();
      }
      // Whatever happened, time alone ends every connection.
      for (let i = 0; i < 40 && h.ep.connectionCount() > 0; i++) h.advance(Math.max(1, h.ep.nextDeadline() - h.now));
      check();
      assert.equal(h.ep.connectionCount(), 0);
      assert.equal(h.ep.nextDeadline(), Infinity);
    },
  ), { numRuns: 300 });
});
