/**
 * Test helper of the login service tests: a gateway context fixture with the login service on
 * 127.0.0.1 (a port the kernel picks), intercepted connections driven by packets through the
 * engine (`PacketNet`), and HTTPS requests to the service from a loopback source address. Every
 * page and line the test sees goes into `outputs` (grepped for passwords by the tests).
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { makeContextFixture, type ContextFixture } from '../gateway/context-fixture.js';
import { startLoginService, type LoginService, type LoginServiceOptions } from '../../src/login/service.js';
import type { Authenticator } from '../../src/aaa/types.js';
import { DEBUG_DETAILED, DEBUG_HTTP, DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION } from '../../src/engine/debug.js';
import { VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { PacketNet } from './packet-net.js';
import { testCertificate } from './tls-fixture.js';

/**
 * The service tests' gateway: clients on 127/8 (Gi0/0, rule `web`, everything else denied by
 * list 101), servers beyond Gi0/1. `extra` global lines go before the interfaces.
 */
export const serviceConfig = (extra = ''): string => `hostname gw
ip auth-proxy name web http
${extra}ip http secure-server
interface Gi0/0
 ip address 127.0.0.1 255.0.0.0
 ip auth-proxy web
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
access-list 101 deny tcp any any
end
`;

export interface ServiceSetup<A extends Authenticator = Authenticator> {
  fx: ContextFixture;
  net: PacketNet;
  service: LoginService;
  auth: A;
  cert: string;
  /** Everything seen: debug lines, messages, pages. */
  outputs: string[];
}

const services: LoginService[] = [];
after(async () => {
  for (const s of services) await s.close();
});

/** Starts the login service on `configText` with `auth`, collecting every output into `outputs`. */
export async function startServiceFixture<A extends Authenticator>(configText: string, auth: A, outputs: string[],
  more: Partial<LoginServiceOptions> = {}): Promise<ServiceSetup<A>> {
  const fx = makeContextFixture({
    configText, debugFlags: DEBUG_DETAILED | DEBUG_HTTP | DEBUG_OBJECT_CREATION | DEBUG_OBJECT_DELETION,
  });
  fx.debugLines.subscribe((l) => outputs.push(l));
  fx.engine.messages = (_t, text) => outputs.push(text);
  const { cert, key } = testCertificate();
  const service = await startLoginService(fx.ctx, { authenticator: auth, tls: { cert, key }, addresses: ['127.0.0.1'], port: 0, proxyPort: 0, ...more });
  services.push(service);
  const net = new PacketNet(fx.engine, fx.clock, () => service.app.settle());
  return { fx, net, service, auth, cert, outputs };
}

/** GETs `url` through an intercepted connection from `src` to 10.2.0.9:80 (extra header lines in `headers`); returns the response text. */
export async function interceptedGet(s: ServiceSetup, src: string, sport: number, url = '/wiki/Main', host = 'example.test',
  headers = ''): Promise<string> {
  const c = s.net.client(src, sport, '10.2.0.9', 80);
  assert.equal(c.connect(), VERDICT_INTERCEPT);
  c.send(`GET ${url} HTTP/1.1\r\nHost: ${host}\r\n${headers}Connection: close\r\n\r\n`);
  await s.net.pump();
  s.outputs.push(c.text);
  return c.text;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request to the login service over TLS from `src` (a loopback address). */
export function httpsRequest(s: ServiceSetup, src: string, o: { method?: string; path?: string; body?: string; headers?: Record<string, string | number> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: s.service.port, method: o.method ?? 'GET', path: o.path ?? '/', localAddress: src, ca: s.cert,
      headers: o.headers,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        s.outputs.push(text);
        resolve({ status: res.statusCode!, headers: res.headers, body: text });
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** POSTs `body` to the login service from `src`. */
export function httpsPost(s: ServiceSetup, src: string, body: string, type = 'application/x-www-form-urlencoded', path = '/'): Promise<Reply> {
  return httpsRequest(s, src, { method: 'POST', path, body, headers: { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) } });
}

/** GETs `path` of the login service from `src`; resolves with the body. */
export async function httpsGet(s: ServiceSetup, src: string, path = '/'): Promise<string> {
  return (await httpsRequest(s, src, { path })).body;
}

export const tokenOf = (page: string): string => /name="ap_token" value="([^"]+)"/.exec(page)![1]!;
export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
export const words = (a: string): Uint32Array => new Uint32Array([0, 0, 0xffff, a.split('.').reduce((v, x) => v * 256 + Number(x), 0) >>> 0]);
