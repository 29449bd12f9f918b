/**
 * RFC 5176 dynamic authorization (`aaa server radius dynamic-author`) against Debian's
 * `radclient` as the Dynamic Authorization Server: Disconnect-Request and CoA-Request to the
 * listener on loopback act on the context fixture's engine — the host's entry and downloaded
 * entries visibly gone or replaced (`show ip access-lists`, packets through the engine), its
 * accounting Stop in FreeRADIUS's detail file — and are answered ACK or NAK with the RFC's
 * Error-Cause; requests without a valid authenticator, Message-Authenticator or current
 * Event-Timestamp, from an unknown client, or repeated, are dropped or answered once, and counted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { FIXTURE_CONFIG, makeContextFixture, type ContextFixture } from '../gateway/context-fixture.js';
import { detailRecords, startFreeRadius, type FreeRadius } from './radius/freeradius-fixture.js';
import { tcp, waitFor } from '../control/helpers.js';
import { startDynamicAuthor, type DynamicAuthorServer } from '../../src/aaa/dynamic-author/server.js';
import { startGatewayAccounting, type GatewayAccounting } from '../../src/gateway/accounting.js';
import { parseIp } from '../../src/wire/addr.js';
import { VERDICT_DROP, VERDICT_FORWARD } from '../../src/engine/engine.js';
import { encodePacket, integerAttribute, decodePacket, findAttribute, attributeInteger } from '../../src/aaa/radius/packet.js';
import { ERROR_CAUSE, RADIUS_ATTR, RADIUS_AUTH_LEN, RADIUS_CODE } from '../../src/aaa/radius/dictionary.js';
import { signAccountingRequest } from '../../src/aaa/radius/authenticators.js';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError, DynamicAuthorListenError } from '../../src/errors.js';
import { exitStatusOf } from '../../src/cli/main.js';

const DA_KEY = 'da-Key-9z';
const ACCT_KEY = 'acct-Key-4q';
let fr: FreeRadius;

before(async () => {
  fr = await startFreeRadius(ACCT_KEY);
});
after(async () => {
  await fr?.stop();
});

function config(moreClients = ''): string {
  return FIXTURE_CONFIG.replace('interface Gi0/0\n', `aaa new-model
radius server fr
 address ipv4 127.0.0.1 auth-port ${fr.port} acct-port ${fr.acctPort}
 key ${ACCT_KEY}
aaa accounting auth-proxy default start-stop group radius
aaa server radius dynamic-author
 client 127.0.0.1 server-key ${DA_KEY}
 client 192.0.2.99
${moreClients} server-key other-key
interface Gi0/0\n`);
}

interface Setup {
  fx: ContextFixture;
  da: DynamicAuthorServer;
  acct: GatewayAccounting;
  lines: string[];
}

async function setup(moreClients = '', replayCacheSize?: number): Promise<Setup> {
  const fx = makeContextFixture({ configText: config(moreClients) });
  const lines: string[] = [];
  fx.debugLines.subscribe((l) => lines.push(l));
  fx.engine.messages = (_t, text) => lines.push(text);
  const acct = startGatewayAccounting(fx.ctx)!;
  const da = await startDynamicAuthor({
    ctx: fx.ctx, config: fx.config.dynamicAuthor!, address: '127.0.0.1', port: 0, replayCacheSize, messages: (l) => lines.push(l),
    onDisconnect: (id, cause) => acct.sessions.endingWith(id, cause),
  });
  return { fx, da, acct, lines };
}

async function teardown(s: Setup): Promise<void> {
  await s.da.close();
  await s.acct.close();
  for (const l of s.lines) {
    assert.ok(!l.includes(DA_KEY) && !l.includes(ACCT_KEY), `a key in: ${l}`);
  }
}

/**
 * Runs radclient (asynchronously: the listener is in this process) and returns its output. It
 * waits `timeoutSec` for the answer (a loaded machine may take a while; a request expected to be
 * dropped waits 1 s).
 */
function radclient(port: number, kind: 'disconnect' | 'coa', lines: string[], key = DA_KEY, timeoutSec = 5): Promise<string> {
  const input = lines.join('\n') + '\n';
  return new Promise((resolve) => {
    const child = execFile('radclient', ['-x', '-t', String(timeoutSec), '-r', '1', `127.0.0.1:${port}`, kind, key], (_e, out, err) => {
      resolve(out + err);
    });
    child.stdin!.end(input);
  });
}

