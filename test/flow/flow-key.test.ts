import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FLOW_KEY_WORDS, hashFlowKey, hashFlowKey4, hashFlowMeta, isFlowKey4, readEchoId, writeFlowKey,
} from '../../src/flow/flow-key.js';
import { PacketMeta, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/packet.js';
import { fillMeta, reverse, type MetaSpec } from './meta-fixtures.js';
import { halfSipHashBytes, hashKeyFromSeed } from '../../src/table/keyed-hash.js';

const TCP_A: MetaSpec = { src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_TCP, sport: 1234, dport: 80 };

const K = hashKeyFromSeed(3);
const arbKey = fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff)).map(([k0, k1]) => ({ k0, k1 }));

test('hashFlowKey is HalfSipHash-1-3 of the key words in little-endian byte order (keys not IPv4)', () => {
  fc.assert(fc.property(
    fc.uint32Array({ minLength: FLOW_KEY_WORDS, maxLength: FLOW_KEY_WORDS }), arbKey,
    (words, k) => {
      fc.pre(!isFlowKey4(words, 0));
      const bytes = new Uint8Array(new Uint32Array(words).buffer);
      // Node runs little-endian on every supported platform; the reference reads bytes LE.
      assert.equal(hashFlowKey(words, 0, k.k0, k.k1) >>> 0, halfSipHashBytes(bytes, 40, k.k0, k.k1));
    },
  ), { numRuns: 300 });
});

test('an IPv4 key hashes as the 13 bytes of its addresses, ports and protocol, by either entry point', () => {
  fc.assert(fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(255), arbKey,
    (a, b, ports, proto, k) => {
      const key = new Uint32Array([0, 0, 0xffff, a, 0, 0, 0xffff, b, ports, proto]);
      assert.ok(isFlowKey4(key, 0));
      const want = halfSipHashBytes(new Uint8Array(new Uint32Array([a, b, ports, proto]).buffer), 13, k.k0, k.k1);
      assert.equal(hashFlowKey(key, 0, k.k0, k.k1) >>> 0, want);
      assert.equal(hashFlowKey4(a, b, ports, proto, k.k0, k.k1) >>> 0, want);
      // Any other constant word makes it a general key, hashed over all ten words.
      const other = new Uint32Array(key);
      other[5] = 1;
      assert.ok(!isFlowKey4(other, 0));
      assert.equal(hashFlowKey(other, 0, k.k0, k.k1) >>> 0, halfSipHashBytes(new Uint8Array(other.buffer), 40, k.k0, k.k1));
    }), { numRuns: 300 });
});

test('the flow hash depends on the key: the same flows land elsewhere under another key', () => {
  const k2 = hashKeyFromSeed(4);
  let differ = 0;
  for (let i = 0; i < 100; i++) {
    if ((hashFlowKey4(0x0a000000 + i, 0x0a000001, 80, 6, K.k0, K.k1) & 1023)
      !== (hashFlowKey4(0x0a000000 + i, 0x0a000001, 80, 6, k2.k0, k2.k1) & 1023)) differ++;
  }
  assert.ok(differ > 90, `${differ} of 100 moved`);
});

test('writeFlowKey writes the canonical key into a 0xa5-filled buffer, touching only its 10 words', () => {
  const out = new Uint32Array(14).fill(0xa5a5a5a5);
  const m = fillMeta(TCP_A);
  assert.equal(writeFlowKey(m, out, 2), 0);
  assert.deepEqual([...out], [
    0xa5a5a5a5, 0xa5a5a5a5,
    0, 0, 0xffff, 0x0a000001, 0, 0, 0xffff, 0x0a000002, ((1234 << 16) | 80) >>> 0, 6,
    0xa5a5a5a5, 0xa5a5a5a5,
  ]);
  const back = new Uint32Array(14).fill(0xa5a5a5a5);
  assert.equal(writeFlowKey(fillMeta(reverse(TCP_A)), back, 2), 1, 'reply direction is swapped');
  assert.deepEqual([...back], [...out]);
});

test('writeFlowKey orders by address first, then by port when addresses are equal', () => {
  const out = new Uint32Array(FLOW_KEY_WORDS);
  // Higher address with lower port: address decides.
  assert.equal(writeFlowKey(fillMeta({ src: '10.0.0.9', dst: '10.0.0.2', proto: IPPROTO_UDP, sport: 1, dport: 65535 }), out, 0), 1);
  assert.equal(out[3], 0x0a000002);
  assert.equal(out[8], ((65535 << 16) | 1) >>> 0);
  // Same address (loopback talking to itself): the lower port is endpoint A.
  assert.equal(writeFlowKey(fillMeta({ src: '127.0.0.1', dst: '127.0.0.1', proto: IPPROTO_UDP, sport: 5000, dport: 53 }), out, 0), 1);
  assert.equal(out[8], ((53 << 16) | 5000) >>> 0);
  // Identical endpoints: not swapped either way.
  assert.equal(writeFlowKey(fillMeta({ src: '127.0.0.1', dst: '127.0.0.1', proto: IPPROTO_UDP, sport: 7, dport: 7 }), out, 0), 0);
  // IPv6: the first differing word decides even when a later word points the other way.
  const v6 = fillMeta({ src: '2001:db8:0:1:0:0:0:ffff', dst: '2001:db8:0:2:0:0:0:1', proto: IPPROTO_TCP, sport: 9, dport: 9 });
  assert.equal(writeFlowKey(v6, out, 0), 0);
  assert.deepEqual([...out.subarray(0, 8)], [0x20010db8, 0x00000001, 0, 0xffff, 0x20010db8, 0x00000002, 0, 1]);
});

