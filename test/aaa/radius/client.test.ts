import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { RADIUS_ATTR, RADIUS_CODE } from '../../../src/aaa/radius/dictionary.js';
import { ciscoAvPairs, decodePacket, encodePacket, findAttribute, replyMessage, textAttribute } from '../../../src/aaa/radius/packet.js';
import type { RadiusAttribute, RadiusPacket } from '../../../src/aaa/radius/packet.js';
import { signReply, unhidePassword, verifyRequestMessageAuthenticator } from '../../../src/aaa/radius/authenticators.js';
import { RadiusClient } from '../../../src/aaa/radius/client.js';
import type { RadiusResult, RadiusServerTarget } from '../../../src/aaa/radius/client.js';
import {
  CHALLENGE_CODE, CHALLENGE_PROMPT, CHALLENGE_STATE_HEX, radclient, startFreeRadius, waitForLog,
} from './freeradius-fixture.js';
import type { FreeRadius } from './freeradius-fixture.js';

const SECRET = 'Sh4red secret';
let fr: FreeRadius;

before(async () => {
  fr = await startFreeRadius(SECRET);
});
after(async () => {
  await fr?.stop();
});

function target(port: number, over: Partial<RadiusServerTarget> = {}): RadiusServerTarget {
  return { host: '127.0.0.1', authPort: port, acctPort: port + 1, secret: SECRET, timeoutMs: 3000, retransmit: 1, ...over };
}

function reply(r: RadiusResult): RadiusPacket {
  assert.equal(r.kind, 'reply', JSON.stringify(r));
  return (r as { packet: RadiusPacket }).packet;
}

async function withClient<T>(f: (c: RadiusClient) => Promise<T>, deadtimeMs = 0): Promise<T> {
  const c = new RadiusClient({ deadtimeMs, nasIdentifier: 'portcullis-test' });
  try {
    return await f(c);
  } finally {
    await c.close();
  }
}

/** Counters that record a dropped datagram. */
function drops(c: RadiusClient): Record<string, number> {
  const k = c.counters;
  return {
    malformed: k.malformed, unknownIdentifier: k.unknownIdentifier, unexpectedCode: k.unexpectedCode,
    badAuthenticator: k.badAuthenticator, missingMessageAuthenticator: k.missingMessageAuthenticator,
    badMessageAuthenticator: k.badMessageAuthenticator,
  };
}
const NO_DROPS = { malformed: 0, unknownIdentifier: 0, unexpectedCode: 0, badAuthenticator: 0, missingMessageAuthenticator: 0, badMessageAuthenticator: 0 };

test('FreeRADIUS accepts alice with her Cisco-AVPairs and a Message-Authenticator it requires', async () => {
  await withClient(async (c) => {
    const p = reply(await c.access([target(fr.port)], { user: 'alice', password: 'alicepass', callingStationId: '10.50.1.2' }));
    assert.equal(p.code, RADIUS_CODE.ACCESS_ACCEPT);
    assert.ok(p.messageAuthenticatorOffset > 0);
    assert.deepEqual(ciscoAvPairs(p), [
      'auth-proxy:priv-lvl=15',
      'auth-proxy:proxyacl#2=permit udp any host 10.0.0.53 eq 53',
      'auth-proxy:proxyacl#1=permit tcp any host 10.0.0.5 eq 80',
      'shell:priv-lvl=3',
    ]);
    assert.equal(replyMessage(p), 'welcome alice');
    assert.equal(c.counters.accepts, 1);
    assert.deepEqual(drops(c), NO_DROPS);
  });
  // FreeRADIUS saw our Calling-Station-Id and NAS-Identifier, and no Message-Authenticator complaint.
  assert.match(await waitForLog(fr, 'Calling-Station-Id = "10.50.1.2"'), /Calling-Station-Id = "10\.50\.1\.2"/);
  assert.match(fr.log(), /NAS-Identifier = "portcullis-test"/);
  assert.doesNotMatch(fr.log(), /Message-Authenticator.*(invalid|missing|required)/i);
});

test('FreeRADIUS rejects a wrong password and an unknown user; the reject carries no ACL', async () => {
  await withClient(async (c) => {
    for (const [user, password] of [['alice', 'wrong'], ['nobody-such', 'x'], ['alice', ''], ['alice', 'p'.repeat(128)]] as const) {
      const p = reply(await c.access([target(fr.port)], { user, password }));
      assert.equal(p.code, RADIUS_CODE.ACCESS_REJECT, `${user}`);
      assert.deepEqual(ciscoAvPairs(p), []);
    }
    assert.equal(c.counters.rejects, 4);
    assert.deepEqual(drops(c), NO_DROPS);
  });
});

