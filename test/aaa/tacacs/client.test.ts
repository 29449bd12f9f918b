/**
 * The TACACS+ client and `group tacacs+` against the test TACACS+ server (itself cross-checked
 * with Authen::TacacsPlus, perl.test.ts): accept with priv-lvl and proxyacl entries, reject,
 * ASCII login, single-connection, a wrong key, a silent server, a malformed reply.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { parseConfig } from '../../../src/config/parse.js';
import { createMethodList } from '../../../src/aaa/methods.js';
import { ACCT_AUTHENTIC } from '../../../src/aaa/radius/dictionary.js';
import type { MethodListAuthenticator } from '../../../src/aaa/methods.js';
import type { AuthRequest } from '../../../src/aaa/types.js';
import { startTacacsTestServer } from '../../../bench/lib/tacacs-server.js';
import type { TacacsTestServer } from '../../../bench/lib/tacacs-server.js';

const KEY = 'tac key 1';
const USERS = {
  alice: {
    password: 'alicepass',
    args: ['priv-lvl=15', 'proxyacl#2=permit udp any host 10.0.0.53 eq 53', 'proxyacl#1=permit tcp any host 10.0.0.5 eq 80'],
  },
  erin: { password: 'erinpass', args: ['priv-lvl=14'] },
};

let tac: TacacsTestServer;
/** A TCP server that accepts connections and never answers, and the sockets it holds. */
let silent: { port: number; server: Server; sockets: Set<Socket> };

