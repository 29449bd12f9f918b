import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { parseError } from './parse-error.js';


test('radius server blocks (seed 003), aaa group server radius, deadtime: parsed and resolved', () => {
  const cfg = parseConfig(`hostname gw
aaa new-model
aaa group server radius FlexVPN_auth_server
 server name rad_server
 server 10.0.0.9 auth-port 1812 acct-port 1813
 server 10.0.0.8
 deadtime 2
 ip radius source-interface Loopback0
aaa group server radius other
 server name second
aaa authentication login FlexVPN_auth group FlexVPN_auth_server local
!
radius server rad_server
 address ipv4 10.197.243.97 auth-port 1812 acct-port 1813
 timeout 120
 key cisco
 automate-tester username probe
radius server second
 address ipv6 2001:db8::5
 retransmit 0
 key 7 0822455D0A16
radius server empty
 key x
radius-server host 10.0.0.9 auth-port 1812 acct-port 1813 key hostkey
radius-server host 10.0.0.8
radius-server deadtime 5
radius-server key global key
interface FastEthernet0/0
 ip address 10.1.1.1 255.255.255.0
end
`, 'r.cfg');
  const r = cfg.radius;
  assert.equal(r.deadtimeMin, 5);
  assert.equal(r.key, 'global key');
  assert.deepEqual(r.servers.map((s) => [s.name, s.host, s.authPort, s.acctPort, s.key, s.timeoutSec, s.retransmit, s.source.line]), [
    ['rad_server', '10.197.243.97', 1812, 1813, 'cisco', 120, undefined, 13],
    ['second', '2001:db8::5', 1812, 1813, 'cisco', undefined, 0, 18],
    [undefined, '10.0.0.9', 1812, 1813, 'hostkey', undefined, undefined, 24],
    [undefined, '10.0.0.8', 1645, 1646, undefined, undefined, undefined, 25],
  ]);
  assert.deepEqual([...r.groups.keys()], ['FlexVPN_auth_server', 'other']);
  const g = r.groups.get('FlexVPN_auth_server')!;
  assert.equal(g.deadtimeMin, 2);
  assert.deepEqual(g.source, { file: 'r.cfg', line: 3 });
  assert.deepEqual(g.servers.map((s) => [s.name, s.host, s.authPort]), [
    ['rad_server', '10.197.243.97', 1812], [undefined, '10.0.0.9', 1812], [undefined, '10.0.0.8', 1645]]);
  assert.deepEqual(r.groups.get('other')!.servers.map((s) => s.host), ['2001:db8::5']);
  assert.deepEqual(cfg.aaa.authenticationLogin.get('FlexVPN_auth'), ['group FlexVPN_auth_server', 'local']);
  // The block's ignored sub-lines, the address-less server; the interface after the blocks is parsed.
  const w = cfg.warnings.map((x) => `${x.line}: ${x.message}`);
  assert.ok(w.includes('8: ignored "ip radius source-interface Loopback0": not implemented by portcullis'), w.join('\n'));
  assert.ok(w.includes('17: ignored "automate-tester username probe": not implemented by portcullis'), w.join('\n'));
  assert.ok(w.includes('22: radius server empty has no "address": it is not used'), w.join('\n'));
  assert.equal(cfg.interfaces.length, 1);
  assert.equal(cfg.interfaces[0]!.ipv4.length, 1);
});

test('the seed 000 and seed 003 RADIUS lines: defaults without deadtime and groups', () => {
  const cfg = parseConfig('radius-server host 192.168.126.2 auth-port 1645 acct-port 1646\nradius-server retransmit 3\nradius-server key letmein\n', 's.cfg');
  assert.equal(cfg.radius.deadtimeMin, 0);
  assert.equal(cfg.radius.groups.size, 0);
  assert.equal(cfg.radius.servers[0]!.name, undefined);
});

test('bad RADIUS server and group lines are errors at the token', () => {
  const cases: [string, number, number, RegExp][] = [
    ['radius server\n', 1, 14, /expected a server name/],
    ['radius server a\n address ipv5 1.2.3.4\n', 2, 10, /expected "ipv4" or "ipv6"/],
    ['radius server a\n address ipv4 1.2.3.4 auth-port 70000\n', 2, 33, /<0-65535>/],
    ['radius server a\n address ipv4 1.2.3.4 key k\n', 2, 23, /expected "auth-port", "acct-port" or end of line/],
    ['radius server a\n timeout 0\n', 2, 10, /<1-1000>/],
    ['radius-server deadtime 1441\n', 1, 24, /<0-1440>/],
    ['aaa group server radius\n', 1, 24, /expected a server group name/],
    ['aaa group server radius radius\n', 1, 25, /names every server of its protocol/],
    ['aaa group server radius g\n server name nosuch\n', 2, 14, /no "radius server nosuch" block with an address defines it/],
    ['radius-server host 10.0.0.1\naaa group server radius g\n server 10.0.0.1 auth-port 1812\n', 3, 9,
      /no "radius-server host 10\.0\.0\.1 auth-port 1812 acct-port 1646" line defines it/],
    ['aaa group server radius g\n server not_a_host!\n', 2, 9, /expected a host/],
    ['aaa group server radius g\n deadtime 0\n', 2, 11, /<1-1440>/],
  ];
  for (const [text, line, column, message] of cases) {
    const e = parseError(text);
    assert.equal(e.line, line, text);
    assert.equal(e.column, column, text);
    assert.match(e.message, message, text);
  }
});

test('keys in RADIUS server blocks never reach a warning or an error message', () => {
  const cfg = parseConfig('radius server a\n address ipv4 1.2.3.4\n key 0 topsecret\n pac key topsecret2\n', 'k.cfg');
  assert.equal(cfg.radius.servers[0]!.key, 'topsecret');
  for (const w of cfg.warnings) assert.doesNotMatch(w.message, /topsecret/);
});

test('an accounting list naming a TACACS+ group warns at the name: TACACS+ accounting is not implemented; a RADIUS group does not', () => {
  const cfg = parseConfig([
    'aaa new-model',
    'tacacs-server host 127.0.0.1 key k1',
    'radius-server host 127.0.0.2 key k2',
    'aaa group server tacacs+ TG',
    ' server 127.0.0.1',
    'aaa authentication login default group tacacs+',
    'aaa accounting auth-proxy default start-stop group radius group tacacs+ group TG',
  ].join('\n'), 'acct.cfg');
  const w = cfg.warnings.filter((x) => x.message.includes('TACACS+ accounting'));
  assert.deepEqual(w.map((x) => [x.line, x.column]), [[7, 65], [7, 79]]);
  assert.match(w[0]!.message, /"group tacacs\+" gets no accounting records/);
  assert.match(w[1]!.message, /"group TG" gets no accounting records/);
  assert.ok(!cfg.warnings.some((x) => x.line === 6), 'an authentication list naming tacacs+ is not warned about');
});