test('writeFlowKey refuses packets that are not IPv4/IPv6 and writes nothing', () => {
  const m = new PacketMeta();
  const out = new Uint32Array(FLOW_KEY_WORDS).fill(0xa5a5a5a5);
  assert.equal(writeFlowKey(m, out, 0), -1);
  assert.ok(out.every((w) => w === 0xa5a5a5a5));
  assert.equal(hashFlowMeta(m, K), null);
});

test('ICMP echo request and reply share a flow keyed by the echo identifier', () => {
  const req = fillMeta({ src: '192.0.2.1', dst: '198.51.100.7', proto: IPPROTO_ICMP, icmpType: 8, echoId: 0x1234 });
  const rep = fillMeta({ src: '198.51.100.7', dst: '192.0.2.1', proto: IPPROTO_ICMP, icmpType: 0, echoId: 0x1234 });
  const other = fillMeta({ src: '192.0.2.1', dst: '198.51.100.7', proto: IPPROTO_ICMP, icmpType: 8, echoId: 0x1235 });
  assert.equal(readEchoId(req), 0x1234);
  assert.equal(hashFlowMeta(req, K), hashFlowMeta(rep, K));
  assert.notEqual(hashFlowMeta(req, K), hashFlowMeta(other, K));
  const out = new Uint32Array(FLOW_KEY_WORDS);
  writeFlowKey(req, out, 0);
  assert.equal(out[8], ((0x1234 << 16) | 0x1234) >>> 0);
  assert.equal(out[9], IPPROTO_ICMP);
  // ICMPv6 echo (RFC 4443 types 128/129).
  const req6 = fillMeta({ src: 'fe80::1', dst: 'fe80::2', proto: IPPROTO_ICMPV6, icmpType: 128, echoId: 77 });
  const rep6 = fillMeta({ src: 'fe80::2', dst: 'fe80::1', proto: IPPROTO_ICMPV6, icmpType: 129, echoId: 77 });
  assert.equal(readEchoId(rep6), 77);
  assert.equal(hashFlowMeta(req6, K), hashFlowMeta(rep6, K));
  // Not an echo (destination unreachable): no identifier.
  const unreach = fillMeta({ src: '192.0.2.1', dst: '198.51.100.7', proto: IPPROTO_ICMP, icmpType: 3, echoId: 0x1234 });
  assert.equal(readEchoId(unreach), 0);
});

test('readEchoId on every truncated echo header returns 0 without throwing', () => {
  const full = fillMeta({ src: '192.0.2.1', dst: '198.51.100.7', proto: IPPROTO_ICMP, icmpType: 8, echoId: 0xbeef });
  const bytes = full.buf;
  for (let n = 0; n < 8; n++) {
    full.buf = bytes.slice(0, n);
    full.l4Length = n;
    assert.equal(readEchoId(full), 0, `prefix of ${n} bytes`);
    assert.notEqual(hashFlowMeta(full, K), null);
  }
  // The header claims 8 bytes but the buffer ends early (a snapped capture).
  full.buf = bytes.slice(0, 5);
  full.l4Length = 8;
  assert.equal(readEchoId(full), 0);
});

const arbV4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const arbV6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const arbSpec: fc.Arbitrary<MetaSpec> = fc.oneof(
  fc.record({ src: arbV4, dst: arbV4 }),
  fc.record({ src: arbV6, dst: arbV6 }),
).chain((a) => fc.record({
  src: fc.constant(a.src), dst: fc.constant(a.dst),
  proto: fc.constantFrom(IPPROTO_TCP, IPPROTO_UDP, 47, 132),
  sport: fc.nat(0xffff), dport: fc.nat(0xffff),
}));

test('property: both directions of a flow give the same key and hash, and complementary swap bits', () => {
  const a = new Uint32Array(FLOW_KEY_WORDS);
  const b = new Uint32Array(FLOW_KEY_WORDS);
  fc.assert(fc.property(arbSpec, arbKey, (spec, k) => {
    const fwd = fillMeta(spec);
    const rev = fillMeta(reverse(spec));
    const sa = writeFlowKey(fwd, a, 0);
    const sb = writeFlowKey(rev, b, 0);
    assert.deepEqual([...a], [...b]);
    const same = spec.src === spec.dst && spec.sport === spec.dport;
    if (!same) assert.equal(sa ^ sb, 1);
    assert.equal(hashFlowMeta(fwd, k), hashFlowMeta(rev, k));
  }), { numRuns: 500 });
});

test('property: one flipped key bit changes about half the hash bits (avalanche)', () => {
  let flips = 0;
  let trials = 0;
  fc.assert(fc.property(
    fc.uint32Array({ minLength: FLOW_KEY_WORDS, maxLength: FLOW_KEY_WORDS }), fc.nat(FLOW_KEY_WORDS * 32 - 1),
    (words, bit) => {
      const k = new Uint32Array(words);
      const h0 = hashFlowKey(k, 0, K.k0, K.k1);
      k[bit >> 5] = (k[bit >> 5]! ^ (1 << (bit & 31))) >>> 0;
      let x = (h0 ^ hashFlowKey(k, 0, K.k0, K.k1)) >>> 0;
      assert.notEqual(x, 0);
      while (x !== 0) { flips += x & 1; x >>>= 1; }
      trials++;
    },
  ), { numRuns: 2000 });
  const mean = flips / trials;
  assert.ok(mean > 15 && mean < 17, `mean flipped bits ${mean}`);
});
