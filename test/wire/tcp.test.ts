import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  TcpOptions, TcpRepr, TcpView, parseTcpOptions, tcpOptionsLength, writeTcpOptions,
} from '../../src/wire/tcp.js';
import {
  FAULT_BAD_TCP_OFFSET, FAULT_BAD_TCP_OPTIONS, FAULT_OK, FAULT_TRUNCATED_L4,
} from '../../src/wire/faults.js';
import { Ipv4Repr } from '../../src/wire/ipv4.js';
import {
  SYN4_FRAME, SYN4_TCP_CHECKSUM, fromHex, ip4, ip6, junk, naiveChecksum, pseudo4, pseudo6, toHex,
  withTcpChecksum,
} from './fixtures.js';

test('TcpView reads a real SYN and its options', () => {
  const v = new TcpView();
  assert.equal(v.bind(SYN4_FRAME, 34, 40), FAULT_OK);
  assert.equal(v.srcPort, 58486);
  assert.equal(v.dstPort, 45678);
  assert.equal(v.seq, 411611904);
  assert.equal(v.ack, 0);
  assert.equal(v.headerLength, 40);
  assert.equal(v.flags, 0x02);
  assert.equal(v.syn, true);
  assert.equal(v.isAck, false);
  assert.equal(v.window, 65495);
  assert.equal(v.checksum, 0xfe30);
  assert.equal(v.urgent, 0);
  assert.equal(v.optionsLength, 20);
  assert.equal(v.payloadLength, 0);
  const o = v.options;
  assert.equal(o.mss, 65495);
  assert.equal(o.sackPermitted, true);
  assert.equal(o.hasTimestamp, true);
  assert.equal(o.tsVal, 1591936786);
  assert.equal(o.tsEcr, 0);
  assert.equal(o.windowScale, 10);
  assert.equal(o.sackBlockCount, 0);
  for (let n = 0; n < 40; n++) assert.notEqual(v.bind(SYN4_FRAME, 34, n), FAULT_OK, `prefix ${n}`);
});

test('parseTcpOptions: malformed option lists are faults, odd but legal ones are not', () => {
  const o = new TcpOptions();
  const cases: Array<[string, string, number]> = [
    ['empty', '', FAULT_OK],
    ['NOPs then EOL then junk', '010100ffff', FAULT_OK],
    ['unknown kind skipped by length', '1e0400000204ffff', FAULT_OK],
    ['length 0', '0200', FAULT_BAD_TCP_OPTIONS],
    ['length 1', '0201', FAULT_BAD_TCP_OPTIONS],
    ['kind without length byte', '0101 01 02'.replace(/ /g, ''), FAULT_BAD_TCP_OPTIONS],
    ['runs past the header', '0204ff', FAULT_BAD_TCP_OPTIONS],
    ['MSS of length 3', '020305', FAULT_BAD_TCP_OPTIONS],
    ['window scale of length 4', '03040700', FAULT_BAD_TCP_OPTIONS],
    ['SACK-permitted of length 3', '040300', FAULT_BAD_TCP_OPTIONS],
    ['timestamps of length 8', '0808000000000000', FAULT_BAD_TCP_OPTIONS],
    ['SACK of length 2', '0502', FAULT_BAD_TCP_OPTIONS],
    ['SACK of length 9', '0509000000000000ff', FAULT_BAD_TCP_OPTIONS],
    ['SACK of one block', '050a0000000100000002', FAULT_OK],
  ];
  for (const [name, hex, want] of cases) {
    const b = fromHex(hex);
    assert.equal(parseTcpOptions(b, 0, b.length, o), want, name);
  }
  const b = fromHex('050a0000000100000002');
  parseTcpOptions(b, 0, b.length, o);
  assert.equal(o.sackBlockCount, 1);
  assert.deepEqual([o.sackBlocks[0], o.sackBlocks[1]], [1, 2]);
  parseTcpOptions(b, 0, 0, o);
  assert.equal(o.sackBlockCount, 0, 'cleared for the next segment');
});

