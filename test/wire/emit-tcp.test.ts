import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TcpSegmentSpec, tcpSegmentLength, writeTcpSegment } from '../../src/wire/emit-tcp.js';
import { TcpView, tcpOptionsLength } from '../../src/wire/tcp.js';
import { decodeIp, decodePacket } from '../../src/wire/decode.js';
import { verifyTransportChecksum } from '../../src/wire/verify.js';
import { Ipv4View } from '../../src/wire/ipv4.js';
import { verifyIpv4HeaderChecksum } from '../../src/wire/verify.js';
import { FAULT_OK } from '../../src/wire/faults.js';
import { LINKTYPE_ETHERNET, PacketMeta, TCP_FLAG_ACK, TCP_FLAG_SYN } from '../../src/wire/packet.js';
import {
  SYNACK4_FRAME, SYNACK4_TCP_CHECKSUM, SYNACK6_FRAME, SYNACK6_TCP_CHECKSUM, SYN4_FRAME,
  SYN4_TCP_CHECKSUM, SYN6_FRAME, SYN6_TCP_CHECKSUM, junk, naiveChecksum, pseudo4, pseudo6, toHex,
  withTcpChecksum,
} from './fixtures.js';

/** Fills `spec` from a decoded Linux handshake segment (what the endpoint would send). */
function specFromFrame(frame: Uint8Array): TcpSegmentSpec {
  const m = new PacketMeta();
  assert.equal(decodePacket(frame, 0, frame.length, LINKTYPE_ETHERNET, m), FAULT_OK);
  const s = new TcpSegmentSpec();
  if (m.ipVersion === 4) {
    s.setAddresses4(m.src4, m.dst4);
    s.ipId = (frame[18]! << 8) | frame[19]!;
  } else {
    s.setAddresses6(m.srcAddr, m.dstAddr);
    s.flowLabel = ((frame[15]! & 0x0f) << 16) | (frame[16]! << 8) | frame[17]!;
  }
  s.srcPort = m.srcPort;
  s.dstPort = m.dstPort;
  s.seq = m.seq;
  s.ack = m.ack;
  s.flags = m.tcpFlags;
  s.window = m.window;
  s.ttl = m.ttl;
  s.mss = m.tcpMss;
  s.windowScale = m.tcpWindowScale;
  s.sackPermitted = m.tcpSackPermitted;
  s.hasTimestamp = m.tcpHasTimestamp;
  s.tsVal = m.tcpTsVal;
  s.tsEcr = m.tcpTsEcr;
  return s;
}

const CASES: Array<[string, Uint8Array, number]> = [
  ['IPv4 SYN', SYN4_FRAME, SYN4_TCP_CHECKSUM],
  ['IPv4 SYN-ACK', SYNACK4_FRAME, SYNACK4_TCP_CHECKSUM],
  ['IPv6 SYN', SYN6_FRAME, SYN6_TCP_CHECKSUM],
  ['IPv6 SYN-ACK', SYNACK6_FRAME, SYNACK6_TCP_CHECKSUM],
];

for (const [name, frame, checksum] of CASES) {
  test(`writeTcpSegment reproduces Linux's ${name} byte for byte (checksum as Wireshark computes it)`, () => {
    const spec = specFromFrame(frame);
    const ipLen = frame[14]! >>> 4 === 4 ? 20 : 40;
    const expected = withTcpChecksum(frame, 14 + ipLen, checksum).subarray(14);
    const out = junk(expected.length + 16);
    const n = writeTcpSegment(out, 8, spec);
    assert.equal(n, expected.length);
    assert.equal(tcpSegmentLength(spec), n);
    assert.equal(toHex(out.subarray(8, 8 + n)), toHex(expected));
    assert.ok(out.subarray(0, 8).every((b) => b === 0xa5), 'bytes before the segment untouched');
    assert.ok(out.subarray(8 + n).every((b) => b === 0xa5), 'bytes after the segment untouched');
  });
}

