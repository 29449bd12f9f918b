/**
 * RADIUS replies that must not be believed, through the login service (issue "AAA", bad input
 * and faults): a reply with a bad Response Authenticator or another request's identifier is
 * dropped and counted, and when nothing else comes the login gets the "did not answer" page
 * within the configured timeout (never a hang); a reply with an attribute that runs past the
 * packet, or a datagram longer than RADIUS allows, is counted as malformed and the login fails
 * the same clean way; an Access-Accept whose `proxyacl` entry is bytes that do not parse is
 * refused with the reason and installs nothing. The operator sees every counter in `show aaa
 * servers` (through the control socket's answer), which no offline `--config` can answer. No
 * page names the password or the key.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { RADIUS_ATTR, RADIUS_CODE } from '../../src/aaa/radius/dictionary.js';
import { findAttribute, textAttribute } from '../../src/aaa/radius/packet.js';
import { answerShow } from '../../src/control/answer.js';
import { parseControlCommand } from '../../src/control/commands.js';
import { ControlUnavailableError } from '../../src/errors.js';
import { VERDICT_DROP } from '../../src/engine/engine.js';
import { AP_STATE_HTTP_ESTAB } from '../../src/authproxy/states.js';
import { FIXTURE_KEY, FIXTURE_PASSWORD, radiusLoginSetup, signedAccept, signedReply, words, type RadiusLoginSetup } from './radius-login-fixture.js';

const setups: RadiusLoginSetup[] = [];
after(async () => {
  for (const s of setups) await s.close();
  for (const s of setups) for (const p of s.pages) assert.ok(!p.includes(FIXTURE_PASSWORD) && !p.includes(FIXTURE_KEY), 'a page names a secret');
});

/** `show aaa servers` of the setup's gateway. */
function showAaa(s: RadiusLoginSetup): string {
  const cmd = parseControlCommand(['sh', 'aaa', 'serv']);
  assert.equal(cmd.kind, 'show-aaa-servers');
  if (cmd.kind !== 'show-aaa-servers') throw new Error('parse');
  return answerShow(cmd, { config: s.fx.config, acls: s.fx.engine.acls, engine: s.fx.engine, nowMs: 0, aaa: s.auth });
}

test('a bad authenticator and a mismatched identifier are dropped and counted; the login gets "did not answer" within the timeout', async () => {
  const s = await radiusLoginSetup((req, send) => {
    send(signedAccept(req, ['permit tcp any any eq 22'], { secret: 'not the key' }));
    send(signedAccept(req, ['permit tcp any any eq 22'], { id: (req.identifier + 7) & 0xff }));
  }, { timeoutSec: 1, retransmit: 1 });
  setups.push(s);
  const src = '127.0.0.41';
  const r = await s.post(src, await s.loginPageToken(src, 44001));
  assert.equal(r.status, 503, r.body);
  assert.match(r.body, /The authentication server did not answer/);
  assert.ok(r.ms >= 1900 && r.ms < 6000, `${r.ms.toFixed(0)} ms: two tries of 1 s`);
  const c = s.auth.radius.counters;
  assert.equal(s.server.requests(), 2, 'sent and sent again');
  assert.deepEqual([c.badAuthenticator, c.unknownIdentifier, c.accepts, c.retransmits, c.timeouts], [2, 2, 0, 1, 1]);
  const show = showAaa(s);
  // The server's own block: the bad authenticators are its incorrect responses, the other identifier its unexpected ones.
  assert.match(show, new RegExp(`^RADIUS: id 1, priority 1, host 127\\.0\\.0\\.1, auth-port ${s.server.port}, acct-port ${s.server.port + 1}\n`
    + ' {5}State: current UP, duration \\d+s, previous duration 0s\n {5}Dead: total time 0s, count 0\n'
    + ' {5}Authen: request 1, timeouts 1, failover 0, retransmission 1\n {13}Response: accept 0, reject 0, challenge 0\n'
    + ' {13}Response: unexpected 2, server error 0, incorrect 2, time 0ms\n {13}Transaction: success 0, failure 1\n'), show);
  assert.match(show, /\nRADIUS client, all servers\n {5}Dropped: bad authenticator 2, missing Message-Authenticator 0, bad Message-Authenticator 0\n {14}unknown identifier 2, unexpected code 0, malformed 0\n {5}Send errors: 0\n/);
  assert.doesNotMatch(show, new RegExp(FIXTURE_KEY));
  const host = s.fx.engine.cache.lookup(words(src));
  assert.notEqual(s.fx.engine.cache.state[host], AP_STATE_HTTP_ESTAB, 'not let through');
  assert.equal(s.net.client(src, 44002, '10.2.0.9', 22).segment(0x02), VERDICT_DROP);
});

