import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { AaaConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/parse.js';
import { createAaaAuthenticator, createMethodList } from '../../src/aaa/methods.js';
import { ACCT_AUTHENTIC } from '../../src/aaa/radius/dictionary.js';
import { NOT_AUTHORIZED } from '../../src/aaa/local.js';
import type { MethodListAuthenticator } from '../../src/aaa/methods.js';
import type { AuthOutcome, AuthRequest, Authenticator } from '../../src/aaa/types.js';
import { CHALLENGE_CODE, CHALLENGE_PROMPT, startFreeRadius } from './radius/freeradius-fixture.js';
import type { FreeRadius } from './radius/freeradius-fixture.js';

const SECRET = 'm3thod key';
let fr: FreeRadius;
/** A UDP socket that never answers (a dead RADIUS server), and what it received. */
let silent: { port: number; received: number; close(): Promise<void> };

before(async () => {
  fr = await startFreeRadius(SECRET);
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  silent = { port: s.address().port, received: 0, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
  s.on('message', () => { silent.received++; });
});
after(async () => {
  await fr?.stop();
  await silent?.close();
});

/** A local-users stand-in: `lou`/`loupass` at privilege 15; counts its calls. */
function localUsers(): Authenticator & { calls: number } {
  const l = {
    calls: 0,
    async authenticate(req: AuthRequest): Promise<AuthOutcome> {
      l.calls++;
      if (req.user === 'lou' && req.password === 'loupass') return { kind: 'accept', user: 'lou', privilege: 15, entries: [] };
      return { kind: 'reject', reason: 'local: bad user or password' };
    },
  };
  return l;
}

function config(lines: string): ReturnType<typeof parseConfig> {
  return parseConfig(`hostname gw
aaa new-model
radius server fr
 address ipv4 127.0.0.1 auth-port ${fr.port} acct-port ${fr.acctPort}
 key ${SECRET}
radius server dead
 address ipv4 127.0.0.1 auth-port ${silent.port} acct-port ${silent.port + 1}
 key ${SECRET}
radius-server timeout 1
radius-server retransmit 1
${lines}`, 'aaa.cfg');
}

async function using<T>(list: MethodListAuthenticator, f: (a: MethodListAuthenticator) => Promise<T>): Promise<T> {
  try {
    return await f(list);
  } finally {
    await list.close();
  }
}

const req = (user: string, password: string, state?: string): AuthRequest => ({ user, password, client: '10.50.1.2', state });

test('group NAME then local: RADIUS accepts with priv-lvl and proxyacl entries in N order; a RADIUS reject is final', async () => {
  const local = localUsers();
  const cfg = config('aaa group server radius G\n server name fr\naaa authentication login default group G local\n');
  await using(createMethodList({ config: cfg, local }), async (a) => {
    assert.deepEqual(a.methods, ['group G', 'local']);
    assert.deepEqual(await a.authenticate(req('alice', 'alicepass')), {
      kind: 'accept', user: 'alice', privilege: 15, entries: [
        { n: 1, text: 'permit tcp any host 10.0.0.5 eq 80' },
        { n: 2, text: 'permit udp any host 10.0.0.53 eq 53' },
      ], authentic: ACCT_AUTHENTIC.RADIUS,
    });
    assert.deepEqual(await a.authenticate(req('alice', 'wrong')), { kind: 'reject', reason: 'rejected by the RADIUS server' });
    assert.deepEqual(await a.authenticate(req('lou', 'loupass')), { kind: 'reject', reason: 'rejected by the RADIUS server' });
    assert.equal(local.calls, 0, 'a reject is final: local is not asked');
  });
});

test('a passcode typed after the password (Duo-style "password,code", seed 003) reaches the server as typed', async () => {
  const cfg = config('aaa authentication login default group radius\n');
  await using(createMethodList({ config: cfg }), async (a) => {
    assert.equal((await a.authenticate(req('grace', 'gracepass,654321'))).kind, 'accept');
    assert.equal((await a.authenticate(req('grace', 'gracepass'))).kind, 'reject');
    assert.equal((await a.authenticate(req('grace', 'gracepass,000000'))).kind, 'reject');
  });
});

test('a RADIUS accept below auth-proxy priv-lvl 15 (or with only a shell priv-lvl) is refused as not authorized', async () => {
  const cfg = config('aaa authentication login default group radius\n');
  await using(createMethodList({ config: cfg }), async (a) => {
    assert.deepEqual(await a.authenticate(req('erin', 'erinpass')), { kind: 'reject', reason: NOT_AUTHORIZED });
    assert.deepEqual(await a.authenticate(req('frank', 'frankpass')), { kind: 'reject', reason: NOT_AUTHORIZED });
  });
});

test('createAaaAuthenticator: the real local users behind a group that does not answer', async () => {
  const cfg = config('username lou privilege 15 password 0 loupass\nusername low password 0 lowpass\n'
    + 'aaa group server radius D\n server name dead\naaa authentication login default group D local\n');
  await using(await createAaaAuthenticator(cfg), async (a) => {
    assert.deepEqual(await a.authenticate(req('lou', 'loupass')), { kind: 'accept', user: 'lou', privilege: 15, entries: [], authentic: ACCT_AUTHENTIC.LOCAL });
    assert.equal((await a.authenticate(req('lou', 'wrong'))).kind, 'reject');
    assert.deepEqual(await a.authenticate(req('low', 'lowpass')), { kind: 'reject', reason: NOT_AUTHORIZED });
  });
  // Without any aaa authentication list, the local users answer.
  await using(await createAaaAuthenticator(parseConfig('username lou privilege 15 password 0 loupass\n', 'l.cfg')), async (a) => {
    assert.deepEqual(a.methods, ['local']);
    assert.equal((await a.authenticate(req('lou', 'loupass'))).kind, 'accept');
  });
});

test('a dead first server of the group: retransmitted, then the next server answers; with deadtime it is skipped after', async () => {
  const before = silent.received;
  const cfg = config('radius-server deadtime 1\naaa group server radius G\n server name dead\n server name fr\naaa authentication login default group G\n');
  await using(createMethodList({ config: cfg }), async (a) => {
    const t0 = performance.now();
    const o = await a.authenticate(req('bob', 'bobpass'));
    assert.deepEqual(o, { kind: 'accept', user: 'bob', privilege: 15, entries: [], authentic: ACCT_AUTHENTIC.RADIUS });
    assert.ok(performance.now() - t0 >= 1900, 'one timeout of 1 s and one retransmission');
    assert.equal(silent.received - before, 2);
    assert.equal(a.radius.counters.retransmits, 1);
    assert.equal(a.radius.counters.markedDead, 1);
    assert.equal((await a.authenticate(req('bob', 'bobpass'))).kind, 'accept');
    assert.equal(silent.received - before, 2, 'the dead server is skipped');
    assert.equal(a.radius.counters.timeouts, 1);
  });
});

test('no RADIUS answer: the list moves on to local; an authorization list decides what local may grant', async () => {
  const local = localUsers();
  const base = 'aaa group server radius D\n server name dead\naaa authentication login default group D local\n';
  await using(createMethodList({ config: config(base), local }), async (a) => {
    const t0 = performance.now();
    assert.deepEqual(await a.authenticate(req('lou', 'loupass')), { kind: 'accept', user: 'lou', privilege: 15, entries: [], authentic: ACCT_AUTHENTIC.LOCAL });
    const ms = performance.now() - t0;
    assert.ok(ms >= 1900 && ms < 15_000, `${ms} ms`);
    assert.equal(local.calls, 1);
  });
  await using(createMethodList({ config: config(`${base}aaa authorization auth-proxy default group D\n`), local }), async (a) => {
    const o = await a.authenticate(req('lou', 'loupass'));
    assert.equal(o.kind, 'error');
    assert.match((o as { reason: string }).reason, /^authorization: no method of "group D" answered for lou$/);
  });
  await using(createMethodList({ config: config(`${base}aaa authorization auth-proxy default group D local\n`), local }), async (a) => {
    assert.equal((await a.authenticate(req('lou', 'loupass'))).kind, 'accept');
  });
});

test('nobody answers: error naming the methods and servers, never the password or the key', async () => {
  const cfg = config('aaa group server radius D\n server name dead\naaa authentication login default group tacacs+ group D\n');
  await using(createMethodList({ config: cfg }), async (a) => {
    const o = await a.authenticate(req('bob', 'hunter2'));
    assert.equal(o.kind, 'error');
    const reason = (o as { reason: string }).reason;
    assert.equal(reason, `group tacacs+: no TACACS+ server configured; group D: no answer from RADIUS server 127.0.0.1:${silent.port}`);
    assert.doesNotMatch(reason, /hunter2|m3thod/);
  });
});

test('seed 000\'s "group tacacs+ group radius": TACACS+ gives no answer, RADIUS (every server, in config order) does', async () => {
  const cfg = config('aaa authentication login default group tacacs+ group radius\naaa authorization auth-proxy default group tacacs+ group radius\n');
  await using(createMethodList({ config: cfg }), async (a) => {
    // `group radius` is every server in config order: fr, then dead; fr answers, dead is not asked.
    const before = silent.received;
    assert.equal((await a.authenticate(req('alice', 'alicepass'))).kind, 'accept');
    assert.equal(silent.received, before);
    assert.equal(a.radius.counters.retransmits, 0);
  });
});

test('Access-Challenge: a second step with the server\'s prompt, answered once with the code, by the same user', async () => {
  const cfg = config('aaa authentication login default group radius\n');
  await using(createMethodList({ config: cfg }), async (a) => {
    const ch = await a.authenticate(req('carol', 'carolpass'));
    assert.equal(ch.kind, 'challenge');
    const { state, prompt } = ch as { state: string; prompt: string };
    assert.equal(prompt, CHALLENGE_PROMPT);
    assert.match(state, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(a.pendingChallenges(), 1);
    assert.deepEqual(await a.authenticate(req('carol', CHALLENGE_CODE, state)), {
      kind: 'accept', user: 'carol', privilege: 15, entries: [{ n: 1, text: 'permit tcp any host 10.0.0.7 eq 443' }], authentic: ACCT_AUTHENTIC.RADIUS,
    });
    assert.equal(a.pendingChallenges(), 0);
    const expired = { kind: 'reject', reason: 'the second step of this login has expired: log in again' };
    assert.deepEqual(await a.authenticate(req('carol', CHALLENGE_CODE, state)), expired, 'a state answers once');
    const ch2 = (await a.authenticate(req('carol', 'carolpass'))) as { state: string };
    assert.deepEqual(await a.authenticate(req('alice', CHALLENGE_CODE, ch2.state)), expired, 'another user cannot answer it');
    const ch3 = (await a.authenticate(req('carol', 'carolpass'))) as { state: string };
    assert.deepEqual(await a.authenticate(req('carol', '000000', ch3.state)), { kind: 'reject', reason: 'rejected by the RADIUS server' });
    assert.deepEqual(await a.authenticate(req('carol', CHALLENGE_CODE, 'made-up')), expired);
  });
});

test('a challenge left unanswered expires', async () => {
  let now = 0;
  const cfg = config('aaa authentication login default group radius\n');
  await using(createMethodList({ config: cfg, nowMs: () => now }), async (a) => {
    const ch = (await a.authenticate(req('carol', 'carolpass'))) as { state: string };
    now += 300_001;
    assert.equal((await a.authenticate(req('carol', CHALLENGE_CODE, ch.state))).kind, 'reject');
  });
});

test('lists naming what the config does not define are errors before any login', () => {
  // A group no block defines is already a config error at its line (test/config/vocabulary.test.ts).
  const cases: [string, RegExp][] = [
    ['aaa authentication login default local\n', /"local" is listed but no local users are available/],
    ['radius-server host 10.9.9.9\naaa authentication login default group radius\n',
      /RADIUS server 10\.9\.9\.9 \(aaa\.cfg line 11\) has no key and no "radius-server key" is configured/],
  ];
  for (const [lines, message] of cases) {
    assert.throws(() => createMethodList({ config: config(lines) }), (e: unknown) => e instanceof AaaConfigError && message.test(e.message), lines);
  }
  assert.throws(() => createMethodList({ config: config(''), authenticationList: 'web' }),
    (e: unknown) => e instanceof AaaConfigError && e.message === 'aaa authentication login web: no such method list');
});
