import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/parse.js';
import type { StaticRoute } from '../../src/config/types.js';

const ITFS = [
  'interface FastEthernet0/0',
  ' ip address 192.0.2.1 255.255.255.0',
  ' ipv6 address 2001:DB8::1/64',
  'interface Serial0/1',
  ' ip address 198.51.100.1 255.255.255.252',
];

function routes(...lines: string[]): readonly StaticRoute[] {
  const cfg = parseConfig([...ITFS, ...lines].join('\n'), 'r.cfg');
  assert.deepEqual(cfg.warnings, []);
  return cfg.routes;
}

function routeError(line: string): ConfigError {
  try {
    parseConfig([...ITFS, line].join('\n'), 'r.cfg');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.line, ITFS.length + 1);
    return e;
  }
  assert.fail(`expected an error for ${line}`);
}

/** The parts of a route a test compares, addresses as arrays. */
function plain(r: StaticRoute): unknown {
  return {
    family: r.family, network: [...r.network], prefixLength: r.prefixLength,
    nextHop: r.nextHop === undefined ? undefined : [...r.nextHop], interface: r.interface, distance: r.distance,
    name: r.name, tag: r.tag, permanent: r.permanent, line: r.source.line,
  };
}

test('ip route: next hop, interface, interface with next hop, distance and options', () => {
  const rs = routes(
    'ip route 0.0.0.0 0.0.0.0 192.0.2.254',
    'ip route 10.0.0.0 255.0.0.0 Serial0/1',
    'ip route 172.16.0.0 255.240.0.0 FastEthernet0/0 192.0.2.9 200 name lab tag 7 permanent',
    'ip route 203.0.113.0 255.255.255.0 198.51.100.2 250 permanent',
    'ip route 10.9.0.0 255.255.0.0 fastethernet 0/0',
  );
  const n = ITFS.length;
  assert.deepEqual(rs.map(plain), [
    { family: 4, network: [0], prefixLength: 0, nextHop: [0xc00002fe], interface: undefined, distance: 1,
      name: undefined, tag: undefined, permanent: false, line: n + 1 },
    { family: 4, network: [0x0a000000], prefixLength: 8, nextHop: undefined, interface: 'Serial0/1', distance: 1,
      name: undefined, tag: undefined, permanent: false, line: n + 2 },
    { family: 4, network: [0xac100000], prefixLength: 12, nextHop: [0xc0000209], interface: 'FastEthernet0/0',
      distance: 200, name: 'lab', tag: 7, permanent: true, line: n + 3 },
    { family: 4, network: [0xcb007100], prefixLength: 24, nextHop: [0xc6336402], interface: undefined, distance: 250,
      name: undefined, tag: undefined, permanent: true, line: n + 4 },
    { family: 4, network: [0x0a090000], prefixLength: 16, nextHop: undefined, interface: 'FastEthernet0/0', distance: 1,
      name: undefined, tag: undefined, permanent: false, line: n + 5 },
  ]);
});

test('ipv6 route: default, next hop, interface with link-local next hop', () => {
  const rs = routes(
    'ipv6 route ::/0 2001:DB8::FE',
    'ipv6 route 2001:DB8:1::/48 FastEthernet0/0 FE80::2 5 tag 3 name up',
    'ipv6 route 2001:DB8:2::/48 Null0',
  );
  assert.deepEqual(rs.map(plain), [
    { family: 6, network: [0, 0, 0, 0], prefixLength: 0, nextHop: [0x20010db8, 0, 0, 0xfe], interface: undefined,
      distance: 1, name: undefined, tag: undefined, permanent: false, line: ITFS.length + 1 },
    { family: 6, network: [0x20010db8, 0x00010000, 0, 0], prefixLength: 48, nextHop: [0xfe800000, 0, 0, 2],
      interface: 'FastEthernet0/0', distance: 5, name: 'up', tag: 3, permanent: false, line: ITFS.length + 2 },
    { family: 6, network: [0x20010db8, 0x00020000, 0, 0], prefixLength: 48, nextHop: undefined,
      interface: 'Null0', distance: 1, name: undefined, tag: undefined, permanent: false, line: ITFS.length + 3 },
  ]);
});

