/**
 * A late AAA answer (issue "AAA", point 1): a login is being checked by a slow RADIUS server
 * (a UDP server of the test's own that holds its answer until told), the host's cache entry
 * goes meanwhile — `clear ip auth-proxy cache` or its timer — and then the server accepts, with
 * priv-lvl 15 and a downloaded entry. Nothing may be installed: no cache entry, no dynamic ACL
 * entry, the host's ssh still dropped, and the login page says to log in again. The same login
 * left alone is let through (the control case).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createSocket } from 'node:dgram';
import { makeContextFixture } from '../gateway/context-fixture.js';
import { startLoginService, type LoginService } from '../../src/login/service.js';
import { createMethodList, type MethodListAuthenticator } from '../../src/aaa/methods.js';
import { RADIUS_ATTR, RADIUS_CODE } from '../../src/aaa/radius/dictionary.js';
import { decodePacket, encodePacket, vendorAttribute } from '../../src/aaa/radius/packet.js';
import type { RadiusPacket } from '../../src/aaa/radius/packet.js';
import { signReply } from '../../src/aaa/radius/authenticators.js';
import { VERDICT_DROP, VERDICT_FORWARD, VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { AP_STATE_HTTP_ESTAB } from '../../src/authproxy/states.js';
import { PacketNet } from '../login/packet-net.js';
import { testCertificate } from '../login/tls-fixture.js';

const SECRET = 'late-answer-K3y';
const PASSWORD = 'late-answer-Passw0rd';

/** A RADIUS server that answers every Access-Request with an Accept, but only when released. */
async function slowServer(): Promise<{ port: number; requests: () => number; release: () => void; close: () => Promise<void> }> {
  const s = createSocket('udp4');
  const held: { packet: RadiusPacket; port: number; address: string }[] = [];
  let requests = 0;
  s.on('message', (msg, rinfo) => {
    const d = decodePacket(new Uint8Array(msg));
    if (!d.ok || d.packet.code !== RADIUS_CODE.ACCESS_REQUEST) return;
    requests++;
    held.push({ packet: d.packet, port: rinfo.port, address: rinfo.address });
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const text = (t: string): Uint8Array => new TextEncoder().encode(t);
  return {
    port: s.address().port,
    requests: () => requests,
    release() {
      for (const h of held.splice(0)) {
        const bytes = encodePacket(RADIUS_CODE.ACCESS_ACCEPT, h.packet.identifier, new Uint8Array(16), [
          { type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(16) },
          vendorAttribute(9, 1, text('auth-proxy:priv-lvl=15')),
          vendorAttribute(9, 1, text('auth-proxy:proxyacl#1=permit tcp any any eq 22')),
        ]);
        signReply(bytes, 22, h.packet.authenticator, text(SECRET));
        s.send(bytes, h.port, h.address);
      }
    },
    close: () => new Promise<void>((resolve) => s.close(() => resolve())),
  };
}

const config = (port: number): string => `hostname gw
aaa new-model
aaa authentication login default group radius
aaa authorization auth-proxy default group radius
radius-server host 127.0.0.1 auth-port ${port} acct-port ${port + 1} key ${SECRET}
radius-server timeout 30
ip auth-proxy name web http
ip auth-proxy auth-cache-time 5
ip http secure-server
interface Gi0/0
 ip address 127.0.0.1 255.0.0.0
 ip auth-proxy web
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
access-list 101 deny tcp any any
end
`;

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const words = (a: string): Uint32Array => new Uint32Array([0, 0, 0xffff, a.split('.').reduce((v, x) => v * 256 + Number(x), 0) >>> 0]);

async function setup(): Promise<{
  fx: ReturnType<typeof makeContextFixture>; net: PacketNet; service: LoginService; auth: MethodListAuthenticator;
  server: Awaited<ReturnType<typeof slowServer>>; cert: string;
}> {
  const server = await slowServer();
  closers.push(() => server.close());
  const fx = makeContextFixture({ configText: config(server.port) });
  const auth = createMethodList({ config: fx.config });
  closers.push(() => auth.close());
  const { cert, key } = testCertificate();
  const service = await startLoginService(fx.ctx, { authenticator: auth, tls: { cert, key }, addresses: ['127.0.0.1'], port: 0 });
  closers.push(() => service.close());
  const net = new PacketNet(fx.engine, fx.clock, () => service.app.settle());
  return { fx, net, service, auth, server, cert };
}

/** The intercepted login page for `src` (which creates the host's cache entry); its form token. */
async function loginPageToken(s: Awaited<ReturnType<typeof setup>>, src: string, sport: number): Promise<string> {
  const c = s.net.client(src, sport, '10.2.0.9', 80);
  assert.equal(c.connect(), VERDICT_INTERCEPT);
  c.send('GET / HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
  await s.net.pump();
  return /name="ap_token" value="([^"]+)"/.exec(c.text)![1]!;
}

/** POSTs the login from `src`; resolves with status and body. */
function post(s: Awaited<ReturnType<typeof setup>>, src: string, token: string): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams({ uname: 'alice', pwd: PASSWORD, ap_token: token }).toString();
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: s.service.port, method: 'POST', path: '/', localAddress: src, ca: s.cert,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(what: string, f: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The host's ssh SYN: forwarded only with the downloaded entry installed. */
function ssh(s: Awaited<ReturnType<typeof setup>>, src: string, sport: number): number {
  return s.net.client(src, sport, '10.2.0.9', 22).segment(0x02);
}

test('control: the slow server\'s accept, when the entry is still there, lets the host through with its entry', async () => {
  const s = await setup();
  const src = '127.0.0.31';
  const token = await loginPageToken(s, src, 41001);
  const pending = post(s, src, token);
  await until('the Access-Request', () => s.server.requests() === 1);
  s.server.release();
  const r = await pending;
  assert.equal(r.status, 200, r.body);
  const host = s.fx.engine.cache.lookup(words(src));
  assert.equal(s.fx.engine.cache.state[host], AP_STATE_HTTP_ESTAB);
  assert.equal(ssh(s, src, 41002), VERDICT_FORWARD);
});

test('a late accept for a host cleared meanwhile installs nothing: no entry, no downloaded ACL, ssh still dropped', async () => {
  const s = await setup();
  const src = '127.0.0.32';
  const token = await loginPageToken(s, src, 42001);
  assert.ok(s.fx.engine.cache.lookup(words(src)) >= 0, 'the intercepted page made the entry');
  const pending = post(s, src, token);
  await until('the Access-Request', () => s.server.requests() === 1);
  assert.equal(s.fx.engine.clearCache(words(src), s.fx.clock.nowMs), 1);
  s.server.release();
  const r = await pending;
  assert.equal(r.status, 409, r.body);
  assert.match(r.body, /cleared or timed out while it was being checked, so nothing was let through/);
  assert.doesNotMatch(r.body, /Authentication Successful/);
  assert.equal(s.fx.engine.cache.lookup(words(src)), -1, 'no cache entry');
  assert.equal(ssh(s, src, 42002), VERDICT_DROP, 'no downloaded entry');
  assert.equal(s.auth.radius.counters.accepts, 1, 'the accept did arrive');
});

test('a late accept for a host whose entry expired meanwhile installs nothing', async () => {
  const s = await setup();
  const src = '127.0.0.33';
  const token = await loginPageToken(s, src, 43001);
  const pending = post(s, src, token);
  await until('the Access-Request', () => s.server.requests() === 1);
  s.fx.clock.nowMs += 10 * 60_000;
  s.fx.engine.poll(s.fx.clock.nowMs);
  assert.equal(s.fx.engine.cache.lookup(words(src)), -1, 'expired');
  s.server.release();
  const r = await pending;
  assert.equal(r.status, 409, r.body);
  assert.equal(s.fx.engine.cache.lookup(words(src)), -1, 'no cache entry');
  assert.equal(ssh(s, src, 43002), VERDICT_DROP, 'no downloaded entry');
});