before(async () => {
  tac = await startTacacsTestServer({ key: KEY, users: USERS });
  const sockets = new Set<Socket>();
  const server = createServer((s) => { sockets.add(s); s.on('error', () => {}); s.resume(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  silent = { port: (server.address() as { port: number }).port, server, sockets };
});
after(async () => {
  await tac?.stop();
  for (const s of silent?.sockets ?? []) s.destroy();
  await new Promise<void>((resolve) => silent?.server.close(() => resolve()));
});

const req = (user: string, password: string): AuthRequest => ({ user, password, client: '10.50.1.2' });

function config(servers: string, list = 'group tacacs+'): ReturnType<typeof parseConfig> {
  return parseConfig(`hostname gw
aaa new-model
${servers}
aaa authentication login default ${list}
aaa authorization auth-proxy default group tacacs+
`, 'tac.cfg');
}

async function using<T>(list: MethodListAuthenticator, f: (a: MethodListAuthenticator) => Promise<T>): Promise<T> {
  try {
    return await f(list);
  } finally {
    await list.close();
  }
}

test('group tacacs+ (PAP): accept with priv-lvl 15 and the proxyacl entries in N order; wrong password and unknown user are final rejects', async () => {
  const before = { ...tac.stats };
  const cfg = config(`tacacs-server host 127.0.0.1 port ${tac.port} key ${KEY}`, 'group tacacs+ local');
  await using(createMethodList({ config: cfg, local: { authenticate: async () => ({ kind: 'error', reason: 'no local' }) } }), async (a) => {
    assert.deepEqual(await a.authenticate(req('alice', 'alicepass')), {
      kind: 'accept', user: 'alice', privilege: 15,
      entries: [{ n: 1, text: 'permit tcp any host 10.0.0.5 eq 80' }, { n: 2, text: 'permit udp any host 10.0.0.53 eq 53' }],
      authentic: ACCT_AUTHENTIC.REMOTE,
    });
    assert.deepEqual(tac.authorArgs.at(-1), ['service=auth-proxy', 'cmd*']);
    const wrong = await a.authenticate(req('alice', 'nope'));
    assert.deepEqual(wrong, { kind: 'reject', reason: 'Authentication failed' });
    assert.equal((await a.authenticate(req('mallory', 'x'))).kind, 'reject');
    // priv-lvl 14: authorized by the server, refused by the auth-proxy (IOS needs 15).
    assert.equal((await a.authenticate(req('erin', 'erinpass'))).kind, 'reject');
    assert.equal(tac.stats.authenPass - before.authenPass, 2);
    assert.equal(tac.stats.authenFail - before.authenFail, 2);
    assert.equal(tac.stats.connections - before.connections, 6, 'one connection per session without single-connection');
    assert.equal(a.tacacs.counters.malformed, 0);
  });
});

test('ASCII login (START, GETPASS, CONTINUE) when asked', async () => {
  const cfg = config(`tacacs-server host 127.0.0.1 port ${tac.port} key ${KEY}`);
  await using(createMethodList({ config: cfg, tacacsAscii: true }), async (a) => {
    assert.equal((await a.authenticate(req('alice', 'alicepass'))).kind, 'accept');
    assert.deepEqual(await a.authenticate(req('alice', 'wrong')), { kind: 'reject', reason: 'Authentication failed' });
  });
});

test('single-connection: the sessions share one TCP connection the server agreed to keep', async () => {
  const before = tac.stats.connections;
  const cfg = config(`tacacs-server host 127.0.0.1 port ${tac.port} timeout 2 single-connection key ${KEY}`);
  assert.equal(cfg.tacacs.servers[0]!.singleConnection, true);
  assert.equal(cfg.tacacs.servers[0]!.timeoutSec, 2);
  await using(createMethodList({ config: cfg }), async (a) => {
    for (let i = 0; i < 3; i++) assert.equal((await a.authenticate(req('alice', 'alicepass'))).kind, 'accept');
    assert.equal(tac.stats.connections - before, 1);
    assert.equal(a.tacacs.counters.connections, 1);
  });
});

test('a wrong key: the server cannot read the body (counted there), no answer, the list moves on', async () => {
  const before = tac.stats.malformed;
  const cfg = config(`tacacs-server host 127.0.0.1 port ${tac.port} key not-${KEY}`, 'group tacacs+ local');
  const local = { authenticate: async () => ({ kind: 'reject' as const, reason: 'local said no' }) };
  await using(createMethodList({ config: cfg, local }), async (a) => {
    assert.deepEqual(await a.authenticate(req('alice', 'alicepass')), { kind: 'reject', reason: 'local said no' });
    assert.equal(tac.stats.malformed - before, 1);
    assert.equal(a.tacacs.counters.closedEarly, 1);
  });
});

test('a silent first server: after its timeout the next server answers; a garbage reply is counted and is no answer', async () => {
  const garbage = await startTacacsTestServer({ key: KEY, users: USERS, mode: 'garbage' });
  try {
    const cfg = config(`tacacs-server host 127.0.0.1 port ${silent.port} key ${KEY}
tacacs-server host 127.0.0.1 port ${garbage.port} key ${KEY}
tacacs-server host 127.0.0.1 port ${tac.port} key ${KEY}
tacacs-server timeout 1`);
    await using(createMethodList({ config: cfg }), async (a) => {
      const t0 = performance.now();
      assert.equal((await a.authenticate(req('alice', 'alicepass'))).kind, 'accept');
      const ms = performance.now() - t0;
      assert.ok(ms >= 900 && ms < 5000, `waited ${ms} ms for the silent server`);
      assert.equal(a.tacacs.counters.timeouts, 1);
      assert.equal(a.tacacs.counters.malformed, 1);
      assert.deepEqual(a.tacacs.counters.malformedBy, { body: 1 });
    });
    const none = config(`tacacs-server host 127.0.0.1 port ${silent.port} key ${KEY}\ntacacs-server timeout 1`);
    await using(createMethodList({ config: none }), async (a) => {
      const o = await a.authenticate(req('alice', 'alicepass'));
      assert.deepEqual(o, { kind: 'error', reason: `group tacacs+: no answer from TACACS+ server 127.0.0.1:${silent.port}` });
    });
  } finally {
    await garbage.stop();
  }
});
