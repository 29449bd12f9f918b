import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { ConfigError, ConfigFileError } from '../../src/errors.js';
import { CONFIG_DEFAULTS, loadConfig, parseConfig } from '../../src/config/parse.js';
import { AP_PROTO_FTP, AP_PROTO_HTTP, AP_PROTO_HTTPS, AP_PROTO_TELNET } from '../../src/authproxy/protocols.js';
import type { Config } from '../../src/config/types.js';
import { encodeCiscoType7 } from '../../src/config/type7.js';
import { parseError } from './parse-error.js';

/** An interface address without the line it came from (compared on its own where it matters). */
function withoutSource<T extends { source?: unknown }>(a: T): Omit<T, 'source'> {
  const { source: _source, ...rest } = a;
  return rest;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'config', 'fixtures');
const SEED = join(FIXTURES, 'seed-running-config.txt');
const SEED_PDF = join(FIXTURES, 'seed-running-config-pdf.txt');

/** Dotted quad of a uint32. */
function dotted(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}


function itf(cfg: Config, name: string) {
  const i = cfg.interfaces.find((x) => x.name === name);
  assert.ok(i !== undefined, `interface ${name} missing`);
  return i;
}

test('the seed running-config parses with the values the seed shows', () => {
  const cfg = loadConfig(SEED);
  assert.equal(cfg.file, SEED);
  assert.equal(cfg.hostname, '7200a');
  assert.equal(cfg.authProxy.authCacheTimeMin, 3);
  assert.equal(cfg.authProxy.bannerEnabled, true);
  assert.equal(cfg.authProxy.bannerText, undefined);
  assert.equal(cfg.authProxy.absoluteTimeMin, 0);

  assert.deepEqual([...cfg.authProxyRules.keys()], ['authname']);
  const rule = cfg.authProxyRules.get('authname')!;
  assert.equal(rule.protoFlags, AP_PROTO_HTTP);
  assert.equal(rule.protocols.length, 1);
  assert.equal(rule.protocols[0]!.proto, AP_PROTO_HTTP);
  assert.equal(rule.protocols[0]!.list, undefined);
  assert.equal(rule.protocols[0]!.authCacheTimeMin, undefined);
  assert.deepEqual(rule.protocols[0]!.source, { file: SEED, line: 27 });

  assert.deepEqual(cfg.interfaces.map((i) => i.name),
    ['FastEthernet0/0', 'ATM1/0', 'FastEthernet2/0', 'FastEthernet3/0', 'FastEthernet4/0', 'FastEthernet4/0.1']);
  const fe3 = itf(cfg, 'FastEthernet3/0');
  assert.equal(fe3.authProxy, 'authname');
  assert.deepEqual(fe3.ipv4.map(withoutSource), [{ address: 0xc0a81a21, mask: 0xffffff00, prefixLength: 24, secondary: false }]);
  assert.equal(fe3.shutdown, false);
  assert.deepEqual(fe3.source, { file: SEED, line: 118 });
  assert.deepEqual(fe3.ipv4[0]!.source, { file: SEED, line: 119 });
  const fe4 = itf(cfg, 'FastEthernet4/0');
  assert.deepEqual(fe4.ipv4.map(withoutSource), [{ address: 0x0a030a2e, mask: 0xffff0000, prefixLength: 16, secondary: false }]);
  assert.equal(fe4.authProxy, undefined);
  assert.deepEqual(itf(cfg, 'FastEthernet0/0').ipv4.map((a) => dotted(a.address)), ['192.168.126.33']);
  assert.equal(itf(cfg, 'ATM1/0').shutdown, true);
  assert.deepEqual(itf(cfg, 'ATM1/0').ipv4, []);
  assert.equal(itf(cfg, 'FastEthernet2/0').shutdown, true);

  assert.deepEqual(cfg.http, {
    server: true, secureServer: true, authentication: 'aaa', secureTrustpoint: 'netCA', port: 80, securePort: 443,
    secureCertificate: undefined,
  });
  assert.equal(cfg.aaa.newModel, true);
  assert.deepEqual([...cfg.aaa.authenticationLogin], [['default', ['group tacacs+', 'group radius']]]);
  assert.deepEqual([...cfg.aaa.authorizationAuthProxy], [['default', ['group tacacs+', 'group radius']]]);
  assert.equal(cfg.aaa.accountingAuthProxy.size, 0);
  assert.equal(cfg.aaa.sessionId, 'common');

  assert.equal(cfg.radius.servers.length, 1);
  const rs = cfg.radius.servers[0]!;
  assert.deepEqual([rs.host, rs.authPort, rs.acctPort, rs.key], ['192.168.126.2', 1645, 1646, undefined]);
  assert.equal(cfg.radius.key, 'letmein');
  assert.equal(cfg.radius.retransmit, 3);
  assert.equal(cfg.radius.timeoutSec, 5);
  assert.equal(cfg.radius.permitMissingServiceType, true);
  assert.equal(cfg.tacacs.servers.length, 1);
  const ts = cfg.tacacs.servers[0]!;
  assert.deepEqual([ts.host, ts.port, ts.key], ['192.168.126.3', 49, undefined]);
  assert.equal(cfg.tacacs.key, 'letmein');

  assert.deepEqual(cfg.acls.names, ['101']);
  assert.equal(cfg.acls.has('101'), true);
  assert.equal(cfg.acls.kind('101'), 'extended');
  assert.deepEqual(cfg.users, []);
});

