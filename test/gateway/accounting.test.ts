/**
 * RADIUS accounting of the gateway's sessions against a real FreeRADIUS (the fixture, with its
 * `detail` file as an operator's server records it): a host authorized through the engine
 * (the login's `authorizeHost`), traffic both ways through the data plane, then the end of its
 * session — `clear ip auth-proxy cache`, the inactivity timer, a second login, the gateway
 * stopping — gives Start and Stop records with the engine's session id, the data plane's octets
 * and packets and the terminate cause; Interim-Update records; a Stop behind a Start that is
 * being retransmitted; and the shared key in no output.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { FIXTURE_CONFIG, makeContextFixture, type ContextFixture } from './context-fixture.js';
import { detailRecords, startFreeRadius, type FreeRadius } from '../aaa/radius/freeradius-fixture.js';
import { udp, waitFor } from '../control/helpers.js';
import { startGatewayAccounting, SessionAccounting, type GatewayAccounting } from '../../src/gateway/accounting.js';
import { parseIp } from '../../src/wire/addr.js';
import { VERDICT_FORWARD } from '../../src/engine/engine.js';
import { DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION, DEBUG_TIMERS } from '../../src/engine/debug.js';
import { RadiusClient } from '../../src/aaa/radius/client.js';
import { createRadiusAccounting } from '../../src/aaa/radius/accounting.js';
import { ACCT_AUTHENTIC } from '../../src/aaa/radius/dictionary.js';
import { AP_PROTO_HTTP } from '../../src/authproxy/protocols.js';

const SECRET = 'gw-acct-Secr3t';
let fr: FreeRadius;

before(async () => {
  fr = await startFreeRadius(SECRET);
});
after(async () => {
  await fr?.stop();
});

/** The context fixture's gateway with RADIUS accounting to `acctPort` (FreeRADIUS's, or a relay's). */
function config(acctPort: number, extra = ''): string {
  return FIXTURE_CONFIG.replace('interface Gi0/0\n', `aaa new-model
radius server fr
 address ipv4 127.0.0.1 auth-port ${fr.port} acct-port ${acctPort}
 key ${SECRET}
radius-server timeout 1
radius-server retransmit 2
aaa accounting auth-proxy default start-stop group radius
${extra}interface Gi0/0\n`);
}

interface Setup {
  fx: ContextFixture;
  acct: GatewayAccounting;
  /** Every debug line and message the gateway printed. */
  outputs: string[];
}

function setup(acctPort = fr.acctPort, extra = ''): Setup {
  const fx = makeContextFixture({ configText: config(acctPort, extra), debugFlags: DEBUG_OBJECT_CREATION | DEBUG_OBJECT_DELETION | DEBUG_TIMERS });
  const outputs: string[] = [];
  fx.debugLines.subscribe((l) => outputs.push(l));
  fx.engine.messages = (_t, text) => outputs.push(text);
  const acct = startGatewayAccounting(fx.ctx)!;
  assert.ok(acct !== undefined);
  return { fx, acct, outputs };
}

/**
 * The detail records of session `id` of `user`, in the order FreeRADIUS wrote them (each test's
 * engine numbers its sessions from 1; the tests' user names differ).
 */
function recordsOf(id: number, user: string): Map<string, string>[] {
  return detailRecords(fr).filter((r) => r.get('Acct-Session-Id') === String(id) && r.get('User-Name') === user);
}

async function waitForRecords(id: number, user: string, n: number): Promise<Map<string, string>[]> {
  await waitFor(() => recordsOf(id, user).length >= n, `${n} detail records of session ${id}`, 10_000);
  return recordsOf(id, user);
}

/** Sends `n` UDP datagrams from `host`:4000 to `server`:9999 and `m` back; returns their lengths. */
function traffic(fx: ContextFixture, host: string, server: string, n: number, m: number): { out: number; back: number } {
  let out = 0;
  let back = 0;
  for (let i = 0; i < n; i++) {
    const p = udp(host, server, 4000, 9999);
    assert.equal(fx.handle(p), VERDICT_FORWARD, 'the authorized host passes');
    out += p.length;
  }
  for (let i = 0; i < m; i++) {
    const p = udp(server, host, 9999, 4000);
    assert.equal(fx.handle(p), VERDICT_FORWARD, 'return traffic passes');
    back += p.length;
  }
  return { out, back };
}

