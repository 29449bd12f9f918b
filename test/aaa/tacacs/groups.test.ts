/**
 * TACACS+ in method lists like RADIUS: `tacacs server NAME` blocks, `aaa group server tacacs+
 * NAME` groups (`server name N`, `server A`, `deadtime`), `tacacs-server deadtime`; against the
 * test TACACS+ server: the group's own servers asked, failover past a server that refuses the
 * connection or never answers, dead-time respected (and over), and single-connection shared by
 * concurrent sessions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { parseConfig } from '../../../src/config/parse.js';
import { ConfigError } from '../../../src/errors.js';
import { createMethodList } from '../../../src/aaa/methods.js';
import { ACCT_AUTHENTIC } from '../../../src/aaa/radius/dictionary.js';
import type { MethodListAuthenticator } from '../../../src/aaa/methods.js';
import type { AuthRequest, Authenticator } from '../../../src/aaa/types.js';
import { aaaShowState, renderShowAaaServers } from '../../../src/log/show-aaa.js';
import { startTacacsTestServer } from '../../../bench/lib/tacacs-server.js';
import type { TacacsTestServer } from '../../../bench/lib/tacacs-server.js';

const KEY = 'group key 7';
const ALICE = { password: 'alicepass', args: ['priv-lvl=15', 'proxyacl#1=permit tcp any host 10.0.0.5 eq 80'] };
const BOB = { password: 'bobpass', args: ['priv-lvl=15', 'proxyacl#1=permit tcp any host 10.0.0.6 eq 443'] };

let a: TacacsTestServer;
let b: TacacsTestServer;
/** A TCP server that accepts connections and never answers. */
let silent: { port: number; server: Server; sockets: Set<Socket>; accepted: number };
/** A loopback port nothing listens on (connection refused). */
let refused: number;