const now = (): number => Math.floor(Date.now() / 1000);
const STAMP = (): string => `Event-Timestamp = ${now()}`;
const MA = 'Message-Authenticator = 0x00';

/** Authorizes `host` as `user` with one entry letting tcp 22 through. */
function login(fx: ContextFixture, host: string, user: string): number {
  assert.deepEqual(fx.engine.authorizeHost(parseIp(host)!, user, [{ n: 1, text: 'permit tcp any any eq 22' }], 0), { ok: true });
  return fx.engine.sessionId(fx.engine.cache.lookup(parseIp(host)!));
}

function ssh(fx: ContextFixture, host: string, port = 22): number {
  return fx.handle(tcp({ src: host, dst: '10.2.0.9', sport: 40000 + port, dport: port, seq: 1, flags: 'SYN' }));
}

/** The detail records of session `id` of `user`. */
function records(id: number, user: string): Map<string, string>[] {
  return detailRecords(fr).filter((r) => r.get('Acct-Session-Id') === String(id) && r.get('User-Name') === user);
}

test('radclient Disconnect-Request by Framed-IP-Address: Disconnect-ACK, the host\'s entry and downloaded entries gone, Stop with Admin-Reset', async () => {
  const s = await setup();
  try {
    const id = login(s.fx, '10.1.0.5', 'alice');
    assert.equal(ssh(s.fx, '10.1.0.5'), VERDICT_FORWARD);
    assert.match(s.fx.engine.acls.showIpAccessLists('101'), /permit tcp host 10\.1\.0\.5 any eq 22/);
    const out = await radclient(s.da.port, 'disconnect', ['Framed-IP-Address = 10.1.0.5', STAMP(), MA]);
    assert.match(out, /Received Disconnect-ACK/, out);
    assert.equal(s.fx.engine.cache.lookup(parseIp('10.1.0.5')!), -1);
    assert.doesNotMatch(s.fx.engine.acls.showIpAccessLists('101'), /10\.1\.0\.5/);
    assert.equal(ssh(s.fx, '10.1.0.5'), VERDICT_DROP, 'the host is unauthenticated again: its connection let through before is refused now');
    await waitFor(() => records(id, 'alice').length === 2, 'Start and Stop', 10_000);
    assert.equal(records(id, 'alice')[1]!.get('Acct-Terminate-Cause'), 'Admin-Reset');
    assert.equal(s.da.counters.disconnectAcks, 1);
  } finally {
    await teardown(s);
  }
});

test('an IPv6 host by Framed-IPv6-Address (RFC 6911): CoA then Disconnect', async () => {
  const s = await setup();
  try {
    const host = parseIp('2001:db8:1::20')!;
    assert.deepEqual(s.fx.engine.authorizeHost(host, 'ivan', [], 0), { ok: true });
    const coa = await radclient(s.da.port, 'coa', [
      'Framed-IPv6-Address = 2001:db8:1::20', 'Cisco-AVPair = "auth-proxy:proxyacl#1=permit tcp any any eq 8080"', STAMP(), MA,
    ]);
    assert.match(coa, /Received CoA-ACK/, coa);
    assert.match(s.fx.engine.acls.showIpv6AccessList('inside6'), /2001:DB8:1::20/i);
    const out = await radclient(s.da.port, 'disconnect', ['Framed-IPv6-Address = 2001:db8:1::20', STAMP(), MA]);
    assert.match(out, /Received Disconnect-ACK/, out);
    assert.equal(s.fx.engine.cache.lookup(host), -1);
    assert.doesNotMatch(s.fx.engine.acls.showIpv6AccessList('inside6'), /2001:DB8:1::20/i);
  } finally {
    await teardown(s);
  }
});

test('Disconnect-Request by User-Name ends every session of the user; its Acct-Terminate-Cause becomes the Stop\'s', async () => {
  const s = await setup();
  try {
    const a = login(s.fx, '10.1.0.6', 'bob');
    const b = login(s.fx, '10.1.0.7', 'bob');
    login(s.fx, '10.1.0.8', 'carol');
    const out = await radclient(s.da.port, 'disconnect', ['User-Name = "bob"', 'Acct-Terminate-Cause = Session-Timeout', STAMP(), MA]);
    assert.match(out, /Received Disconnect-ACK/, out);
    assert.equal(s.fx.engine.cache.count, 1, 'carol stays');
    await waitFor(() => records(a, 'bob').length === 2 && records(b, 'bob').length === 2, 'both Stops', 10_000);
    assert.equal(records(a, 'bob')[1]!.get('Acct-Terminate-Cause'), 'Session-Timeout');
    assert.equal(records(b, 'bob')[1]!.get('Acct-Terminate-Cause'), 'Session-Timeout');
  } finally {
    await teardown(s);
  }
});

