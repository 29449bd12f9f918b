/**
 * The explicit proxy (`ip auth-proxy proxy-listener`), driven by curl `--proxy` on loopback:
 * origins on 127.0.0.50 (http) and 127.0.0.51 (https, through CONNECT), the client bound to
 * 127.0.0.30, the gateway's inside interface 127/8 with everything denied by list 101 until the
 * user's downloaded entries open the two origins. Without credentials 407 with
 * Proxy-Authenticate, wrong credentials 407, right ones the content, never a 401; the host is
 * authorized as by a login (same debug lines); a destination the ACLs do not permit is 403.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { Authenticator, AuthOutcome, AuthRequest } from '../../src/aaa/types.js';
import type { DynamicAclText } from '../../src/acl/api.js';
import { AP_STATE_HTTP_ESTAB } from '../../src/authproxy/states.js';
import { PROXY_MAX_CONNECTIONS_PER_SOURCE, quotedString, readBasic } from '../../src/login/explicit-proxy.js';
import { serviceConfig, startServiceFixture, words, type ServiceSetup } from './service-fixture.js';
import { testCertificate } from './tls-fixture.js';

const PASSWORD = 'pr0xy:pass word';
const CLIENT = '127.0.0.30';

class Auth implements Authenticator {
  readonly asked: string[] = [];
  entries: DynamicAclText[] = [];
  async authenticate(req: AuthRequest): Promise<AuthOutcome> {
    this.asked.push(req.user);
    await new Promise<void>((r) => setTimeout(r, 5));
    return req.user === 'alice' && req.password === PASSWORD
      ? { kind: 'accept', user: 'alice', privilege: 15, entries: this.entries }
      : { kind: 'reject', reason: 'wrong password' };
  }
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function listen(server: net.Server, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

interface Curl {
  code: number;
  out: string;
  err: string;
}

function curl(args: string[]): Promise<Curl> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '20', '--interface', CLIENT, ...args], { encoding: 'utf8' }, (e, out, err) => {
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, out, err });
    });
  });
}

const statuses: number[] = [];
/** Every status line of a curl -D - output (the CONNECT's and the origin's), recorded. */
const statusesOf = (text: string): number[] => {
  const s = [...text.matchAll(/^HTTP\/1\.[01] (\d{3}) /gm)].map((m) => Number(m[1]));
  statuses.push(...s);
  return s;
};

interface World {
  s: ServiceSetup<Auth>;
  proxy: string;
  httpUrl: string;
  httpsUrl: string;
  deniedUrl: string;
}

async function world(): Promise<World> {
  const origin = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(`hello from the origin: ${req.method} ${req.url} via ${req.headers.via ?? '-'} auth ${req.headers['proxy-authorization'] ?? 'none'}\n`);
  });
  const httpPort = await listen(origin, '127.0.0.50');
  const { cert, key } = testCertificate();
  const secure = https.createServer({ cert, key }, (_req, res) => res.end('hello over tls\n'));
  const httpsPort = await listen(secure, '127.0.0.51');
  const other = http.createServer((_req, res) => res.end('should not be reached\n'));
  const otherPort = await listen(other, '127.0.0.52');
  const auth = new Auth();
  auth.entries = [
    { n: 1, text: `permit tcp any host 127.0.0.50 eq ${httpPort}` },
    { n: 2, text: `permit tcp any host 127.0.0.51 eq ${httpsPort}` },
  ];
  const outputs: string[] = [];
  const s = await startServiceFixture(serviceConfig('ip auth-proxy proxy-listener port 3128 realm Corp\n'), auth, outputs);
  return {
    s, proxy: `http://127.0.0.1:${s.service.proxy!.port}`,
    httpUrl: `http://127.0.0.50:${httpPort}/page?x=1`, httpsUrl: `https://127.0.0.51:${httpsPort}/`, deniedUrl: `http://127.0.0.52:${otherPort}/`,
  };
}