before(async () => {
  a = await startTacacsTestServer({ key: KEY, users: { alice: ALICE } });
  b = await startTacacsTestServer({ key: KEY, users: { alice: ALICE, bob: BOB } });
  const sockets = new Set<Socket>();
  const state = { port: 0, server: createServer(), sockets, accepted: 0 };
  state.server.on('connection', (s) => { state.accepted++; sockets.add(s); s.on('error', () => {}); s.resume(); });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as { port: number }).port;
  silent = state;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  refused = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(async () => {
  await a?.stop();
  await b?.stop();
  for (const s of silent?.sockets ?? []) s.destroy();
  await new Promise<void>((resolve) => silent?.server.close(() => resolve()));
});

const req = (user: string, password: string): AuthRequest => ({ user, password, client: '10.50.1.2' });
const LOCAL_NO: Authenticator = { authenticate: async () => ({ kind: 'reject', reason: 'local said no' }) };

async function using<T>(list: MethodListAuthenticator, f: (l: MethodListAuthenticator) => Promise<T>): Promise<T> {
  try {
    return await f(list);
  } finally {
    await list.close();
  }
}

test('tacacs server blocks and aaa group server tacacs+ groups parse; members resolve to their servers', () => {
  const cfg = parseConfig(`aaa new-model
tacacs-server host 127.0.0.9 port 4949 key hostkey
tacacs-server deadtime 5
tacacs server T1
 address ipv4 127.0.0.1
 port 4901
 key 0 t1 key
 timeout 2
 single-connection
 send-nat-address
tacacs server T6
 address ipv6 ::1
tacacs server EMPTY
 port 49
aaa group server tacacs+ TG
 server name T1
 server 127.0.0.9
 deadtime 3
aaa authentication login default group TG
`, 'tg.cfg');
  const t = cfg.tacacs;
  assert.equal(t.deadtimeMin, 5);
  assert.deepEqual(t.servers.map((s) => [s.name, s.host, s.port, s.key, s.timeoutSec, s.singleConnection]), [
    [undefined, '127.0.0.9', 4949, 'hostkey', undefined, false],
    ['T1', '127.0.0.1', 4901, 't1 key', 2, true],
    ['T6', '::1', 49, undefined, undefined, false],
  ]);
  const g = t.groups.get('TG')!;
  assert.deepEqual(g.servers.map((s) => s.name ?? s.host), ['T1', '127.0.0.9']);
  assert.equal(g.deadtimeMin, 3);
  const warnings = cfg.warnings.map((w) => w.message);
  assert.ok(warnings.some((w) => /ignored "send-nat-address": not implemented/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /tacacs server EMPTY has no "address": it is not used/.test(w)), warnings.join('\n'));
  assert.ok(!warnings.some((w) => w.includes('t1 key') || w.includes('hostkey')));
});

test('a group member no line defines, and a name defined for both protocols, are errors naming the line', () => {
  const bad: [string, RegExp][] = [
    ['aaa group server tacacs+ TG\n server name NOPE\n', /b\.cfg:2:\d+: expected the name of a "tacacs server" block.*no "tacacs server NOPE" block/],
    ['aaa group server tacacs+ TG\n server 10.9.9.9\n', /b\.cfg:2:\d+: expected a server defined by "tacacs-server host".*no "tacacs-server host 10\.9\.9\.9" line/],
    ['aaa group server tacacs+ tacacs+\n', /expected a server group name.*names every server of its protocol/],
    ['tacacs server T\n address ipv4 10.0.0.1\n timeout 0\n', /expected .*1.*1000/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseConfig(text, 'b.cfg'), (e: unknown) => e instanceof ConfigError && re.test(e.message), text);
  }
  const both = parseConfig(`radius-server host 10.0.0.1 key k
tacacs-server host 10.0.0.2 key k
aaa group server radius G
 server 10.0.0.1
aaa group server tacacs+ G
 server 10.0.0.2
aaa authentication login default group G
`, 'both.cfg');
  assert.throws(() => createMethodList({ config: both }), /server group "G" is defined by both "aaa group server radius" and "aaa group server tacacs\+"/);
});

test('group NAME asks only the group\'s TACACS+ servers, and authorizes as TACACS+ in the authorization list', async () => {
  const cfg = parseConfig(`aaa new-model
tacacs-server host 127.0.0.1 port ${a.port} key ${KEY}
tacacs server B
 address ipv4 127.0.0.1
 port ${b.port}
 key ${KEY}
aaa group server tacacs+ ONLY-B
 server name B
aaa authentication login default group ONLY-B local
aaa authorization auth-proxy default group ONLY-B
`, 'g.cfg');
  const before = { a: a.stats.authenStarts, b: b.stats.authenStarts };
  await using(createMethodList({ config: cfg, local: LOCAL_NO }), async (l) => {
    assert.deepEqual(await l.authenticate(req('bob', 'bobpass')), {
      kind: 'accept', user: 'bob', privilege: 15, entries: [{ n: 1, text: 'permit tcp any host 10.0.0.6 eq 443' }], authentic: ACCT_AUTHENTIC.REMOTE,
    });
    assert.deepEqual(await l.authenticate(req('bob', 'nope')), { kind: 'reject', reason: 'Authentication failed' });
  });
  assert.equal(a.stats.authenStarts - before.a, 0, 'the server outside the group was not asked');
  assert.equal(b.stats.authenStarts - before.b, 2);
});

test('failover: a server that refuses the connection, then one that never answers, then one that does; dead-time skips both until it is over', async () => {
  const clock = { ms: 0 };
  const cfg = parseConfig(`aaa new-model
tacacs-server host 127.0.0.1 port ${refused} key ${KEY}
tacacs-server host 127.0.0.1 port ${silent.port} key ${KEY}
tacacs-server host 127.0.0.1 port ${a.port} key ${KEY}
tacacs-server timeout 1
aaa group server tacacs+ FAIL
 server 127.0.0.1
 deadtime 2
aaa authentication login default group tacacs+
`, 'f.cfg');
  // The group's `server 127.0.0.1` names the first host line with that address.
  assert.equal(cfg.tacacs.groups.get('FAIL')!.servers[0]!.port, refused);
  assert.equal(cfg.tacacs.deadtimeMin, 0);
  const text = (deadtime: string): string => `aaa new-model
tacacs-server host 127.0.0.1 port ${refused} key ${KEY}
tacacs-server host 127.0.0.1 port ${silent.port} key ${KEY}
tacacs-server host 127.0.0.1 port ${a.port} key ${KEY}
tacacs-server timeout 1
${deadtime}
aaa authentication login default group tacacs+
`;
  await using(createMethodList({ config: parseConfig(text('tacacs-server deadtime 1'), 'd.cfg'), nowMs: () => clock.ms }), async (l) => {
    const accepted = silent.accepted;
    let t0 = performance.now();
    assert.equal((await l.authenticate(req('alice', 'alicepass'))).kind, 'accept');
    let ms = performance.now() - t0;
    assert.ok(ms >= 900 && ms < 5000, `waited ${ms} ms for the silent server`);
    assert.equal(silent.accepted - accepted, 1);
    assert.equal(l.tacacs.counters.connectErrors, 1, 'connection refused');
    assert.equal(l.tacacs.counters.timeouts, 1, 'the silent server');
    assert.equal(l.tacacs.counters.markedDead, 2);
    // show aaa servers lists them DEAD, the one that answered UP.
    const shown = renderShowAaaServers(aaaShowState(parseConfig(text('tacacs-server deadtime 1'), 'd.cfg'), l));
    const block = (id: number, port: number, state: string, dead: string, sessions: string, connections: string): RegExp =>
      new RegExp(`(^|\n)TACACS\\+: id ${id}, priority ${id}, host 127\\.0\\.0\\.1, port ${port}\n {5}State: current ${state}, duration 0s, `
        + `previous duration \\d+s\n {5}Dead: ${dead}\n {5}Sessions: ${sessions}\n {13}Response: unexpected 0, incorrect 0, time 0ms\n`
        + ` {13}Connections: ${connections}\n`);
    assert.match(shown, block(1, refused, 'DEAD', 'total time 0s, count 1', '1, timeouts 0', 'opened 1, connect errors 1, closed early 0'), shown);
    assert.match(shown, block(2, silent.port, 'DEAD', 'total time 0s, count 1', '1, timeouts 1', 'opened 1, connect errors 0, closed early 0'), shown);
    assert.match(shown, block(3, a.port, 'UP', 'total time 0s, count 0', '2, timeouts 0', 'opened 2, connect errors 0, closed early 0'), shown);
    assert.ok(!shown.includes(KEY));
    // Within the dead-time both are skipped: no wait, no connection to them.
    clock.ms += 59_000;
    t0 = performance.now();
    assert.equal((await l.authenticate(req('alice', 'alicepass'))).kind, 'accept');
    ms = performance.now() - t0;
    assert.ok(ms < 800, `took ${ms} ms with the dead servers skipped`);
    assert.equal(silent.accepted - accepted, 1);
    assert.equal(l.tacacs.counters.connectErrors, 1);
    // After it, both are tried again.
    clock.ms += 1_000;
    assert.equal((await l.authenticate(req('alice', 'alicepass'))).kind, 'accept');
    assert.equal(silent.accepted - accepted, 2);
    assert.equal(l.tacacs.counters.connectErrors, 2);
    assert.equal(l.tacacs.counters.markedDead, 4);
  });
  // Without a dead-time (the default) the dead servers are asked every time.
  await using(createMethodList({ config: parseConfig(text(''), 'n.cfg'), nowMs: () => clock.ms }), async (l) => {
    const accepted = silent.accepted;
    for (let i = 0; i < 2; i++) assert.equal((await l.authenticate(req('alice', 'alicepass'))).kind, 'accept');
    assert.equal(silent.accepted - accepted, 2);
    assert.equal(l.tacacs.counters.markedDead, 0);
  });
});

test('a group whose every server is dead gives no answer at once: the list moves on to the next method', async () => {
  const clock = { ms: 0 };
  const cfg = parseConfig(`aaa new-model
tacacs-server host 127.0.0.1 port ${refused} key ${KEY}
aaa group server tacacs+ DOWN
 server 127.0.0.1
 deadtime 10
aaa authentication login default group DOWN local
`, 'down.cfg');
  await using(createMethodList({ config: cfg, local: LOCAL_NO, nowMs: () => clock.ms }), async (l) => {
    assert.deepEqual(await l.authenticate(req('alice', 'alicepass')), { kind: 'reject', reason: 'local said no' });
    assert.equal(l.tacacs.counters.markedDead, 1);
    clock.ms += 9 * 60_000;
    assert.deepEqual(await l.authenticate(req('alice', 'alicepass')), { kind: 'reject', reason: 'local said no' });
    assert.equal(l.tacacs.counters.connectErrors, 1, 'not tried while dead');
    // The same group alone in a list (sharing the client, so the dead mark): no method answers.
    const alone = parseConfig(`tacacs-server host 127.0.0.1 port ${refused} key ${KEY}
aaa group server tacacs+ DOWN
 server 127.0.0.1
 deadtime 10
aaa authentication login default group DOWN
`, 'alone.cfg');
    const only = createMethodList({ config: alone, tacacsClient: l.tacacs, nowMs: () => clock.ms });
    assert.deepEqual(await only.authenticate(req('alice', 'alicepass')),
      { kind: 'error', reason: 'group DOWN: every TACACS+ server is marked dead' });
    await only.close();
  });
});

test('single-connection (RFC 8907 §4.3): concurrent sessions share the one connection the server agreed to; sessions started while it was negotiated do not linger', async () => {
  const cfg = parseConfig(`aaa new-model
tacacs server S
 address ipv4 127.0.0.1
 port ${b.port}
 key ${KEY}
 single-connection
aaa authentication login default group tacacs+
`, 's.cfg');
  // From a cold start, three at once: each opens a connection, one stays (the shared one).
  await using(createMethodList({ config: cfg }), async (l) => {
    const cold = await Promise.all(['alice', 'bob', 'alice'].map((u) => l.authenticate(req(u, `${u}pass`))));
    assert.deepEqual(cold.map((o) => o.kind), ['accept', 'accept', 'accept']);
    assert.equal(l.tacacs.openConnections(), 1);
    const opened = l.tacacs.counters.connections;
    const serverConnections = b.stats.connections;
    // Warm: eight logins at once (sixteen sessions: authentication and authorization each) on it.
    const warm = await Promise.all(Array.from({ length: 8 }, (_, i) => l.authenticate(req(i % 2 === 0 ? 'alice' : 'bob', i % 2 === 0 ? 'alicepass' : 'bobpass'))));
    assert.deepEqual(warm.map((o) => o.kind), Array(8).fill('accept'));
    assert.equal(l.tacacs.counters.connections - opened, 0);
    assert.equal(b.stats.connections - serverConnections, 0);
    assert.equal(l.tacacs.openConnections(), 1);
  });
});
