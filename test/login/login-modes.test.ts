/**
 * The login modes beyond IOS on intercepted connections, in process (packets through the
 * engine, the login service on 127.0.0.1): `login-redirect` (307 to the login site with the URL
 * asked for, seed 001), `status-511` (RFC 6585 §6 for clients that take no HTML) and
 * `captive-portal-api` (RFC 8908 JSON before and after a login; RFC 8910 option values) and
 * `consent` (terms and a checkbox instead of credentials, CSRF-protected, escaped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Authenticator, AuthOutcome, AuthRequest } from '../../src/aaa/types.js';
import { AP_STATE_HTTP_ESTAB } from '../../src/authproxy/states.js';
import { VERDICT_DROP, VERDICT_FORWARD } from '../../src/engine/engine.js';
import { acceptsHtml, loginRedirectLocation } from '../../src/login/login-modes.js';
import {
  form, httpsGet, httpsPost, httpsRequest, interceptedGet, serviceConfig, startServiceFixture, tokenOf, words, type Reply,
} from './service-fixture.js';
import { parseConfig } from '../../src/config/parse.js';
import { renderShowAuthProxyConfiguration } from '../../src/log/show-config.js';

const PASSWORD = 'correct horse battery';

class Auth implements Authenticator {
  async authenticate(req: AuthRequest): Promise<AuthOutcome> {
    await new Promise<void>((r) => setImmediate(r));
    return req.password === PASSWORD ? { kind: 'accept', user: req.user, privilege: 15, entries: [] } : { kind: 'reject', reason: 'wrong password' };
  }
}

const outputs: string[] = [];
const headerOf = (text: string, name: string): string | undefined =>
  new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`, 'i').exec(text)?.[1];
const bodyOf = (text: string): string => text.slice(text.indexOf('\r\n\r\n') + 4);

test('login-redirect: an intercepted request gets 307 to the gateway\'s login service with the URL asked for, and the login returns there', async () => {
  const s = await startServiceFixture(serviceConfig(`ip auth-proxy login-redirect\n`), new Auth(), outputs);
  const asked = '/wiki/Main?q=a&b=<c>';
  const r = await interceptedGet(s, '127.0.0.20', 41001, asked, 'news.example');
  assert.match(r, /^HTTP\/1\.1 307 Temporary Redirect\r\n/);
  const location = headerOf(r, 'Location')!;
  const original = 'http://news.example/wiki/Main?q=a&b=%3Cc%3E';
  assert.equal(location, `https://127.0.0.1:${s.service.port}/?url=${encodeURIComponent(original)}`);
  assert.match(r, /\r\nCache-Control: no-store\r\n/);
  assert.ok(bodyOf(r).includes(`<a href="${location.replace(/&/g, '&amp;')}">`), 'a link for clients that do not follow');
  assert.ok(outputs.some((l) => /AUTH-PROXY: login redirect sent to 127\.0\.0\.20 port 41001$/.test(l)));
  // The login service's page for that Location carries the original URL (as asked, only).
  const page = await httpsGet(s, '127.0.0.20', new URL(location).pathname + new URL(location).search);
  assert.ok(page.includes(`name="ap_orig" value="${original.replace(/&/g, '&amp;')}"`), page);
  const done = await httpsPost(s, '127.0.0.20', form({ uname: 'alice', pwd: PASSWORD, ap_token: tokenOf(page), ap_orig: original }));
  assert.equal(done.status, 200);
  assert.ok(done.body.includes(`<a href="${original.replace(/&/g, '&amp;')}">`), done.body);
  assert.equal(s.fx.engine.cache.state[s.fx.engine.cache.lookup(words('127.0.0.20'))], AP_STATE_HTTP_ESTAB);
  // A url= the client never asked for is not taken.
  const other = await httpsGet(s, '127.0.0.21', `/?url=${encodeURIComponent('https://evil.example/')}`);
  assert.doesNotMatch(other, /evil\.example/);
});

test('login-redirect URL: the site elsewhere gets url= added to its own query', async () => {
  const s = await startServiceFixture(serviceConfig(`ip auth-proxy login-redirect https://login.example/sso?realm=x\n`), new Auth(), outputs);
  const r = await interceptedGet(s, '127.0.0.22', 41002, '/', 'example.test');
  assert.match(r, /^HTTP\/1\.1 307 /);
  assert.equal(headerOf(r, 'Location'), `https://login.example/sso?realm=x&url=${encodeURIComponent('http://example.test/')}`);
  assert.equal(loginRedirectLocation('https://l.example/', `http://x.example/${'a'.repeat(3000)}`), 'https://l.example/',
    'a URL too long to return to is left out');
});

test('status-511: a client whose Accept takes no HTML gets 511 with a link to the login; browsers get the page', async () => {
  const s = await startServiceFixture(serviceConfig(`ip auth-proxy status-511\n`), new Auth(), outputs);
  const api = await interceptedGet(s, '127.0.0.23', 41003, '/v1/items', 'api.example', 'Accept: application/json\r\n');
  assert.match(api, /^HTTP\/1\.1 511 Network Authentication Required\r\n/);
  const login = `https://127.0.0.1:${s.service.port}/`;
  assert.ok(bodyOf(api).includes(`<meta http-equiv="refresh" content="0; url=${login}">`), api);
  assert.ok(bodyOf(api).includes(`<a href="${login}">authenticate with the local network</a>`));
  assert.match(api, /\r\nCache-Control: no-store\r\n/, 'RFC 6585 §6: must not be cached');
  assert.ok(outputs.some((l) => /AUTH-PROXY: 511 sent to 127\.0\.0\.23 port 41003 \(Accept takes no HTML\)$/.test(l)));
  const browser = await interceptedGet(s, '127.0.0.23', 41004, '/', 'example.test',
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n');
  assert.match(browser, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(browser, /<form method="post"/);
  const curl = await interceptedGet(s, '127.0.0.23', 41005, '/', 'example.test', 'Accept: */*\r\n');
  assert.match(curl, /^HTTP\/1\.1 200 /);
  // With a login redirect too, an API client still gets the 511 (a 307 would hand it an HTML page).
  const both = await startServiceFixture(serviceConfig(`ip auth-proxy status-511\nip auth-proxy login-redirect\n`), new Auth(), outputs);
  assert.match(await interceptedGet(both, '127.0.0.24', 41006, '/', 'api.example', 'Accept: application/json\r\n'), /^HTTP\/1\.1 511 /);
  assert.match(await interceptedGet(both, '127.0.0.24', 41007, '/', 'example.test', 'Accept: text/html\r\n'), /^HTTP\/1\.1 307 /);
});