test('curl --proxy: 407 without or with wrong credentials, the content with the right ones (http and CONNECT), never 401', async () => {
  const w = await world();
  const e = w.s.fx.engine;
  // No credentials: 407 with the Basic challenge, http and CONNECT alike.
  const none = await curl(['-D', '-', '--proxy', w.proxy, w.httpUrl]);
  assert.deepEqual(statusesOf(none.out), [407], none.out + none.err);
  assert.match(none.out, /\r\nProxy-Authenticate: Basic realm="Corp", charset="UTF-8"\r\n/);
  assert.doesNotMatch(none.out, /WWW-Authenticate/i);
  const noneTls = await curl(['-D', '-', '-k', '--proxy', w.proxy, w.httpsUrl]);
  assert.deepEqual(statusesOf(noneTls.out), [407], noneTls.out + noneTls.err);
  assert.match(noneTls.out, /\r\nProxy-Authenticate: Basic realm="Corp", charset="UTF-8"\r\n/);
  assert.notEqual(noneTls.code, 0, 'curl fails the CONNECT');
  // Wrong credentials: 407 again.
  const wrong = await curl(['-D', '-', '--proxy', w.proxy, '--proxy-user', 'alice:nope', w.httpUrl]);
  assert.deepEqual(statusesOf(wrong.out), [407]);
  const wrongTls = await curl(['-D', '-', '-k', '--proxy', w.proxy, '--proxy-user', 'alice:nope', w.httpsUrl]);
  assert.deepEqual(statusesOf(wrongTls.out), [407]);
  assert.notEqual(e.cache.state[e.cache.lookup(words(CLIENT))], AP_STATE_HTTP_ESTAB);
  assert.equal(w.s.auth.asked.length, 2);
  // Right credentials: the origin's content; the host is authorized as by a login.
  const good = await curl(['-D', '-', '--proxy', w.proxy, '--proxy-user', `alice:${PASSWORD}`, w.httpUrl]);
  assert.deepEqual(statusesOf(good.out), [200], good.out + good.err);
  assert.match(good.out, /hello from the origin: GET \/page\?x=1 via 1\.1 gw auth none\n$/, 'Proxy-Authorization is not forwarded; Via is added');
  const slot = e.cache.lookup(words(CLIENT));
  assert.equal(e.cache.state[slot], AP_STATE_HTTP_ESTAB);
  assert.equal(e.cache.userOf(slot), 'alice');
  const lines = w.s.outputs.join('\n');
  assert.match(lines, /AUTH-PROXY: credentials received from 127\.0\.0\.30 for user "alice"/);
  assert.match(lines, /AUTH-PROXY: AAA response for user "alice" from 127\.0\.0\.30: accept, priv-lvl 15, 2 proxyacl entries/);
  assert.match(lines, /AUTH-PROXY: 127\.0\.0\.30 authenticated as "alice"/);
  assert.match(lines, /AUTH-PROXY: explicit proxy: 407 sent to 127\.0\.0\.30 port \d+ \(no credentials\)/);
  // https through CONNECT, and the remembered credentials: AAA is not asked again.
  const tls = await curl(['-D', '-', '-k', '--proxy', w.proxy, '--proxy-user', `alice:${PASSWORD}`, w.httpsUrl]);
  assert.equal(tls.code, 0, tls.err);
  assert.deepEqual(statusesOf(tls.out), [200, 200]);
  assert.match(tls.out, /HTTP\/1\.1 200 Connection Established\r\n/);
  assert.match(tls.out, /hello over tls\n$/);
  assert.equal(w.s.auth.asked.length, 3, 'one AAA exchange for the login');
  assert.ok(w.s.service.proxy!.stats.remembered >= 1);
  // Other credentials while logged in are checked again, and refused.
  const other = await curl(['-D', '-', '--proxy', w.proxy, '--proxy-user', 'alice:guess', w.httpUrl]);
  assert.deepEqual(statusesOf(other.out), [407]);
  // A destination the host's ACL does not permit: 403, the origin never reached.
  const denied = await curl(['-D', '-', '--proxy', w.proxy, '--proxy-user', `alice:${PASSWORD}`, w.deniedUrl]);
  assert.deepEqual(statusesOf(denied.out), [403]);
  assert.doesNotMatch(denied.out, /should not be reached/);
  assert.match(w.s.outputs.join('\n'), /explicit proxy: 127\.0\.0\.30 to 127\.0\.0\.52:\d+ refused by the access list/);
  assert.ok(!statuses.includes(401), `never 401: ${statuses.join(' ')}`);
  for (const o of w.s.outputs) assert.ok(!o.includes(PASSWORD), `password in ${o.slice(0, 120)}`);
});

test('a request that is not for a proxy, a bad CONNECT target and a bad Proxy-Authorization are refused cleanly', async () => {
  const w = await world();
  const direct = await curl(['-D', '-', `${w.proxy}/`]);
  assert.deepEqual(statusesOf(direct.out), [400]);
  const badConnect = await rawRequest(w.s.service.proxy!.port, 'CONNECT nohost HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(badConnect, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const huge = await rawRequest(w.s.service.proxy!.port, `GET ${w.httpUrl} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431 /, 'head over the limit');
  // At most 64 connections from one address: the 65th is closed at once.
  const held: net.Socket[] = [];
  for (let i = 0; i < PROXY_MAX_CONNECTIONS_PER_SOURCE; i++) {
    const c = net.connect({ host: '127.0.0.1', port: w.s.service.proxy!.port, localAddress: CLIENT });
    c.on('error', () => undefined);
    await once(c, 'connect');
    held.push(c);
  }
  const extra = net.connect({ host: '127.0.0.1', port: w.s.service.proxy!.port, localAddress: CLIENT });
  extra.on('error', () => undefined);
  await once(extra, 'close');
  assert.equal(w.s.service.proxy!.stats.perSourceRefused, 1);
  const elsewhere = await curl(['-D', '-', '--interface', '127.0.0.31', '--proxy', w.proxy, w.httpUrl]);
  assert.deepEqual(statusesOf(elsewhere.out), [407], 'another address is served');
  for (const c of held) c.destroy();
  assert.equal(readBasic('Basic ' + Buffer.from('alice:pw').toString('base64'))?.user, 'alice');
  assert.equal(readBasic('Basic ' + Buffer.from(`alice:a:b`).toString('base64'))?.password, 'a:b');
  assert.equal(readBasic('Basic !!!'), undefined);
  assert.equal(readBasic('Bearer abc'), undefined);
  assert.equal(readBasic('Basic ' + Buffer.from('nopassword').toString('base64')), undefined);
  assert.equal(readBasic('Basic ' + Buffer.from(`${'u'.repeat(65)}:p`).toString('base64')), undefined);
  assert.ok(!statuses.includes(401));
});

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: CLIENT });
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => { got += d; });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(text);
    setTimeout(() => s.end(), 500);
  });
}

