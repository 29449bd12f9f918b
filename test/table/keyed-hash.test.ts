import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  halfSipHashBytes, hashAddress, hashKeyFromSeed, hashWord, hashWordArray, hashWords3Byte, hashWords4,
} from '../../src/table/keyed-hash.js';

// The published test vectors use the key bytes 00 01 … 07 and the messages 00 01 … (n − 1).
const K0 = 0x03020100;
const K1 = 0x07060504;

/**
 * HalfSipHash-1-3, 32-bit output: the Linux kernel's `hsiphash` vectors for 32-bit machines
 * (lib/siphash_kunit.c, `test_vectors_hsiphash`), message lengths 0 … 63.
 */
const HSIP13: readonly number[] = [
  0x5814c896, 0xe7e864ca, 0xbc4b0e30, 0x01539939, 0x7e059ea6, 0x88e3d89b, 0xa0080b65, 0x9d38d9d6,
  0x577999b1, 0xc839caed, 0xe4fa32cf, 0x959246ee, 0x6b28096c, 0x66dd9cd6, 0x16658a7c, 0xd0257b04,
  0x8b31d501, 0x2b1cd04b, 0x06712339, 0x522aca67, 0x911bb605, 0x90a65f0e, 0xf826ef7b, 0x62512deb,
  0x57150ad7, 0x5d473507, 0x1ec47442, 0xab64afd3, 0x0a4100d0, 0x6d2ce652, 0x2331b6a3, 0x08d8791a,
  0xbc6dda8d, 0xe0f6c934, 0xb0652033, 0x9b9851cc, 0x7c46fb7f, 0x732ba8cb, 0xf142997a, 0xfcc9aa1b,
  0x05327eb2, 0xe110131c, 0xf9e5e7c0, 0xa7d708a6, 0x11795ab1, 0x65671619, 0x9f5fff91, 0xd89c5267,
  0x007783eb, 0x95766243, 0xab639262, 0x9c7e1390, 0xc368dda6, 0x38ddc455, 0xfa13d379, 0x979ea4e8,
  0x53ecd77e, 0x2ee80657, 0x33dbb66a, 0xae3f0577, 0x88b4c4cc, 0x3e7f480b, 0x74c1ebf8, 0x87178304,
];

/** HalfSipHash-2-4, 32-bit output: the reference implementation's `vectors_hsip32` (github.com/veorq/SipHash), lengths 0 … 20. */
const HSIP24: readonly number[] = [
  0x5b9f35a9, 0xb85a4727, 0x03a662fa, 0x04e7fe8a, 0x89466e2a, 0x69b6fac5, 0x23fc6358, 0xc563cf8b,
  0x8f84b8d0, 0x79e706f8, 0x3479b094, 0x50300808, 0x2f87f057, 0xff63e677, 0x7cf8ffd6, 0x972bfe74,
  0x84acb5d9, 0x5b6474c4, 0x9b8d5b46, 0x87e3ef7b, 0x45104de3,
];

const MESSAGE = Uint8Array.from({ length: 64 }, (_, i) => i);

test('HalfSipHash-1-3 matches the published vectors for every length 0..63', () => {
  for (let n = 0; n < 64; n++) {
    assert.equal(halfSipHashBytes(MESSAGE, n, K0, K1), HSIP13[n], `length ${n}`);
  }
});

test('HalfSipHash-2-4 (the same code with 2 and 4 rounds) matches the reference vectors', () => {
  for (let n = 0; n < HSIP24.length; n++) {
    assert.equal(halfSipHashBytes(MESSAGE, n, K0, K1, 2, 4), HSIP24[n], `length ${n}`);
  }
});

test('the word functions hash the little-endian bytes of their words (published vectors)', () => {
  assert.equal(hashWord(0x03020100, K0, K1) >>> 0, HSIP13[4]);
  assert.equal(hashWords3Byte(0x03020100, 0x07060504, 0x0b0a0908, 0x0c, K0, K1) >>> 0, HSIP13[13]);
  assert.equal(hashWords4(0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c, K0, K1) >>> 0, HSIP13[16]);
  const words = new Uint32Array(16);
  for (let i = 0; i < 16; i++) words[i] = (4 * i) | ((4 * i + 1) << 8) | ((4 * i + 2) << 16) | ((4 * i + 3) << 24);
  for (let n = 0; n <= 15; n++) assert.equal(hashWordArray(words, 0, n, K0, K1) >>> 0, HSIP13[4 * n], `${n} words`);
  assert.equal(hashWordArray(words, 1, 3, K0, K1) >>> 0, halfSipHashBytes(MESSAGE.subarray(4), 12, K0, K1));
});

test('the word functions equal the byte reference on random words and keys', () => {
  let s = 0x12345678;
  const rand = (): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return s >>> 0;
  };
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 2000; i++) {
    const k0 = rand(), k1 = rand(), w0 = rand(), w1 = rand(), w2 = rand(), w3 = rand();
    view.setUint32(0, w0, true); view.setUint32(4, w1, true); view.setUint32(8, w2, true); view.setUint32(12, w3, true);
    assert.equal(hashWord(w0, k0, k1) >>> 0, halfSipHashBytes(bytes, 4, k0, k1));
    assert.equal(hashWords4(w0, w1, w2, w3, k0, k1) >>> 0, halfSipHashBytes(bytes, 16, k0, k1));
    const b = w3 & 0xff;
    bytes[12] = b;
    assert.equal(hashWords3Byte(w0, w1, w2, b, k0, k1) >>> 0, halfSipHashBytes(bytes, 13, k0, k1));
  }
});

test('hashAddress: an IPv4-mapped address hashes as its 4-byte IPv4 address, others as 16 bytes', () => {
  const k = hashKeyFromSeed(7);
  assert.equal(hashAddress(0, 0, 0xffff, 0xc0a80001, k.k0, k.k1), hashWord(0xc0a80001, k.k0, k.k1));
  assert.equal(hashAddress(0x20010db8, 0, 0, 1, k.k0, k.k1), hashWords4(0x20010db8, 0, 0, 1, k.k0, k.k1));
});

test('hashKeyFromSeed is a fixed function of the seed, and seeds give different keys', () => {
  assert.deepEqual(hashKeyFromSeed(1), hashKeyFromSeed(1));
  const seen = new Set<string>();
  for (let seed = 0; seed < 1000; seed++) {
    const k = hashKeyFromSeed(seed);
    assert.ok(k.k0 >= 0 && k.k0 <= 0xffffffff && Number.isInteger(k.k0));
    seen.add(`${k.k0}:${k.k1}`);
  }
  assert.equal(seen.size, 1000);
  // The key decides the hash: another key, another value (for these inputs).
  assert.notEqual(hashWord(1, hashKeyFromSeed(1).k0, hashKeyFromSeed(1).k1), hashWord(1, hashKeyFromSeed(2).k0, hashKeyFromSeed(2).k1));
});
