import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { RadiusEncodeError } from '../../../src/errors.js';
import { CISCO_AVPAIR, RADIUS_ATTR, RADIUS_CODE, VENDOR_CISCO } from '../../../src/aaa/radius/dictionary.js';
import {
  ciscoAvPairs, decodePacket, encodePacket, RADIUS_FAULT, replyMessage, textAttribute, vendorAttribute,
} from '../../../src/aaa/radius/packet.js';
import type { RadiusPacket } from '../../../src/aaa/radius/packet.js';
import {
  hidePassword, REPLY_CHECK, signReply, unhidePassword, verifyReply, verifyRequestMessageAuthenticator,
} from '../../../src/aaa/radius/authenticators.js';
import { encodeAccessRequest, encodeAccountingRequest } from '../../../src/aaa/radius/requests.js';
import { readAuthProxyPairs } from '../../../src/aaa/cisco-avpair.js';

const SECRET = new TextEncoder().encode('s3cr3t');
const te = (s: string): Uint8Array => new TextEncoder().encode(s);

function decoded(bytes: Uint8Array): RadiusPacket {
  const d = decodePacket(bytes);
  assert.ok(d.ok, `decode failed: ${JSON.stringify(d)}`);
  return d.packet;
}

/** A 20-octet header with `attrs` raw after it and the Length field set to `length` (default: the real one). */
function raw(attrs: number[], length?: number): Uint8Array {
  const b = new Uint8Array(20 + attrs.length);
  b[0] = RADIUS_CODE.ACCESS_ACCEPT;
  b[1] = 7;
  const len = length ?? b.length;
  b[2] = len >> 8;
  b[3] = len & 0xff;
  b.set(attrs, 20);
  return b;
}

test('encode and decode agree on header and attributes; padding past Length is ignored', () => {
  const auth = new Uint8Array(16).fill(0xab);
  const bytes = encodePacket(RADIUS_CODE.ACCESS_ACCEPT, 42, auth, [
    textAttribute(RADIUS_ATTR.REPLY_MESSAGE, 'hello'),
    textAttribute(RADIUS_ATTR.REPLY_MESSAGE, 'world'),
    vendorAttribute(VENDOR_CISCO, CISCO_AVPAIR, te('auth-proxy:priv-lvl=15')),
  ]);
  assert.equal(bytes.length, 20 + 7 + 7 + 2 + 6 + 22);
  const padded = new Uint8Array(bytes.length + 9);
  padded.set(bytes);
  const p = decoded(padded);
  assert.equal(p.code, RADIUS_CODE.ACCESS_ACCEPT);
  assert.equal(p.identifier, 42);
  assert.deepEqual([...p.authenticator], [...auth]);
  assert.equal(p.bytes.length, bytes.length);
  assert.equal(replyMessage(p), 'hello\nworld');
  assert.deepEqual(ciscoAvPairs(p), ['auth-proxy:priv-lvl=15']);
  assert.equal(p.messageAuthenticatorOffset, -1);
});

test('each structural fault is reported, not thrown', () => {
  const cases: [string, Uint8Array, number][] = [
    ['19 octets', new Uint8Array(19), RADIUS_FAULT.SHORT],
    ['Length past the datagram', raw([], 40), RADIUS_FAULT.SHORT],
    ['Length below 20', raw([], 19), RADIUS_FAULT.LENGTH],
    ['Length above 4096', raw([], 4097), RADIUS_FAULT.LENGTH],
    ['attribute length 1', raw([18, 1, 0, 0]), RADIUS_FAULT.ATTRIBUTE_SHORT],
    ['attribute length 0', raw([18, 0]), RADIUS_FAULT.ATTRIBUTE_SHORT],
    ['oversized attribute', raw([18, 200, 65, 65]), RADIUS_FAULT.ATTRIBUTE_OVERFLOW],
    ['lone type octet', raw([18]), RADIUS_FAULT.ATTRIBUTE_OVERFLOW],
    ['Message-Authenticator of 4 octets', raw([80, 6, 1, 2, 3, 4]), RADIUS_FAULT.MESSAGE_AUTHENTICATOR_LENGTH],
    ['two Message-Authenticators', raw([80, 18, ...new Array(16).fill(0), 80, 18, ...new Array(16).fill(0)]),
      RADIUS_FAULT.MESSAGE_AUTHENTICATOR_TWICE],
    ['Cisco VSA sub-attribute past its end', raw([26, 10, 0, 0, 0, 9, 1, 9, 65, 65]), RADIUS_FAULT.VENDOR_SPECIFIC],
    ['Cisco VSA sub-attribute length 1', raw([26, 8, 0, 0, 0, 9, 1, 1]), RADIUS_FAULT.VENDOR_SPECIFIC],
    ['Cisco VSA with no sub-attribute', raw([26, 6, 0, 0, 0, 9]), RADIUS_FAULT.VENDOR_SPECIFIC],
  ];
  for (const [what, bytes, f] of cases) {
    const d = decodePacket(bytes);
    assert.ok(!d.ok, what);
    assert.equal(d.fault, f, what);
  }
  // Another vendor's VSA is not Cisco's format to check.
  assert.ok(decodePacket(raw([26, 7, 0, 0, 0x01, 0x37, 0xff])).ok);
});