test('radclient CoA-Request by Acct-Session-Id replaces the host\'s downloaded entries: CoA-ACK, show ip access-lists and the packets show it', async () => {
  const s = await setup();
  try {
    const id = login(s.fx, '10.1.0.9', 'dave');
    const out = await radclient(s.da.port, 'coa', [
      `Acct-Session-Id = "${id}"`, 'Cisco-AVPair = "auth-proxy:priv-lvl=15"',
      'Cisco-AVPair = "auth-proxy:proxyacl#1=permit tcp any host 10.2.0.9 eq 443"', STAMP(), MA,
    ]);
    assert.match(out, /Received CoA-ACK/, out);
    const shown = s.fx.engine.acls.showIpAccessLists('101');
    assert.match(shown, /permit tcp host 10\.1\.0\.9 host 10\.2\.0\.9 eq 443/, shown);
    assert.doesNotMatch(shown, /10\.1\.0\.9 any eq 22/);
    assert.equal(ssh(s.fx, '10.1.0.9', 443), VERDICT_FORWARD);
    assert.equal(ssh(s.fx, '10.1.0.9', 22), VERDICT_DROP, 'the old entry is gone');
    assert.equal(s.fx.engine.sessionId(s.fx.engine.cache.lookup(parseIp('10.1.0.9')!)), id, 'the session goes on');
  } finally {
    await teardown(s);
  }
});

test('NAKs with the RFC 5176 Error-Cause: unknown session 503, an entry that does not parse 407 (nothing changed), two sessions for a CoA 508, an attribute not acted on 401, no identification 402, another NAS 403', async () => {
  const s = await setup();
  try {
    login(s.fx, '10.1.0.10', 'erin');
    login(s.fx, '10.1.0.11', 'erin');
    const cases: [kind: 'disconnect' | 'coa', lines: string[], cause: RegExp][] = [
      ['disconnect', ['Framed-IP-Address = 10.1.0.99'], /Error-Cause = Session-Context-Not-Found/],
      ['coa', ['Acct-Session-Id = "4242"', 'Cisco-AVPair = "auth-proxy:priv-lvl=15"'], /Error-Cause = Session-Context-Not-Found/],
      ['coa', ['Framed-IP-Address = 10.1.0.10', 'Cisco-AVPair = "auth-proxy:proxyacl#1=permit tcp any any eq bogus"'],
        /Error-Cause = Invalid-Attribute-Value/],
      ['coa', ['User-Name = "erin"', 'Cisco-AVPair = "auth-proxy:priv-lvl=15"'], /Error-Cause = Multiple-Session-Selection-Unsupported/],
      ['disconnect', ['Framed-IP-Address = 10.1.0.10', 'Reply-Message = "bye"'], /Error-Cause = Unsupported-Attribute/],
      ['coa', ['Framed-IP-Address = 10.1.0.10', 'Cisco-AVPair = "shell:priv-lvl=15"'], /Error-Cause = Unsupported-Attribute/],
      ['coa', ['Framed-IP-Address = 10.1.0.10', 'Cisco-AVPair = "auth-proxy:proxyacl#1=permit tcp any any eq 443"',
        'Cisco-AVPair = "auth-proxy:timeout=5"'], /Error-Cause = Unsupported-Attribute/],
      ['disconnect', ['NAS-Identifier = "gw"'], /Error-Cause = Missing-Attribute/],
      ['disconnect', ['Framed-IP-Address = 10.1.0.10', 'NAS-IP-Address = 192.0.2.1'], /Error-Cause = NAS-Identification-Mismatch/],
    ];
    for (const [kind, lines, cause] of cases) {
      const out = await radclient(s.da.port, kind, [...lines, STAMP(), MA]);
      assert.match(out, kind === 'coa' ? /Received CoA-NAK/ : /Received Disconnect-NAK/, out);
      assert.match(out, cause, out);
    }
    assert.match(s.fx.engine.acls.showIpAccessLists('101'), /permit tcp host 10\.1\.0\.10 any eq 22/, 'the bad CoA changed nothing');
    assert.equal(s.fx.engine.cache.count, 2);
    assert.equal(s.da.counters.coaNaks + s.da.counters.disconnectNaks, cases.length);
    assert.ok(s.lines.some((l) => /CoA-Request from 127\.0\.0\.1: NAK/.test(l)));
  } finally {
    await teardown(s);
  }
});