const ENTRIES = [{ n: 1, text: 'permit udp any any eq 9999' }];

test('a login, traffic, then clear ip auth-proxy cache: Start and Stop (Admin-Reset) in FreeRADIUS\'s detail file with the data plane\'s octets and packets', async () => {
  const { fx, acct, outputs } = setup();
  try {
    const host = parseIp('10.1.0.5')!;
    fx.clock.nowMs = 1_000;
    assert.deepEqual(fx.engine.authorizeHost(host, 'alice', ENTRIES, fx.clock.nowMs, AP_PROTO_HTTP, ACCT_AUTHENTIC.RADIUS), { ok: true });
    const slot = fx.engine.cache.lookup(host);
    const id = fx.engine.sessionId(slot);
    await waitFor(() => acct.sessions.records.counters.answered === 1, 'the Start answered');
    fx.clock.nowMs = 2_000;
    const t = traffic(fx, '10.1.0.5', '10.2.0.9', 3, 2);
    fx.clock.nowMs = 66_000;
    assert.equal(fx.engine.clearCache(host, fx.clock.nowMs), 1);
    assert.equal(acct.sessions.activeCount, 0);
    await acct.sessions.records.settled();
    const [start, stop] = await waitForRecords(id, 'alice', 2);
    assert.equal(start!.get('Acct-Status-Type'), 'Start');
    assert.equal(start!.get('User-Name'), 'alice');
    assert.equal(start!.get('Framed-IP-Address'), '10.1.0.5');
    assert.equal(start!.get('NAS-IP-Address'), '10.1.0.1', 'the address of the interface the host is on');
    assert.equal(start!.get('NAS-Identifier'), 'gw');
    assert.deepEqual([start!.get('Acct-Authentic'), stop!.get('Acct-Authentic')], ['RADIUS', 'RADIUS'], 'RFC 2866 §5.6, as the login said');
    assert.ok(start!.has('Event-Timestamp') && stop!.has('Event-Timestamp'), 'Event-Timestamp (RFC 2869 §5.3)');
    assert.equal(start!.has('Acct-Input-Octets'), false);
    assert.equal(stop!.get('Acct-Status-Type'), 'Stop');
    assert.equal(stop!.get('Acct-Terminate-Cause'), 'Admin-Reset');
    assert.equal(stop!.get('Acct-Session-Time'), '65');
    assert.equal(stop!.get('Acct-Input-Octets'), String(t.out), 'input: from the host (RFC 2866 §5.3)');
    assert.equal(stop!.get('Acct-Input-Packets'), '3');
    assert.equal(stop!.get('Acct-Output-Octets'), String(t.back), 'output: to the host (RFC 2866 §5.4)');
    assert.equal(stop!.get('Acct-Output-Packets'), '2');
    assert.equal(stop!.get('User-Name'), 'alice');
    assert.equal(stop!.has('Acct-Delay-Time'), false, 'the Start was answered before the Stop was due');
    assert.deepEqual(acct.sessions.records.counters, { sent: 2, answered: 2, unanswered: 0, dropped: 0, deferred: 0 });
    // The session id is the one the OBJ_CREATE line would show; no output names the key.
    assert.ok(outputs.some((l) => l.includes('OBJ_DELETE') && l.includes('10.1.0.5')), outputs.join('\n'));
    for (const l of outputs) assert.ok(!l.includes(SECRET), `the key in: ${l}`);
  } finally {
    await acct.close();
  }
});

test('IPv6 host: the inactivity timer ends the session with Idle-Timeout; Framed-IPv6-Address', async () => {
  const { fx, acct } = setup();
  try {
    const host = parseIp('2001:db8:1::5')!;
    assert.deepEqual(fx.engine.authorizeHost(host, 'bob', ENTRIES, 0), { ok: true });
    const id = fx.engine.sessionId(fx.engine.cache.lookup(host));
    fx.clock.nowMs = 10_000;
    const t = traffic(fx, '2001:db8:1::5', '2001:db8:2::9', 2, 1);
    // auth-cache-time 5: idle since 10 s, gone at 310 s.
    fx.clock.nowMs = 309_000;
    fx.engine.poll(fx.clock.nowMs);
    assert.equal(acct.sessions.activeCount, 1);
    fx.clock.nowMs = 311_000;
    fx.engine.poll(fx.clock.nowMs);
    assert.equal(acct.sessions.activeCount, 0);
    const [start, stop] = await waitForRecords(id, 'bob', 2);
    assert.equal(start!.get('Framed-IPv6-Address'), '2001:db8:1::5');
    assert.equal(start!.get('NAS-IP-Address'), '10.1.0.1');
    assert.equal(stop!.get('Acct-Terminate-Cause'), 'Idle-Timeout');
    assert.equal(stop!.get('Acct-Session-Time'), '311');
    assert.equal(stop!.get('Acct-Input-Octets'), String(t.out));
    assert.equal(stop!.get('Acct-Input-Packets'), '2');
    assert.equal(stop!.get('Acct-Output-Octets'), String(t.back));
    assert.equal(stop!.get('Acct-Output-Packets'), '1');
  } finally {
    await acct.close();
  }
});

