import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, loadConfig } from '../../src/config/parse.js';
import { editDistance, mistypedWord, TOP_WORDS } from '../../src/config/vocabulary.js';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseError } from './parse-error.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Each config text is an error at its line and column that ends with "did you mean" its word. */
function assertDidYouMean(cases: readonly (readonly [string, number, number, string])[]): void {
  for (const [text, line, column, meant] of cases) {
    const e = parseError(text);
    assert.deepEqual([e.line, e.column], [line, column], text);
    assert.ok(e.message.endsWith(`(did you mean "${meant}"?)`), e.message);
  }
}


test('a mistyped command word is an error at it, with "did you mean"', () => {
  const cases: [string, number, number, string][] = [
    ['acess-list 101 permit ip any any', 1, 1, 'access-list'],
    ['interface e0\n ip acess-group 101 in', 2, 5, 'access-group'],
    ['interface e0\n ip auth-prxy WEB', 2, 5, 'auth-proxy'],
    ['interface e0\n shutdwon', 2, 2, 'shutdown'],
    ['interface e0\n no shutdwon', 2, 5, 'shutdown'],
    ['interface e0\n ip adress 10.0.0.1 255.0.0.0', 2, 5, 'address'],
    ['interface e0\n ipv6 trafic-filter V6 in', 2, 7, 'traffic-filter'],
    ['ip access-list extended X\n permt ip any any', 2, 2, 'permit'],
    ['ip access-list extended X\n dney ip any any', 2, 2, 'deny'],
    ['hostnam gw', 1, 1, 'hostname'],
    ['usrname bob password x', 1, 1, 'username'],
    ['ip acess-list extended X', 1, 4, 'access-list'],
    ['ip rout 0.0.0.0 0.0.0.0 10.0.0.1', 1, 4, 'route'],
    ['no ip acess-list extended X', 1, 7, 'access-list'],
    ['aaa authentcation login default local', 1, 5, 'authentication'],
    ['radius-server hots 10.0.0.1', 1, 15, 'host'],
    ['tacacs-server kye k', 1, 15, 'key'],
  ];
  assertDidYouMean(cases);
});

test('a mistyped sub-command of an AAA server block is an error at it, with "did you mean"; the block\'s IOS words stay warnings', () => {
  const cases: [string, number, number, string][] = [
    ['radius server R\n address ipv4 192.0.2.1\n retransmt 2', 3, 2, 'retransmit'],
    ['radius server R\n adress ipv4 192.0.2.1', 2, 2, 'address'],
    ['tacacs server T\n address ipv4 192.0.2.1\n single-conection', 3, 2, 'single-connection'],
    ['tacacs server T\n address ipv4 192.0.2.1\n prt 49', 3, 2, 'port'],
    ['aaa group server radius G\n deadtim 2', 2, 2, 'deadtime'],
    ['aaa group server tacacs+ G\n sever name T', 2, 2, 'server'],
    ['aaa server radius dynamic-author\n clent 192.0.2.10 server-key k', 2, 2, 'client'],
  ];
  assertDidYouMean(cases);
  const cfg = parseConfig(['radius server R', ' address ipv4 192.0.2.1', ' key k', ' load-balance method least-outstanding',
    'tacacs server T', ' address ipv4 192.0.2.2', ' key k', ' send-nat-address',
    'aaa group server radius G', ' server name R', ' ip vrf forwarding X',
    'aaa server radius dynamic-author', ' client 192.0.2.10 server-key k', ' auth-type all'].join('\n'), 'w.cfg');
  assert.deepEqual(cfg.warnings.map((w) => w.line), [4, 8, 11, 14]);
});

test('an unknown word naming the kind of an AAA server block is an error at it; an IOS kind portcullis lacks warns, naming the implemented ones', () => {
  // A slip: "did you mean", at the word (the block would otherwise be dropped with its servers).
  const slips: [string, number, number, string][] = [
    ['aaa group server tacac+ G\n server 192.0.2.1', 1, 18, 'tacacs+'],
    ['aaa group server raduis G\n server 192.0.2.1', 1, 18, 'radius'],
    ['aaa server radius dynamic-autor\n client 192.0.2.10 server-key k', 1, 19, 'dynamic-author'],
    ['aaa group sever radius G\n server 192.0.2.1', 1, 11, 'server'],
    ['aaa sever radius dynamic-author\n client 192.0.2.10 server-key k', 1, 5, 'server'],
    ['aaa server radus dynamic-author\n client 192.0.2.10 server-key k', 1, 12, 'radius'],
  ];
  assertDidYouMean(slips);
  // Not a slip, but no word IOS has there either (IOS would refuse the line too), or none at all.
  const unknown: [string, number, number, string][] = [
    ['hostname gw\naaa group server kerberos K\n server 192.0.2.1', 2, 18,
      'bad.cfg:2:18: expected a server group protocol ("radius" or "tacacs+"), found "kerberos"'],
    ['aaa server radius coa\n client 192.0.2.10 server-key k', 1, 19,
      'bad.cfg:1:19: expected an "aaa server radius" block ("dynamic-author"), found "coa"'],
    ['aaa group server', 1, 17, 'bad.cfg:1:17: expected a server group protocol ("radius" or "tacacs+"), found end of line'],
  ];
  for (const [text, line, column, message] of unknown) {
    const e = parseError(text);
    assert.deepEqual([e.line, e.column], [line, column], text);
    assert.equal(e.message, message);
  }
  // Kinds IOS has that portcullis does not implement: the block is skipped with a warning that says what is implemented.
  const cfg = parseConfig(['aaa group server ldap L', ' server 192.0.2.1', 'aaa server radius proxy', ' client 192.0.2.10',
    'aaa group server diameter D'].join('\n'), 'w.cfg');
  assert.deepEqual(cfg.warnings.map((w) => [w.line, w.column, w.message]), [
    [1, 1, 'ignored "aaa group server ldap L" and its 1 sub-line: not implemented by portcullis (it implements "radius" or "tacacs+" here)'],
    [3, 1, 'ignored "aaa server radius proxy" and its 1 sub-line: not implemented by portcullis (it implements "dynamic-author" here)'],
    [5, 1, 'ignored "aaa group server diameter D": not implemented by portcullis (it implements "radius" or "tacacs+" here)'],
  ]);
  assert.equal(cfg.radius.groups.size, 0);
});