test('decodePacket never throws and never reads past Length, whatever the datagram', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.boolean(), (bytes, fixLength) => {
    if (fixLength && bytes.length >= 20) {
      bytes[2] = bytes.length >> 8;
      bytes[3] = bytes.length & 0xff;
    }
    const d = decodePacket(bytes);
    if (d.ok) {
      let sum = 20;
      for (const a of d.packet.attributes) sum += a.value.length + 2;
      assert.equal(sum, d.packet.bytes.length);
      assert.ok(d.packet.bytes.length <= bytes.length);
    }
  }), { numRuns: 3000 });
});

test('encoding refuses values and packets that do not fit, naming the attribute and never the value', () => {
  assert.throws(() => encodePacket(1, 0, new Uint8Array(16), [textAttribute(RADIUS_ATTR.USER_NAME, 'u'.repeat(254))]),
    (e: unknown) => e instanceof RadiusEncodeError && e.attribute === 'User-Name' && e.length === 254 && !e.message.includes('uuu'));
  const many = new Array(20).fill(textAttribute(RADIUS_ATTR.CLASS, 'x'.repeat(253)));
  assert.throws(() => encodePacket(1, 0, new Uint8Array(16), many),
    (e: unknown) => e instanceof RadiusEncodeError && e.attribute === 'packet');
  assert.throws(() => hidePassword(new Uint8Array(129), SECRET, new Uint8Array(16)),
    (e: unknown) => e instanceof RadiusEncodeError && e.attribute === 'User-Password' && e.limit === 128);
});

test('User-Password hiding follows RFC 2865 §5.2 for every length 0-128 and reverses', () => {
  const ra = new Uint8Array(16).map((_, i) => i * 7);
  for (let n = 0; n <= 128; n++) {
    const pw = new Uint8Array(n).map((_, i) => 0x21 + ((i * 13) % 90));
    const hidden = hidePassword(pw, SECRET, ra);
    assert.equal(hidden.length, Math.max(16, Math.ceil(n / 16) * 16));
    // Independent computation of the first block: p1 XOR MD5(S + RA).
    const b1 = createHash('md5').update(SECRET).update(ra).digest();
    const p1 = new Uint8Array(16);
    p1.set(pw.subarray(0, 16));
    assert.deepEqual([...hidden.subarray(0, 16)], [...p1.map((x, i) => x ^ b1[i]!)]);
    if (n > 16) {
      const b2 = createHash('md5').update(SECRET).update(hidden.subarray(0, 16)).digest();
      const p2 = new Uint8Array(16);
      p2.set(pw.subarray(16, 32));
      assert.deepEqual([...hidden.subarray(16, 32)], [...p2.map((x, i) => x ^ b2[i]!)]);
    }
    assert.deepEqual([...unhidePassword(hidden, SECRET, ra)], [...pw]);
  }
});

test('an Access-Request carries a valid Message-Authenticator first and a hidden password', () => {
  const r = encodeAccessRequest(9, SECRET, {
    user: 'alice', password: 'alicepass', nasIdentifier: 'gw', callingStationId: '10.50.1.2', state: te('st'),
  });
  const p = decoded(r.bytes);
  assert.equal(p.code, RADIUS_CODE.ACCESS_REQUEST);
  assert.equal(p.identifier, 9);
  assert.equal(p.attributes[0]!.type, RADIUS_ATTR.MESSAGE_AUTHENTICATOR);
  assert.ok(verifyRequestMessageAuthenticator(p, SECRET, false));
  assert.ok(!verifyRequestMessageAuthenticator(p, te('other'), false));
  const get = (t: number) => p.attributes.find((a) => a.type === t)!.value;
  assert.equal(new TextDecoder().decode(get(RADIUS_ATTR.USER_NAME)), 'alice');
  assert.equal(new TextDecoder().decode(unhidePassword(get(RADIUS_ATTR.USER_PASSWORD), SECRET, p.authenticator)), 'alicepass');
  assert.ok(!Buffer.from(r.bytes).includes(Buffer.from('alicepass')));
  assert.equal(new TextDecoder().decode(get(RADIUS_ATTR.STATE)), 'st');
  assert.equal(new TextDecoder().decode(get(RADIUS_ATTR.CALLING_STATION_ID)), '10.50.1.2');
  // Two requests never share a Request Authenticator.
  const r2 = encodeAccessRequest(9, SECRET, { user: 'alice', password: 'alicepass', nasIdentifier: 'gw' });
  assert.notDeepEqual([...r2.authenticator], [...r.authenticator]);
});

