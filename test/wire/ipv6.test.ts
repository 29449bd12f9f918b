import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipv6Repr, Ipv6View, IPV6_NH_AH, IPV6_NH_ESP } from '../../src/wire/ipv6.js';
import {
  FAULT_BAD_EXT_HEADER, FAULT_BAD_IP_LENGTH, FAULT_BAD_IP_VERSION, FAULT_OK, FAULT_TRUNCATED_IP,
} from '../../src/wire/faults.js';
import { SYN6_FRAME, extChain, fromHex, ip6, junk, toHex } from './fixtures.js';

test('Ipv6View reads a real fixed header', () => {
  const v = new Ipv6View();
  assert.equal(v.bind(SYN6_FRAME, 14, 80), FAULT_OK);
  assert.equal(v.version, 6);
  assert.equal(v.trafficClass, 0);
  assert.equal(v.flowLabel, 0xf0598);
  assert.equal(v.payloadLength, 40);
  assert.equal(v.nextHeader, 6);
  assert.equal(v.upperProtocol, 6);
  assert.equal(v.hopLimit, 64);
  assert.equal(v.headerLength, 40);
  assert.equal(v.extCount, 0);
  assert.deepEqual([...v.readSrc(new Uint32Array(4))], [0, 0, 0, 1]);
  assert.equal(v.dstWord(3), 1);
  assert.equal(v.upperLength, 40);
  assert.equal(v.snapped, false);
});

/** An IPv6 header + chain + 8 bytes of TCP-ish payload, built by the repr. */
function chained(): Uint8Array {
  const r = ip6();
  r.protocol = 6;
  r.payloadLength = 8;
  r.extensions = extChain();
  const out = new Uint8Array(r.headerLength + 8);
  assert.equal(r.emit(out, 0), r.headerLength);
  return out;
}

test('Ipv6View walks hop-by-hop, routing, fragment, destination options and AH', () => {
  const b = chained();
  const v = new Ipv6View();
  assert.equal(v.bind(b, 0, b.length), FAULT_OK);
  assert.equal(v.extCount, 5);
  assert.equal(v.headerLength, 40 + 8 + 16 + 8 + 8 + 24);
  assert.equal(v.upperProtocol, 6);
  assert.equal(v.hasFragmentHeader, true);
  assert.equal(v.moreFragments, true);
  assert.equal(v.fragmentOffset, 0);
  assert.equal(v.fragmentId, 0x00abcdef);
  assert.equal(v.upperLength, 8);
  // Every prefix that cuts the chain is a fault.
  for (let n = 0; n < v.headerLength; n++) {
    const f = v.bind(b, 0, n);
    assert.ok(f === FAULT_TRUNCATED_IP || f === FAULT_BAD_EXT_HEADER, `prefix ${n}: ${f}`);
  }
});

test('Ipv6View: hop-by-hop must come first; the chain may not outrun the payload length', () => {
  const r = ip6();
  r.protocol = 17;
  r.extensions = [extChain()[3]!, { type: 0, body: fromHex('010400000000') }];
  const out = new Uint8Array(r.headerLength);
  r.emit(out, 0);
  const v = new Ipv6View();
  assert.equal(v.bind(out, 0, out.length), FAULT_BAD_EXT_HEADER);
  const ok = chained();
  ok[4] = 0; ok[5] = 20; // payload length shorter than the chain
  assert.equal(v.bind(ok, 0, ok.length), FAULT_BAD_IP_LENGTH);
  ok[0] = 0x40;
  assert.equal(v.bind(ok, 0, ok.length), FAULT_BAD_IP_VERSION);
});

test('Ipv6View stops at ESP, No Next Header and a non-first fragment', () => {
  const v = new Ipv6View();
  for (const [exts, proto, stopAt] of [
    [[extChain()[1]!], IPV6_NH_ESP, 56],
    [[extChain()[4]!], 59, 64],
    [[{ type: 44, body: fromHex('0000a900000001') }, extChain()[3]!], 60, 48],
  ] as const) {
    const r = ip6();
    r.protocol = proto;
    r.payloadLength = 16;
    r.extensions = [...exts];
    const out = new Uint8Array(r.headerLength + 16);
    r.emit(out, 0);
    assert.equal(v.bind(out, 0, out.length), FAULT_OK);
    assert.equal(v.headerLength, stopAt);
  }
  assert.equal(v.fragmentOffset, 0xa8);
  assert.equal(v.upperProtocol, 60, 'what follows a later fragment is reported, not walked');
});

test('Ipv6Repr emits into a junk-filled buffer exactly what the capture holds, and parses back', () => {
  const v = new Ipv6View();
  v.bind(SYN6_FRAME, 14, 80);
  const r = Ipv6Repr.parse(v);
  const out = junk(44);
  assert.equal(r.emit(out, 2), 40);
  assert.equal(toHex(out.subarray(2, 42)), toHex(SYN6_FRAME.subarray(14, 54)));
  assert.equal(out[42], 0xa5);
  const b = chained();
  v.bind(b, 0, b.length);
  const p = Ipv6Repr.parse(v);
  assert.equal(p.extensions[4]!.type, IPV6_NH_AH);
  const again = new Uint8Array(b.length);
  p.emit(again, 0);
  assert.equal(toHex(again.subarray(0, p.headerLength)), toHex(b.subarray(0, p.headerLength)));
  assert.equal(r.emit(new Uint8Array(39), 0), 0);
});

test('Ipv6View setters rewrite hop limit, payload length and addresses', () => {
  const b = SYN6_FRAME.slice(14);
  const v = new Ipv6View();
  v.bind(b, 0, b.length);
  v.hopLimit = 1;
  v.setSrc(Uint32Array.of(0x20010db8, 0, 0, 0x99));
  v.setDst(Uint32Array.of(0xfe800000, 0, 0, 1));
  v.payloadLength = 40;
  assert.equal(v.hopLimit, 1);
  assert.equal(v.srcWord(3), 0x99);
  assert.equal(v.dstWord(0), 0xfe800000);
});
