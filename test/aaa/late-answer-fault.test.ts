/**
 * A late AAA answer (issue "AAA", point 1): a login is being checked by a slow RADIUS server
 * (the scripted server of radius-login-fixture.ts holds its Accept until told), the host's cache
 * entry goes meanwhile — `clear ip auth-proxy cache` or its timer — and then the server accepts,
 * with priv-lvl 15 and a downloaded entry. Nothing may be installed: no cache entry, no dynamic
 * ACL entry, the host's ssh still dropped, and the page says to log in again. The same login
 * left alone is let through (the control case). A challenge's code answered after the clear is
 * such a late answer too: the login began before it. `show aaa servers` counts the late answers.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RadiusPacket } from '../../src/aaa/radius/packet.js';
import { findAttribute, textAttribute } from '../../src/aaa/radius/packet.js';
import { RADIUS_ATTR, RADIUS_CODE } from '../../src/aaa/radius/dictionary.js';
import { VERDICT_DROP, VERDICT_FORWARD } from '../../src/engine/engine.js';
import { AP_STATE_HTTP_ESTAB } from '../../src/authproxy/states.js';
import { answerShow } from '../../src/control/answer.js';
import { parseControlCommand } from '../../src/control/commands.js';
import { radiusLoginSetup, signedAccept, signedReply, until, words, type RadiusLoginSetup } from './radius-login-fixture.js';

const setups: RadiusLoginSetup[] = [];
after(async () => {
  for (const s of setups) await s.close();
});

/** A setup whose server holds every Access-Request until `release`, then accepts it with ssh permitted. */
async function slow(): Promise<{ s: RadiusLoginSetup; release: () => void }> {
  const held: { req: RadiusPacket; send: (b: Uint8Array) => void }[] = [];
  const s = await radiusLoginSetup((req, send) => { held.push({ req, send }); });
  setups.push(s);
  return { s, release: () => { for (const h of held.splice(0)) h.send(signedAccept(h.req, ['permit tcp any any eq 22'])); } };
}

/** The host's ssh SYN: forwarded only with the downloaded entry installed. */
function ssh(s: RadiusLoginSetup, src: string, sport: number): number {
  return s.net.client(src, sport, '10.2.0.9', 22).segment(0x02);
}

test('control: the slow server\'s accept, when the entry is still there, lets the host through with its entry', async () => {
  const { s, release } = await slow();
  const src = '127.0.0.31';
  const pending = s.post(src, await s.loginPageToken(src, 41001));
  await until('the Access-Request', () => s.server.requests() === 1);
  release();
  const r = await pending;
  assert.equal(r.status, 200, r.body);
  const host = s.fx.engine.cache.lookup(words(src));
  assert.equal(s.fx.engine.cache.state[host], AP_STATE_HTTP_ESTAB);
  assert.equal(ssh(s, src, 41002), VERDICT_FORWARD);
});

test('a late accept for a host cleared meanwhile installs nothing: no entry, no downloaded ACL, ssh still dropped', async () => {
  const { s, release } = await slow();
  const src = '127.0.0.32';
  const token = await s.loginPageToken(src, 42001);
  assert.ok(s.fx.engine.cache.lookup(words(src)) >= 0, 'the intercepted page made the entry');
  const pending = s.post(src, token);
  await until('the Access-Request', () => s.server.requests() === 1);
  assert.equal(s.fx.engine.clearCache(words(src), s.fx.clock.nowMs), 1);
  release();
  const r = await pending;
  assert.equal(r.status, 409, r.body);
  assert.match(r.body, /cleared or timed out while it was being checked, so nothing was let through/);
  assert.doesNotMatch(r.body, /Authentication Successful/);
  assert.equal(s.fx.engine.cache.lookup(words(src)), -1, 'no cache entry');
  assert.equal(ssh(s, src, 42002), VERDICT_DROP, 'no downloaded entry');
  assert.equal(s.auth.radius.counters.accepts, 1, 'the accept did arrive');
  // The operator sees it: the late answer counted in show aaa servers.
  const cmd = parseControlCommand(['show', 'aaa', 'servers']);
  if (cmd.kind !== 'show-aaa-servers') throw new Error('parse');
  const aaa = { radius: s.auth.radius, tacacs: s.auth.tacacs, logins: s.service.stats.logins };
  const shown = answerShow(cmd, { config: s.fx.config, acls: s.fx.engine.acls, engine: s.fx.engine, nowMs: 0, aaa });
  assert.match(shown, /^TACACS\+ client, all servers\n(?: {5}.*\n)*Login service\n {5}AAA answers ignored: late 1\n/m, shown);
  assert.match(shown, / {13}Response: accept 1, reject 0, challenge 0\n/, shown);
});

test('a late accept for a host whose entry expired meanwhile installs nothing', async () => {
  const { s, release } = await slow();
  const src = '127.0.0.33';
  const pending = s.post(src, await s.loginPageToken(src, 43001));
  await until('the Access-Request', () => s.server.requests() === 1);
  s.fx.clock.nowMs += 10 * 60_000;
  s.fx.engine.poll(s.fx.clock.nowMs);
  assert.equal(s.fx.engine.cache.lookup(words(src)), -1, 'expired');
  release();
  const r = await pending;
  assert.equal(r.status, 409, r.body);
  assert.equal(s.fx.engine.cache.lookup(words(src)), -1, 'no cache entry');
  assert.equal(ssh(s, src, 43002), VERDICT_DROP, 'no downloaded entry');
});

test('a challenge answered after its host was cleared installs nothing: the login began before the clear', async () => {
  const s = await radiusLoginSetup((req, send) => {
    if (findAttribute(req, RADIUS_ATTR.STATE) === undefined) {
      send(signedReply(RADIUS_CODE.ACCESS_CHALLENGE, req, [
        { type: RADIUS_ATTR.STATE, value: Uint8Array.of(1, 2, 3) }, textAttribute(RADIUS_ATTR.REPLY_MESSAGE, 'Code:'),
      ]));
    } else {
      send(signedAccept(req, ['permit tcp any any eq 22']));
    }
  });
  setups.push(s);
  const src = '127.0.0.34';
  const step = await s.post(src, await s.loginPageToken(src, 44001));
  assert.equal(step.status, 200, step.body);
  const field = (name: string): string => new RegExp(`name="${name}" value="([^"]+)"`).exec(step.body)![1]!;
  assert.equal(s.fx.engine.clearCache(words(src), s.fx.clock.nowMs), 1);
  const r = await s.postFields(src, { uname: 'alice', pwd: '123456', ap_token: field('ap_token'), ap_state: field('ap_state') });
  assert.equal(r.status, 409, r.body);
  assert.equal(s.auth.radius.counters.accepts, 1, 'the server accepted the code');
  assert.equal(s.fx.engine.cache.lookup(words(src)), -1, 'no cache entry');
  assert.equal(ssh(s, src, 44002), VERDICT_DROP, 'no downloaded entry');
});