test('a route over an interface no interface block defines is an error at its name', () => {
  const e = routeError('ip route 0.0.0.0 0.0.0.0 Ethernet9 192.0.2.254');
  assert.equal(e.column, 26);
  assert.match(e.message, /no "interface Ethernet9" block defines it/);
  assert.equal(routeError('ipv6 route ::/0 Tunnel7').column, 17);
});

test('malformed routes are errors at the offending token', () => {
  const cases: [string, number, RegExp][] = [
    ['ip route 10.0.0.1 255.0.0.0 192.0.2.254', 10, /host bits set/],
    ['ip route 10.0.0.0 255.0.255.0 192.0.2.254', 19, /contiguous netmask/],
    ['ip route 10.0.0.0 255.0.0.0', 28, /next-hop address or an interface name, found end of line/],
    ['ip route 10.0.0.0 255.0.0.0 192.0.2.300', 29, /next-hop address/],
    ['ip route 10.0.0.0 255.0.0.0 0.0.0.0', 29, /not a usable host address/],
    ['ip route 10.0.0.0 255.0.0.0 192.0.2.254 256', 41, /<1-255>/],
    ['ip route 10.0.0.0 255.0.0.0 192.0.2.254 name', 45, /a route name/],
    ['ip route 10.0.0.0 255.0.0.0 192.0.2.254 bogus', 41, /distance/],
    ['ip route 10.0.0 255.0.0.0 192.0.2.254', 10, /destination prefix/],
    ['ipv6 route 2001:DB8::1/64 FastEthernet0/0', 12, /bits set beyond the prefix length/],
    ['ipv6 route 2001:DB8::/129 FastEthernet0/0', 12, /IPv6 prefix/],
    ['ipv6 route ::/0 :: ', 17, /unspecified/],
    ['ipv6 route ::/0 2001:DB8::FE permanent', 30, /distance/],
  ];
  for (const [line, column, re] of cases) {
    const e = routeError(line);
    assert.equal(e.column, column, line);
    assert.match(e.message, re, line);
  }
});

test('vrf and tracked routes are ignored with a warning, not taken as global routes', () => {
  const cfg = parseConfig([...ITFS, 'ip route vrf RED 0.0.0.0 0.0.0.0 192.0.2.254',
    'ip route 0.0.0.0 0.0.0.0 192.0.2.254 track 4'].join('\n'), 'r.cfg');
  assert.deepEqual(cfg.routes, []);
  assert.deepEqual(cfg.warnings.map((w) => w.line), [ITFS.length + 1, ITFS.length + 2]);
});

test('a route line ends an interface block', () => {
  const cfg = parseConfig(['interface Serial0/1', ' ip address 198.51.100.1 255.255.255.252',
    ' ip route 0.0.0.0 0.0.0.0 Serial0/1', 'interface e1'].join('\n'), 'r.cfg');
  assert.equal(cfg.routes.length, 1);
  assert.deepEqual(cfg.warnings, []);
});

test('inbound lists without a default route of their family get one warning per family', () => {
  const base = ['access-list 101 deny tcp any any', 'ipv6 access-list V6', ' deny ipv6 any any',
    'interface e0', ' ip access-group 101 in', ' ipv6 traffic-filter V6 in', 'interface e1', ' ip access-group 101 in'];
  const warned = (extra: string[]): [number, number][] =>
    parseConfig([...base, ...extra].join('\n'), 'd.cfg').warnings.map((w) => [w.line, w.column]);
  assert.deepEqual(warned([]), [[5, 18], [6, 22]]);
  assert.match(parseConfig(base.join('\n'), 'd.cfg').warnings[0]!.message,
    /inbound access list "101" on e0, but no default route \("ip route 0\.0\.0\.0 0\.0\.0\.0 …"\)/);
  assert.deepEqual(warned(['ip route 0.0.0.0 0.0.0.0 e0']), [[6, 22]]);
  assert.deepEqual(warned(['ip route 0.0.0.0 0.0.0.0 e0', 'ipv6 route ::/0 e1']), []);
  // Outbound lists filter by the egress interface, which a default route does not change.
  assert.deepEqual(parseConfig('access-list 101 deny tcp any any\ninterface e0\n ip access-group 101 out', 'd.cfg').warnings, []);
});