test('the seed running-config warns once per ignored line or block, naming it', () => {
  const cfg = loadConfig(SEED);
  const at = (line: number) => cfg.warnings.filter((w) => w.line === line);
  const voice = at(99);
  assert.equal(voice.length, 1);
  assert.equal(voice[0]!.file, SEED);
  assert.equal(voice[0]!.column, 1);
  assert.match(voice[0]!.message, /^ignored "voice call carrier capacity active": not implemented/);
  // The whole certificate chain, 59 certificate and hex lines up to the last `quit`, is one warning.
  assert.match(at(37)[0]!.message, /"crypto ca certificate chain netCA" and its 59 sub-lines/);
  for (let line = 38; line <= 96; line++) assert.equal(at(line).length, 0, `line ${line} warned`);
  assert.match(at(32)[0]!.message, /"crypto ca trustpoint netCA" and its 4 sub-lines/);
  assert.match(at(137)[0]!.message, /^trustpoint "netCA" is not read/);
  assert.match(at(104)[0]!.message, /"duplex half" in interface FastEthernet0\/0/);
  assert.equal(at(104)[0]!.column, 2);
  assert.match(at(110)[0]!.message, /"no atm ilmi-keepalive" in interface ATM1\/0/);
  assert.match(at(132)[0]!.message, /^ignored "ip nat inside source static 192\.168\.26\.2 192\.168\.26\.25"/);
  assert.match(at(162)[0]!.message, /"gatekeeper" and its 1 sub-line:/);
  assert.match(at(168)[0]!.message, /"line vty 0 4" and its 1 sub-line:/);
  for (const text of ['version 12.2', 'boot system disk0:c7200-ik9o3s-mz.emweb', 'ip cef', 'mgcp profile default',
    'dial-peer cor custom', 'call rsvp-sync', 'dialer-list 1 protocol ip permit']) {
    assert.ok(cfg.warnings.some((w) => w.message.startsWith(`ignored "${text}"`)), text);
  }
  // Implemented lines and the show-command header never warn.
  for (const line of [1, 2, 9, 12, 15, 16, 17, 25, 26, 27, 103, 119, 120, 135, 142, 147, 150]) {
    assert.equal(at(line).length, 0, `line ${line} warned`);
  }
  const sorted = [...cfg.warnings].sort((a, b) => a.line - b.line);
  assert.deepEqual(cfg.warnings, sorted);
});

test('the seed text with the PDF\'s indentation parses to the same configuration', () => {
  const a = loadConfig(SEED);
  const b = loadConfig(SEED_PDF);
  const norm = (c: Config): string => JSON.stringify({ ...c, file: '', warnings: c.warnings.map((w) => [w.line, w.message]) },
    (k, v: unknown) => {
      if (k === 'file') return '';
      if (v instanceof Map) return [...v];
      if (v instanceof Uint32Array) return [...v];
      if (k === 'acls') return (v as Config['acls']).names;
      return v;
    });
  assert.equal(norm(b), norm(a));
});

test('an empty config has every documented default', () => {
  const cfg = parseConfig('', 'empty.cfg');
  assert.equal(cfg.hostname, 'Router');
  assert.deepEqual(cfg.authProxy, {
    authCacheTimeMin: 60, absoluteTimeMin: 0, bannerEnabled: false, bannerText: undefined, maxNodataConns: 3,
    maxLoginAttempts: 5, watchListExpiryMin: 30, watchListEnabled: false, watchListItems: [], halfOpenLimit: 1024,
  });
  assert.deepEqual(cfg.http, {
    server: false, secureServer: false, authentication: undefined, secureTrustpoint: undefined, port: 80, securePort: 443,
    secureCertificate: undefined,
  });
  assert.deepEqual(cfg.radius, { servers: [], key: undefined, retransmit: 3, timeoutSec: 5, permitMissingServiceType: false,
    deadtimeMin: 0, groups: new Map() });
  assert.deepEqual(cfg.tacacs, { servers: [], key: undefined, timeoutSec: 5, deadtimeMin: 0, groups: new Map() });
  assert.equal(cfg.aaa.newModel, false);
  assert.equal(cfg.aaa.sessionId, undefined);
  assert.equal(cfg.aaa.authenticationLogin.size + cfg.aaa.authorizationAuthProxy.size + cfg.aaa.accountingAuthProxy.size, 0);
  assert.equal(cfg.authProxyRules.size, 0);
  assert.deepEqual(cfg.interfaces, []);
  assert.deepEqual(cfg.users, []);
  assert.deepEqual(cfg.acls.names, []);
  assert.deepEqual(cfg.warnings, []);
  assert.equal(CONFIG_DEFAULTS.radiusAuthPort, 1645);
});