test('an Accounting-Request has the RFC 2866 §3 Request Authenticator and a Message-Authenticator', () => {
  const r = encodeAccountingRequest(3, SECRET, [textAttribute(RADIUS_ATTR.ACCT_SESSION_ID, 'abc')]);
  const p = decoded(r.bytes);
  const zeroed = new Uint8Array(r.bytes);
  zeroed.fill(0, 4, 20);
  assert.deepEqual([...p.authenticator], [...createHash('md5').update(zeroed).update(SECRET).digest()]);
  assert.ok(verifyRequestMessageAuthenticator(p, SECRET, true));
});

/** A reply to `request` signed as a server signs it, with or without a Message-Authenticator. */
function reply(requestAuth: Uint8Array, withMa: boolean, secret = SECRET): RadiusPacket {
  const attrs = [textAttribute(RADIUS_ATTR.REPLY_MESSAGE, 'hi')];
  if (withMa) attrs.unshift({ type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(16) });
  const bytes = encodePacket(RADIUS_CODE.ACCESS_ACCEPT, 1, new Uint8Array(16), attrs);
  signReply(bytes, withMa ? 22 : -1, requestAuth, secret);
  return decoded(bytes);
}

test('reply check: Response Authenticator, then a required Message-Authenticator (RFC 3579 §3.2)', () => {
  const ra = new Uint8Array(16).fill(5);
  const good = reply(ra, true);
  assert.equal(verifyReply(good, ra, SECRET, true), REPLY_CHECK.OK);
  // The MA is HMAC-MD5 over the reply with the request authenticator in the field and the MA zero.
  const copy = new Uint8Array(good.bytes);
  copy.set(ra, 4);
  copy.fill(0, 22, 38);
  assert.deepEqual([...good.bytes.subarray(22, 38)], [...createHmac('md5', SECRET).update(copy).digest()]);
  assert.equal(verifyReply(good, new Uint8Array(16), SECRET, true), REPLY_CHECK.BAD_AUTHENTICATOR);
  assert.equal(verifyReply(good, ra, te('wrong'), true), REPLY_CHECK.BAD_AUTHENTICATOR);
  assert.equal(verifyReply(reply(ra, false), ra, SECRET, true), REPLY_CHECK.MISSING_MESSAGE_AUTHENTICATOR);
  assert.equal(verifyReply(reply(ra, false), ra, SECRET, false), REPLY_CHECK.OK);
  // A forged MA under a valid Response Authenticator (what Blast-RADIUS cannot produce).
  const forged = new Uint8Array(good.bytes);
  forged[30]! ^= 1;
  forged.set(ra, 4);
  forged.set(createHash('md5').update(forged).update(SECRET).digest(), 4);
  assert.equal(verifyReply(decoded(forged), ra, SECRET, true), REPLY_CHECK.BAD_MESSAGE_AUTHENTICATOR);
});

test('Cisco-AVPair: auth-proxy priv-lvl and proxyacl#N in N order; other protocols left alone', () => {
  const a = readAuthProxyPairs([
    'shell:priv-lvl=7',
    'auth-proxy:proxyacl#3=permit tcp any any eq 23',
    'auth-proxy:priv-lvl=15',
    'auth-proxy:proxyacl#1=permit tcp any host 10.0.0.5 eq 80',
    'auth-proxy:proxyacl#10=permit udp any any eq 53',
    'auth-proxy*timeout=5',
    'nonsense',
  ]);
  assert.equal(a.privilege, 15);
  assert.deepEqual(a.entries, [
    { n: 1, text: 'permit tcp any host 10.0.0.5 eq 80' },
    { n: 3, text: 'permit tcp any any eq 23' },
    { n: 10, text: 'permit udp any any eq 53' },
  ]);
  assert.deepEqual(a.unreadable, []);
  const b = readAuthProxyPairs(['auth-proxy:priv-lvl=high', 'auth-proxy:priv-lvl=16']);
  assert.equal(b.privilege, undefined);
  assert.deepEqual(b.unreadable, ['auth-proxy:priv-lvl=high', 'auth-proxy:priv-lvl=16']);
  const t = readAuthProxyPairs(['priv-lvl=15', 'proxyacl#4="permit tcp any host 192.168.105.216 eq 23"'], false);
  assert.equal(t.privilege, 15);
  assert.deepEqual(t.entries, [{ n: 4, text: 'permit tcp any host 192.168.105.216 eq 23' }]);
});