test('the proxy does not reach the gateway itself: the unspecified address is refused even where the ACL permits everything', async () => {
  const w = await world();
  // A service of the gateway host's own, on its loopback (as a RADIUS or TACACS+ server or an admin page would be).
  const local = http.createServer((_req, res) => res.end('gateway-local service\n'));
  const localPort = await listen(local, '127.0.0.1');
  w.s.auth.entries = [{ n: 1, text: 'permit tcp any any' }];
  const proxyUser = `alice:${PASSWORD}`;
  for (const host of ['0.0.0.0', '0.1.2.3']) {
    const get = await curl(['-D', '-', '--proxy', w.proxy, '--proxy-user', proxyUser, `http://${host}:${localPort}/`]);
    assert.deepEqual(statusesOf(get.out), [403], `GET to ${host}: ${get.out}${get.err}`);
    assert.doesNotMatch(get.out, /gateway-local service/);
    const tunnel = await rawRequest(w.s.service.proxy!.port, `CONNECT ${host}:${localPort} HTTP/1.1\r\nHost: x\r\n`
      + `Proxy-Authorization: Basic ${Buffer.from(proxyUser).toString('base64')}\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(tunnel, /^HTTP\/1\.1 403 /, `CONNECT to ${host}: ${tunnel.slice(0, 200)}`);
    assert.doesNotMatch(tunnel, /gateway-local service/);
  }
  assert.ok(!statuses.includes(401));
});

test('an absolute-form request reaches the origin with the target\'s Host, not the one the client wrote (RFC 9112 §3.2.2)', async () => {
  const w = await world();
  const echo = http.createServer((req, res) => res.end(`host=${req.headers.host}\n`));
  const port = await listen(echo, '127.0.0.50');
  w.s.auth.entries = [{ n: 1, text: `permit tcp any host 127.0.0.50 eq ${port}` }];
  const r = await curl(['--proxy', w.proxy, '--proxy-user', `alice:${PASSWORD}`, '-H', 'Host: intranet.internal', `http://127.0.0.50:${port}/`]);
  assert.equal(r.out, `host=127.0.0.50:${port}\n`, r.out + r.err);
});

test('the realm is a quoted-string in Proxy-Authenticate: blanks kept, " and \\ escaped (RFC 9110 §5.6.4), on a GET and a CONNECT', async () => {
  const cases: [string, string][] = [
    ['realm "Corp Proxy, 2nd floor"', 'Basic realm="Corp Proxy, 2nd floor", charset="UTF-8"'],
    ['realm Corp"HQ\\x', 'Basic realm="Corp\\"HQ\\\\x", charset="UTF-8"'],
  ];
  for (const [words, header] of cases) {
    const s = await startServiceFixture(serviceConfig(`ip auth-proxy proxy-listener port 3128 ${words}\n`), new Auth(), []);
    const port = s.service.proxy!.port;
    for (const request of ['GET http://127.0.0.50:9/ HTTP/1.1\r\nHost: 127.0.0.50:9\r\n\r\n', 'CONNECT 127.0.0.51:443 HTTP/1.1\r\nHost: x\r\n\r\n']) {
      const answer = await rawRequest(port, request);
      assert.match(answer, /^HTTP\/1\.1 407 /, answer);
      const fields = answer.split('\r\n\r\n')[0]!.split('\r\n').filter((l) => /^Proxy-Authenticate:/i.test(l));
      assert.deepEqual(fields, [`Proxy-Authenticate: ${header}`], `${words}: ${request.split(' ')[0]}`);
    }
  }
  // What no config admits cannot break the field either: controls and non-ASCII become "?".
  assert.equal(quotedString('a\r\nX-Evil: 1"\\'), '"a??X-Evil: 1\\"\\\\"');
  assert.equal(quotedString('Zürich\x7f\ttab'), '"Z?rich?\ttab"');
});