test('acceptsHtml reads Accept as RFC 9110 §12.5.1 does', () => {
  assert.equal(acceptsHtml(undefined), true);
  assert.equal(acceptsHtml(''), true);
  assert.equal(acceptsHtml('text/html'), true);
  assert.equal(acceptsHtml('TEXT/*;q=0.5'), true);
  assert.equal(acceptsHtml('application/json'), false);
  assert.equal(acceptsHtml('application/json, */*;q=0'), false);
  assert.equal(acceptsHtml('application/json;q=1, text/html;q=0.0'), false);
  assert.equal(acceptsHtml('application/problem+json, application/xhtml+xml'), true);
});

test('captive-portal-api: the RFC 8908 JSON per client, captive before the login and not after, with the seconds remaining', async () => {
  const s = await startServiceFixture(serviceConfig('ip auth-proxy captive-portal-api\nip auth-proxy absolute-timer 10\n'), new Auth(), outputs);
  const api = (src: string): Promise<Reply> => httpsRequest(s, src, { path: '/captive-portal/api', headers: { Accept: 'application/captive+json' } });
  const before = await api('127.0.0.25');
  assert.equal(before.status, 200);
  assert.equal(before.headers['content-type'], 'application/captive+json');
  assert.equal(before.headers['cache-control'], 'private');
  const login = `https://127.0.0.1:${s.service.port}/`;
  assert.deepEqual(JSON.parse(before.body), { captive: true, 'user-portal-url': login });
  const page = await interceptedGet(s, '127.0.0.25', 41010);
  const done = await httpsPost(s, '127.0.0.25', form({ uname: 'alice', pwd: PASSWORD, ap_token: tokenOf(page) }));
  assert.equal(done.status, 200);
  const after1 = JSON.parse((await api('127.0.0.25')).body) as Record<string, unknown>;
  assert.deepEqual(after1, { captive: false, 'user-portal-url': login, 'seconds-remaining': 600, 'can-extend-session': true },
    'the absolute timer (10 minutes) comes before the inactivity timer (60)');
  s.fx.clock.nowMs += 90_500;
  assert.equal((JSON.parse((await api('127.0.0.25')).body) as Record<string, unknown>)['seconds-remaining'], 509);
  assert.equal((JSON.parse((await api('127.0.0.26')).body) as Record<string, unknown>).captive, true, 'another client is still captive');
  // Without the line, the path is just another login page.
  const plainService = await startServiceFixture(serviceConfig(), new Auth(), outputs);
  const r = await httpsRequest(plainService, '127.0.0.25', { path: '/captive-portal/api' });
  assert.match(String(r.headers['content-type']), /^text\/html/);
});