test('writeTcpSegment writes a data segment whose checksums match a naive RFC 1071 sum', () => {
  const s = new TcpSegmentSpec();
  s.setAddresses4(0xc0a80101, 0xc0a8010a);
  s.srcPort = 80;
  s.dstPort = 3061;
  s.seq = 3715697587;
  s.ack = 462613130;
  s.flags = TCP_FLAG_ACK | 0x08;
  s.window = 4128;
  s.ipId = 0xbeef;
  s.ttl = 255;
  s.payloadBuf = new TextEncoder().encode('HTTP/1.0 200 OK\r\n\r\nodd');
  s.payloadLen = s.payloadBuf.length;
  const out = junk(200);
  const n = writeTcpSegment(out, 0, s);
  assert.equal(n, 20 + 20 + s.payloadLen);
  const ip = out.subarray(0, 20);
  const withoutSum = ip.slice();
  withoutSum[10] = 0; withoutSum[11] = 0;
  assert.equal((ip[10]! << 8) | ip[11]!, naiveChecksum(withoutSum));
  const seg = out.slice(20, n);
  const sum = (seg[16]! << 8) | seg[17]!;
  seg[16] = 0; seg[17] = 0;
  assert.equal(sum, naiveChecksum(pseudo4(s.src4, s.dst4, 6, n - 20), seg));
  assert.equal(toHex(out.subarray(40, n)), toHex(s.payloadBuf));
  assert.equal(out[6], 0x40, 'DF set');
  assert.equal((out[4]! << 8) | out[5]!, 0xbeef);
});

test('writeTcpSegment returns 0 and writes nothing past the end when the buffer is too small', () => {
  const s = specFromFrame(SYN4_FRAME);
  const need = tcpSegmentLength(s);
  const out = junk(need - 1);
  assert.equal(writeTcpSegment(out, 0, s), 0);
  assert.equal(writeTcpSegment(junk(need + 4), 5, s), 0);
  assert.equal(writeTcpSegment(junk(need), 0, s), need);
  assert.equal(writeTcpSegment(junk(need), -1, s), 0);
});

test('writeTcpSegment rejects a payload range outside its source buffer', () => {
  const s = new TcpSegmentSpec();
  s.setAddresses4(1, 2);
  s.payloadBuf = new Uint8Array(10);
  s.payloadOff = 5;
  s.payloadLen = 6;
  assert.equal(writeTcpSegment(junk(100), 0, s), 0);
  s.payloadLen = 5;
  assert.equal(writeTcpSegment(junk(100), 0, s), 45);
});

test('writeTcpSegment copies a payload that already lives in (or overlaps) the output buffer', () => {
  const text = new TextEncoder().encode('payload that overlaps the header area');
  for (const srcAt of [0, 10, 40, 60]) {
    const out = junk(200);
    out.set(text, srcAt);
    const s = new TcpSegmentSpec();
    s.setAddresses4(0x0a000001, 0x0a000002);
    s.payloadBuf = out;
    s.payloadOff = srcAt;
    s.payloadLen = text.length;
    const n = writeTcpSegment(out, 0, s);
    assert.equal(n, 40 + text.length);
    assert.equal(toHex(out.subarray(40, n)), toHex(text), `payload from offset ${srcAt}`);
  }
  // A view of the same memory at another byte offset.
  const backing = junk(300);
  const out = backing.subarray(50);
  backing.set(text, 20);
  const s = new TcpSegmentSpec();
  s.setAddresses4(1, 2);
  s.payloadBuf = backing;
  s.payloadOff = 20;
  s.payloadLen = text.length;
  const n = writeTcpSegment(out, 0, s);
  assert.equal(toHex(out.subarray(40, n)), toHex(text));
});