const FULL = `hostname gw-1
aaa new-model
aaa authentication login web group radius local
aaa authorization auth-proxy default group radius
aaa accounting auth-proxy default start-stop group radius group tacacs+
aaa session-id unique
ip auth-proxy auth-cache-time 15
ip auth-proxy absolute-timer 240
ip auth-proxy max-nodata-conns 7
ip auth-proxy max-login-attempts 4
ip auth-proxy watch-list expiry-time 0
ip auth-proxy half-open-limit 500
ip auth-proxy name pxy http list 110 auth-cache-time 5
ip auth-proxy name pxy ftp
ip auth-proxy name pxy https
ip auth-proxy name other telnet list AP-TRIGGER
ip http server
ip http secure-server
ip http authentication local
ip http port 8080
ip http secure-port 8443
ip http secure-trustpoint TP
interface GigabitEthernet 0/1
 description inside LAN (users)
 ip address 10.1.0.1 255.255.0.0
 ip address 10.2.0.1 255.255.255.128 secondary
 ipv6 address 2001:DB8:0:1::1/64
 ip auth-proxy pxy
 ip access-group 110 in
 ip access-group OUT-FILTER out
 ipv6 traffic-filter V6IN in
 no shutdown
interface Loopback0
 ip address 192.0.2.1 255.255.255.255
 shutdown
access-list 110 permit tcp any any eq www
ip access-list extended AP-TRIGGER
 permit tcp any any eq telnet
ip access-list extended OUT-FILTER
 permit ip any any
ipv6 access-list V6IN
 permit ipv6 any any
radius-server host 192.0.2.10 auth-port 1812 acct-port 1813 key s3cr3t with blanks
radius-server host radius.example.net
radius-server host 2001:db8::10 key 7 0822455D0A16
radius-server key 0 global-key
radius-server retransmit 0
radius-server timeout 12
tacacs-server host 192.0.2.20 port 4949 key tackey
tacacs-server host tacacs.example.net
tacacs-server key 7 ${encodeCiscoType7('t+ key', 3)}
tacacs-server timeout 9
username alice privilege 15 password 0 pass word
username bob secret 5 $1$abcd$EFGHIJKLMNOPQRSTUVWXY.
username carol nopassword
username dave password plain
ip route 0.0.0.0 0.0.0.0 10.1.0.254
ipv6 route ::/0 GigabitEthernet0/1 FE80::1
ip auth-proxy watch-list enable
ip auth-proxy watch-list add-item 10.1.0.42
ip auth-proxy watch-list add-item 2001:db8::66
ip auth-proxy watch-list add-item 10.1.0.42
aaa attribute list web-users
 attribute type proxyacl#2 "permit tcp any any eq 443"
 attribute type priv-lvl 15 service auth-proxy
 attribute type proxyacl#1 "permit tcp any any eq www" service auth-proxy protocol ip
username alice aaa attribute list web-users
ip http secure-certificate certs/gw.pem key /etc/gw.key
end
`;

test('every implemented command is read into the typed Config', () => {
  const cfg = parseConfig(FULL, '/etc/portcullis/full.cfg');
  assert.deepEqual(cfg.warnings.map((w) => [w.line, w.column, w.message]),
    [[5, 65, 'TACACS+ accounting is not implemented: "group tacacs+" gets no accounting records (the list\'s RADIUS groups do)'],
    [22, 27, 'trustpoint "TP" is not read (portcullis has no PKI trustpoints): the login certificate comes from '
      + '"ip http secure-certificate CERT-FILE key KEY-FILE", else it is self-signed'],
    [55, 16, 'user "carol" has no password: anyone giving this name logs in']]);
  assert.equal(cfg.hostname, 'gw-1');
  assert.equal(cfg.aaa.newModel, true);
  assert.deepEqual([...cfg.aaa.authenticationLogin], [['web', ['group radius', 'local']]]);
  assert.deepEqual([...cfg.aaa.authorizationAuthProxy], [['default', ['group radius']]]);
  assert.deepEqual([...cfg.aaa.accountingAuthProxy], [['default', ['group radius', 'group tacacs+']]]);
  assert.equal(cfg.aaa.sessionId, 'unique');
  assert.deepEqual(cfg.authProxy, {
    authCacheTimeMin: 15, absoluteTimeMin: 240, bannerEnabled: false, bannerText: undefined, maxNodataConns: 7,
    maxLoginAttempts: 4, watchListExpiryMin: 0, watchListEnabled: true,
    watchListItems: [new Uint32Array([0, 0, 0xffff, 0x0a01002a]), new Uint32Array([0x20010db8, 0, 0, 0x66])], halfOpenLimit: 500,
  });
  const pxy = cfg.authProxyRules.get('pxy')!;
  assert.equal(pxy.protoFlags, AP_PROTO_HTTP | AP_PROTO_FTP | AP_PROTO_HTTPS);
  assert.deepEqual(pxy.protocols.map((p) => [p.proto, p.list, p.authCacheTimeMin, p.source.line]),
    [[AP_PROTO_HTTP, '110', 5, 13], [AP_PROTO_FTP, undefined, undefined, 14], [AP_PROTO_HTTPS, undefined, undefined, 15]]);
  const other = cfg.authProxyRules.get('other')!;
  assert.equal(other.protoFlags, AP_PROTO_TELNET);
  assert.equal(other.protocols[0]!.list, 'AP-TRIGGER');
  assert.deepEqual(cfg.http, {
    server: true, secureServer: true, authentication: 'local', secureTrustpoint: 'TP', port: 8080, securePort: 8443,
    secureCertificate: {
      certFile: '/etc/portcullis/certs/gw.pem', keyFile: '/etc/gw.key', source: { file: '/etc/portcullis/full.cfg', line: 68 },
    },
  });

  assert.equal(cfg.interfaces.length, 2);
  const g = cfg.interfaces[0]!;
  assert.equal(g.name, 'GigabitEthernet0/1');
  assert.equal(g.description, 'inside LAN (users)');
  assert.deepEqual(g.ipv4.map(withoutSource), [
    { address: 0x0a010001, mask: 0xffff0000, prefixLength: 16, secondary: false },
    { address: 0x0a020001, mask: 0xffffff80, prefixLength: 25, secondary: true },
  ]);
  assert.equal(g.ipv6.length, 1);
  assert.deepEqual([...g.ipv6[0]!.address], [0x20010db8, 0x00000001, 0, 1]);
  assert.equal(g.ipv6[0]!.prefixLength, 64);
  assert.equal(g.ipv6[0]!.source!.line, g.source.line + 4);
  assert.equal(g.authProxy, 'pxy');
  assert.deepEqual([g.accessGroupIn, g.accessGroupOut, g.ipv6FilterIn, g.ipv6FilterOut], ['110', 'OUT-FILTER', 'V6IN', undefined]);
  assert.equal(g.shutdown, false);
  const lo = cfg.interfaces[1]!;
  assert.deepEqual(lo.ipv4.map(withoutSource), [{ address: 0xc0000201, mask: 0xffffffff, prefixLength: 32, secondary: false }]);
  assert.equal(lo.shutdown, true);

  assert.deepEqual(cfg.acls.names, ['110', 'AP-TRIGGER', 'OUT-FILTER', 'V6IN']);
  assert.deepEqual(cfg.radius.servers.map((s) => [s.host, s.authPort, s.acctPort, s.key, s.source.line]), [
    ['192.0.2.10', 1812, 1813, 's3cr3t with blanks', 43],
    ['radius.example.net', 1645, 1646, undefined, 44],
    ['2001:db8::10', 1645, 1646, 'cisco', 45],
  ]);
  assert.equal(cfg.radius.key, 'global-key');
  assert.equal(cfg.radius.retransmit, 0);
  assert.equal(cfg.radius.timeoutSec, 12);
  assert.deepEqual(cfg.tacacs.servers.map((s) => [s.host, s.port, s.key]), [
    ['192.0.2.20', 4949, 'tackey'], ['tacacs.example.net', 49, undefined],
  ]);
  assert.equal(cfg.tacacs.key, 't+ key');
  assert.equal(cfg.tacacs.timeoutSec, 9);
  assert.deepEqual(cfg.users.map((u) => [u.name, u.privilege, u.credentialKind, u.encryptionType, u.credential, u.clearText?.take()]), [
    ['alice', 15, 'password', 0, '', 'pass word'],
    ['bob', 1, 'secret', 5, '$1$abcd$EFGHIJKLMNOPQRSTUVWXY.', undefined],
    ['carol', 1, 'none', 0, '', undefined],
    ['dave', 1, 'password', 0, '', 'plain'],
  ]);
  assert.deepEqual(cfg.users.map((u) => u.attributeList), ['web-users', undefined, undefined, undefined]);
  assert.deepEqual([...cfg.attributeLists.values()], [{
    name: 'web-users', privLvl: 15, source: { file: '/etc/portcullis/full.cfg', line: 63 },
    proxyAcl: [{ n: 1, text: 'permit tcp any any eq www' }, { n: 2, text: 'permit tcp any any eq 443' }],
  }]);
});

