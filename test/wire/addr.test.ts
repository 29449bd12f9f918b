import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatIp, formatIpv4, formatIpv6, isMappedIpv4, mappedIpv4, parseIp, parseIpv4, parseIpv6,
} from '../../src/wire/addr.js';

test('formatIpv4 / parseIpv4', () => {
  assert.equal(formatIpv4(0xc0a8010a), '192.168.1.10');
  assert.equal(formatIpv4(0), '0.0.0.0');
  assert.equal(formatIpv4(0xffffffff), '255.255.255.255');
  assert.equal(parseIpv4('192.168.26.2'), 0xc0a81a02);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', '1..3.4', ' 1.2.3.4', '1.2.3.4 ', '0x1.2.3.4', '1.2.3.4/24']) {
    assert.equal(parseIpv4(bad), undefined, JSON.stringify(bad));
  }
  fc.assert(fc.property(fc.nat(0xffffffff), (a) => parseIpv4(formatIpv4(a)) === a));
});

test('formatIpv6 gives RFC 5952 canonical text', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],   // §4.1, §4.2.1
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],              // §4.2.2: one 0 field stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],                       // §4.2.3: longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],                 // §4.2.3: first of equal runs
    ['2001:DB8::ABCD', '2001:db8::abcd'],                          // §4.3: lowercase
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'],                 // §4.2.3: equal runs, first wins
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],                      // §5: mapped in mixed notation
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ];
  for (const [input, want] of cases) {
    const w = parseIpv6(input);
    assert.ok(w, input);
    assert.equal(formatIpv6(w), want, input);
  }
});

test('parseIpv6 rejects malformed text', () => {
  for (const bad of ['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::',
    ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '::1.2.3', '::256.0.0.1', '1.2.3.4::', 'fe80::1%eth0',
    '2001:db8::/32', '1:2:3:4:5:6:7:8::', '1:2:3:4:5:6:1.2.3.4:1']) {
    assert.equal(parseIpv6(bad), undefined, JSON.stringify(bad));
  }
});

test('formatIpv6 and parseIpv6 round-trip any address', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.constant(0), fc.nat(0xffffffff)), { minLength: 4, maxLength: 4 }), (ws) => {
    const w = Uint32Array.from(ws);
    const text = formatIpv6(w);
    assert.deepEqual([...parseIpv6(text)!], ws, text);
    assert.equal(text, text.toLowerCase());
    assert.ok(!/(^|:)0[0-9a-f]/.test(text), `no leading zeros: ${text}`);
  }), { numRuns: 1000 });
});

test('IPv4-mapped helpers and family-neutral parse/format', () => {
  const out = new Uint32Array(4);
  assert.equal(mappedIpv4(0x0a000001, out), out);
  assert.deepEqual([...out], [0, 0, 0xffff, 0x0a000001]);
  assert.equal(isMappedIpv4(out), true);
  assert.equal(isMappedIpv4(Uint32Array.of(0, 0, 0, 1)), false);
  assert.deepEqual([...parseIp('10.0.0.1')!], [...out]);
  assert.equal(formatIp(out), '10.0.0.1');
  assert.equal(formatIp(parseIp('2001:db8::1')!), '2001:db8::1');
  assert.equal(parseIp('10.0.0'), undefined);
});