test('writeTcpSegment clips SACK blocks to the 40-byte option space', () => {
  const s = new TcpSegmentSpec();
  s.setAddresses4(1, 2);
  s.flags = TCP_FLAG_ACK;
  s.sackBlockCount = 4;
  s.sackBlocks.set([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(tcpOptionsLength(s), 36);
  s.hasTimestamp = true;
  assert.equal(tcpOptionsLength(s), 12 + 4 + 3 * 8, 'three blocks fit beside timestamps (RFC 2018 §3)');
  const out = junk(200);
  const n = writeTcpSegment(out, 0, s);
  const v = new TcpView();
  assert.equal(v.bind(out, 20, n - 20), FAULT_OK);
  assert.equal(v.options.sackBlockCount, 3);
  assert.deepEqual([...v.options.sackBlocks.subarray(0, 6)], [1, 2, 3, 4, 5, 6]);
  assert.equal(v.options.hasTimestamp, true);
});

test('writeTcpSegment returns 0 for an IPv4 datagram over 65535 bytes', () => {
  const s = new TcpSegmentSpec();
  s.setAddresses4(1, 2);
  s.payloadBuf = new Uint8Array(65535 - 40 + 1);
  s.payloadLen = s.payloadBuf.length;
  assert.equal(writeTcpSegment(new Uint8Array(70000), 0, s), 0);
  s.payloadLen -= 1;
  assert.equal(writeTcpSegment(new Uint8Array(70000), 0, s), 65535);
});

test('TcpSegmentSpec.setReplyTo swaps addresses and ports of a decoded packet', () => {
  const m = new PacketMeta();
  assert.equal(decodePacket(SYN6_FRAME, 0, SYN6_FRAME.length, LINKTYPE_ETHERNET, m), FAULT_OK);
  const s = new TcpSegmentSpec();
  s.setReplyTo(m);
  assert.equal(s.ipVersion, 6);
  assert.equal(s.srcPort, m.dstPort);
  assert.equal(s.dstPort, m.srcPort);
  assert.deepEqual([...s.srcAddr], [...m.dstAddr]);
  assert.equal(decodePacket(SYN4_FRAME, 0, SYN4_FRAME.length, LINKTYPE_ETHERNET, m), FAULT_OK);
  s.setReplyTo(m);
  assert.equal(s.ipVersion, 4);
  assert.equal(s.src4, m.dst4);
  assert.deepEqual([...s.dstAddr], [0, 0, 0xffff, m.src4]);
  s.mss = 1;
  s.payloadLen = 3;
  s.clearOptions();
  assert.equal(tcpOptionsLength(s), 0);
  assert.equal(s.payloadLen, 0);
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const specArb = fc.record({
  v6: fc.boolean(),
  src: fc.array(u32, { minLength: 4, maxLength: 4 }),
  dst: fc.array(u32, { minLength: 4, maxLength: 4 }),
  srcPort: fc.integer({ min: 0, max: 0xffff }),
  dstPort: fc.integer({ min: 0, max: 0xffff }),
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 0xff }),
  window: fc.integer({ min: 0, max: 0xffff }),
  ttl: fc.integer({ min: 0, max: 255 }),
  ipId: fc.integer({ min: 0, max: 0xffff }),
  mss: fc.integer({ min: 0, max: 0xffff }),
  windowScale: fc.integer({ min: -1, max: 14 }),
  sackPermitted: fc.boolean(),
  ts: fc.option(fc.tuple(u32, u32)),
  sack: fc.array(u32, { maxLength: 8 }),
  payload: fc.uint8Array({ maxLength: 300 }),
  payloadOff: fc.integer({ min: 0, max: 7 }),
});

test('writeTcpSegment output decodes back to its spec with valid checksums (IPv4 and IPv6)', () => {
  const m = new PacketMeta();
  const out = new Uint8Array(1000);
  const v4 = new Ipv4View();
  const tcp = new TcpView();
  fc.assert(fc.property(specArb, (a) => {
    const s = new TcpSegmentSpec();
    if (a.v6) s.setAddresses6(Uint32Array.from(a.src), Uint32Array.from(a.dst));
    else s.setAddresses4(a.src[0]!, a.dst[0]!);
    s.srcPort = a.srcPort; s.dstPort = a.dstPort; s.seq = a.seq; s.ack = a.ack;
    s.flags = a.flags; s.window = a.window; s.ttl = a.ttl; s.ipId = a.ipId;
    s.mss = a.mss; s.windowScale = a.windowScale; s.sackPermitted = a.sackPermitted;
    s.hasTimestamp = a.ts !== null;
    if (a.ts) { s.tsVal = a.ts[0]; s.tsEcr = a.ts[1]; }
    s.sackBlockCount = a.sack.length >> 1;
    s.sackBlocks.set(a.sack.slice(0, s.sackBlockCount * 2));
    const src = new Uint8Array(a.payload.length + a.payloadOff);
    src.set(a.payload, a.payloadOff);
    s.payloadBuf = src; s.payloadOff = a.payloadOff; s.payloadLen = a.payload.length;
    out.fill(0xa5);
    const n = writeTcpSegment(out, 3, s);
    assert.equal(n, tcpSegmentLength(s));
    assert.ok(n > 0 && (tcpOptionsLength(s) & 3) === 0);
    assert.equal(out[3 + n], 0xa5);
    assert.equal(decodeIp(out, 3, n, m), FAULT_OK);
    assert.equal(m.ipVersion, a.v6 ? 6 : 4);
    if (a.v6) {
      assert.deepEqual([...m.srcAddr], a.src);
      assert.deepEqual([...m.dstAddr], a.dst);
    } else {
      assert.equal(m.src4, a.src[0]);
      assert.equal(m.dst4, a.dst[0]);
      assert.equal(v4.bind(out, 3, n), FAULT_OK);
      assert.ok(verifyIpv4HeaderChecksum(v4));
      assert.equal(v4.ident, a.ipId);
      assert.ok(v4.dontFragment);
    }
    assert.ok(verifyTransportChecksum(m), 'TCP checksum');
    assert.equal(m.ttl, a.ttl);
    assert.equal(m.srcPort, a.srcPort);
    assert.equal(m.dstPort, a.dstPort);
    assert.equal(m.seq, a.seq);
    assert.equal(m.ack, a.ack);
    assert.equal(m.tcpFlags, a.flags);
    assert.equal(m.window, a.window);
    assert.equal(m.payloadLength, a.payload.length);
    assert.equal(toHex(out.subarray(m.payloadOffset, m.payloadOffset + m.payloadLength)), toHex(a.payload));
    // Options: the view decodes them on every segment, the meta only on SYN.
    assert.equal(tcp.bind(out, m.l4Offset, m.l4Length), FAULT_OK);
    const o = tcp.options;
    assert.equal(o.mss, a.mss);
    assert.equal(o.windowScale, a.windowScale);
    assert.equal(o.sackPermitted, a.sackPermitted);
    assert.equal(o.hasTimestamp, a.ts !== null);
    if (a.ts) { assert.equal(o.tsVal, a.ts[0]); assert.equal(o.tsEcr, a.ts[1]); }
    assert.ok(o.sackBlockCount <= s.sackBlockCount);
    for (let i = 0; i < o.sackBlockCount * 2; i++) assert.equal(o.sackBlocks[i], a.sack[i]);
    if (a.flags & TCP_FLAG_SYN) assert.equal(m.tcpMss, a.mss);
    else assert.equal(m.tcpMss, 0);
  }), { numRuns: 500 });
});

test('writeTcpSegment checksums agree with a naive sum over the IPv6 pseudo-header', () => {
  const s = new TcpSegmentSpec();
  s.setAddresses6(Uint32Array.of(0x20010db8, 0, 0, 1), Uint32Array.of(0x20010db8, 0, 0, 2));
  s.flags = TCP_FLAG_SYN;
  s.mss = 1440;
  s.payloadBuf = Uint8Array.of(1, 2, 3);
  s.payloadLen = 3;
  const out = junk(100);
  const n = writeTcpSegment(out, 0, s);
  const seg = out.slice(40, n);
  const sum = (seg[16]! << 8) | seg[17]!;
  seg[16] = 0; seg[17] = 0;
  assert.equal(sum, naiveChecksum(pseudo6(s.srcAddr, s.dstAddr, 6, n - 40), seg));
});