test('a second login from the same host ends its session (User-Request) and starts a new one with a new id and counters from zero', async () => {
  const { fx, acct } = setup();
  try {
    const host = parseIp('10.1.0.6')!;
    assert.deepEqual(fx.engine.authorizeHost(host, 'carol', ENTRIES, 0), { ok: true });
    const slot = fx.engine.cache.lookup(host);
    const first = fx.engine.sessionId(slot);
    traffic(fx, '10.1.0.6', '10.2.0.9', 1, 0);
    fx.clock.nowMs = 5_000;
    assert.deepEqual(fx.engine.authorizeHost(host, 'dave', ENTRIES, fx.clock.nowMs), { ok: true });
    const second = fx.engine.sessionId(slot);
    assert.notEqual(second, first);
    fx.clock.nowMs = 7_000;
    assert.equal(fx.engine.clearCache(host, fx.clock.nowMs), 1);
    const a = await waitForRecords(first, 'carol', 2);
    assert.deepEqual(a.map((r) => r.get('Acct-Status-Type')), ['Start', 'Stop']);
    assert.equal(a[1]!.get('Acct-Terminate-Cause'), 'User-Request');
    assert.equal(a[1]!.get('Acct-Input-Packets'), '1');
    assert.equal(a[1]!.get('Acct-Session-Time'), '5');
    const b = await waitForRecords(second, 'dave', 2);
    assert.equal(b[0]!.get('User-Name'), 'dave');
    assert.equal(b[1]!.get('Acct-Input-Packets'), '0');
    assert.equal(b[1]!.get('Acct-Session-Time'), '2');
    assert.equal(b[1]!.get('Acct-Terminate-Cause'), 'Admin-Reset');
  } finally {
    await acct.close();
  }
});

test('watch list: failed logins of an authorized host leave its session alone; a listed host that never logged in has none', async () => {
  const { fx, acct } = setup(fr.acctPort, 'ip auth-proxy max-login-attempts 1\nip auth-proxy watch-list enable\n');
  try {
    const host = parseIp('10.1.0.14')!;
    fx.engine.authorizeHost(host, 'kate', ENTRIES, 0);
    for (let i = 0; i < 3; i++) fx.engine.loginFailed(host, 1_000);
    assert.equal(acct.sessions.activeCount, 1, 'still accounted');
    const other = parseIp('10.1.0.15')!;
    fx.engine.loginFailed(other, 1_000);
    assert.equal(fx.engine.isWatchListed(other, 1_000), true);
    await acct.sessions.records.settled();
    assert.deepEqual(acct.sessions.records.counters, { sent: 1, answered: 1, unanswered: 0, dropped: 0, deferred: 0 }, 'only kate\'s Start');
  } finally {
    await acct.close();
  }
});

test('a host that never logged in has no session: its entry goes without records', async () => {
  const { fx, acct } = setup();
  try {
    // An intercepted SYN makes an entry; it is cleared before any login.
    const before = fr.detail().length;
    const syn = new Uint8Array(udp('10.1.0.7', '10.2.0.9', 4000, 53));
    fx.handle(syn);
    fx.engine.authorizeHost(parseIp('10.1.0.8')!, 'erin', [], 0);
    fx.engine.clearCache(parseIp('10.1.0.7')!, 0);
    await acct.sessions.records.settled();
    assert.equal(acct.sessions.records.counters.sent, 1, 'only the Start of the host that logged in');
    assert.ok(fr.detail().length > before);
  } finally {
    await acct.close();
  }
});