test('later lines replace earlier ones as in IOS', () => {
  const cfg = parseConfig([
    'ip auth-proxy name r http auth-cache-time 5',
    'ip auth-proxy name r ftp',
    'ip auth-proxy name r http list 101',
    'interface e0',
    ' ip address 10.0.0.1 255.0.0.0',
    ' ip address 10.0.1.1 255.255.255.0 secondary',
    ' ip address 172.16.0.1 255.255.0.0',
    'interface e1',
    'interface e0',
    ' shutdown',
    'ip http server',
    'no ip http server',
    'username u password one',
    'username u secret two',
    'radius-server host 10.9.9.9 key a',
    'radius-server host 10.9.9.9 key b',
    'access-list 101 deny ip any any',
  ].join('\n'), 'r.cfg');
  const r = cfg.authProxyRules.get('r')!;
  assert.deepEqual(r.protocols.map((p) => [p.proto, p.list, p.authCacheTimeMin, p.source.line]),
    [[AP_PROTO_HTTP, '101', undefined, 3], [AP_PROTO_FTP, undefined, undefined, 2]]);
  assert.deepEqual(cfg.interfaces.map((i) => i.name), ['e0', 'e1']);
  const e0 = cfg.interfaces[0]!;
  assert.deepEqual(e0.ipv4.map((a) => [dotted(a.address), a.prefixLength, a.secondary]),
    [['172.16.0.1', 16, false], ['10.0.1.1', 24, true]]);
  assert.equal(e0.shutdown, true);
  assert.equal(cfg.http.server, false);
  assert.deepEqual(cfg.users.map((u) => [u.name, u.credentialKind, u.clearText?.take()]), [['u', 'secret', 'two']]);
  assert.deepEqual(cfg.radius.servers.map((s) => s.key), ['b']);
});

interface BadCase {
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly expected: string;
  readonly found?: string;
}

