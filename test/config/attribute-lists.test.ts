/**
 * `aaa attribute list` blocks and `username … aaa attribute list`: what is read, what is warned,
 * and errors at the line and column of the fault — inside the quoted entry too, read with the
 * same grammar the runtime installs downloaded entries with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';

function parseError(text: string): ConfigError {
  try {
    parseConfig(text, 'al.cfg');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

test('a list: priv-lvl, proxyacl#N in N order, options, a reopened block, and the block ending at a top-level line', () => {
  const cfg = parseConfig([
    'aaa new-model',
    'aaa attribute list web',
    ' attribute type proxyacl#10 "deny tcp any any eq 23" service auth-proxy protocol ip mandatory',
    ' attribute type proxyacl#2 "permit tcp any host 192.0.2.5 eq 443"',
    'username u secret 0 x',
    'aaa attribute list web',
    ' attribute type priv-lvl 15',
    ' attribute type proxyacl#2 "permit tcp any any eq www"',
    ' attribute type inacl#1 "permit ip any any"',
    ' attribute type priv-lvl 7 service shell',
    ' exit',
    'aaa attribute list empty',
    'username u aaa attribute list web',
    'username v nopassword',
    'username v aaa attribute list empty',
  ].join('\n'), 'al.cfg');
  assert.deepEqual([...cfg.attributeLists.keys()], ['web', 'empty']);
  const web = cfg.attributeLists.get('web')!;
  assert.equal(web.privLvl, 15, 'the shell service\'s priv-lvl 7 is not the auth-proxy\'s');
  assert.deepEqual(web.proxyAcl, [{ n: 2, text: 'permit tcp any any eq www' }, { n: 10, text: 'deny tcp any any eq 23' }]);
  assert.deepEqual(web.source, { file: 'al.cfg', line: 2 });
  assert.deepEqual(cfg.attributeLists.get('empty'), { name: 'empty', privLvl: undefined, proxyAcl: [], source: { file: 'al.cfg', line: 12 } });
  assert.deepEqual(cfg.users.map((u) => [u.name, u.attributeList, u.source.line]), [['u', 'web', 5], ['v', 'empty', 14]]);
  assert.deepEqual(cfg.warnings.map((w) => [w.line, w.column, w.message]), [
    [4, 28, 'proxyacl#2 is an IPv4-only entry: a login with it from an IPv6 host is refused'],
    [9, 17, 'attribute "inacl#1" ignored: the auth-proxy uses "priv-lvl" and "proxyacl#N"'],
    [10, 36, 'attribute for service "shell" in attribute list "web" ignored: only the auth-proxy service is used'],
    [14, 12, 'user "v" has no password: anyone giving this name logs in'],
  ]);
});

test('attribute list errors name the line and column; an entry\'s fault is found inside its quotes', () => {
  const cases: { text: string; line: number; column: number; expected: string; found?: string; detail?: RegExp }[] = [
    // The grammar's error, at its column in the config line: "telnt" starts at column 62 (the quote is at 28).
    { text: 'aaa attribute list L\n attribute type proxyacl#1 "permit tcp any host 192.0.2.1 eq telnt"', line: 2, column: 62,
      expected: 'a TCP port number or name', found: '"telnt"' },
    { text: 'aaa attribute list L\n attribute type proxyacl#1 "permit tcp any any eq"', line: 2, column: 50, expected: 'a TCP port number or name', found: 'end of line' },
    { text: 'aaa attribute list L\n attribute type proxyacl#1 "allow ip any any"', line: 2, column: 29, expected: '"permit" or "deny"', found: '"allow"' },
    { text: 'aaa attribute list L\n attribute type proxyacl#1 "permit ip host 10.0.0.1 any"', line: 2, column: 28,
      expected: 'a downloaded access-list entry', detail: /the source must be "any"/ },
    { text: 'aaa attribute list L\n attribute type proxyacl#1 "sequence 10 permit ip any any"', line: 2, column: 29, expected: '"permit" or "deny"' },
    { text: 'aaa attribute list L\n attribute type proxyacl#1 permit ip any any', line: 2, column: 28, expected: 'a quoted access-list entry ("permit …")' },
    { text: 'aaa attribute list L\n attribute type proxyacl#1 "permit ip any any', line: 2, column: 46, expected: 'a closing double quote', found: 'end of line' },
    { text: 'aaa attribute list L\n attribute type proxyacl#1 "permit ip any any"x', line: 2, column: 47, expected: 'a blank or end of line after the closing quote' },
    { text: 'aaa attribute list L\n attribute type proxyacl#0 "permit ip any any"', line: 2, column: 17, expected: 'proxyacl#N with N from 1 to 9999' },
    { text: 'aaa attribute list L\n attribute type priv-lvl 16', line: 2, column: 26, expected: 'a number <0-15>' },
    { text: 'aaa attribute list L\n attribute type priv-lvl 15 servce auth-proxy', line: 2, column: 29, expected: '"service", "protocol", "mandatory", "tag" or end of line' },
    { text: 'aaa attribute list L\n attribute typ priv-lvl 15', line: 2, column: 12, expected: '"type"' },
    { text: 'aaa attribute list L\n atribute type priv-lvl 15', line: 2, column: 2, expected: 'an attribute list command', detail: /did you mean "attribute"/ },
    { text: 'aaa attribute list', line: 1, column: 19, expected: 'an attribute list name' },
    { text: 'aaa atribute list L', line: 1, column: 5, expected: 'an "aaa" command', detail: /did you mean "attribute"/ },
    // The binding names a list no block defines: the error is at the binding's list name.
    { text: 'aaa attribute list L\nusername u secret 0 x\nusername u aaa attribute list M', line: 3, column: 31,
      expected: 'the name of a defined attribute list', found: '"M"', detail: /no "aaa attribute list M" block defines it/ },
  ];
  for (const c of cases) {
    const e = parseError(c.text);
    const where = JSON.stringify(c.text);
    assert.equal(e.line, c.line, where);
    assert.equal(e.column, c.column, `${where}: ${e.message}`);
    assert.equal(e.expected, c.expected, where);
    if (c.found !== undefined) assert.equal(e.found, c.found, where);
    if (c.detail !== undefined) assert.match(e.detail ?? '', c.detail, where);
    assert.ok(e.message.startsWith(`al.cfg:${c.line}:${c.column}: expected ${c.expected}`), e.message);
  }
});

test('a secret never shows in an error of its username line', () => {
  for (const text of ['username bob secret 5 $1$abc$hunter2', 'username bob secret 4 hunter2hunter2', 'username bob password 7 hunter2']) {
    const e = parseError(text);
    assert.ok(!e.message.includes('hunter2'), e.message);
  }
});
