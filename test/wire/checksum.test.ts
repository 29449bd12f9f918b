import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  foldChecksum, internetChecksum, pseudoHeaderSum4, pseudoHeaderSum6, sumWords, updateChecksum128,
  updateChecksum16, updateChecksum32,
} from '../../src/wire/checksum.js';
import { fromHex, naiveChecksum, pseudo4, pseudo6 } from './fixtures.js';

test('internetChecksum matches the RFC 1071 §3 worked example', () => {
  // 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2; the checksum is its complement.
  const b = fromHex('0001f203f4f5f6f7');
  assert.equal(foldChecksum(sumWords(b, 0, 8, 0)), (~0xddf2) & 0xffff);
  assert.equal(internetChecksum(b, 0, 8), 0x220d);
});

test('internetChecksum equals a naive sum, odd lengths and offsets included', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(3), (b, off) => {
    const buf = new Uint8Array(b.length + off);
    buf.set(b, off);
    assert.equal(internetChecksum(buf, off, b.length), naiveChecksum(b));
  }), { numRuns: 300 });
});

test('pseudo-header sums equal the naive sum over the pseudo-header bytes', () => {
  fc.assert(fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(255), fc.nat(0xffff), (s, d, p, l) => {
    assert.equal(foldChecksum(pseudoHeaderSum4(s, d, p, l)), naiveChecksum(pseudo4(s, d, p, l)));
    const s6 = Uint32Array.of(s, d, l, p), d6 = Uint32Array.of(d, s, p, l);
    assert.equal(foldChecksum(pseudoHeaderSum6(s6, d6, p, l)), naiveChecksum(pseudo6(s6, d6, p, l)));
  }), { numRuns: 300 });
});

/** Writes `v` (16 or 32 bits) into `b` at `p` big-endian. */
function put(b: Uint8Array, p: number, v: number, bytes: number): void {
  for (let i = bytes - 1; i >= 0; i--) { b[p + i] = v & 0xff; v = Math.floor(v / 256); }
}

test('RFC 1624 incremental updates equal a full recompute (16-, 32- and 128-bit fields)', () => {
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 20, maxLength: 200 }).map((b) => b.length % 2 ? b.subarray(1) : b),
    fc.nat(), fc.nat(0xffffffff), fc.array(fc.nat(0xffffffff), { minLength: 4, maxLength: 4 }),
    (orig, at, v32, v128) => {
      const b = orig.slice();
      const full = () => internetChecksum(b, 0, b.length);
      // 16-bit field at an even offset.
      let p = (at % (b.length / 2)) * 2;
      let hc = full();
      const old16 = (b[p]! << 8) | b[p + 1]!;
      put(b, p, v32 & 0xffff, 2);
      hc = updateChecksum16(hc, old16, v32 & 0xffff);
      assert.equal(hc, full());
      // 32-bit field.
      p = (at % ((b.length - 2) / 2)) * 2;
      const old32 = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      put(b, p, v32, 4);
      hc = updateChecksum32(hc, old32, v32);
      assert.equal(hc, full());
      // 128-bit field at offset 0.
      if (b.length >= 16) {
        const oldW = new Uint32Array(4);
        for (let i = 0; i < 4; i++) oldW[i] = ((b[4 * i]! << 24) | (b[4 * i + 1]! << 16) | (b[4 * i + 2]! << 8) | b[4 * i + 3]!) >>> 0;
        const newW = Uint32Array.from(v128);
        for (let i = 0; i < 4; i++) put(b, 4 * i, newW[i]!, 4);
        hc = updateChecksum128(hc, oldW, newW);
        assert.equal(hc, full());
      }
    }), { numRuns: 500 });
});

test('RFC 1624 §3: an update whose new sum is 0xffff gives checksum 0x0000, as a full recompute does', () => {
  // The other header words sum to 0xcd7a; the changing field goes from 0x5555 to 0x3285.
  const b = fromHex('cd7a' + '5555');
  const before = internetChecksum(b, 0, 4);
  assert.equal(before, 0xdd2f);
  b[2] = 0x32; b[3] = 0x85;
  assert.equal(internetChecksum(b, 0, 4), 0x0000);
  assert.equal(updateChecksum16(before, 0x5555, 0x3285), 0x0000, 'eqn. 3, not the -0 of eqn. 2');
});

test('updateChecksum16 folds twice when the first fold carries (RFC 1624 eqn. 3)', () => {
  // Words 0xffff and 0x0000 sum to 0xffff: checksum 0x0000. The second word becoming 0x0001
  // gives ~HC + ~m + m' = 0xffff + 0xffff + 0x0001 = 0x1ffff, whose first fold is 0x10000.
  const b = fromHex('ffff0000');
  const before = internetChecksum(b, 0, 4);
  assert.equal(before, 0x0000);
  b[3] = 0x01;
  assert.equal(internetChecksum(b, 0, 4), 0xfffe);
  assert.equal(updateChecksum16(before, 0x0000, 0x0001), 0xfffe);
});