test('FreeRADIUS challenges carol; the answer with the State is accepted, a wrong code rejected', async () => {
  await withClient(async (c) => {
    const ch = reply(await c.access([target(fr.port)], { user: 'carol', password: 'carolpass' }));
    assert.equal(ch.code, RADIUS_CODE.ACCESS_CHALLENGE);
    assert.equal(replyMessage(ch), CHALLENGE_PROMPT);
    const state = findAttribute(ch, RADIUS_ATTR.STATE)!;
    assert.equal(Buffer.from(state).toString('hex'), CHALLENGE_STATE_HEX);
    const ok = reply(await c.access([target(fr.port)], { user: 'carol', password: CHALLENGE_CODE, state }));
    assert.equal(ok.code, RADIUS_CODE.ACCESS_ACCEPT);
    assert.deepEqual(ciscoAvPairs(ok), ['auth-proxy:priv-lvl=15', 'auth-proxy:proxyacl#1=permit tcp any host 10.0.0.7 eq 443']);
    const bad = reply(await c.access([target(fr.port)], { user: 'carol', password: '000000', state }));
    assert.equal(bad.code, RADIUS_CODE.ACCESS_REJECT);
    assert.equal(c.counters.challenges, 1);
    assert.deepEqual(drops(c), NO_DROPS);
  });
});

test('radclient and our client get the same answer from FreeRADIUS (cross-check of the peer set-up)', () => {
  const r = radclient(fr, 'User-Name = "alice"\nUser-Password = "alicepass"\nMessage-Authenticator = 0x00\n');
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /Received Access-Accept/);
  assert.match(r.output, /Cisco-AVPair = "auth-proxy:proxyacl#1=permit tcp any host 10\.0\.0\.5 eq 80"/);
  // Without a Message-Authenticator this FreeRADIUS answers nothing: our accepts above carried a valid one.
  const bare = radclient(fr, 'User-Name = "alice"\nUser-Password = "alicepass"\n', 1);
  assert.notEqual(bare.status, 0);
  assert.doesNotMatch(bare.output, /Received Access-Accept/);
});

