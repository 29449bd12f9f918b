/**
 * The live gateway's plan of the host (no root needed): TUN device names, the policy routing's
 * rules, tables and commands (src/gateway/routes.ts), and the check of the configured interfaces
 * against the host's devices (src/gateway/links.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { installCommands, routingPlan, tunNameFor } from '../../src/gateway/routes.js';
import { matchInterfaces, parseLinks } from '../../src/gateway/links.js';
import { HostNetworkError, InterfaceAddressError, InterfaceMissingError, InterfaceUnusableError } from '../../src/errors.js';
import { exitStatusOf } from '../../src/cli/main.js';

const CONFIG = `hostname gw
interface g1
 ip address 10.50.1.1 255.255.255.0
 ipv6 address fd00:50:1::1/64
interface g2
 ip address 10.50.2.1 255.255.255.0
end
`;

test('TUN names: pc-NAME within 15 bytes, long names shortened with a hash that keeps them apart', () => {
  assert.equal(tunNameFor('g1'), 'pc-g1');
  assert.equal(tunNameFor('enp0s31f6abc'), 'pc-enp0s31f6abc');
  const a = tunNameFor('wlx00c0ca9a1b2c');
  const b = tunNameFor('wlx00c0ca9a1b2d');
  assert.match(a, /^pc-wlx00c0-[0-9a-f]{4}$/);
  assert.notEqual(a, b);
  for (const n of [a, b, tunNameFor('x'.repeat(15))]) assert.ok(Buffer.byteLength(n) <= 15, n);
});

test('routing plan: a table, a lookup rule and a prohibit rule per interface, prohibit rules after every lookup', () => {
  const plan = routingPlan(parseConfig(CONFIG, 'gw.cfg'));
  assert.deepEqual(plan.interfaces, [
    { name: 'g1', tun: 'pc-g1', table: 7100, lookupPriority: 7100, prohibitPriority: 7300 },
    { name: 'g2', tun: 'pc-g2', table: 7101, lookupPriority: 7101, prohibitPriority: 7301 },
  ]);
  assert.deepEqual(installCommands(plan, [4, 6]), [
    'sysctl -w net.ipv4.ip_forward=1',
    'sysctl -w net.ipv6.conf.all.forwarding=1',
    'sysctl -w net.ipv4.conf.all.rp_filter=0',
    'sysctl -w net.ipv4.conf.pc-g1.rp_filter=0',
    'sysctl -w net.ipv4.conf.pc-g2.rp_filter=0',
    'ip rule add iif g1 prohibit priority 7300',
    'ip rule add iif g2 prohibit priority 7301',
    'ip -6 rule add iif g1 prohibit priority 7300',
    'ip -6 rule add iif g2 prohibit priority 7301',
    'ip rule add iif g1 lookup 7100 priority 7100',
    'ip rule add iif g2 lookup 7101 priority 7101',
    'ip -6 rule add iif g1 lookup 7100 priority 7100',
    'ip -6 rule add iif g2 lookup 7101 priority 7101',
    'ip route replace default dev pc-g1 table 7100',
    'ip route replace default dev pc-g2 table 7101',
    'ip -6 route replace default dev pc-g1 table 7100',
    'ip -6 route replace default dev pc-g2 table 7101',
  ]);
  assert.deepEqual(installCommands(plan, [4]).filter((l) => l.includes('-6') || l.includes('ipv6')), []);
});

test('routing plan: two interfaces whose shortened names clash are refused; past 200 interfaces too', () => {
  // Find two long names with the same beginning whose hashes agree in the 16 bits kept.
  const seen = new Map<string, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; pair === undefined; i++) {
    const name = `enx0123${String(i).padStart(7, '0')}`;
    const tun = tunNameFor(name);
    const other = seen.get(tun);
    if (other !== undefined) pair = [other, name];
    seen.set(tun, name);
  }
  const clash = parseConfig(`interface ${pair[0]}\ninterface ${pair[1]}\nend\n`, 'x.cfg');
  assert.throws(() => routingPlan(clash), (e: unknown) => e instanceof HostNetworkError && /would share TUN device pc-enx0123-/.test(e.message));
  const many = parseConfig(Array.from({ length: 201 }, (_, i) => `interface e${i}\n`).join('') + 'end\n', 'm.cfg');
  assert.throws(() => routingPlan(many), (e: unknown) => e instanceof HostNetworkError && /at most 200/.test(e.message));
});

const LINKS = JSON.stringify([
  { ifname: 'lo', mtu: 65536, flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }] },
  { ifname: 'g1', mtu: 1500, addr_info: [
    { family: 'inet', local: '10.50.1.1', prefixlen: 24, scope: 'global' },
    { family: 'inet6', local: 'fd00:50:1::1', prefixlen: 64, scope: 'global' },
    { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
  ] },
  { ifname: 'g2', mtu: 9000, addr_info: [{ family: 'inet', local: '10.50.2.1', prefixlen: 24, scope: 'global' }] },
]);

test('interfaces: each names a device that has its configured addresses', () => {
  const links = matchInterfaces(parseConfig(CONFIG, 'gw.cfg'), parseLinks(LINKS));
  assert.deepEqual(links.map((l) => [l.name, l.mtu]), [['g1', 1500], ['g2', 9000]]);
});

test('interfaces: a missing device is named with its config line and the devices there are (exit 3)', () => {
  const cfg = parseConfig(CONFIG.replace('interface g2', 'interface eth7'), 'gw.cfg');
  assert.throws(() => matchInterfaces(cfg, parseLinks(LINKS)), (e: unknown) => {
    assert.ok(e instanceof InterfaceMissingError);
    assert.equal(e.message, 'gw.cfg:5: interface eth7: no such Linux network device (devices here: lo, g1, g2)');
    assert.equal(exitStatusOf(e), 3);
    return true;
  });
});

test('interfaces: an address the device does not have names its line and the device\'s addresses (exit 3)', () => {
  const wrong4 = parseConfig(CONFIG.replace('10.50.1.1 255.255.255.0', '10.50.1.9 255.255.255.0'), 'gw.cfg');
  assert.throws(() => matchInterfaces(wrong4, parseLinks(LINKS)), (e: unknown) => {
    assert.ok(e instanceof InterfaceAddressError);
    assert.equal(e.message, 'gw.cfg:3: interface g1: address 10.50.1.9/24 is not an address of the device ' +
      '(it has 10.50.1.1/24, fd00:50:1::1/64)');
    assert.equal(exitStatusOf(e), 3);
    return true;
  });
  const wrongLength = parseConfig(CONFIG.replace('10.50.2.1 255.255.255.0', '10.50.2.1 255.255.0.0'), 'gw.cfg');
  assert.throws(() => matchInterfaces(wrongLength, parseLinks(LINKS)), /gw\.cfg:6: interface g2: address 10\.50\.2\.1\/16 is not/);
  const wrong6 = parseConfig(CONFIG.replace('fd00:50:1::1/64', 'fd00:50:1::2/64'), 'gw.cfg');
  assert.throws(() => matchInterfaces(wrong6, parseLinks(LINKS)), /gw\.cfg:4: interface g1: address fd00:50:1::2\/64 is not/);
});

test('interfaces: the loopback device is refused (its rules would take the host\'s own traffic)', () => {
  const cfg = parseConfig(CONFIG.replace('interface g2\n ip address 10.50.2.1 255.255.255.0', 'interface lo'), 'gw.cfg');
  assert.throws(() => matchInterfaces(cfg, parseLinks(LINKS)), (e: unknown) => {
    assert.ok(e instanceof InterfaceUnusableError);
    assert.equal(e.message, 'gw.cfg:5: interface lo: the loopback device carries the host\'s own traffic and cannot be a gateway interface');
    assert.equal(exitStatusOf(e), 3);
    return true;
  });
});
