import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TacacsEncodeError } from '../../../src/errors.js';
import {
  decodeAuthenContinue, decodeAuthenReply, decodeAuthenStart, decodeAuthorRequest, decodeAuthorResponse, decodeHeader,
  encodeAuthenContinue, encodeAuthenReply, encodeAuthenStart, encodeAuthorRequest, encodeAuthorResponse, encodePacket,
  openBody, TACACS_AUTHEN, TACACS_AUTHEN_STATUS, TACACS_AUTHOR_STATUS, TACACS_FAULT, TACACS_FLAG, TACACS_HEADER_LEN,
  TACACS_TYPE, TACACS_VERSION,
} from '../../../src/aaa/tacacs/packet.js';

const te = (s: string): Uint8Array => new TextEncoder().encode(s);
const KEY = te('tac key');

test('the header is 12 octets in RFC 8907 §4.1 order; the body is XORed with the MD5 pad chain of §4.5', () => {
  const body = te('x'.repeat(40));
  const h = { version: TACACS_VERSION.ONE, type: TACACS_TYPE.AUTHEN, seqNo: 1, flags: TACACS_FLAG.SINGLE_CONNECT, sessionId: 0xdeadbeef };
  const p = encodePacket(h, body, KEY);
  assert.deepEqual([...p.subarray(0, 12)], [0xc1, 1, 1, 4, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 40]);
  // The pad computed independently: MD5(session_id, key, version, seq_no) then with the previous hash appended.
  const prefix = Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), Buffer.from(KEY), Buffer.from([0xc1, 1])]);
  const p1 = createHash('md5').update(prefix).digest();
  const p2 = createHash('md5').update(prefix).update(p1).digest();
  const p3 = createHash('md5').update(prefix).update(p2).digest();
  const pad = Buffer.concat([p1, p2, p3]);
  for (let i = 0; i < 40; i++) assert.equal(p[12 + i], body[i]! ^ pad[i]!, `octet ${i}`);
  const hd = decodeHeader(p);
  assert.ok(hd.ok);
  assert.deepEqual(hd.value, { ...h, length: 40 });
  const clear = openBody(hd.value, p.subarray(12), KEY);
  assert.ok(clear.ok);
  assert.deepEqual([...clear.value], [...body]);
});

test('without a key the UNENCRYPTED flag is set; an unobfuscated packet is refused when a key is configured', () => {
  const p = encodePacket({ version: 0xc0, type: 2, seqNo: 2, flags: 0, sessionId: 7 }, te('abc'), undefined);
  assert.equal(p[3], TACACS_FLAG.UNENCRYPTED);
  assert.deepEqual([...p.subarray(12)], [...te('abc')]);
  const h = decodeHeader(p);
  assert.ok(h.ok);
  assert.deepEqual(openBody(h.value, p.subarray(12), KEY), { ok: false, fault: TACACS_FAULT.UNENCRYPTED });
});

test('START, REPLY, CONTINUE, REQUEST and RESPONSE round-trip', () => {
  const start = {
    action: TACACS_AUTHEN.ACTION_LOGIN, privLvl: 1, authenType: TACACS_AUTHEN.TYPE_PAP, service: TACACS_AUTHEN.SERVICE_LOGIN,
    user: 'alice', port: 'https', remAddr: '10.1.0.9', data: te('alicepass'),
  };
  const s = decodeAuthenStart(encodeAuthenStart(start));
  assert.ok(s.ok);
  assert.deepEqual({ ...s.value, data: [...s.value.data] }, { ...start, data: [...start.data] });
  const reply = decodeAuthenReply(encodeAuthenReply({ status: TACACS_AUTHEN_STATUS.GETPASS, flags: 1, serverMsg: 'Password: ', data: te('') }));
  assert.ok(reply.ok);
  assert.equal(reply.value.status, TACACS_AUTHEN_STATUS.GETPASS);
  assert.equal(reply.value.serverMsg, 'Password: ');
  const cont = decodeAuthenContinue(encodeAuthenContinue({ userMsg: te('pw'), data: te(''), flags: 0 }));
  assert.ok(cont.ok);
  assert.equal(new TextDecoder().decode(cont.value.userMsg), 'pw');
  const req = {
    authenMethod: TACACS_AUTHEN.METHOD_TACACSPLUS, privLvl: 1, authenType: 2, service: 1, user: 'alice', port: 'https',
    remAddr: '10.1.0.9', args: ['service=auth-proxy', 'cmd*'],
  };
  const r = decodeAuthorRequest(encodeAuthorRequest(req));
  assert.ok(r.ok);
  assert.deepEqual(r.value, req);
  const resp = { status: TACACS_AUTHOR_STATUS.PASS_ADD, serverMsg: 'hi', data: '', args: ['priv-lvl=15', 'proxyacl#1=permit ip any any'] };
  const rr = decodeAuthorResponse(encodeAuthorResponse(resp));
  assert.ok(rr.ok);
  assert.deepEqual(rr.value, resp);
});