const BAD: readonly BadCase[] = [
  { text: 'ip auth-proxy name x gopher', line: 1, column: 22, expected: '"http", "ftp", "telnet" or "https"', found: '"gopher"' },
  { text: 'interface FastEthernet0/0\n ip address 1.2.3.999 255.0.0.0', line: 2, column: 13, expected: 'an IPv4 address', found: '"1.2.3.999"' },
  { text: 'hostname r\ninterface', line: 2, column: 10, expected: 'an interface name', found: 'end of line' },
  { text: 'interface e0\n ip access-group 101 sideways', line: 2, column: 22, expected: '"in" or "out"', found: '"sideways"' },
  { text: 'access-list 101 permit tcp any', line: 1, column: 31, expected: '"any", "host" or an IPv4 address', found: 'end of line' },
  { text: 'interface e0\n ip address 10.0.0.1 255.0.255.0', line: 2, column: 22, expected: 'a contiguous netmask' },
  { text: 'interface e0\n ip address 10.0.0.1', line: 2, column: 21, expected: 'a netmask', found: 'end of line' },
  { text: 'interface e0\n ip address 10.0.0.1 255.0.0.0 primary', line: 2, column: 32, expected: '"secondary" or end of line' },
  { text: 'interface e0\n ip address 10.0.0.0 255.255.255.0', line: 2, column: 13, expected: 'a host address of its subnet' },
  { text: 'interface e0\n ip address 10.0.0.255 255.255.255.0', line: 2, column: 13, expected: 'a host address of its subnet' },
  { text: 'interface e0\n ip auth-proxy', line: 2, column: 15, expected: 'an auth-proxy rule name', found: 'end of line' },
  { text: 'interface e0\n ipv6 address 2001:db8::1', line: 2, column: 15, expected: 'an IPv6 prefix (X:X::X/<0-128>)' },
  { text: 'interface e0\n ipv6 address 2001:db8::1/129', line: 2, column: 15, expected: 'an IPv6 prefix (X:X::X/<0-128>)' },
  { text: 'interface e0\n ipv6 traffic-filter V6', line: 2, column: 24, expected: '"in" or "out"', found: 'end of line' },
  { text: 'interface e0\n shutdown now', line: 2, column: 11, expected: 'end of line' },
  { text: 'ip address 10.0.0.1 255.0.0.0', line: 1, column: 1, expected: 'a global configuration command' },
  { text: 'ip auth-proxy max-nodata-conns 300', line: 1, column: 32, expected: 'a number <1-255>', found: '"300"' },
  { text: 'ip auth-proxy auth-cache-time 0', line: 1, column: 31, expected: 'a number <1-2147483647>' },
  { text: 'ip auth-proxy auth-cache-time 2147483648', line: 1, column: 31, expected: 'a number <1-2147483647>' },
  { text: 'ip auth-proxy auth-cache-time three', line: 1, column: 31, expected: 'a number <1-2147483647>' },
  { text: 'ip auth-proxy absolute-timer 40000', line: 1, column: 30, expected: 'a number <0-35791>' },
  { text: 'ip auth-proxy watch-list expiry-time -1', line: 1, column: 38, expected: 'a number <0-2147483647>' },
  { text: 'ip auth-proxy watch-list add-item nothost', line: 1, column: 35, expected: 'an IPv4 or IPv6 address' },
  { text: 'ip auth-proxy watch-list add-item 2001:db8::g', line: 1, column: 35, expected: 'an IPv4 or IPv6 address' },
  { text: 'ip auth-proxy half-open-limit 0', line: 1, column: 31, expected: 'a number <1-1048576>' },
  { text: 'ip auth-proxy frobnicate 3', line: 1, column: 15, expected: '"name", "auth-cache-time", "absolute-timer", "auth-proxy-banner", "max-nodata-conns", "max-login-attempts", "watch-list", "half-open-limit", "login-redirect", "status-511", "captive-portal-api", "consent" or "proxy-listener"' },
  { text: 'ip auth-proxy name x http list', line: 1, column: 31, expected: 'an access list name or number', found: 'end of line' },
  { text: 'ip auth-proxy name x http auth-cache-time 5 list A extra', line: 1, column: 52, expected: '"list", "auth-cache-time" or end of line' },
  { text: 'ip auth-proxy name', line: 1, column: 19, expected: 'an auth-proxy rule name' },
  { text: 'ip auth-proxy auth-proxy-banner http #Welcome\nto the net', line: 1, column: 38, expected: 'the closing delimiter "#"', found: 'end of file' },
  { text: 'ip http port 70000', line: 1, column: 14, expected: 'a number <1-65535>' },
  { text: 'ip http authentication radius', line: 1, column: 24, expected: '"aaa", "local" or "enable"' },
  { text: 'ip http serverr', line: 1, column: 9, expected: '"server", "secure-server", "authentication", "port", "secure-port", "secure-trustpoint" or "secure-certificate"' },
  { text: 'ip http secure-certificate c.pem', line: 1, column: 33, expected: '"key"', found: 'end of line' },
  { text: 'ip http secure-certificate c.pem key', line: 1, column: 37, expected: 'a private key file (PEM)' },
  { text: 'ip http secure-certificate c.pem key k.pem x', line: 1, column: 44, expected: 'end of line' },
  { text: 'radius-server host 10.1.1.300', line: 1, column: 20, expected: 'a host (IPv4 or IPv6 address, or host name)' },
  { text: 'radius-server host 2001:db8:::1', line: 1, column: 20, expected: 'a host (IPv4 or IPv6 address, or host name)' },
  { text: 'radius-server host 10.0.0.1 auth-port', line: 1, column: 38, expected: 'a number <0-65535>', found: 'end of line' },
  { text: 'radius-server host 10.0.0.1 nas 4', line: 1, column: 29, expected: '"auth-port", "acct-port", "timeout", "retransmit", "key" or end of line' },
  { text: 'radius-server retransmit 101', line: 1, column: 26, expected: 'a number <0-100>' },
  { text: 'radius-server timeout 0', line: 1, column: 23, expected: 'a number <1-1000>' },
  { text: 'radius-server key', line: 1, column: 18, expected: 'a key', found: 'end of line' },
  { text: 'radius-server key 7 XYZ', line: 1, column: 21, expected: 'a type 7 encrypted key (hex digits after a two-digit offset)' },
  { text: 'radius-server authorization permit missing Foo', line: 1, column: 44, expected: '"Service-Type"' },
  { text: 'tacacs-server host h1 port 0', line: 1, column: 28, expected: 'a number <1-65535>' },
  { text: 'tacacs-server host -bad-', line: 1, column: 20, expected: 'a host (IPv4 or IPv6 address, or host name)' },
  { text: 'username bob privilege 16 password x', line: 1, column: 24, expected: 'a number <0-15>' },
  { text: 'username bob password 3 x', line: 1, column: 23, expected: 'an encryption type (0, 7)' },
  { text: 'username bob secret 5 a b', line: 1, column: 25, expected: 'end of line' },
  { text: 'username bob autocommand x', line: 1, column: 14, expected: '"privilege", "password", "secret", "nopassword", "algorithm-type" or "aaa"' },
  { text: 'username bob privilege 15 pasword x', line: 1, column: 27, expected: '"password", "secret", "nopassword" or "algorithm-type"' },
  { text: 'username bob secret 4 tnhtc92DXBhelxjYk8LWJrPV36S2i4ntXrpb4RFmfqY', line: 1, column: 21, expected: 'an encryption type (0, 5, 8, 9)' },
  { text: 'username bob secret 5 $1$abcd$short', line: 1, column: 23, expected: 'a type 5 secret', found: '<removed>' },
  { text: 'username bob secret 8 $9$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs', line: 1, column: 23, expected: 'a type 8 secret' },
  { text: 'username bob secret 9 $9$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQF', line: 1, column: 23, expected: 'a type 9 secret' },
  { text: 'username bob password 7 0822455D0A1', line: 1, column: 25, expected: 'a type 7 encrypted password (hex digits after a two-digit offset)' },
  { text: 'username bob algorithm-type sha1 secret x', line: 1, column: 29, expected: '"md5", "sha256" or "scrypt"' },
  { text: 'username bob algorithm-type scrypt password x', line: 1, column: 36, expected: '"secret"' },
  { text: 'username bob aaa attribute', line: 1, column: 27, expected: '"list"' },
  { text: 'username bob aaa attribute list', line: 1, column: 32, expected: 'an attribute list name' },
  // Cross-checks: the binding names a list no block defines; a user with a binding but no password.
  { text: 'username bob secret 0 x\nusername bob aaa attribute list L', line: 2, column: 33, expected: 'the name of a defined attribute list', found: '"L"' },
  { text: 'aaa attribute list L\nusername bob aaa attribute list L', line: 2, column: 10, expected: 'a user with a password', found: '"bob"' },
  { text: 'username', line: 1, column: 9, expected: 'a user name' },
  { text: 'aaa session-id sometimes', line: 1, column: 16, expected: '"common" or "unique"' },
  { text: 'aaa authentication login default', line: 1, column: 33, expected: 'a method ("group NAME", "local", "local-case", "none", "enable", "line", "krb5")' },
  { text: 'aaa authentication login default group', line: 1, column: 39, expected: 'a server group name ("radius", "tacacs+" or a name)' },
  { text: 'aaa authorization auth-proxy default group radius local-case', line: 1, column: 51, expected: 'a method ("group NAME", "local", "none", "if-authenticated")' },
  { text: 'aaa accounting auth-proxy default start-stop', line: 1, column: 45, expected: 'a method ("group NAME")' },
  { text: 'aaa accounting auth-proxy default wait-start group radius', line: 1, column: 35, expected: '"start-stop"' },
  { text: 'hostname', line: 1, column: 9, expected: 'a host name' },
  { text: 'hostname a b', line: 1, column: 12, expected: 'end of line' },
  { text: 'end extra', line: 1, column: 5, expected: 'end of line' },
  // Lines inside ignored blocks do not shift the numbering.
  { text: 'crypto ca trustpoint x\n enrollment mode ra\n!\nip auth-proxy name x gopher', line: 4, column: 22, expected: '"http", "ftp", "telnet" or "https"' },
  // Cross-check: the interface names a rule no line defines; the error names the referencing line.
  { text: 'ip auth-proxy name a http\ninterface e0\n ip auth-proxy b\ninterface e1', line: 3, column: 16, expected: 'the name of a defined auth-proxy rule', found: '"b"' },
];