test('a method list naming a server group no block defines is an error at the name (check-config catches it, not only run)', () => {
  const cases: [string, number, number][] = [
    ['aaa authentication login default group nosuch local', 1, 40],
    ['aaa group server radius G\n server 192.0.2.1\nradius-server host 192.0.2.1 key k\naaa authorization auth-proxy default group radius group G2', 4, 57],
    ['aaa accounting auth-proxy default start-stop group ACCT', 1, 52],
  ];
  for (const [text, line, column] of cases) {
    const e = parseError(text);
    assert.deepEqual([e.line, e.column], [line, column], text);
    assert.match(e.message, /no "aaa group server radius\|tacacs\+ \S+" block defines it/);
  }
  const ok = parseConfig(['tacacs-server host 192.0.2.2 key k', 'radius-server host 192.0.2.1 key k',
    'aaa group server tacacs+ T', ' server 192.0.2.2',
    'aaa authentication login default group T group RADIUS group tacacs+ local'].join('\n'), 'ok.cfg');
  assert.equal(ok.aaa.authenticationLogin.get('default')?.length, 4);
});

test('a group member line with a word after the server says it expected the end of the line', () => {
  const e = parseError('tacacs server T\n address ipv4 192.0.2.1\n key k\naaa group server tacacs+ G\n server nme T');
  assert.deepEqual([e.line, e.column], [5, 13]);
  assert.match(e.message, /expected end of line, found "T"/);
});

test('real IOS commands portcullis does not implement, and words far from every command, stay warnings', () => {
  const lines = ['snmp-server community public RO', 'ntp server 10.0.0.9', 'logging host 10.0.0.9', 'service timestamps',
    'ip routing', 'ipv6 router ospf 1', 'no ip domain-lookup', 'line vty 0 4', 'enable secret 5 $1$x$y',
    'frobnicate now', 'interface e0', ' ip ospf cost 5', ' speed 100', ' zzz-unknown 1'];
  const cfg = parseConfig(lines.join('\n'), 'w.cfg');
  assert.deepEqual(cfg.warnings.map((w) => w.line), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14]);
  for (const w of cfg.warnings) assert.match(w.message, /^ignored /);
});

test('the seed configs, full of real IOS lines, still load', () => {
  for (const f of ['seed-running-config.txt', 'seed-running-config-pdf.txt']) {
    assert.ok(loadConfig(join(ROOT, 'test', 'config', 'fixtures', f)).warnings.length > 0);
  }
});

test('editDistance counts insertions, deletions, substitutions and transpositions, and stops past the limit', () => {
  assert.equal(editDistance('acess-list', 'access-list', 2), 1);
  assert.equal(editDistance('dney', 'deny', 2), 1);
  assert.equal(editDistance('permt', 'permit', 2), 1);
  assert.equal(editDistance('abc', 'abc', 0), 0);
  assert.equal(editDistance('kitten', 'sitting', 5), 3);
  assert.equal(editDistance('snmp-server', 'username', 2), 3);
  assert.equal(mistypedWord('snmp-server', TOP_WORDS), undefined);
  assert.equal(mistypedWord('hostnme', TOP_WORDS), 'hostname');
  // Short words allow one slip only.
  assert.equal(mistypedWord('ab', TOP_WORDS), undefined);
});

test('a bad wildcard or address says what is wrong with it, at it', () => {
  const cases: [string, number, RegExp][] = [
    ['access-list 1 permit 10.0.0.0 0.0.0.256', 31, /expected wildcard bits, found "0\.0\.0\.256" \(each of the four parts must be a number 0-255, "256" is not\)/],
    ['access-list 101 permit ip 10.0.0.0 0.0.0.256 any', 36, /expected wildcard bits, found "0\.0\.0\.256"/],
    ['access-list 101 permit ip any 10.0.0.0 0.0.256.0', 40, /expected wildcard bits, found "0\.0\.256\.0"/],
    ['access-list 1 permit 10.0.0.0 0.0.255', 31, /wildcard bits.*four parts, "0\.0\.255" has 3/],
    ['access-list 1 permit 10.0.0.300 0.0.0.255', 22, /IPv4 address, found "10\.0\.0\.300" \(each of the four parts/],
    ['access-list 101 permit ip host 10.0.0.256 any', 32, /an IPv4 address, found "10\.0\.0\.256" \(each/],
  ];
  for (const [text, column, re] of cases) {
    const e = parseError(text);
    assert.equal(e.column, column, text);
    assert.match(e.message, re, text);
  }
});