/** A UDP socket on loopback that receives and counts, and answers only through `onRequest`. */
async function udpServer(onRequest?: (req: RadiusPacket, reply: (bytes: Uint8Array) => void, s: Socket) => void):
  Promise<{ port: number; received: RadiusPacket[]; close(): Promise<void> }> {
  const s = createSocket('udp4');
  const received: RadiusPacket[] = [];
  s.on('message', (msg, rinfo) => {
    const d = decodePacket(msg);
    assert.ok(d.ok);
    received.push(d.packet);
    onRequest?.(d.packet, (bytes) => s.send(bytes, rinfo.port, rinfo.address), s);
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return { port: s.address().port, received, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

test('a silent first server: sent again after the timeout, then the next server answers; dead-time skips it after', async () => {
  const silent = await udpServer();
  try {
    await withClient(async (c) => {
      const servers = [target(silent.port, { timeoutMs: 300, retransmit: 2 }), target(fr.port)];
      const t0 = performance.now();
      const p = reply(await c.access(servers, { user: 'bob', password: 'bobpass' }));
      const ms = performance.now() - t0;
      assert.equal(p.code, RADIUS_CODE.ACCESS_ACCEPT);
      assert.equal(silent.received.length, 3, 'first try and two retransmissions');
      // Retransmissions are the same request (RFC 5080 §2.2.1).
      assert.deepEqual([...silent.received[1]!.bytes], [...silent.received[0]!.bytes]);
      assert.ok(ms >= 850 && ms < 10_000, `${ms} ms: three tries of 300 ms, then the answer`);
      assert.equal(c.counters.retransmits, 2);
      assert.equal(c.counters.timeouts, 1);
      assert.equal(c.counters.markedDead, 1);
      assert.ok(c.isDead(servers[0]!));
      // While it is dead the silent server is not asked.
      reply(await c.access(servers, { user: 'bob', password: 'bobpass' }));
      assert.equal(silent.received.length, 3);
      assert.equal(c.counters.timeouts, 1);
    }, 60_000);
  } finally {
    await silent.close();
  }
});

test('no server answers: no-answer after each server\'s tries, never a hang; all dead then: no-answer at once', async () => {
  const a = await udpServer();
  const b = await udpServer();
  try {
    await withClient(async (c) => {
      const servers = [target(a.port, { timeoutMs: 150, retransmit: 1 }), target(b.port, { timeoutMs: 150, retransmit: 0 })];
      const t0 = performance.now();
      const r = await c.access(servers, { user: 'bob', password: 'bobpass' });
      const ms = performance.now() - t0;
      assert.equal(r.kind, 'no-answer');
      assert.match((r as { reason: string }).reason, new RegExp(`no answer from RADIUS servers 127\\.0\\.0\\.1:${a.port}, 127\\.0\\.0\\.1:${b.port}`));
      assert.doesNotMatch((r as { reason: string }).reason, /Sh4red|bobpass/);
      assert.ok(ms >= 440 && ms < 10_000, `${ms} ms: 2 x 150 ms, then 150 ms`);
      assert.equal(a.received.length, 2);
      assert.equal(b.received.length, 1);
      const r2 = await c.access(servers, { user: 'bob', password: 'bobpass' });
      assert.deepEqual(r2, { kind: 'no-answer', reason: 'every RADIUS server is marked dead' });
    }, 60_000);
  } finally {
    await a.close();
    await b.close();
  }
});

/** An Access-Accept to `req` from a server holding `secret`, with `attrs`, signed (MA first unless `ma` is false). */
function signedAccept(req: RadiusPacket, attrs: RadiusAttribute[], opts: { ma?: boolean; secret?: string; id?: number } = {}): Uint8Array {
  const ma = opts.ma ?? true;
  const all = ma ? [{ type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(16) }, ...attrs] : attrs;
  const bytes = encodePacket(RADIUS_CODE.ACCESS_ACCEPT, opts.id ?? req.identifier, new Uint8Array(16), all);
  signReply(bytes, ma ? 22 : -1, req.authenticator, new TextEncoder().encode(opts.secret ?? SECRET));
  return bytes;
}

test('replies with a bad authenticator, a bad or missing Message-Authenticator, another identifier, a wrong code or a malformed attribute are dropped and counted; the real reply is taken', async () => {
  const pass = new TextEncoder().encode(SECRET);
  const fake = await udpServer((req, send) => {
    // The request is ours as a server checks it.
    assert.ok(verifyRequestMessageAuthenticator(req, pass, false));
    assert.equal(new TextDecoder().decode(unhidePassword(findAttribute(req, RADIUS_ATTR.USER_PASSWORD)!, pass, req.authenticator)), 'pw');
    const good = signedAccept(req, [textAttribute(RADIUS_ATTR.REPLY_MESSAGE, 'the real one')]);
    // Bad Response Authenticator: the right packet under another secret.
    send(signedAccept(req, [], { secret: 'other' }));
    // Valid Response Authenticator, Message-Authenticator flipped (then re-signed as MD5 only).
    const badMa = signedAccept(req, []);
    badMa[25]! ^= 0xff;
    badMa.set(req.authenticator, 4);
    badMa.set(createHash('md5').update(badMa).update(pass).digest(), 4);
    send(badMa);
    // No Message-Authenticator at all (what a Blast-RADIUS forgery looks like).
    send(signedAccept(req, [], { ma: false }));
    // Another identifier.
    send(signedAccept(req, [], { id: (req.identifier + 1) & 0xff }));
    // An Accounting-Response to an Access-Request.
    const acct = signedAccept(req, []);
    acct[0] = RADIUS_CODE.ACCOUNTING_RESPONSE;
    send(acct);
    // An attribute whose length runs past the packet.
    const over = new Uint8Array(good);
    over[over.length - 13] = 200;
    send(over);
    // A Cisco VSA whose sub-attribute is longer than the VSA.
    const vsa = encodePacket(RADIUS_CODE.ACCESS_ACCEPT, req.identifier, new Uint8Array(16),
      [{ type: RADIUS_ATTR.VENDOR_SPECIFIC, value: Uint8Array.from([0, 0, 0, 9, 1, 40, 65, 65]) }]);
    send(vsa);
    setTimeout(() => send(good), 100);
  });
  try {
    await withClient(async (c) => {
      const p = reply(await c.access([target(fake.port, { timeoutMs: 2000, retransmit: 0 })], { user: 'u', password: 'pw' }));
      assert.equal(replyMessage(p), 'the real one');
      assert.deepEqual(drops(c), {
        malformed: 2, unknownIdentifier: 1, unexpectedCode: 1, badAuthenticator: 1, missingMessageAuthenticator: 1,
        badMessageAuthenticator: 1,
      });
      assert.deepEqual(c.counters.malformedBy, { 'attribute-overflow': 1, 'vendor-specific': 1 });
      assert.equal(c.counters.accepts, 1);
    });
  } finally {
    await fake.close();
  }
});

test('a server that answers only with malformed packets: counted, then no-answer (the login fails cleanly)', async () => {
  const fake = await udpServer((req, send) => {
    send(Uint8Array.from([2, req.identifier, 0, 30, ...new Array(16).fill(0), 18, 255, 0, 0, 0, 0, 0, 0, 0, 0]));
    send(Uint8Array.from([2, req.identifier, 0, 5]));
  });
  try {
    await withClient(async (c) => {
      const r = await c.access([target(fake.port, { timeoutMs: 200, retransmit: 1 })], { user: 'u', password: 'pw' });
      assert.equal(r.kind, 'no-answer');
      assert.equal(c.counters.malformed, 4);
      assert.deepEqual(c.counters.malformedBy, { 'attribute-overflow': 2, short: 2 });
    });
  } finally {
    await fake.close();
  }
});

test('a user name too long for an attribute is unsendable, naming the attribute and not the password', async () => {
  await withClient(async (c) => {
    const r = await c.access([target(fr.port)], { user: 'u'.repeat(300), password: 'secretpw' });
    assert.equal(r.kind, 'unsendable');
    assert.match((r as { reason: string }).reason, /User-Name of 300 octets/);
    const r2 = await c.access([target(fr.port)], { user: 'u', password: 'x'.repeat(129) });
    assert.match((r2 as { reason: string }).reason, /User-Password of 129 octets is longer than 128/);
    assert.equal(c.counters.requests, 0);
  });
});