test('the gateway stopping ends every session: Stop with Admin-Reboot, or NAS-Error when it stops on an error', async () => {
  for (const [user, error, cause] of [['frank', undefined, 'Admin-Reboot'], ['ivan', new Error('TUN gone'), 'NAS-Error']] as const) {
    const { fx, acct } = setup();
    const host = parseIp('10.1.0.9')!;
    fx.engine.authorizeHost(host, user, ENTRIES, 0);
    const id = fx.engine.sessionId(fx.engine.cache.lookup(host));
    fx.clock.nowMs = 3_000;
    await acct.close(error);
    assert.equal(fx.engine.cache.count, 0);
    const r = await waitForRecords(id, user, 2);
    assert.equal(r[1]!.get('Acct-Terminate-Cause'), cause);
    assert.equal(r[1]!.get('Acct-Session-Time'), '3');
  }
});

test('Interim-Update records while the session lasts, with the counts so far', async () => {
  const fx = makeContextFixture({ configText: config(fr.acctPort) });
  const client = new RadiusClient({ deadtimeMs: 0, nasIdentifier: 'gw' });
  const sessions = new SessionAccounting(fx.ctx, createRadiusAccounting(fx.config, client)!, 300);
  fx.engine.sessionListener = sessions;
  try {
    const host = parseIp('10.1.0.10')!;
    fx.engine.authorizeHost(host, 'grace', ENTRIES, 0, AP_PROTO_HTTP, ACCT_AUTHENTIC.REMOTE);
    const id = fx.engine.sessionId(fx.engine.cache.lookup(host));
    traffic(fx, '10.1.0.10', '10.2.0.9', 4, 1);
    fx.clock.nowMs = 42_000;
    const r = await waitForRecords(id, 'grace', 2);
    assert.equal(r[1]!.get('Acct-Status-Type'), 'Interim-Update');
    assert.equal(r[1]!.get('Acct-Input-Packets'), '4');
    assert.equal(r[1]!.get('Acct-Output-Packets'), '1');
    assert.equal(r[1]!.get('Acct-Session-Time'), '42');
    assert.equal(r[1]!.get('Acct-Authentic'), 'Remote', 'a TACACS+ login (RFC 2866 §5.6)');
    assert.equal(r[1]!.has('Acct-Terminate-Cause'), false);
  } finally {
    await sessions.close();
    await client.close();
  }
});

/** A UDP relay to FreeRADIUS's accounting port that drops the first `drop` requests. */
async function lossyRelay(drop: number): Promise<{ port: number; dropped: () => number; close: () => Promise<void> }> {
  const front: Socket = createSocket('udp4');
  const back: Socket = createSocket('udp4');
  let dropped = 0;
  let client: { address: string; port: number } | undefined;
  front.on('message', (msg, rinfo) => {
    client = { address: rinfo.address, port: rinfo.port };
    if (dropped < drop) {
      dropped++;
      return;
    }
    back.send(msg, fr.acctPort, '127.0.0.1');
  });
  back.on('message', (msg) => {
    if (client !== undefined) front.send(msg, client.port, client.address);
  });
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => back.bind(0, '127.0.0.1', r));
  return {
    port: front.address().port,
    dropped: () => dropped,
    close: async () => {
      await new Promise<void>((r) => front.close(() => r()));
      await new Promise<void>((r) => back.close(() => r()));
    },
  };
}

test('a session that ends while its Start is being retransmitted still gets its Stop, after the Start, with Acct-Delay-Time', async () => {
  const relay = await lossyRelay(1);
  const { fx, acct } = setup(relay.port);
  try {
    const host = parseIp('10.1.0.11')!;
    fx.engine.authorizeHost(host, 'heidi', ENTRIES, 0);
    const id = fx.engine.sessionId(fx.engine.cache.lookup(host));
    // The Start's first transmission is lost; the session ends at once (the timer ran out).
    assert.equal(fx.engine.clearCache(host, 0), 1);
    assert.equal(acct.sessions.records.counters.deferred, 1, 'the Stop waits for its Start');
    await acct.sessions.records.settled();
    assert.equal(relay.dropped(), 1);
    const r = await waitForRecords(id, 'heidi', 2);
    assert.deepEqual(r.map((x) => x.get('Acct-Status-Type')), ['Start', 'Stop']);
    assert.ok(Number(r[1]!.get('Acct-Delay-Time')) >= 1, 'the Stop waited at least one retransmission timeout');
    assert.equal(acct.client.counters.retransmits, 1);
    assert.deepEqual(acct.sessions.records.counters, { sent: 2, answered: 2, unanswered: 0, dropped: 0, deferred: 1 });
  } finally {
    await acct.close();
    await relay.close();
  }
});