test('malformed lines are errors naming file, line, column and the expected token', () => {
  for (const c of BAD) {
    const e = parseError(c.text);
    const where = JSON.stringify(c.text);
    assert.equal(e.code, 'ERR_CONFIG_INVALID', where);
    assert.equal(e.file, 'bad.cfg', where);
    assert.equal(e.line, c.line, where);
    assert.equal(e.column, c.column, where);
    assert.equal(e.expected, c.expected, where);
    if (c.found !== undefined) assert.equal(e.found, c.found, where);
    assert.ok(e.message.startsWith(`bad.cfg:${c.line}:${c.column}: expected ${c.expected}, found `), e.message);
  }
});

test('the parse stops at the first error', () => {
  const e = parseError('ip auth-proxy max-nodata-conns 0\nip auth-proxy name x gopher');
  assert.equal(e.line, 1);
});

test('banners: delimited text, any delimiter, over several lines', () => {
  const one = parseConfig('ip auth-proxy auth-proxy-banner http ^C Welcome to ACME ^C', 'b.cfg');
  assert.equal(one.authProxy.bannerEnabled, true);
  assert.equal(one.authProxy.bannerText, ' Welcome to ACME ');

  const multi = parseConfig([
    'hostname edge',
    'ip auth-proxy auth-proxy-banner http ^C',
    'ACME Corp. network',
    '  Authorized use only ^C trailing words are ignored',
    'ip auth-proxy name r http',
  ].join('\n'), 'b.cfg');
  assert.equal(multi.authProxy.bannerText, '\nACME Corp. network\n  Authorized use only ');
  assert.deepEqual(multi.authProxyRules.get('r')!.protocols[0]!.source, { file: 'b.cfg', line: 5 });
  assert.deepEqual(multi.warnings, []);

  const hash = parseConfig('ip auth-proxy auth-proxy-banner #one ^C two#', 'b.cfg');
  assert.equal(hash.authProxy.bannerText, 'one ^C two');

  const plain = parseConfig('ip auth-proxy auth-proxy-banner', 'b.cfg');
  assert.equal(plain.authProxy.bannerEnabled, true);
  assert.equal(plain.authProxy.bannerText, undefined);

  const ftp = parseConfig('ip auth-proxy auth-proxy-banner ftp %\nftp text\n%', 'b.cfg');
  assert.equal(ftp.authProxy.bannerEnabled, false);
  assert.equal(ftp.warnings.length, 1);
  assert.equal(ftp.warnings[0]!.line, 1);
  assert.match(ftp.warnings[0]!.message, /ftp auth-proxy banner/);
});

