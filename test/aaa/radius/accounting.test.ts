import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { parseConfig } from '../../../src/config/parse.js';
import { AP_DELETE_ABSOLUTE, AP_DELETE_CLEAR, AP_DELETE_DISCONNECT, AP_DELETE_IDLE } from '../../../src/authproxy/states.js';
import { RadiusClient } from '../../../src/aaa/radius/client.js';
import { ACCT_AUTHENTIC, RADIUS_ATTR } from '../../../src/aaa/radius/dictionary.js';
import { textAttribute } from '../../../src/aaa/radius/packet.js';
import { encodeAccountingRequest } from '../../../src/aaa/radius/requests.js';
import {
  createRadiusAccounting, MAX_ACCOUNTING_IN_FLIGHT, terminateCauseOf, TERMINATE_CAUSE,
} from '../../../src/aaa/radius/accounting.js';
import { startFreeRadius, waitForLog } from './freeradius-fixture.js';
import type { FreeRadius } from './freeradius-fixture.js';

const SECRET = 'acct secret';
let fr: FreeRadius;

before(async () => {
  fr = await startFreeRadius(SECRET);
});
after(async () => {
  await fr?.stop();
});

const SESSION = { sessionId: '17', user: 'alice', client: '10.50.1.2', authentic: ACCT_AUTHENTIC.RADIUS };

test('terminate causes of the auth-cache removal reasons (RFC 2866 §5.10)', () => {
  assert.equal(terminateCauseOf(AP_DELETE_IDLE), TERMINATE_CAUSE.IDLE_TIMEOUT);
  assert.equal(terminateCauseOf(AP_DELETE_ABSOLUTE), TERMINATE_CAUSE.SESSION_TIMEOUT);
  assert.equal(terminateCauseOf(AP_DELETE_CLEAR), TERMINATE_CAUSE.ADMIN_RESET);
  assert.equal(terminateCauseOf(AP_DELETE_DISCONNECT), TERMINATE_CAUSE.ADMIN_RESET);
  assert.equal(terminateCauseOf(99), TERMINATE_CAUSE.LOST_SERVICE);
});

test('Start and Stop reach FreeRADIUS with the session id, time, octets (Gigawords past 2^32), packets and cause', async () => {
  const cfg = parseConfig(`hostname gw
radius server fr
 address ipv4 127.0.0.1 auth-port ${fr.port} acct-port ${fr.acctPort}
 key ${SECRET}
aaa accounting auth-proxy default start-stop group radius
`, 'acct.cfg');
  const client = new RadiusClient({ deadtimeMs: 0, nasIdentifier: 'gw' });
  try {
    const acct = createRadiusAccounting(cfg, client)!;
    acct.start(SESSION);
    acct.interim(SESSION, { sessionTimeSec: 30, inputOctets: 100, outputOctets: 200, inputPackets: 1, outputPackets: 2 });
    acct.stop(SESSION, {
      sessionTimeSec: 93, inputOctets: 5_000_000_000, outputOctets: 1234, inputPackets: 10, outputPackets: 12,
    }, terminateCauseOf(AP_DELETE_IDLE));
    await acct.settled();
    // FreeRADIUS answers only requests whose Request Authenticator (RFC 2866 §3) and Message-Authenticator verify.
    assert.deepEqual(acct.counters, { sent: 3, answered: 3, unanswered: 0, dropped: 0, deferred: 2 }, 'the Interim-Update and the Stop waited for the Start');
    assert.equal(client.counters.accountingResponses, 3);
  } finally {
    await client.close();
  }
  const log = await waitForLog(fr, 'Acct-Terminate-Cause = Idle-Timeout');
  for (const line of [
    'Acct-Status-Type = Start', 'Acct-Status-Type = Interim-Update', 'Acct-Status-Type = Stop', 'Acct-Session-Id = "17"',
    'User-Name = "alice"', 'Calling-Station-Id = "10.50.1.2"', 'Framed-IP-Address = 10.50.1.2', 'Acct-Authentic = RADIUS',
    'Acct-Session-Time = 93', 'Acct-Input-Octets = 705032704', 'Acct-Input-Gigawords = 1', 'Acct-Output-Octets = 1234',
    'Acct-Input-Packets = 10', 'Acct-Output-Packets = 12', 'Acct-Terminate-Cause = Idle-Timeout', 'NAS-Identifier = "gw"',
  ]) {
    assert.ok(log.includes(line), `FreeRADIUS saw ${line}`);
  }
  assert.doesNotMatch(log, /Acct-Output-Gigawords/);
});

test('FreeRADIUS drops an Accounting-Request whose Message-Authenticator is wrong, so its answers above prove ours right', async () => {
  const te = new TextEncoder();
  const s = createSocket('udp4');
  let answers = 0;
  s.on('message', () => { answers++; });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  try {
    const bad = encodeAccountingRequest(1, te.encode(SECRET), [textAttribute(RADIUS_ATTR.ACCT_SESSION_ID, 'bad')]).bytes;
    bad[25]! ^= 1; // the Message-Authenticator's value; then the Request Authenticator made right again
    bad.fill(0, 4, 20);
    bad.set(createHash('md5').update(bad).update(SECRET).digest(), 4);
    s.send(bad, fr.acctPort, '127.0.0.1');
    const good = encodeAccountingRequest(2, te.encode(SECRET), [textAttribute(RADIUS_ATTR.ACCT_SESSION_ID, 'good')]).bytes;
    setTimeout(() => s.send(good, fr.acctPort, '127.0.0.1'), 300);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(answers, 1);
    assert.match(await waitForLog(fr, 'invalid Message-Authenticator'), /invalid Message-Authenticator/);
  } finally {
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

test('accounting never blocks: calls return at once; a silent server leaves records unanswered; past the bound they are dropped', async () => {
  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  const port = silent.address().port;
  const cfg = parseConfig(`radius-server host 127.0.0.1 auth-port ${port} acct-port ${port} key k
radius-server timeout 1
radius-server retransmit 0
aaa accounting auth-proxy default start-stop group radius
`, 'acct.cfg');
  const client = new RadiusClient({ deadtimeMs: 0, nasIdentifier: 'gw' });
  try {
    const acct = createRadiusAccounting(cfg, client)!;
    for (let i = 0; i <= MAX_ACCOUNTING_IN_FLIGHT; i++) {
      const r: unknown = acct.start({ ...SESSION, sessionId: String(i) });
      assert.equal(r, undefined, 'nothing to wait on');
    }
    // All handed over synchronously, none of them settled: no call waited for an answer.
    assert.deepEqual(acct.counters, { sent: MAX_ACCOUNTING_IN_FLIGHT, answered: 0, unanswered: 0, dropped: 1, deferred: 0 });
    await acct.settled();
    assert.deepEqual(acct.counters, { sent: MAX_ACCOUNTING_IN_FLIGHT, answered: 0, unanswered: MAX_ACCOUNTING_IN_FLIGHT, dropped: 1, deferred: 0 });
  } finally {
    await client.close();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
  assert.equal(createRadiusAccounting(parseConfig('hostname x\n', 'n.cfg'), client), undefined);
});