test('failover: a first accounting server that never answers is given up after its timeout and marked dead; FreeRADIUS gets Start and Stop', async () => {
  const silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  const sp = silent.address().port;
  const fx = makeContextFixture({ configText: FIXTURE_CONFIG.replace('interface Gi0/0\n', `radius-server host 127.0.0.1 auth-port ${sp} acct-port ${sp} key ${SECRET}
radius-server host 127.0.0.1 auth-port ${fr.port} acct-port ${fr.acctPort} key ${SECRET}
radius-server timeout 1
radius-server retransmit 0
radius-server deadtime 1
aaa accounting auth-proxy default start-stop group radius
interface Gi0/0\n`) });
  const acct = startGatewayAccounting(fx.ctx)!;
  try {
    const host = parseIp('10.1.0.12')!;
    fx.engine.authorizeHost(host, 'judy', ENTRIES, 0);
    const id = fx.engine.sessionId(fx.engine.cache.lookup(host));
    fx.clock.nowMs = 4_000;
    fx.engine.clearCache(host, fx.clock.nowMs);
    await acct.sessions.records.settled();
    const r = await waitForRecords(id, 'judy', 2);
    assert.deepEqual(r.map((x) => x.get('Acct-Status-Type')), ['Start', 'Stop']);
    assert.equal(r[1]!.get('Acct-Session-Time'), '4');
    assert.equal(acct.client.counters.timeouts, 1, 'the Start waited once for the silent server');
    assert.equal(acct.client.counters.markedDead, 1, 'then the Stop skipped it');
    assert.deepEqual(acct.sessions.records.counters, { sent: 2, answered: 2, unanswered: 0, dropped: 0, deferred: 1 });
  } finally {
    await acct.close();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('no accounting list, no accounting; aaa accounting update periodic is read', () => {
  const fx = makeContextFixture();
  assert.equal(startGatewayAccounting(fx.ctx), undefined);
  assert.equal(fx.engine.sessionListener, null);
  const withUpdate = makeContextFixture({ configText: config(fr.acctPort, 'aaa accounting update newinfo periodic 15 jitter maximum 10\n') });
  assert.equal(withUpdate.config.aaa.accountingUpdatePeriodicMin, 15);
  assert.deepEqual(withUpdate.config.warnings.map((w) => w.message).filter((m) => /newinfo|jitter/.test(m)).length, 2);
});

test('stop-only: the session\'s end is recorded (Stop with its counts), its start and progress are not', async () => {
  const text = config(fr.acctPort, 'aaa accounting update periodic 1\n')
    .replace('aaa accounting auth-proxy default start-stop group radius', 'aaa accounting auth-proxy default stop-only group radius');
  const fx = makeContextFixture({ configText: text });
  assert.deepEqual(fx.config.warnings.filter((w) => w.message.includes('stop-only')), [], 'stop-only is not a warning');
  const acct = startGatewayAccounting(fx.ctx)!;
  try {
    const host = parseIp('10.1.0.12')!;
    fx.clock.nowMs = 1_000;
    fx.engine.authorizeHost(host, 'oscar', ENTRIES, fx.clock.nowMs);
    const id = fx.engine.sessionId(fx.engine.cache.lookup(host));
    const t = traffic(fx, '10.1.0.12', '10.2.0.9', 2, 1);
    fx.clock.nowMs = 31_000;
    assert.equal(fx.engine.clearCache(host, fx.clock.nowMs), 1);
    await acct.sessions.records.settled();
    const records = await waitForRecords(id, 'oscar', 1);
    assert.deepEqual(records.map((r) => r.get('Acct-Status-Type')), ['Stop']);
    assert.equal(records[0]!.get('Acct-Input-Octets'), String(t.out));
    assert.equal(records[0]!.get('Acct-Output-Packets'), '1');
    assert.equal(records[0]!.get('Acct-Session-Time'), '30');
    assert.equal(records[0]!.has('Acct-Delay-Time'), false);
    assert.equal(acct.sessions.records.counters.sent, 1, 'one record in all: no Start, no Interim-Update');
  } finally {
    await acct.close();
  }
});