test('TcpView data offset faults', () => {
  const b = SYN4_FRAME.slice(34);
  const v = new TcpView();
  b[12] = 0x40;
  assert.equal(v.bind(b, 0, 40), FAULT_BAD_TCP_OFFSET);
  b[12] = 0xf0;
  assert.equal(v.bind(b, 0, 40), FAULT_BAD_TCP_OFFSET);
  assert.equal(v.bind(b, 0, 19), FAULT_TRUNCATED_L4);
});

test('TcpView setters rewrite the header in place', () => {
  const b = SYN4_FRAME.slice(34);
  const v = new TcpView();
  v.bind(b, 0, b.length);
  v.srcPort = 1; v.dstPort = 2; v.seq = 0xffffffff; v.ack = 5; v.flags = 0x12; v.window = 7;
  v.checksum = 0xabcd; v.urgent = 9;
  assert.equal(toHex(b.subarray(0, 20)), '00010002ffffffff00000005a0120007abcd0009');
});

test('TcpRepr emits the real SYN byte for byte (Linux\'s option layout) with the checksum Wireshark computes', () => {
  const v = new TcpView();
  v.bind(SYN4_FRAME, 34, 40);
  const r = TcpRepr.parse(v);
  const ip = new Ipv4Repr();
  ip.src = 0x7f000001;
  ip.dst = 0x7f000001;
  const out = junk(44);
  assert.equal(r.emit(out, 2, ip), 40);
  assert.equal(out[1], 0xa5);
  assert.equal(out[42], 0xa5);
  const want = withTcpChecksum(SYN4_FRAME, 34, SYN4_TCP_CHECKSUM).subarray(34, 74);
  assert.equal(toHex(out.subarray(2, 42)), toHex(want));
  const seg = out.subarray(2, 42);
  const zeroed = seg.slice();
  zeroed[16] = 0; zeroed[17] = 0;
  assert.equal((seg[16]! << 8) | seg[17]!, naiveChecksum(pseudo4(ip.src, ip.dst, 6, 40), zeroed));
  const again = new TcpView();
  assert.equal(again.bind(seg, 0, 40), FAULT_OK);
  assert.deepEqual(TcpRepr.parse(again), r);
});

test('TcpRepr refuses SACK blocks that do not fit beside its other options', () => {
  const r = new TcpRepr();
  r.timestamp = { tsVal: 1, tsEcr: 2 };
  r.sackBlocks = [[1, 2], [3, 4], [5, 6]];
  assert.equal(r.optionsLength, 12 + 4 + 24);
  assert.equal(r.emit(junk(100), 0, ip4()), 60);
  r.sackBlocks.push([7, 8]);
  assert.equal(r.emit(junk(100), 0, ip4()), 0, 'a fourth block beside timestamps');
});

/** Options with every field absent, then `f` applied. */
function opts(f: (o: TcpOptions) => void): TcpOptions {
  const o = new TcpOptions();
  f(o);
  return o;
}