test('malformed headers and bodies are numeric faults, never throws', () => {
  assert.deepEqual(decodeHeader(new Uint8Array(11)), { ok: false, fault: TACACS_FAULT.SHORT });
  assert.deepEqual(decodeHeader(Uint8Array.of(0xa0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)), { ok: false, fault: TACACS_FAULT.VERSION });
  assert.deepEqual(decodeHeader(Uint8Array.of(0xc0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1)), { ok: false, fault: TACACS_FAULT.LENGTH });
  const h = decodeHeader(Uint8Array.of(0xc0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 9));
  assert.ok(h.ok);
  assert.deepEqual(openBody(h.value, new Uint8Array(8), undefined), { ok: false, fault: TACACS_FAULT.SHORT });
  const BODY = { ok: false, fault: TACACS_FAULT.BODY };
  assert.deepEqual(decodeAuthenReply(Uint8Array.of(1, 0, 0, 9, 0, 0)), BODY, 'server_msg past the body');
  assert.deepEqual(decodeAuthenReply(Uint8Array.of(1, 0, 0, 0, 0, 0, 7)), BODY, 'an octet past the fields');
  assert.deepEqual(decodeAuthenReply(Uint8Array.of(1, 0, 0)), BODY);
  assert.deepEqual(decodeAuthenStart(Uint8Array.of(1, 1, 1, 1, 5, 0, 0, 0, 97)), BODY);
  assert.deepEqual(decodeAuthenContinue(Uint8Array.of(0, 1, 0, 0)), BODY);
  assert.deepEqual(decodeAuthorRequest(Uint8Array.of(6, 1, 1, 1, 0, 0, 0, 3, 1)), BODY, 'arg lengths past the body');
  assert.deepEqual(decodeAuthorResponse(Uint8Array.of(1, 2, 0, 0, 0, 0, 1)), BODY);
  assert.deepEqual(decodeAuthorResponse(Uint8Array.of(1, 1, 0, 0, 0, 0, 3, 97, 98)), BODY);
  // Random octets never throw.
  for (let n = 0; n < 2000; n++) {
    const b = Uint8Array.from({ length: n % 40 }, () => Math.floor(Math.random() * 256));
    for (const d of [decodeAuthenReply, decodeAuthenStart, decodeAuthenContinue, decodeAuthorRequest, decodeAuthorResponse]) d(b);
    decodeHeader(b);
  }
});

test('a body de-obfuscated with the wrong key does not add up', () => {
  const body = encodeAuthenReply({ status: TACACS_AUTHEN_STATUS.PASS, flags: 0, serverMsg: 'welcome', data: te('') });
  let mismatches = 0;
  for (let id = 0; id < 200; id++) {
    const p = encodePacket({ version: 0xc0, type: 1, seqNo: 2, flags: 0, sessionId: id * 7919 }, body, KEY);
    const h = decodeHeader(p);
    assert.ok(h.ok);
    const clear = openBody(h.value, p.subarray(TACACS_HEADER_LEN), te('other key'));
    assert.ok(clear.ok);
    if (!decodeAuthenReply(clear.value).ok) mismatches++;
  }
  assert.equal(mismatches, 200);
});

test('a field past its length field is a TacacsEncodeError naming the field, not the value', () => {
  assert.throws(() => encodeAuthenStart({ action: 1, privLvl: 1, authenType: 2, service: 1, user: 'u'.repeat(256), port: '', remAddr: '', data: te('secret') }),
    (e: unknown) => e instanceof TacacsEncodeError && e.field === 'user' && e.length === 256 && !e.message.includes('secret'));
});
