import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCiscoType7, encodeCiscoType7 } from '../../src/config/type7.js';

test('decodes a known type 7 string', () => {
  // 0x22^'A', 0x45^',', 0x5D^'.', 0x0A^'i', 0x16^'y' with the XOR string starting at offset 8.
  assert.equal(decodeCiscoType7('0822455D0A16'), 'cisco');
  assert.equal(decodeCiscoType7('0822455d0a16'), 'cisco');
  assert.equal(decodeCiscoType7('08'), '');
});

test('encodes to the known string', () => {
  assert.equal(encodeCiscoType7('cisco', 8), '0822455D0A16');
});

test('rejects text that is not type 7', () => {
  for (const bad of ['', '0', 'A822455D0A16', '0822455D0A1', '0822455D0AZZ', '99AA', 'letmein']) {
    assert.equal(decodeCiscoType7(bad), undefined, bad);
  }
});

test('property: decode(encode(x)) is x for any offset IOS uses, past the end of the XOR string too', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 80 }), fc.integer({ min: 0, max: 15 }), (clear, offset) => {
    assert.equal(decodeCiscoType7(encodeCiscoType7(clear, offset)), clear);
  }), { numRuns: 300 });
});