test('an ignored banner motd skips its whole text, whatever the text says', () => {
  const cfg = parseConfig([
    'banner motd ^C',
    'ip auth-proxy name x gopher',
    'interface',
    '^C',
    'hostname after',
  ].join('\n'), 'm.cfg');
  assert.equal(cfg.hostname, 'after');
  assert.deepEqual(cfg.warnings.map((w) => [w.line, w.message]), [[1, 'ignored "banner motd": not implemented by portcullis']]);
});

test('sub-modes end where IOS would end them', () => {
  const text = [
    'interface e0',
    'ip address 10.0.0.1 255.0.0.0',
    '! a comment does not end the block',
    'ip auth-proxy rule1',
    'speed 100',
    '  some-unknown-sub-command x',
    'ip nat inside',
    '  ip auth-proxy name rule1 http',
    'ip http server',
    'mgcp profile default',
    ' max1 retries 3',
    '  ip http secure-server',
    'line vty 0 4',
    ' ip address 1.1.1.1 255.0.0.0',
  ].join('\n');
  const cfg = parseConfig(text, 's.cfg');
  const e0 = cfg.interfaces[0]!;
  assert.deepEqual(e0.ipv4.map((a) => dotted(a.address)), ['10.0.0.1']);
  assert.equal(e0.authProxy, 'rule1');
  assert.equal(cfg.authProxyRules.get('rule1')!.protocols[0]!.source.line, 8);
  assert.equal(cfg.http.server, true);
  assert.equal(cfg.http.secureServer, true);
  assert.deepEqual(cfg.warnings.map((w) => [w.line, w.column]), [[5, 1], [6, 3], [7, 1], [10, 1], [13, 1]]);
  assert.match(cfg.warnings[1]!.message, /"some-unknown-sub-command x" in interface e0/);
  assert.match(cfg.warnings[3]!.message, /"mgcp profile default" and its 1 sub-line:/);
  assert.match(cfg.warnings[4]!.message, /"line vty 0 4" and its 1 sub-line:/);
  // An interface command outside an interface block is an error, not a sub-line of `ip http server`.
  const e = parseError('interface e0\nip http server\nip address 10.0.0.1 255.0.0.0');
  assert.deepEqual([e.line, e.column], [3, 1]);
});

test('named ACL blocks take their sub-lines, then hand back to the parser', () => {
  const cfg = parseConfig([
    'ip access-list extended WEB',
    ' permit tcp any any eq www',
    '!',
    ' deny ip any any',
    'interface e0',
    ' ip access-group WEB in',
    'ip route 0.0.0.0 0.0.0.0 e0',
  ].join('\n'), 'a.cfg');
  assert.deepEqual(cfg.acls.names, ['WEB']);
  assert.equal(cfg.interfaces[0]!.accessGroupIn, 'WEB');
  assert.deepEqual(cfg.warnings, []);
});

test('undefined ACLs are warnings at the referencing token (IOS permits all)', () => {
  const cfg = parseConfig([
    'access-list 101 deny tcp any any',
    'ip auth-proxy name a http list 150',
    'interface e0',
    ' ip access-group 101 in',
    ' ip access-group 102 out',
    ' ipv6 traffic-filter NOPE in',
    ' ip auth-proxy a',
    'ip route 0.0.0.0 0.0.0.0 e0',
    'ipv6 route ::/0 e0',
  ].join('\n'), 'u.cfg');
  // (the rule's missing `ip http secure-server` is another finding, tested in auth-proxy-modes.test.ts)
  const warnings = cfg.warnings.filter((w) => w.topic !== 'no-secure-server');
  assert.deepEqual(warnings.map((w) => [w.line, w.column]), [[2, 32], [5, 18], [6, 22]]);
  assert.match(warnings[0]!.message, /access list "150" is not defined/);
  assert.match(warnings[1]!.message, /access list "102" is not defined/);
  assert.match(warnings[2]!.message, /access list "NOPE" is not defined/);
});

