import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ipv4Repr, Ipv4View } from '../../src/wire/ipv4.js';
import { verifyIpv4HeaderChecksum } from '../../src/wire/verify.js';
import {
  FAULT_BAD_IHL, FAULT_BAD_IP_LENGTH, FAULT_BAD_IP_VERSION, FAULT_OK, FAULT_TRUNCATED_IP,
} from '../../src/wire/faults.js';
import { SYN4_FRAME, junk, naiveChecksum, toHex } from './fixtures.js';

const HDR = SYN4_FRAME.slice(14, 34);

test('Ipv4View reads a real header', () => {
  const v = new Ipv4View();
  assert.equal(v.bind(SYN4_FRAME, 14, 60), FAULT_OK);
  assert.equal(v.version, 4);
  assert.equal(v.headerLength, 20);
  assert.equal(v.totalLength, 60);
  assert.equal(v.ident, 0xaf00);
  assert.equal(v.dontFragment, true);
  assert.equal(v.moreFragments, false);
  assert.equal(v.fragmentOffset, 0);
  assert.equal(v.isFragment, false);
  assert.equal(v.ttl, 64);
  assert.equal(v.protocol, 6);
  assert.equal(v.checksum, 0x8db9);
  assert.equal(v.src, 0x7f000001);
  assert.equal(v.dst, 0x7f000001);
  assert.equal(v.payloadOffset, 34);
  assert.equal(v.payloadLength, 40);
  assert.equal(v.payloadCaptured, 40);
  assert.equal(v.snapped, false);
  assert.equal(v.computeChecksum(), 0x8db9);
  assert.ok(verifyIpv4HeaderChecksum(v));
});

test('Ipv4View faults: every prefix of the header, version, IHL, total length', () => {
  const v = new Ipv4View();
  for (let n = 0; n < 20; n++) assert.equal(v.bind(HDR, 0, n), FAULT_TRUNCATED_IP);
  const b = HDR.slice();
  b[0] = 0x65;
  assert.equal(v.bind(b, 0, 20), FAULT_BAD_IP_VERSION);
  b[0] = 0x44;
  assert.equal(v.bind(b, 0, 20), FAULT_BAD_IHL);
  b[0] = 0x46;
  assert.equal(v.bind(b, 0, 20), FAULT_TRUNCATED_IP, 'IHL 6 needs 24 bytes');
  b[0] = 0x45; b[2] = 0; b[3] = 19;
  assert.equal(v.bind(b, 0, 20), FAULT_BAD_IP_LENGTH);
  b[3] = 200;
  assert.equal(v.bind(b, 0, 20), FAULT_OK, 'a snapped datagram binds');
  assert.equal(v.snapped, true);
  assert.equal(v.payloadCaptured, 0);
});

test('Ipv4View setters and fillChecksum keep the header valid', () => {
  const b = HDR.slice();
  const v = new Ipv4View();
  v.bind(b, 0, 20);
  v.ttl = 63;
  v.src = 0xc0a80001;
  v.dst = 0x0a000001;
  assert.equal(verifyIpv4HeaderChecksum(v), false);
  v.fillChecksum();
  assert.equal(verifyIpv4HeaderChecksum(v), true);
  const zeroed = b.slice();
  zeroed[10] = 0; zeroed[11] = 0;
  assert.equal(v.checksum, naiveChecksum(zeroed));
  assert.equal(v.ttl, 63);
  assert.equal(v.src, 0xc0a80001);
});

test('Ipv4Repr emits the captured header into a junk-filled buffer byte for byte', () => {
  const v = new Ipv4View();
  v.bind(HDR, 0, 20);
  const r = Ipv4Repr.parse(v);
  assert.equal(r.payloadLength, 40);
  const out = junk(24);
  assert.equal(r.emit(out, 2), 20);
  assert.equal(toHex(out.subarray(2, 22)), toHex(HDR));
  assert.equal(out[22], 0xa5);
  assert.equal(r.emit(junk(19), 0), 0);
});

test('Ipv4Repr with options and fragment fields round-trips through the view', () => {
  fc.assert(fc.property(
    fc.record({
      src: fc.nat(0xffffffff), dst: fc.nat(0xffffffff), protocol: fc.nat(255), ttl: fc.nat(255),
      tos: fc.nat(255), ident: fc.nat(0xffff), df: fc.boolean(), mf: fc.boolean(),
      fragUnits: fc.nat(0x1fff), payloadLength: fc.nat(1000),
      options: fc.uint8Array({ maxLength: 10 }).map((o) => { const p = new Uint8Array((o.length + 3) & ~3); p.set(o); return p; }),
    }),
    (a) => {
      const r = new Ipv4Repr();
      r.src = a.src; r.dst = a.dst; r.protocol = a.protocol; r.ttl = a.ttl; r.tos = a.tos;
      r.ident = a.ident; r.dontFragment = a.df; r.moreFragments = a.mf;
      r.fragmentOffset = a.fragUnits * 8; r.payloadLength = a.payloadLength; r.options = a.options;
      const out = junk(80);
      const n = r.emit(out, 0);
      assert.equal(n, 20 + a.options.length);
      const v = new Ipv4View();
      assert.equal(v.bind(out, 0, 80), FAULT_OK);
      assert.ok(verifyIpv4HeaderChecksum(v));
      assert.equal(v.isFragment, a.mf || a.fragUnits !== 0);
      assert.deepEqual(Ipv4Repr.parse(v), r);
    }), { numRuns: 300 });
});