test('an attribute past the packet\'s end and an over-long datagram are counted as malformed; the login fails cleanly', async () => {
  const s = await radiusLoginSetup((req, send) => {
    const over = signedAccept(req, ['permit tcp any any eq 22']);
    over[over.length - 5] = 250; // the last Cisco-AVPair's vendor length runs past the attribute
    over[21] = 250; // the Message-Authenticator attribute's length runs past the packet
    send(over);
    const long = new Uint8Array(5000);
    long.set(signedAccept(req, []));
    long[2] = 5000 >> 8;
    long[3] = 5000 & 0xff;
    send(long);
  }, { timeoutSec: 1, retransmit: 0 });
  setups.push(s);
  const src = '127.0.0.42';
  const r = await s.post(src, await s.loginPageToken(src, 45001));
  assert.equal(r.status, 503, r.body);
  assert.ok(r.ms < 5000, `${r.ms.toFixed(0)} ms`);
  const c = s.auth.radius.counters;
  assert.equal(c.malformed, 2);
  assert.equal(c.accepts, 0);
  const show = showAaa(s);
  assert.match(show, /malformed 2 \(([a-z-]+ \d, )?[a-z-]+ \d\)\n/, show);
  assert.match(show, / {13}Response: unexpected 0, server error 0, incorrect 2, time 0ms\n/, show);
  assert.equal(s.net.client(src, 45002, '10.2.0.9', 22).segment(0x02), VERDICT_DROP);
});

test('an Accept whose proxyacl is bytes that do not parse: refused with the reason, nothing installed', async () => {
  const s = await radiusLoginSetup((req, send) => {
    send(signedAccept(req, ['permit tcp any any eq 22', 'permit \u0001\u00ff tcp any'], {
      extra: [{ type: RADIUS_ATTR.REPLY_MESSAGE, value: Uint8Array.from([0xff, 0xfe, 0x41]) }],
    }));
  });
  setups.push(s);
  const src = '127.0.0.43';
  const r = await s.post(src, await s.loginPageToken(src, 46001));
  assert.equal(r.status, 403, r.body);
  assert.match(r.body, /Authorization failed: proxyacl#2/);
  assert.equal(s.net.client(src, 46002, '10.2.0.9', 22).segment(0x02), VERDICT_DROP, 'not even proxyacl#1 is installed');
  assert.equal(s.auth.radius.counters.accepts, 1);
});

test('a server\'s texts are shown escaped: a challenge prompt and a reject message of markup, a State of 253 octets', async () => {
  const hostile = '<script>alert(1)</script><b onclick="x">';
  const s = await radiusLoginSetup((req, send) => {
    if (findAttribute(req, RADIUS_ATTR.STATE) === undefined) {
      send(signedReply(RADIUS_CODE.ACCESS_CHALLENGE, req, [
        textAttribute(RADIUS_ATTR.REPLY_MESSAGE, hostile), { type: RADIUS_ATTR.STATE, value: new Uint8Array(253).fill(0x3c) },
      ]));
    } else {
      assert.equal(findAttribute(req, RADIUS_ATTR.STATE)!.length, 253, 'the State goes back as it came');
      send(signedReply(RADIUS_CODE.ACCESS_REJECT, req, [textAttribute(RADIUS_ATTR.REPLY_MESSAGE, hostile)]));
    }
  });
  setups.push(s);
  const src = '127.0.0.44';
  const first = await s.post(src, await s.loginPageToken(src, 47001));
  assert.equal(first.status, 200, first.body);
  assert.ok(!first.body.includes('<script>') && !first.body.includes('<b '), first.body);
  assert.match(first.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  const state = /name="ap_state" value="([^"]+)"/.exec(first.body)![1]!;
  const token = /name="ap_token" value="([^"]+)"/.exec(first.body)![1]!;
  const second = await s.postFields(src, { uname: 'alice', pwd: '123456', ap_token: token, ap_state: state });
  assert.equal(second.status, 403, second.body);
  assert.ok(!second.body.includes('<script>') && !second.body.includes('<b '), second.body);
  assert.match(second.body, /Authentication failed: &lt;script&gt;/);
  assert.equal(s.auth.radius.counters.challenges, 1);
  assert.equal(s.auth.radius.counters.rejects, 1);
});

test('show aaa servers needs the running gateway: offline it says so', () => {
  const cmd = parseControlCommand(['show', 'aaa', 'servers']);
  if (cmd.kind !== 'show-aaa-servers') throw new Error('parse');
  assert.throws(() => answerShow(cmd, { config: setups[0]!.fx.config, acls: setups[0]!.fx.engine.acls, engine: null, nowMs: 0 }),
    (e: unknown) => e instanceof ControlUnavailableError && /show aaa servers/.test(e.message));
});