test('other findings: aaa without new-model, lines after end, per-host timers', () => {
  const cfg = parseConfig([
    'aaa authentication login default local',
    'radius-server host 10.0.0.5 timeout 3 key k',
    'end',
    'hostname ignored',
  ].join('\n'), 'o.cfg');
  assert.equal(cfg.hostname, 'Router');
  assert.equal(cfg.radius.servers[0]!.key, 'k');
  assert.deepEqual(cfg.warnings.map((w) => [w.line, w.column]), [[1, 1], [2, 29], [4, 1]]);
  assert.match(cfg.warnings[0]!.message, /without "aaa new-model"/);
  assert.match(cfg.warnings[1]!.message, /per-host "timeout" ignored/);
  assert.match(cfg.warnings[2]!.message, /after "end" \(line 3\)/);
});

test('CRLF line ends and a byte-order mark are accepted', () => {
  const cfg = parseConfig('\uFEFFhostname crlf\r\ninterface e0\r\n ip address 10.0.0.1 255.255.255.0\r\n ip auth-proxy r\r\nip auth-proxy name r http\r\nip http secure-server\r\n', 'c.cfg');
  assert.equal(cfg.hostname, 'crlf');
  assert.equal(cfg.interfaces[0]!.authProxy, 'r');
  assert.deepEqual(cfg.warnings, []);
});

test('loadConfig: a missing file is a clear ConfigFileError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cfg-'));
  try {
    const missing = join(dir, 'nope.cfg');
    assert.throws(() => loadConfig(missing), (e: unknown) => e instanceof ConfigFileError
      && e.code === 'ERR_CONFIG_FILE' && e.path === missing && e.message === `${missing}: configuration file not found`);
    assert.throws(() => loadConfig(dir), (e: unknown) => e instanceof ConfigFileError && /is a directory/.test(e.message));
    const bad = join(dir, 'bad.cfg');
    writeFileSync(bad, 'hostname a\ninterface\n');
    assert.throws(() => loadConfig(bad), (e: unknown) => e instanceof ConfigError && e.file === bad && e.line === 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('property: interface addresses parse to the integers they spell', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 32 }), (addr, prefix) => {
    const mask = prefix === 32 ? 0xffffffff : (~(0xffffffff >>> prefix)) >>> 0;
    const host = (addr & ~mask) >>> 0;
    fc.pre(prefix > 30 || (host !== 0 && host !== (~mask >>> 0)));
    const cfg = parseConfig(`interface e0\n ip address ${dotted(addr)} ${dotted(mask)}`, 'p.cfg');
    assert.deepEqual(cfg.interfaces[0]!.ipv4.map(withoutSource), [{ address: addr, mask, prefixLength: prefix, secondary: false }]);
  }), { numRuns: 300 });
});

test('property: a non-contiguous mask is always rejected at the mask', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (mask) => {
    const inverted = (~mask) >>> 0;
    fc.pre((inverted & (inverted + 1)) !== 0);
    const e = parseError(`interface e0\n ip address 10.0.0.1 ${dotted(mask)}`);
    assert.deepEqual([e.line, e.column, e.expected], [2, 22, 'a contiguous netmask']);
  }), { numRuns: 300 });
});

test('property: numbers are accepted exactly inside their range', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 400 }), (n) => {
    const text = `ip auth-proxy max-nodata-conns ${n}`;
    if (n >= 1 && n <= 255) {
      assert.equal(parseConfig(text, 'n.cfg').authProxy.maxNodataConns, n);
    } else {
      assert.equal(parseError(text).expected, 'a number <1-255>');
    }
  }), { numRuns: 200 });
});

const WORDS = [
  'ip', 'ipv6', 'auth-proxy', 'name', 'http', 'ftp', 'https', 'list', 'auth-cache-time', 'auth-proxy-banner',
  'interface', 'e0', 'address', 'access-group', 'traffic-filter', 'in', 'out', '10.0.0.1', '255.255.255.0',
  '2001:db8::1/64', '300', '7', '0', 'access-list', '101', 'permit', 'deny', 'tcp', 'any', 'host', 'eq', 'www',
  'radius-server', 'tacacs-server', 'key', 'port', 'username', 'privilege', 'password', 'secret', 'aaa', 'new-model',
  'authentication', 'login', 'group', 'radius', 'no', 'shutdown', 'end', '!', '^C', '#', 'crypto', 'ca', 'certificate',
  'chain', 'quit', 'banner', 'motd', 'extended', 'standard', 'server', 'secure-server', 'hostname', 'description',
];

test('property: random configs either parse or fail with a ConfigError', () => {
  const line = fc.tuple(fc.nat({ max: 2 }), fc.array(fc.constantFrom(...WORDS), { maxLength: 7 }))
    .map(([indent, words]) => ' '.repeat(indent) + words.join(' '));
  fc.assert(fc.property(fc.array(fc.oneof(line, fc.string({ maxLength: 30 })), { maxLength: 20 }), (lines) => {
    try {
      const cfg = parseConfig(lines.join('\n'), 'f.cfg');
      for (const w of cfg.warnings) assert.ok(w.line >= 1 && w.line <= lines.length && w.column >= 1);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      assert.ok(e.line >= 1 && e.line <= lines.length && e.column >= 1);
    }
  }), { numRuns: 400 });
});