test('show ip auth-proxy configuration prints the API URI as the RFC 8910 option values', () => {
  const cfg = parseConfig(`hostname gw
ip auth-proxy name web http
ip auth-proxy captive-portal-api
ip http secure-server
ip http secure-port 8443
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ipv6 address FE80::1/64
 ipv6 address 2001:DB8:1::1/64
 ip auth-proxy web
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
`, 'c.cfg');
  const text = renderShowAuthProxyConfiguration(cfg);
  const uri6 = 'https://[2001:db8:1::1]:8443/captive-portal/api';
  const ra = Buffer.alloc(Math.ceil((2 + uri6.length) / 8) * 8);
  ra[0] = 37;
  ra[1] = ra.length / 8;
  ra.write(uri6, 2, 'latin1');
  assert.ok(text.endsWith('Captive Portal API (RFC 8908) and its RFC 8910 option values, by inside interface\n' +
    ' Gi0/0\n' +
    '    DHCPv4 option 114: https://10.1.0.1:8443/captive-portal/api\n' +
    `    DHCPv6 option 103: ${uri6}\n` +
    `    IPv6 RA option 37, length 7: ${ra.toString('hex')}\n`), text);
  assert.equal(ra.length, 56);
  assert.doesNotMatch(renderShowAuthProxyConfiguration(parseConfig('ip auth-proxy name web http\n', 'c.cfg')), /Captive/);
});

test('consent: the terms (escaped) and a checkbox instead of credentials; acceptance with a valid token authorizes with the attribute list', async () => {
  const s = await startServiceFixture(serviceConfig(`aaa attribute list GUEST
 attribute type proxyacl#1 "permit tcp any any eq 22"
ip auth-proxy consent attribute-list GUEST ^C
Use of this network is <b>logged</b> & "monitored".
No file sharing.
^C
`), new Auth(), outputs);
  const e = s.fx.engine;
  const page = await interceptedGet(s, '127.0.0.27', 41020);
  assert.match(page, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(page.includes('<p>Use of this network is &lt;b&gt;logged&lt;/b&gt; &amp; &quot;monitored&quot;.</p>\n<p>No file sharing.</p>'), page);
  assert.match(page, /<input type="checkbox" name="ap_accept" value="yes" required>/);
  assert.match(page, new RegExp(`<form method="post" action="https://127\\.0\\.0\\.1:${s.service.port}/">`));
  assert.doesNotMatch(page, /name="pwd"|<b>/);
  assert.match(page, /\r\nContent-Security-Policy: default-src 'none'/);
  // Not ticked: the page again, nothing let through.
  const unticked = await httpsPost(s, '127.0.0.27', form({ ap_token: tokenOf(page) }));
  assert.equal(unticked.status, 400);
  assert.match(unticked.body, /Tick the box to accept the terms\./);
  // A forged, or another host's, token: refused (CSRF), nothing let through.
  const forged = await httpsPost(s, '127.0.0.27', form({ ap_accept: 'yes', ap_token: `zzzz.${'A'.repeat(43)}` }));
  assert.equal(forged.status, 403);
  const stolen = await httpsPost(s, '127.0.0.28', form({ ap_accept: 'yes', ap_token: tokenOf(page) }));
  assert.equal(stolen.status, 403);
  assert.notEqual(e.cache.state[e.cache.lookup(words('127.0.0.27'))], AP_STATE_HTTP_ESTAB);
  const ssh = s.net.client('127.0.0.27', 41021, '10.2.0.9', 22);
  assert.equal(ssh.segment(0x02), VERDICT_DROP);
  // Accepted: authorized as "consent" with the list's entries, back to the page asked for.
  const ok = await httpsPost(s, '127.0.0.27', form({ ap_accept: 'yes', ap_token: tokenOf(unticked.body), ap_orig: 'http://example.test/wiki/Main' }));
  assert.equal(ok.status, 200);
  assert.match(ok.body, /<h1>Authentication Successful<\/h1>/);
  assert.match(ok.body, /<a href="http:\/\/example\.test\/wiki\/Main">/);
  const slot = e.cache.lookup(words('127.0.0.27'));
  assert.equal(e.cache.state[slot], AP_STATE_HTTP_ESTAB);
  assert.equal(e.cache.userOf(slot), 'consent');
  assert.equal(s.net.client('127.0.0.27', 41022, '10.2.0.9', 22).segment(0x02), VERDICT_FORWARD, 'the list\'s entry lets ssh through');
  assert.ok(outputs.some((l) => /AUTH-PROXY: terms accepted by 127\.0\.0\.27$/.test(l)));
  assert.ok(outputs.some((l) => /AUTH-PROXY: 127\.0\.0\.27 authenticated as "consent"$/.test(l)));
});
