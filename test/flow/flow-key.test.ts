import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FLOW_KEY_WORDS, hashFlowKey, hashFlowKey4, hashFlowKey4Int, hashFlowMeta, isFlowKey4, readEchoId, writeFlowKey,
} from '../../src/flow/flow-key.js';
import { PacketMeta, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/packet.js';
import { fillMeta, reverse, type MetaSpec } from './meta-fixtures.js';

/** Independent byte-wise MurmurHash3 x86_32, checked against published vectors below. */
function murmur3Bytes(data: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = data.length;
  const blocks = n >> 2;
  const mul = (a: number, b: number) => Math.imul(a, b) >>> 0;
  const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  for (let i = 0; i < blocks; i++) {
    let k = (data[4 * i]! | (data[4 * i + 1]! << 8) | (data[4 * i + 2]! << 16) | (data[4 * i + 3]! << 24)) >>> 0;
    k = mul(rotl(mul(k, 0xcc9e2d51), 15), 0x1b873593);
    h = (mul(rotl((h ^ k) >>> 0, 13), 5) + 0xe6546b64) >>> 0;
  }
  let k = 0;
  const tail = blocks * 4;
  const rest = n & 3;
  if (rest >= 3) k ^= data[tail + 2]! << 16;
  if (rest >= 2) k ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    k ^= data[tail]!;
    k = mul(rotl(mul(k >>> 0, 0xcc9e2d51), 15), 0x1b873593);
    h = (h ^ k) >>> 0;
  }
  h = (h ^ n) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = mul(h, 0x85ebca6b);
  h = (h ^ (h >>> 13)) >>> 0;
  h = mul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const TCP_A: MetaSpec = { src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_TCP, sport: 1234, dport: 80 };

test('reference MurmurHash3 matches published test vectors', () => {
  const enc = new TextEncoder();
  const cases: [string, number, number][] = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['abcd', 0x9747b28c, 0xf0478627],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ];
  for (const [text, seed, want] of cases) {
    assert.equal(murmur3Bytes(enc.encode(text), seed), want, `murmur3(${JSON.stringify(text)}, ${seed})`);
  }
});

test('hashFlowKey is MurmurHash3 x86_32 of the key words in little-endian byte order (keys not IPv4)', () => {
  fc.assert(fc.property(
    fc.uint32Array({ minLength: FLOW_KEY_WORDS, maxLength: FLOW_KEY_WORDS }), fc.integer(),
    (words, seed) => {
      fc.pre(!isFlowKey4(words, 0));
      const bytes = new Uint8Array(new Uint32Array(words).buffer);
      // Node runs little-endian on every supported platform; the reference reads bytes LE.
      assert.equal(hashFlowKey(words, 0, seed), murmur3Bytes(bytes, seed));
    },
  ), { numRuns: 300 });
});

test('an IPv4 key hashes as MurmurHash3 x86_32 of its four variable words, by either entry point', () => {
  fc.assert(fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(255), fc.integer(),
    (a, b, ports, proto, seed) => {
      const key = new Uint32Array([0, 0, 0xffff, a, 0, 0, 0xffff, b, ports, proto]);
      assert.ok(isFlowKey4(key, 0));
      const want = murmur3Bytes(new Uint8Array(new Uint32Array([a, b, ports, proto]).buffer), seed);
      assert.equal(hashFlowKey(key, 0, seed), want);
      assert.equal(hashFlowKey4(a, b, ports, proto, seed), want);
      assert.equal(hashFlowKey4Int(a, b, ports, proto, seed), want | 0);
      // Any other constant word makes it a general key, hashed over all ten words.
      const other = new Uint32Array(key);
      other[5] = 1;
      assert.ok(!isFlowKey4(other, 0));
      assert.equal(hashFlowKey(other, 0, seed), murmur3Bytes(new Uint8Array(other.buffer), seed));
    }), { numRuns: 300 });
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
  assert.equal(hashFlowMeta(m, 0), -1);
});

test('ICMP echo request and reply share a flow keyed by the echo identifier', () => {
  const req = fillMeta({ src: '192.0.2.1', dst: '198.51.100.7', proto: IPPROTO_ICMP, icmpType: 8, echoId: 0x1234 });
  const rep = fillMeta({ src: '198.51.100.7', dst: '192.0.2.1', proto: IPPROTO_ICMP, icmpType: 0, echoId: 0x1234 });
  const other = fillMeta({ src: '192.0.2.1', dst: '198.51.100.7', proto: IPPROTO_ICMP, icmpType: 8, echoId: 0x1235 });
  assert.equal(readEchoId(req), 0x1234);
  assert.equal(hashFlowMeta(req, 7), hashFlowMeta(rep, 7));
  assert.notEqual(hashFlowMeta(req, 7), hashFlowMeta(other, 7));
  const out = new Uint32Array(FLOW_KEY_WORDS);
  writeFlowKey(req, out, 0);
  assert.equal(out[8], ((0x1234 << 16) | 0x1234) >>> 0);
  assert.equal(out[9], IPPROTO_ICMP);
  // ICMPv6 echo (RFC 4443 types 128/129).
  const req6 = fillMeta({ src: 'fe80::1', dst: 'fe80::2', proto: IPPROTO_ICMPV6, icmpType: 128, echoId: 77 });
  const rep6 = fillMeta({ src: 'fe80::2', dst: 'fe80::1', proto: IPPROTO_ICMPV6, icmpType: 129, echoId: 77 });
  assert.equal(readEchoId(rep6), 77);
  assert.equal(hashFlowMeta(req6, 0), hashFlowMeta(rep6, 0));
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
    assert.notEqual(hashFlowMeta(full, 0), -1);
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
  fc.assert(fc.property(arbSpec, fc.integer(), (spec, seed) => {
    const fwd = fillMeta(spec);
    const rev = fillMeta(reverse(spec));
    const sa = writeFlowKey(fwd, a, 0);
    const sb = writeFlowKey(rev, b, 0);
    assert.deepEqual([...a], [...b]);
    const same = spec.src === spec.dst && spec.sport === spec.dport;
    if (!same) assert.equal(sa ^ sb, 1);
    assert.equal(hashFlowMeta(fwd, seed), hashFlowMeta(rev, seed));
  }), { numRuns: 500 });
});

test('property: one flipped key bit changes about half the hash bits (avalanche)', () => {
  let flips = 0;
  let trials = 0;
  fc.assert(fc.property(
    fc.uint32Array({ minLength: FLOW_KEY_WORDS, maxLength: FLOW_KEY_WORDS }), fc.nat(FLOW_KEY_WORDS * 32 - 1),
    (words, bit) => {
      const k = new Uint32Array(words);
      const h0 = hashFlowKey(k, 0, 0);
      k[bit >> 5] = (k[bit >> 5]! ^ (1 << (bit & 31))) >>> 0;
      let x = (h0 ^ hashFlowKey(k, 0, 0)) >>> 0;
      assert.notEqual(x, 0);
      while (x !== 0) { flips += x & 1; x >>>= 1; }
      trials++;
    },
  ), { numRuns: 2000 });
  const mean = flips / trials;
  assert.ok(mean > 15 && mean < 17, `mean flipped bits ${mean}`);
});
