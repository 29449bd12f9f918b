/**
 * `show aaa servers`: each configured server in IOS's layout with its own state and counters
 * (RADIUS and TACACS+ servers, named and unnamed, in config order), then the clients' drops by
 * reason, the AAA answers the login service ignored as late, and no key anywhere. Two servers of
 * one group, one silent and one answering, show different counters and states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { parseConfig } from '../../src/config/parse.js';
import { RadiusClient } from '../../src/aaa/radius/client.js';
import { TacacsClient } from '../../src/aaa/tacacs/client.js';
import type { ServerState } from '../../src/aaa/dead-servers.js';
import { ACCT_STATUS, RADIUS_ATTR, RADIUS_CODE } from '../../src/aaa/radius/dictionary.js';
import { decodePacket, encodePacket, integerAttribute, textAttribute } from '../../src/aaa/radius/packet.js';
import type { RadiusPacket } from '../../src/aaa/radius/packet.js';
import { signReply } from '../../src/aaa/radius/authenticators.js';
import { aaaShowState, renderShowAaaServers } from '../../src/log/show-aaa.js';

const CONFIG = `hostname gw
radius-server host 192.0.2.10 auth-port 1812 acct-port 1813 key radkey-1
radius server R2
 address ipv4 192.0.2.11 auth-port 1645 acct-port 1646
 key radkey-2
tacacs-server host 192.0.2.20 port 4949 key tackey-3
tacacs server T2
 address ipv4 192.0.2.21
 key tackey-4
end
`;

const UP: ServerState = { dead: false, durationMs: 125_400, previousMs: 0, deadTotalMs: 0, deadCount: 0 };

test('show aaa servers: every server with its own state and counters in IOS\'s layout, the drops by reason, late answers, no key', () => {
  const config = parseConfig(CONFIG, 'aaa.cfg');
  const radius = new RadiusClient({ deadtimeMs: 60_000, nasIdentifier: 'gw' });
  const tacacs = new TacacsClient();
  Object.assign(radius.counters, {
    malformed: 3, malformedBy: { short: 1, 'attribute-overflow': 2 }, unknownIdentifier: 5, badAuthenticator: 6,
    badMessageAuthenticator: 8, missingMessageAuthenticator: 9, unexpectedCode: 10, sendErrors: 1,
  });
  Object.assign(tacacs.counters, { malformed: 1, malformedBy: { 'bad-body': 1 }, unexpected: 2 });
  const r1 = radius.serverCounters({ host: '192.0.2.10', authPort: 1812, acctPort: 1813 });
  Object.assign(r1.authen, { requests: 7, timeouts: 2, failovers: 1, retransmits: 3, answered: 5, answerMs: 52, unexpected: 4, incorrect: 6 });
  Object.assign(r1, { accepts: 3, rejects: 1, challenges: 1 });
  Object.assign(r1.account, { requests: 3, retransmits: 1, answered: 3, answerMs: 10 });
  Object.assign(r1.accountRequests, { start: 1, interim: 1, stop: 1 });
  Object.assign(r1.accountResponses, { start: 1, interim: 1, stop: 1 });
  const t1 = tacacs.serverCounters({ host: '192.0.2.20', port: 4949 });
  Object.assign(t1, { sessions: 2, timeouts: 1, answered: 1, answerMs: 7, connections: 2, connectErrors: 1, closedEarly: 1, malformed: 1, unexpected: 2 });
  const states = new Map<string, ServerState>([
    ['192.0.2.11', { dead: true, durationMs: 30_999, previousMs: 94_000, deadTotalMs: 90_500, deadCount: 2 }],
    ['192.0.2.20', { dead: true, durationMs: 1_000, previousMs: 124_400, deadTotalMs: 1_000, deadCount: 1 }],
  ]);
  const state = (s: { host: string }): ServerState => states.get(s.host) ?? UP;
  const text = renderShowAaaServers(aaaShowState(config, {
    radius: { counters: radius.counters, serverCounters: (s) => radius.serverCounters(s), serverState: state },
    tacacs: { counters: tacacs.counters, serverCounters: (s) => tacacs.serverCounters(s), serverState: state },
    logins: { stale: 2 },
  }));
  const idle = [
    '     Authen: request 0, timeouts 0, failover 0, retransmission 0',
    '             Response: accept 0, reject 0, challenge 0',
    '             Response: unexpected 0, server error 0, incorrect 0, time 0ms',
    '             Transaction: success 0, failure 0',
    '     Account: request 0, timeouts 0, failover 0, retransmission 0',
    '             Request: start 0, interim 0, stop 0',
    '             Response: start 0, interim 0, stop 0',
    '             Response: unexpected 0, server error 0, incorrect 0, time 0ms',
    '             Transaction: success 0, failure 0',
  ];
  assert.equal(text, [
    'RADIUS: id 1, priority 1, host 192.0.2.10, auth-port 1812, acct-port 1813',
    '     State: current UP, duration 125s, previous duration 0s',
    '     Dead: total time 0s, count 0',
    '     Authen: request 7, timeouts 2, failover 1, retransmission 3',
    '             Response: accept 3, reject 1, challenge 1',
    '             Response: unexpected 4, server error 0, incorrect 6, time 10ms',
    '             Transaction: success 5, failure 2',
    '     Account: request 3, timeouts 0, failover 0, retransmission 1',
    '             Request: start 1, interim 1, stop 1',
    '             Response: start 1, interim 1, stop 1',
    '             Response: unexpected 0, server error 0, incorrect 0, time 3ms',
    '             Transaction: success 3, failure 0',
    'RADIUS: id 2, priority 2, host 192.0.2.11, auth-port 1645, acct-port 1646, hostname R2',
    '     State: current DEAD, duration 30s, previous duration 94s',
    '     Dead: total time 90s, count 2',
    ...idle,
    'TACACS+: id 3, priority 1, host 192.0.2.20, port 4949',
    '     State: current DEAD, duration 1s, previous duration 124s',
    '     Dead: total time 1s, count 1',
    '     Sessions: 2, timeouts 1',
    '             Response: unexpected 2, incorrect 1, time 7ms',
    '             Connections: opened 2, connect errors 1, closed early 1',
    'TACACS+: id 4, priority 2, host 192.0.2.21, port 49, hostname T2',
    '     State: current UP, duration 125s, previous duration 0s',
    '     Dead: total time 0s, count 0',
    '     Sessions: 0, timeouts 0',
    '             Response: unexpected 0, incorrect 0, time 0ms',
    '             Connections: opened 0, connect errors 0, closed early 0',
    'RADIUS client, all servers',
    '     Dropped: bad authenticator 6, missing Message-Authenticator 9, bad Message-Authenticator 8',
    '              unknown identifier 5, unexpected code 10, malformed 3 (attribute-overflow 2, short 1)',
    '     Send errors: 1',
    'TACACS+ client, all servers',
    '     Dropped: unexpected 2, malformed 1 (bad-body 1)',
    'Login service',
    '     AAA answers ignored: late 2',
    '',
  ].join('\n'));
  assert.doesNotMatch(text, /radkey|tackey/);
});

const KEY = 'group-K3y';

/** A RADIUS server on a loopback port: `answer` says what it sends to each request (nothing: undefined). */
async function udpServer(answer: (req: RadiusPacket) => Uint8Array | undefined):
  Promise<{ port: number; received: RadiusPacket[]; from: number[]; send(bytes: Uint8Array, port: number): void; close(): Promise<void> }> {
  const s = createSocket('udp4');
  const received: RadiusPacket[] = [];
  const from: number[] = [];
  s.on('message', (msg, rinfo) => {
    const d = decodePacket(msg);
    assert.ok(d.ok);
    received.push(d.packet);
    from.push(rinfo.port);
    const bytes = answer(d.packet);
    if (bytes !== undefined) s.send(bytes, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return {
    port: s.address().port, received, from,
    send: (bytes, port) => s.send(bytes, port, '127.0.0.1'),
    close: () => new Promise<void>((resolve) => s.close(() => resolve())),
  };
}

/** A signed reply of `code` to `req` (with a Message-Authenticator unless it answers accounting). */
function signed(code: number, req: RadiusPacket): Uint8Array {
  const ma = code !== RADIUS_CODE.ACCOUNTING_RESPONSE;
  const bytes = encodePacket(code, req.identifier, new Uint8Array(16),
    ma ? [{ type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(16) }] : []);
  signReply(bytes, ma ? 22 : -1, req.authenticator, new TextEncoder().encode(KEY));
  return bytes;
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), what);
}

test('two servers of one group: the silent one times out, fails over and is DEAD, then UP after its dead-time; the answering one counts its answers', async () => {
  const silent = await udpServer(() => undefined);
  // It answers accounting on its authentication port too (the config says so).
  const live = await udpServer((req) => {
    if (req.code === RADIUS_CODE.ACCOUNTING_REQUEST) return signed(RADIUS_CODE.ACCOUNTING_RESPONSE, req);
    const user = req.attributes.find((a) => a.type === RADIUS_ATTR.USER_NAME);
    return signed(new TextDecoder().decode(user?.value) === 'alice' ? RADIUS_CODE.ACCESS_ACCEPT : RADIUS_CODE.ACCESS_REJECT, req);
  });
  const clock = { ms: 0 };
  const client = new RadiusClient({ deadtimeMs: 60_000, nasIdentifier: 'gw', nowMs: () => clock.ms });
  const tacacs = new TacacsClient({ nowMs: () => clock.ms });
  try {
    const config = parseConfig(`hostname gw
radius server SILENT
 address ipv4 127.0.0.1 auth-port ${silent.port} acct-port ${silent.port + 1}
 key ${KEY}
radius-server host 127.0.0.1 auth-port ${live.port} acct-port ${live.port} key ${KEY}
aaa group server radius G
 server name SILENT
 server 127.0.0.1 auth-port ${live.port} acct-port ${live.port}
radius-server deadtime 1
end
`, 'g.cfg');
    const group = config.radius.groups.get('G');
    assert.ok(group);
    const targets = group.servers.map((s) => ({ host: s.host, authPort: s.authPort, acctPort: s.acctPort, secret: KEY, timeoutMs: 200, retransmit: 1 }));
    assert.deepEqual(targets.map((t) => t.authPort), [silent.port, live.port]);
    clock.ms = 1_000;
    assert.equal((await client.access(targets, { user: 'alice', password: 'pw' })).kind, 'reply');
    assert.equal(silent.received.length, 2, 'sent and sent again');
    // The silent server's late answer is dropped, and counted as its unexpected response.
    silent.send(signed(RADIUS_CODE.ACCESS_ACCEPT, silent.received[0]!), silent.from[0]!);
    await until('the late answer', () => client.counters.unknownIdentifier === 1);
    assert.equal((await client.access(targets, { user: 'mallory', password: 'pw' })).kind, 'reply');
    assert.equal(silent.received.length, 2, 'dead: skipped');
    const start = [integerAttribute(RADIUS_ATTR.ACCT_STATUS_TYPE, ACCT_STATUS.START), textAttribute(RADIUS_ATTR.ACCT_SESSION_ID, '1')];
    assert.equal((await client.accounting(targets, start)).kind, 'reply');
    clock.ms = 6_000;
    const show = (): string => renderShowAaaServers(aaaShowState(config, { radius: client, tacacs }));
    const text = show();
    assert.ok(text.startsWith([
      `RADIUS: id 1, priority 1, host 127.0.0.1, auth-port ${silent.port}, acct-port ${silent.port + 1}, hostname SILENT`,
      '     State: current DEAD, duration 5s, previous duration 1s',
      '     Dead: total time 5s, count 1',
      '     Authen: request 1, timeouts 1, failover 1, retransmission 1',
      '             Response: accept 0, reject 0, challenge 0',
      '             Response: unexpected 1, server error 0, incorrect 0, time 0ms',
      '             Transaction: success 0, failure 1',
      '     Account: request 0, timeouts 0, failover 0, retransmission 0',
      '             Request: start 0, interim 0, stop 0',
      '             Response: start 0, interim 0, stop 0',
      '             Response: unexpected 0, server error 0, incorrect 0, time 0ms',
      '             Transaction: success 0, failure 0',
      `RADIUS: id 2, priority 2, host 127.0.0.1, auth-port ${live.port}, acct-port ${live.port}`,
      '     State: current UP, duration 6s, previous duration 0s',
      '     Dead: total time 0s, count 0',
      '     Authen: request 2, timeouts 0, failover 0, retransmission 0',
      '             Response: accept 1, reject 1, challenge 0',
      '             Response: unexpected 0, server error 0, incorrect 0, time 0ms',
      '             Transaction: success 2, failure 0',
      '     Account: request 1, timeouts 0, failover 0, retransmission 0',
      '             Request: start 1, interim 0, stop 0',
      '             Response: start 1, interim 0, stop 0',
      '             Response: unexpected 0, server error 0, incorrect 0, time 0ms',
      '             Transaction: success 1, failure 0',
      'RADIUS client, all servers',
      '',
    ].join('\n')), text);
    // The dead-time runs out a minute after the silent server was marked: UP since then.
    clock.ms = 70_000;
    assert.match(show(), /hostname SILENT\n {5}State: current UP, duration 9s, previous duration 60s\n {5}Dead: total time 60s, count 1\n/);
    assert.ok(!text.includes(KEY));
  } finally {
    await client.close();
    await silent.close();
    await live.close();
  }
});