test('writeTcpOptions: Linux\'s layout, into a 0xa5-filled buffer, nothing written past its length', () => {
  const cases: Array<[string, TcpOptions, string]> = [
    ['none', opts(() => {}), ''],
    ['MSS', opts((o) => { o.mss = 1460; }), '020405b4'],
    ['SACK-permitted alone', opts((o) => { o.sackPermitted = true; }), '01010402'],
    ['timestamps alone', opts((o) => { o.hasTimestamp = true; o.tsVal = 0x01020304; o.tsEcr = 5; }),
      '0101080a0102030400000005'],
    ['window scale', opts((o) => { o.windowScale = 7; }), '01030307'],
    ['window scale 0 is sent', opts((o) => { o.windowScale = 0; }), '01030300'],
    ['Linux SYN: MSS, SACK-permitted + timestamps, window scale',
      opts((o) => { o.mss = 65495; o.sackPermitted = true; o.hasTimestamp = true; o.tsVal = 1591936786; o.windowScale = 10; }),
      '0204ffd7' + '0402080a5ee3071200000000' + '0103030a'],
    ['two SACK blocks with timestamps', opts((o) => {
      o.hasTimestamp = true; o.tsVal = 9; o.tsEcr = 8; o.sackBlockCount = 2; o.sackBlocks.set([1, 2, 3, 4]);
    }), '0101080a0000000900000008' + '0101051200000001000000020000000300000004'],
    ['four SACK blocks alone', opts((o) => { o.sackBlockCount = 4; o.sackBlocks.set([1, 2, 3, 4, 5, 6, 7, 8]); }),
      '01010522' + '0000000100000002000000030000000400000005000000060000000700000008'],
    ['SACK clipped to three beside timestamps', opts((o) => {
      o.hasTimestamp = true; o.sackBlockCount = 4; o.sackBlocks.set([1, 2, 3, 4, 5, 6, 7, 8]);
    }), '0101080a0000000000000000' + '0101051a' + '000000010000000200000003000000040000000500000006'],
  ];
  for (const [name, o, hex] of cases) {
    const out = junk(48);
    const n = writeTcpOptions(out, 3, o);
    assert.equal(n, hex.length / 2, name);
    assert.equal(tcpOptionsLength(o), n, name);
    assert.equal(n % 4, 0, name);
    assert.equal(toHex(out.subarray(3, 3 + n)), hex, name);
    assert.ok(out.subarray(0, 3).every((b) => b === 0xa5) && out.subarray(3 + n).every((b) => b === 0xa5), name);
    const back = new TcpOptions();
    assert.equal(parseTcpOptions(out, 3, 3 + n, back), FAULT_OK, name);
    assert.equal(back.mss, o.mss, name);
    assert.equal(back.windowScale, o.windowScale, name);
    assert.equal(back.sackPermitted, o.sackPermitted, name);
    assert.equal(back.hasTimestamp, o.hasTimestamp, name);
    assert.equal(back.tsVal, o.tsVal, name);
    assert.equal(back.sackBlockCount, Math.min(o.sackBlockCount, o.hasTimestamp ? 3 : 4), name);
  }
});

const u32 = fc.nat(0xffffffff);
test('TcpRepr round-trips through emit and the view, checksum valid, over IPv4 and IPv6', () => {
  fc.assert(fc.property(fc.record({
    v6: fc.boolean(), srcPort: fc.nat(0xffff), dstPort: fc.nat(0xffff), seq: u32, ack: u32,
    flags: fc.nat(255), window: fc.nat(0xffff), urgent: fc.nat(0xffff), mss: fc.nat(0xffff),
    windowScale: fc.integer({ min: -1, max: 255 }), sackPermitted: fc.boolean(),
    ts: fc.option(fc.tuple(u32, u32), { nil: undefined }),
    sack: fc.array(fc.tuple(u32, u32), { maxLength: 2 }), payload: fc.uint8Array({ maxLength: 64 }),
  }), (a) => {
    const r = new TcpRepr();
    r.srcPort = a.srcPort; r.dstPort = a.dstPort; r.seq = a.seq; r.ack = a.ack; r.flags = a.flags;
    r.window = a.window; r.urgent = a.urgent; r.mss = a.mss; r.windowScale = a.windowScale;
    r.sackPermitted = a.sackPermitted; r.sackBlocks = a.sack;
    r.timestamp = a.ts ? { tsVal: a.ts[0], tsEcr: a.ts[1] } : undefined;
    r.payload = a.payload;
    const ip = a.v6 ? ip6() : ip4();
    const out = junk(200);
    const n = r.emit(out, 0, ip);
    assert.equal(n, r.segmentLength);
    assert.equal(out[n], 0xa5);
    const seg = out.slice(0, n);
    const sum = (seg[16]! << 8) | seg[17]!;
    seg[16] = 0; seg[17] = 0;
    const ph = ip.version === 4 ? pseudo4(ip.src, ip.dst, 6, n) : pseudo6(ip.src, ip.dst, 6, n);
    assert.equal(sum, naiveChecksum(ph, seg));
    const v = new TcpView();
    assert.equal(v.bind(out, 0, n), FAULT_OK);
    assert.deepEqual(TcpRepr.parse(v), r);
  }), { numRuns: 300 });
});
