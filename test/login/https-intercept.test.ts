/**
 * Interception of 443 for a rule with `https`: the TLS connection is terminated in the userspace
 * stack with the gateway's certificate and served the login page, which posts to the login
 * service; the URL asked for (https) is remembered for the success page.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { makeContextFixture } from '../gateway/context-fixture.js';
import { startLoginService, type LoginService } from '../../src/login/service.js';
import type { Authenticator, AuthOutcome } from '../../src/aaa/types.js';
import { VERDICT_DROP, VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { PacketNet } from './packet-net.js';
import { testCertificate } from './tls-fixture.js';
import { serviceConfig } from './service-fixture.js';

const config = (https: boolean): string => serviceConfig(https ? 'ip auth-proxy name web https\n' : '');

const never: Authenticator = { authenticate: async (): Promise<AuthOutcome> => ({ kind: 'reject', reason: 'no' }) };
const services: LoginService[] = [];
after(async () => {
  for (const s of services) await s.close();
});

async function start(https: boolean): Promise<{ net: PacketNet; service: LoginService; cert: string }> {
  const fx = makeContextFixture({ configText: config(https) });
  const { cert, key } = testCertificate();
  const service = await startLoginService(fx.ctx, { authenticator: never, tls: { cert, key }, addresses: ['127.0.0.1'], port: 0 });
  services.push(service);
  return { net: new PacketNet(fx.engine, fx.clock, () => service.app.settle()), service, cert };
}

test('an intercepted https connection gets the login page over TLS with the gateway\'s certificate', async () => {
  const { net, service, cert } = await start(true);
  const c = net.client('127.0.0.5', 40100, '10.2.0.9', 443);
  assert.equal(c.connect(), VERDICT_INTERCEPT);
  // The browser's view: the certificate is the gateway's, not bank.example's (it warns).
  const client = tls.connect({ socket: c.stream, ca: cert, checkServerIdentity: () => undefined });
  const chunks: Buffer[] = [];
  let ended = false;
  client.on('data', (d: Buffer) => chunks.push(d));
  client.on('end', () => { ended = true; });
  client.on('error', () => { ended = true; });
  client.write('GET /secure/page?x=1 HTTP/1.1\r\nHost: bank.example\r\nConnection: close\r\n\r\n');
  for (let i = 0; i < 50 && !ended; i++) await net.pump();
  const text = Buffer.concat(chunks).toString('utf8');
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(text.includes(`<form method="post" action="https://127.0.0.1:${service.port}/">`), text);
  assert.match(text, /name="ap_orig" value="https:\/\/bank\.example\/secure\/page\?x=1"/);
  const peer = client.getPeerCertificate(true);
  assert.deepEqual(peer.raw, new X509Certificate(cert).raw);
  assert.ok(tls.checkServerIdentity('bank.example', peer) instanceof Error, 'a browser sees a certificate for another name');
  assert.equal(service.app.stats.tls, 1);
  assert.ok(c.fin);
});

test('without https in the rule, 443 is not intercepted', async () => {
  const { net } = await start(false);
  const c = net.client('127.0.0.5', 40101, '10.2.0.9', 443);
  assert.equal(c.connect(), VERDICT_DROP);
});
