/**
 * The config side of the login modes: the warning for a web rule without `ip http
 * secure-server` (no login service runs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';

const BASE = `hostname gw
ip auth-proxy name web http
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ip auth-proxy web
`;

test('a web auth-proxy rule without ip http secure-server is warned about at the interface line that applies it', () => {
  const cfg = parseConfig(BASE, 'gw.cfg');
  const w = cfg.warnings.filter((x) => x.topic === 'no-secure-server');
  assert.equal(w.length, 1);
  assert.deepEqual({ line: w[0]!.line, column: w[0]!.column }, { line: 5, column: 16 });
  assert.match(w[0]!.message, /^auth-proxy rule "web" intercepts web traffic on Gi0\/0, but "ip http secure-server" is not configured: .*logging in is unavailable$/);
  assert.deepEqual(parseConfig(`${BASE}ip http secure-server\n`, 'gw.cfg').warnings, []);
  // A telnet-only rule has no web login to miss.
  assert.deepEqual(parseConfig(BASE.replace('name web http', 'name web telnet'), 'gw.cfg').warnings, []);
});

const errorOf = (text: string): ConfigError => {
  try {
    parseConfig(text, 'm.cfg');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail('no error');
};

test('the login-mode lines parse into loginModes, and their faults name line and column', () => {
  const cfg = parseConfig(`${BASE}ip http secure-server
ip auth-proxy login-redirect https://login.example/sso?x=1
ip auth-proxy status-511
ip auth-proxy captive-portal-api
aaa attribute list GUEST
 attribute type proxyacl#1 "permit tcp any any eq www"
ip auth-proxy consent attribute-list GUEST ^C
Use of this network is logged.
^C
ip auth-proxy proxy-listener port 3128 realm Corp-Proxy
`, 'm.cfg');
  const m = cfg.loginModes;
  assert.equal(m.redirect?.url, 'https://login.example/sso?x=1');
  assert.equal(m.redirect?.source.line, 7);
  assert.equal(m.status511, true);
  assert.equal(m.captivePortalApi?.source.line, 9);
  assert.deepEqual({ list: m.consent?.attributeList, text: m.consent?.text }, { list: 'GUEST', text: 'Use of this network is logged.' });
  assert.deepEqual({ port: m.proxyListener?.port, realm: m.proxyListener?.realm }, { port: 3128, realm: 'Corp-Proxy' });
  assert.equal(parseConfig(`${BASE}ip auth-proxy login-redirect\n`, 'm.cfg').loginModes.redirect?.url, undefined, 'the own login service');
  const empty = parseConfig('', 'e.cfg').loginModes;
  assert.deepEqual(empty, { redirect: undefined, status511: false, captivePortalApi: undefined, consent: undefined, proxyListener: undefined });
  // A realm of several words in double quotes; a word may hold a quote or a backslash (the header escapes them).
  const realmOf = (line: string): string | undefined => parseConfig(`${BASE}${line}\n`, 'r.cfg').loginModes.proxyListener?.realm;
  assert.equal(realmOf('ip auth-proxy proxy-listener port 3128 realm "Corp Proxy, 2nd floor"'), 'Corp Proxy, 2nd floor');
  assert.equal(realmOf('ip auth-proxy proxy-listener port 3128 realm "x"'), 'x');
  assert.equal(realmOf('ip auth-proxy proxy-listener port 3128 realm a"b\\c'), 'a"b\\c');
  assert.equal(realmOf(`ip auth-proxy proxy-listener port 3128 realm ${'r'.repeat(64)}`), 'r'.repeat(64));

  const cases: [string, number, number, RegExp][] = [
    ['ip auth-proxy login-redirect http://login.example/', 1, 30, /expected an https URL of the login site .*https only/],
    ['ip auth-proxy login-redirect https://u:p@login.example/', 1, 30, /no user information or fragment/],
    ['ip auth-proxy login-redirect https://l.example/ extra', 1, 49, /expected end of line/],
    ['ip auth-proxy status-511 now', 1, 26, /expected end of line/],
    ['ip auth-proxy consent GUEST', 1, 23, /expected "attribute-list"/],
    ['ip auth-proxy consent attribute-list NOPE', 1, 38, /the name of a defined aaa attribute list.*no "aaa attribute list NOPE" block/],
    ['ip auth-proxy proxy-listener 3128', 1, 30, /expected "port"/],
    ['ip auth-proxy proxy-listener port 0', 1, 35, /a number <1-65535>/],
    ['ip auth-proxy proxy-listener port 3128 realm "Two Words', 1, 56, /expected a closing double quote, found end of line/],
    ['ip auth-proxy proxy-listener port 3128 realm "Two Words"x', 1, 57, /expected a blank or end of line after the closing quote/],
    ['ip auth-proxy proxy-listener port 3128 realm "Two" Words', 1, 52, /expected end of line, found "Words"/],
    ['ip auth-proxy proxy-listener port 3128 realm "Tab\there"', 1, 46, /a realm: a word or "text in double quotes" of 1-64 printable ASCII characters.*no control or non-ASCII/],
    ['ip auth-proxy proxy-listener port 3128 realm Bell\x07', 1, 46, /no control or non-ASCII characters/],
    ['ip auth-proxy proxy-listener port 3128 realm Zürich', 1, 46, /no control or non-ASCII characters/],
    ['ip auth-proxy proxy-listener port 3128 realm "   "', 1, 46, /a realm: a word or "text in double quotes"/],
    ['ip auth-proxy proxy-listener port 3128 realm ""', 1, 46, /a realm: a word or "text in double quotes"/],
    [`ip auth-proxy proxy-listener port 3128 realm ${'r'.repeat(65)}`, 1, 46, /of 1-64 printable ASCII characters/],
    ['ip auth-proxy proxy-listener port 3128 realm', 1, 45, /a realm: .*found end of line/],
    ['ip auth-proxy proxy-listener port 3128 domain x', 1, 40, /expected "realm" or end of line/],
  ];
  for (const [line, l, c, re] of cases) {
    const e = errorOf(line);
    assert.deepEqual([e.line, e.column], [l, c], line);
    assert.match(e.message, re, line);
  }
});