test('dropped and counted: a wrong key (bad Request Authenticator), no Message-Authenticator, no or a stale Event-Timestamp; the host stays', async () => {
  const s = await setup();
  try {
    login(s.fx, '10.1.0.12', 'frank');
    const req = ['Framed-IP-Address = 10.1.0.12'];
    const outs = [
      await radclient(s.da.port, 'disconnect', [...req, STAMP(), MA], 'wrong-key', 1),
      await radclient(s.da.port, 'disconnect', [...req, STAMP()], DA_KEY, 1),
      await radclient(s.da.port, 'disconnect', [...req, MA], DA_KEY, 1),
      await radclient(s.da.port, 'disconnect', [...req, `Event-Timestamp = ${now() - 301}`, MA], DA_KEY, 1),
      await radclient(s.da.port, 'disconnect', [...req, `Event-Timestamp = ${now() + 400}`, MA], DA_KEY, 1),
    ];
    for (const out of outs) assert.doesNotMatch(out, /Received/, out);
    const c = s.da.counters;
    await waitFor(() => c.badAuthenticator + c.missingMessageAuthenticator + c.missingTimestamp + c.staleTimestamp === 5, 'five drops');
    assert.deepEqual([c.badAuthenticator, c.missingMessageAuthenticator, c.missingTimestamp, c.staleTimestamp], [1, 1, 1, 2]);
    assert.equal(c.disconnectAcks + c.disconnectNaks, 0);
    assert.notEqual(s.fx.engine.cache.lookup(parseIp('10.1.0.12')!), -1);
  } finally {
    await teardown(s);
  }
});

/** A signed Disconnect-Request for `host` (Message-Authenticator first, Event-Timestamp `ts`). */
function disconnectRequest(id: number, host: string, key: string, ts: number): Uint8Array {
  const bytes = encodePacket(RADIUS_CODE.DISCONNECT_REQUEST, id, new Uint8Array(RADIUS_AUTH_LEN), [
    { type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(RADIUS_AUTH_LEN) },
    { type: RADIUS_ATTR.FRAMED_IP_ADDRESS, value: Uint8Array.from(host.split('.').map(Number)) },
    integerAttribute(RADIUS_ATTR.EVENT_TIMESTAMP, ts),
    { type: RADIUS_ATTR.PROXY_STATE, value: new TextEncoder().encode('ps-1') },
  ]);
  signAccountingRequest(bytes, 22, new TextEncoder().encode(key));
  return bytes;
}

