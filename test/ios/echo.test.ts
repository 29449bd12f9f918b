import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/parse.js';
import { tokenizeLine } from '../../src/ios/tokens.js';
import { clip, echoLine, ECHO_TOKEN_MAX } from '../../src/ios/echo.js';

const SECRET = 'Sup3rS3cret';

test('warnings about ignored lines never show a secret', () => {
  const lines = [
    `enable secret 0 ${SECRET}`,
    `enable password 7 ${SECRET}`,
    `snmp-server community ${SECRET} RO 10`,
    `snmp-server host 10.0.0.9 version 2c ${SECRET}`,
    `snmp-server user u g v3 auth sha ${SECRET} priv aes 128 ${SECRET}`,
    `crypto isakmp key ${SECRET} address 10.0.0.1`,
    `key chain K`,
    `ntp authentication-key 1 md5 ${SECRET}`,
    'interface e0',
    ` ppp chap password 0 ${SECRET}`,
    ` ppp pap sent-username u password ${SECRET}`,
    ` ip ospf message-digest-key 1 md5 ${SECRET}`,
    'line vty 0 4',
    ` password ${SECRET}`,
  ];
  const cfg = parseConfig(lines.join('\n'), 's.cfg');
  assert.ok(cfg.warnings.length >= 11, String(cfg.warnings.length));
  for (const w of cfg.warnings) assert.ok(!w.message.includes(SECRET), w.message);
  const at = (line: number): string => cfg.warnings.find((w) => w.line === line)!.message;
  assert.match(at(1), /^ignored "enable secret 0 <removed>": not implemented/);
  assert.match(at(3), /^ignored "snmp-server community <removed> RO 10"/);
  assert.match(at(4), /^ignored "snmp-server host 10\.0\.0\.9 <removed> <removed> <removed>"/);
  assert.match(at(6), /^ignored "crypto isakmp key <removed> <removed> <removed>"/);
  assert.match(at(10), /^ignored "ppp chap password 0 <removed>" in interface e0/);
});

test('errors never show a secret either', () => {
  for (const text of [`radius-server key 7 ${SECRET}`, `tacacs-server key 7 ${SECRET}`,
    `radius-server host 10.0.0.1 key 7 ${SECRET}`, `username bob password 7 ${SECRET}`]) {
    try {
      parseConfig(text, 'e.cfg');
      if (text.startsWith('username')) continue;
      assert.fail(`no error for ${text}`);
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      assert.ok(!e.message.includes(SECRET), e.message);
      assert.match(e.message, /found <removed>/);
    }
  }
});

test('echoed tokens are cut to 64 characters, with an ellipsis', () => {
  const long = 'x'.repeat(500);
  const cfg = parseConfig(`frobnicate ${long}\ninterface ${'e'.repeat(300)}\n speed ${long}`, 'l.cfg');
  for (const w of cfg.warnings) assert.ok(w.message.length < 250, w.message);
  assert.equal(cfg.warnings[0]!.message, `ignored "frobnicate ${'x'.repeat(ECHO_TOKEN_MAX - 1)}…": not implemented by portcullis`);
  try {
    parseConfig(`hostname a ${long}`, 'l.cfg');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.ok(e.message.includes(`found "${'x'.repeat(ECHO_TOKEN_MAX - 1)}…"`), e.message);
    assert.ok(e.message.length < 200);
  }
  assert.equal(clip('abc'), 'abc');
  assert.equal(clip('a'.repeat(64)), 'a'.repeat(64));
  assert.equal(clip('a'.repeat(65)), `${'a'.repeat(63)}…`);
});

test('echoLine keeps the spacing of the line and cuts a line of many tokens', () => {
  assert.equal(echoLine(tokenizeLine('f', 1, '  ip   cef  ')), 'ip   cef');
  assert.equal(echoLine(tokenizeLine('f', 1, 'username bob privilege 15 secret 5 $1$abc'), 0),
    'username bob privilege 15 secret 5 <removed>');
  const many = echoLine(tokenizeLine('f', 1, Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ')));
  assert.ok(many.length <= 200 && many.endsWith('…'), many);
});