test('a retransmission is answered again with the same answer and carried out once; another client address is dropped; answers echo Proxy-State', async () => {
  const s = await setup();
  const sock = createSocket('udp4');
  const answers: Buffer[] = [];
  sock.on('message', (m) => answers.push(m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const stranger = createSocket('udp4');
  await new Promise<void>((r) => stranger.bind(0, '127.0.0.2', r));
  try {
    login(s.fx, '10.1.0.13', 'grace');
    stranger.send(disconnectRequest(7, '10.1.0.13', DA_KEY, now()), s.da.port, '127.0.0.1');
    await waitFor(() => s.da.counters.unknownClient === 1, 'the stranger counted');
    assert.equal(s.fx.engine.cache.count, 1);
    const req = disconnectRequest(9, '10.1.0.13', DA_KEY, now());
    sock.send(req, s.da.port, '127.0.0.1');
    await waitFor(() => answers.length === 1, 'the first answer');
    assert.equal(s.fx.engine.cache.count, 0);
    login(s.fx, '10.1.0.13', 'grace');
    sock.send(req, s.da.port, '127.0.0.1');
    await waitFor(() => answers.length === 2, 'the second answer');
    assert.ok(answers[0]!.equals(answers[1]!), 'the same answer');
    assert.equal(s.fx.engine.cache.count, 1, 'not carried out twice: the new login stays');
    assert.equal(s.da.counters.duplicates, 1);
    const d = decodePacket(answers[0]!);
    assert.ok(d.ok);
    assert.equal(d.packet.code, RADIUS_CODE.DISCONNECT_ACK);
    assert.equal(new TextDecoder().decode(findAttribute(d.packet, RADIUS_ATTR.PROXY_STATE)), 'ps-1');
    assert.equal(findAttribute(d.packet, RADIUS_ATTR.ERROR_CAUSE), undefined);
    // A NAK's Error-Cause, read with our own codec.
    sock.send(disconnectRequest(10, '10.1.0.77', DA_KEY, now()), s.da.port, '127.0.0.1');
    await waitFor(() => answers.length === 3, 'the NAK');
    const nak = decodePacket(answers[2]!);
    assert.ok(nak.ok);
    assert.equal(nak.packet.code, RADIUS_CODE.DISCONNECT_NAK);
    assert.equal(attributeInteger(findAttribute(nak.packet, RADIUS_ATTR.ERROR_CAUSE)!), ERROR_CAUSE.SESSION_CONTEXT_NOT_FOUND);
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
    await new Promise<void>((r) => stranger.close(() => r()));
    await teardown(s);
  }
});

test('a client that fills its part of the answer cache is refused alone (NAK 506); another client\'s fresh request is still carried out', async () => {
  // Three clients (127.0.0.1, 192.0.2.99, 127.0.0.3 with the block's key) share 6 answers: 2 each.
  const s = await setup(' client 127.0.0.3\n', 6);
  const flooder = createSocket('udp4');
  const other = createSocket('udp4');
  const answers: Buffer[] = [];
  const otherAnswers: Buffer[] = [];
  flooder.on('message', (m) => answers.push(m));
  other.on('message', (m) => otherAnswers.push(m));
  await new Promise<void>((r) => flooder.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => other.bind(0, '127.0.0.3', r));
  const causeOf = (b: Buffer): number | undefined => {
    const d = decodePacket(b);
    assert.ok(d.ok);
    const cause = findAttribute(d.packet, RADIUS_ATTR.ERROR_CAUSE);
    return cause === undefined ? undefined : attributeInteger(cause);
  };
  try {
    login(s.fx, '10.1.0.15', 'ivan');
    // The flood: requests for hosts that have no session, each answered (503) and remembered, until the client is refused.
    const sent: Uint8Array[] = [];
    for (let id = 0; id < 10 && !answers.some((a) => causeOf(a) === ERROR_CAUSE.RESOURCES_UNAVAILABLE); id++) {
      sent.push(disconnectRequest(id, `10.1.9.${id}`, DA_KEY, now()));
      flooder.send(sent[id]!, s.da.port, '127.0.0.1');
      await waitFor(() => answers.length === id + 1, `answer ${id} to the flood`);
    }
    other.send(disconnectRequest(40, '10.1.0.15', 'other-key', now()), s.da.port, '127.0.0.1');
    await waitFor(() => otherAnswers.length === 1, 'the other client\'s answer');
    const d = decodePacket(otherAnswers[0]!);
    assert.ok(d.ok);
    assert.equal(d.packet.code, RADIUS_CODE.DISCONNECT_ACK, `Error-Cause ${causeOf(otherAnswers[0]!)}`);
    assert.equal(s.fx.engine.cache.count, 0, 'the host was disconnected');
    const { SESSION_CONTEXT_NOT_FOUND: NOT_FOUND, RESOURCES_UNAVAILABLE: REFUSED } = ERROR_CAUSE;
    assert.deepEqual(answers.map(causeOf), [NOT_FOUND, NOT_FOUND, REFUSED], 'the flooder refused once its 2 answers are kept');
    // A retransmission of a remembered request of the flooder still gets the answer given.
    flooder.send(sent[0]!, s.da.port, '127.0.0.1');
    await waitFor(() => answers.length === 4, 'the answer to the retransmission');
    assert.ok(answers[3]!.equals(answers[0]!));
    assert.equal(s.da.counters.duplicates, 1);
  } finally {
    await new Promise<void>((r) => flooder.close(() => r()));
    await new Promise<void>((r) => other.close(() => r()));
    await teardown(s);
  }
});

test('a port that cannot be had: DynamicAuthorListenError naming address, port and errno (no key), exit status 3', async () => {
  const s = await setup();
  try {
    await assert.rejects(startDynamicAuthor({ ctx: s.fx.ctx, config: s.fx.config.dynamicAuthor!, address: '127.0.0.1', port: s.da.port }),
      (e: unknown) => {
        assert.ok(e instanceof DynamicAuthorListenError);
        assert.equal(e.errno, 'EADDRINUSE');
        assert.equal(e.message, `aaa server radius dynamic-author: cannot listen on 127.0.0.1 port ${s.da.port}: EADDRINUSE`);
        assert.equal(exitStatusOf(e), 3);
        return true;
      });
  } finally {
    await teardown(s);
  }
});

test('config: aaa server radius dynamic-author block (client, server-key, port; default 3799), refused forms', () => {
  const base = 'hostname gw\naaa server radius dynamic-author\n';
  const c = parseConfig(`${base} client 192.0.2.10 server-key 0 k1\n client 2001:DB8::10\n server-key k2\n port 1700\n auth-type any\n`, 'd.cfg');
  assert.deepEqual(c.dynamicAuthor!.clients.map((x) => [x.address, x.key]), [['192.0.2.10', 'k1'], ['2001:db8::10', 'k2']]);
  assert.equal(c.dynamicAuthor!.port, 1700);
  assert.ok(c.warnings.some((w) => /auth-type/.test(w.message)));
  assert.equal(parseConfig(`${base} client 192.0.2.10 server-key k\n`, 'd.cfg').dynamicAuthor!.port, 3799);
  assert.equal(parseConfig('hostname gw\n', 'd.cfg').dynamicAuthor, undefined);
  assert.throws(() => parseConfig(`${base} client 192.0.2.10\n`, 'd.cfg'), ConfigError, 'a client without any key');
  assert.throws(() => parseConfig(`${base} ignore server-key\n`, 'd.cfg'), /never takes a request without checking/);
  assert.throws(() => parseConfig(`${base} client radius.example server-key k\n`, 'd.cfg'), /IPv4 or IPv6 address/);
});

test('a captured request sent again from another port of the client\'s address is not carried out again; malformed datagrams are dropped and counted', async () => {
  const s = await setup();
  const first = createSocket('udp4');
  const second = createSocket('udp4');
  const answers: Buffer[] = [];
  for (const sock of [first, second]) {
    sock.on('message', (m) => answers.push(m));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  }
  try {
    login(s.fx, '10.1.0.14', 'heidi');
    const req = disconnectRequest(11, '10.1.0.14', DA_KEY, now());
    first.send(req, s.da.port, '127.0.0.1');
    await waitFor(() => answers.length === 1, 'the first answer');
    assert.equal(s.fx.engine.cache.count, 0);
    // The user logs in again; the same datagram (replayed by anyone who can send from the client's address) comes from another port.
    login(s.fx, '10.1.0.14', 'heidi');
    second.send(req, s.da.port, '127.0.0.1');
    await waitFor(() => answers.length === 2, 'the answer to the replay');
    assert.ok(answers[0]!.equals(answers[1]!), 'the answer already given');
    assert.equal(s.fx.engine.cache.count, 1, 'the new login stays');
    assert.equal(s.da.counters.duplicates, 1);
    assert.equal(s.da.counters.disconnectAcks, 1);
    // Malformed: shorter than a header, a Length field past the datagram, attributes of length 0, 1 and overrunning.
    const bad = (attrs: number[], length?: number): Uint8Array => {
      const b = new Uint8Array(20 + attrs.length);
      b[0] = RADIUS_CODE.DISCONNECT_REQUEST;
      b[1] = 12;
      const len = length ?? b.length;
      b[2] = len >> 8;
      b[3] = len & 0xff;
      b.set(attrs, 20);
      return b;
    };
    const datagrams = [new Uint8Array(5), bad([], 400), bad([8, 0, 1, 2]), bad([8, 1, 1, 2]), bad([8, 9, 1, 2]), bad([26, 8, 0, 0, 0, 9, 1, 9])];
    for (const d of datagrams) first.send(d, s.da.port, '127.0.0.1');
    await waitFor(() => s.da.counters.malformed === datagrams.length, 'every malformed datagram counted');
    assert.equal(answers.length, 2, 'none answered');
    assert.equal(s.fx.engine.cache.count, 1);
  } finally {
    await new Promise<void>((r) => first.close(() => r()));
    await new Promise<void>((r) => second.close(() => r()));
    await teardown(s);
  }
});
