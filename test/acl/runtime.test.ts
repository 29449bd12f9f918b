/**
 * The compiled runtime: `show ip access-lists` text (spec §4), dynamic entries (order, `any`
 * → `host`, atomic install, removal), IOS fragment rules, and `log` lines with their 5-minute
 * rate limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createAclConfigBuilder, compileAcls, ACL_DENY, ACL_PERMIT, ACL_LOG_INTERVAL_MS } from '../../src/acl/index.js';
import type { CompiledAcls } from '../../src/acl/index.js';
import { HostTable } from '../../src/acl/dynamic.js';
import { tokenizeConfig } from '../../src/ios/tokens.js';
import { PacketMeta, FRAG_FIRST, FRAG_LATER, FRAG_NONE } from '../../src/wire/packet.js';
import { parseIpv4, parseIpv6 } from '../../src/acl/addr.js';
import { DownloadedAclError, DynamicAclTargetError } from '../../src/errors.js';

function compile(text: string): CompiledAcls {
  const b = createAclConfigBuilder();
  for (const tl of tokenizeConfig('t.cfg', text)) {
    if (tl.tokens.length === 0) continue;
    if (b.inBlock() && b.subLine(tl)) continue;
    assert.ok(b.topLevel(tl), tl.raw);
  }
  return compileAcls(b.finish([]));
}

const meta = new PacketMeta();
function v4(src: string, dst: string, proto: number, sp = 0, dp = 0, o: { flags?: number; frag?: number; icmp?: [number, number] } = {}): PacketMeta {
  meta.ipVersion = 4;
  meta.src4 = parseIpv4(src)!;
  meta.dst4 = parseIpv4(dst)!;
  meta.srcAddr.set([0, 0, 0xffff, meta.src4]);
  meta.dstAddr.set([0, 0, 0xffff, meta.dst4]);
  meta.proto = proto;
  meta.srcPort = sp;
  meta.dstPort = dp;
  meta.tcpFlags = o.flags ?? 0;
  meta.fragment = o.frag ?? FRAG_NONE;
  meta.icmpType = o.icmp?.[0] ?? -1;
  meta.icmpCode = o.icmp?.[1] ?? -1;
  return meta;
}
function v6(src: string, dst: string, proto: number, sp = 0, dp = 0): PacketMeta {
  meta.ipVersion = 6;
  meta.srcAddr.set(parseIpv6(src)!);
  meta.dstAddr.set(parseIpv6(dst)!);
  meta.proto = proto;
  meta.srcPort = sp;
  meta.dstPort = dp;
  meta.fragment = FRAG_NONE;
  meta.icmpType = -1;
  return meta;
}
const host4 = (a: string): Uint32Array => Uint32Array.of(0, 0, 0xffff, parseIpv4(a)!);

test('show ip access-lists prints the spec example byte for byte (spec §4)', () => {
  const rt = compile([
    'access-list 101 permit tcp any host 192.168.26.1 eq 443',
    'access-list 101 deny tcp any any',
    'access-list 10 permit 10.4.0.0 0.0.255.255',
    'access-list 10 deny any',
  ].join('\n'));
  const i = rt.listIndex('101');
  assert.deepEqual(rt.installDynamic(i, host4('192.168.26.2'), [{ n: 1, text: 'permit tcp any any eq telnet' }]), { ok: true });
  for (let k = 0; k < 12; k++) assert.equal(rt.classify(i, v4('192.168.26.2', '10.0.0.1', 6, 40000 + k, 23), true, 0), ACL_PERMIT);
  for (let k = 0; k < 3; k++) assert.equal(rt.classify(i, v4('192.168.26.3', '10.0.0.1', 6, 40000, 23), true, 0), ACL_DENY);
  assert.equal(rt.showIpAccessLists(), [
    'Extended IP access list 101',
    '    permit tcp host 192.168.26.2 any eq telnet (12 matches)',
    '    10 permit tcp any host 192.168.26.1 eq 443',
    '    20 deny tcp any any (3 matches)',
    'Standard IP access list 10',
    '    10 permit 10.4.0.0, wildcard bits 0.0.255.255',
    '    20 deny   any',
    '',
  ].join('\n'));
});

test('show keeps the sequence numbers a config gives a numbered list, and numbers what follows from there', () => {
  const rt = compile([
    'ip access-list extended 110',
    ' 15 permit tcp any any eq www',
    ' 12 permit tcp any any eq 443',
    'access-list 110 deny ip any any',
    'access-list 7 permit host 10.9.9.9',
  ].join('\n'));
  assert.equal(rt.showIpAccessLists(), [
    'Extended IP access list 110',
    '    12 permit tcp any any eq 443',
    '    15 permit tcp any any eq www',
    '    25 deny ip any any',
    'Standard IP access list 7',
    '    10 permit 10.9.9.9',
    '',
  ].join('\n'));
});

test('show: dynamic entries first with host <client>, named lists with sequence numbers, port and ICMP names', () => {
  const rt = compile([
    'access-list 105 permit tcp any any range ftp-data ftp',
    'access-list 105 permit icmp any any 3 3',
    'ip access-list standard MGMT',
    ' permit 10.1.1.0 0.0.0.255',
    ' 5 permit host 10.9.9.9',
    'ip access-list extended WEB',
    ' 10 permit tcp any any eq 443 established',
    ' 20 deny ip any 10.0.0.0 0.255.255.255 fragments log',
    'ipv6 access-list V6',
    ' permit tcp 2001:DB8::/32 any eq www sequence 20',
  ].join('\n'));
  const i = rt.listIndex('105');
  const r = rt.installDynamic(i, host4('192.168.1.10'), [
    { n: 2, text: 'permit udp any any eq domain' },
    { n: 1, text: 'permit tcp any host 192.168.105.216 eq 23' },
  ]);
  assert.deepEqual(r, { ok: true });
  assert.equal(rt.classify(i, v4('192.168.1.10', '192.168.105.216', 6, 3000, 23), true, 0), ACL_PERMIT);
  assert.equal(rt.classify(rt.listIndex('MGMT'), v4('10.1.1.7', '1.1.1.1', 6), false, 0), ACL_PERMIT);
  assert.equal(rt.showIpAccessLists(), [
    'Extended IP access list 105',
    '    permit tcp host 192.168.1.10 host 192.168.105.216 eq telnet (1 match)',
    '    permit udp host 192.168.1.10 any eq domain',
    '    10 permit tcp any any range ftp-data ftp',
    '    20 permit icmp any any port-unreachable',
    'Standard IP access list MGMT',
    '    5 permit 10.9.9.9',
    '    10 permit 10.1.1.0, wildcard bits 0.0.0.255 (1 match)',
    'Extended IP access list WEB',
    '    10 permit tcp any any eq 443 established',
    '    20 deny ip any 10.0.0.0 0.255.255.255 fragments log',
    '',
  ].join('\n'));
  assert.equal(rt.showIpAccessLists('WEB').split('\n')[0], 'Extended IP access list WEB');
  assert.equal(rt.showIpAccessLists('NOPE'), '');
  assert.equal(rt.showIpv6AccessList(), 'IPv6 access list V6\n    permit tcp 2001:DB8::/32 any eq www sequence 20\n');
});

test('dynamic entries sit above the static ones, only for their host and only with withDynamic', () => {
  const rt = compile('access-list 101 deny tcp any any');
  const i = rt.listIndex('101');
  const h = host4('10.1.1.5');
  assert.deepEqual(rt.installDynamic(i, h, [{ n: 1, text: 'permit tcp any any eq www' }]), { ok: true });
  assert.equal(rt.dynamicHostCount(i), 1);
  assert.equal(rt.classify(i, v4('10.1.1.5', '10.2.2.2', 6, 1000, 80), true, 0), ACL_PERMIT);
  assert.equal(rt.classify(i, v4('10.1.1.5', '10.2.2.2', 6, 1000, 80), false, 0), ACL_DENY);
  assert.equal(rt.classify(i, v4('10.1.1.6', '10.2.2.2', 6, 1000, 80), true, 0), ACL_DENY);
  assert.equal(rt.removeDynamic(i, h), true);
  assert.equal(rt.removeDynamic(i, h), false);
  assert.equal(rt.dynamicHostCount(i), 0);
  assert.equal(rt.classify(i, v4('10.1.1.5', '10.2.2.2', 6, 1000, 80), true, 0), ACL_DENY);
  assert.equal(rt.showIpAccessLists(), 'Extended IP access list 101\n    10 deny tcp any any (3 matches)\n');
});

test('a malformed proxyacl entry rejects the whole download and leaves the host as it was', () => {
  const rt = compile('access-list 101 deny ip any any');
  const i = rt.listIndex('101');
  const h = host4('10.1.1.5');
  assert.deepEqual(rt.installDynamic(i, h, [{ n: 1, text: 'permit tcp any any eq www' }]), { ok: true });
  const bad = rt.installDynamic(i, h, [
    { n: 1, text: 'permit udp any any eq domain' },
    { n: 2, text: 'permit tcp any host 192.168.105.216 eq telnt' },
  ]);
  assert.ok(!bad.ok && bad.error instanceof DownloadedAclError);
  assert.equal(bad.error.message,
    'proxyacl#2="permit tcp any host 192.168.105.216 eq telnt": column 40: expected a TCP port number or name, found "telnt"');
  assert.equal(bad.error.code, 'ERR_PROXYACL_INVALID');
  assert.deepEqual([bad.error.entry, bad.error.text, bad.error.problem, bad.error.column, bad.error.expected, bad.error.found],
    [2, 'permit tcp any host 192.168.105.216 eq telnt', 'syntax', 40, 'a TCP port number or name', '"telnt"']);
  // The earlier install stands; nothing of the rejected one was added.
  assert.equal(rt.classify(i, v4('10.1.1.5', '10.2.2.2', 6, 1000, 80), true, 0), ACL_PERMIT);
  assert.equal(rt.classify(i, v4('10.1.1.5', '10.2.2.2', 17, 1000, 53), true, 0), ACL_DENY);
  const src = rt.installDynamic(i, host4('10.1.1.6'), [{ n: 1, text: 'permit ip host 1.2.3.4 any' }]);
  assert.ok(!src.ok && src.error instanceof DownloadedAclError);
  assert.equal(src.error.message, 'proxyacl#1="permit ip host 1.2.3.4 any": the source must be "any" (it becomes the client\'s address)');
  assert.equal(src.error.problem, 'source');
  assert.equal(src.error.column, undefined);
  assert.equal(rt.dynamicHostCount(i), 1);
  const v6host = rt.installDynamic(i, Uint32Array.from(parseIpv6('2001:db8::1')!), [{ n: 1, text: 'permit ip any any' }]);
  assert.ok(!v6host.ok && v6host.error instanceof DynamicAclTargetError);
  assert.equal(v6host.error.message, 'IPv6 host on IPv4 access list 101');
  assert.deepEqual([v6host.error.code, v6host.error.index, v6host.error.list, v6host.error.problem],
    ['ERR_DYNAMIC_ACL_TARGET', i, '101', 'ipv6-host']);
  const none = rt.installDynamic(99, h, []);
  assert.ok(!none.ok && none.error instanceof DynamicAclTargetError);
  assert.equal(none.error.message, 'no access list with index 99');
});

test('IOS fragment rules: L4 entries let non-initial fragments through only when they permit; "fragments" matches only those', () => {
  const rt = compile([
    'access-list 120 deny tcp any host 10.0.0.1 eq 23',
    'access-list 120 permit tcp any host 10.0.0.1 eq 80',
    'access-list 120 deny ip any host 10.0.0.2 fragments',
    'access-list 120 permit ip any any',
  ].join('\n'));
  const i = rt.listIndex('120');
  assert.equal(rt.classify(i, v4('1.1.1.1', '10.0.0.1', 6, 5, 23), false, 0), ACL_DENY);
  assert.equal(rt.classify(i, v4('1.1.1.1', '10.0.0.1', 6, 5, 23, { frag: FRAG_FIRST }), false, 0), ACL_DENY);
  // A later fragment skips the deny (L4) and matches the L4 permit through its L3 part.
  assert.equal(rt.classify(i, v4('1.1.1.1', '10.0.0.1', 6, 0, 0, { frag: FRAG_LATER }), false, 0), ACL_PERMIT);
  assert.equal(rt.staticMatchCount(i, 1), 1);
  assert.equal(rt.classify(i, v4('1.1.1.1', '10.0.0.2', 17, 0, 0, { frag: FRAG_LATER }), false, 0), ACL_DENY);
  assert.equal(rt.classify(i, v4('1.1.1.1', '10.0.0.2', 17, 9, 9, { frag: FRAG_FIRST }), false, 0), ACL_PERMIT);
});

test('established, neq, ICMP codes, non-contiguous wildcards, IPv6 prefixes', () => {
  const rt = compile([
    'access-list 130 permit tcp any any established',
    'access-list 130 permit udp any neq 53 any',
    'access-list 130 permit icmp any any unreachable',
    'access-list 130 permit ip 10.0.0.5 0.255.0.0 any',
    'ipv6 access-list V6',
    ' deny tcp 2001:db8:1::/48 any',
    ' permit tcp 2001:db8::/32 any eq 22',
  ].join('\n'));
  const i = rt.listIndex('130');
  assert.equal(rt.classify(i, v4('1.1.1.1', '2.2.2.2', 6, 1, 2, { flags: 0x02 }), false, 0), ACL_DENY);
  assert.equal(rt.classify(i, v4('1.1.1.1', '2.2.2.2', 6, 1, 2, { flags: 0x04 }), false, 0), ACL_PERMIT);
  assert.equal(rt.classify(i, v4('1.1.1.1', '2.2.2.2', 6, 1, 2, { flags: 0x12 }), false, 0), ACL_PERMIT);
  assert.equal(rt.classify(i, v4('1.1.1.1', '2.2.2.2', 17, 53, 2), false, 0), ACL_DENY);
  assert.equal(rt.classify(i, v4('1.1.1.1', '2.2.2.2', 17, 54, 2), false, 0), ACL_PERMIT);
  assert.equal(rt.classify(i, v4('1.1.1.1', '2.2.2.2', 1, 0, 0, { icmp: [3, 13] }), false, 0), ACL_PERMIT);
  assert.equal(rt.classify(i, v4('1.1.1.1', '2.2.2.2', 1, 0, 0, { icmp: [8, 0] }), false, 0), ACL_DENY);
  assert.equal(rt.classify(i, v4('10.77.0.5', '2.2.2.2', 47), false, 0), ACL_PERMIT);
  assert.equal(rt.classify(i, v4('10.77.1.5', '2.2.2.2', 47), false, 0), ACL_DENY);
  const j = rt.listIndex('V6');
  assert.equal(rt.classify(j, v6('2001:db8:1::9', '2001:db8:ffff::1', 6, 1, 22), false, 0), ACL_DENY);
  assert.equal(rt.classify(j, v6('2001:db8:2::9', '2001:db8:ffff::1', 6, 1, 22), false, 0), ACL_PERMIT);
  // An IPv4 packet never matches an IPv6 list (and vice versa): implicit deny.
  assert.equal(rt.classify(j, v4('1.1.1.1', '2.2.2.2', 6, 1, 22), false, 0), ACL_DENY);
});

test('log: first packet at once, then one summary per flow and entry per 5 minutes', () => {
  const rt = compile([
    'access-list 101 deny tcp any any eq 23 log',
    'access-list 101 permit icmp any any log',
    'access-list 101 permit gre any any log',
    'access-list 10 deny any log',
    'ipv6 access-list V6',
    ' permit tcp any any log sequence 30',
  ].join('\n'));
  const lines: Array<[number, string]> = [];
  rt.setLogSink((line, t) => lines.push([t, line]));
  const i = rt.listIndex('101');
  const t0 = 1_000_000;
  rt.classify(i, v4('10.1.1.1', '10.2.2.2', 6, 1234, 23), false, t0);
  for (let k = 1; k <= 4; k++) rt.classify(i, v4('10.1.1.1', '10.2.2.2', 6, 1234, 23), false, t0 + k * 1000);
  rt.classify(i, v4('10.1.1.1', '10.2.2.2', 6, 1235, 23), false, t0 + 5000);
  assert.deepEqual(lines, [
    [t0, '%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.1.1.1(1234) -> 10.2.2.2(23), 1 packet'],
    [t0 + 5000, '%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.1.1.1(1235) -> 10.2.2.2(23), 1 packet'],
  ]);
  lines.length = 0;
  rt.flushLog(t0 + ACL_LOG_INTERVAL_MS - 1);
  assert.deepEqual(lines, []);
  rt.flushLog(t0 + ACL_LOG_INTERVAL_MS);
  assert.deepEqual(lines, [[t0 + ACL_LOG_INTERVAL_MS, '%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.1.1.1(1234) -> 10.2.2.2(23), 4 packets']]);
  lines.length = 0;
  rt.classify(i, v4('10.1.1.1', '10.2.2.2', 6, 1234, 23), false, t0 + ACL_LOG_INTERVAL_MS + 1);
  assert.deepEqual(lines, []);
  rt.classify(i, v4('10.1.1.1', '10.2.2.2', 6, 1234, 23), false, t0 + 2 * ACL_LOG_INTERVAL_MS);
  assert.deepEqual(lines, [[t0 + 2 * ACL_LOG_INTERVAL_MS, '%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.1.1.1(1234) -> 10.2.2.2(23), 2 packets']]);
  lines.length = 0;
  rt.classify(i, v4('10.1.1.1', '10.2.2.2', 1, 0, 0, { icmp: [8, 0] }), false, t0);
  rt.classify(i, v4('10.1.1.1', '10.2.2.2', 47), false, t0);
  rt.classify(rt.listIndex('10'), v4('10.1.1.1', '10.2.2.2', 6, 1, 2), false, t0);
  rt.classify(rt.listIndex('V6'), v6('2001:db8::1', '2001:db8::2', 6, 1028, 22), false, t0);
  assert.deepEqual(lines.map((l) => l[1]), [
    '%SEC-6-IPACCESSLOGDP: list 101 permitted icmp 10.1.1.1 -> 10.2.2.2 (8/0), 1 packet',
    '%SEC-6-IPACCESSLOGNP: list 101 permitted 47 10.1.1.1 -> 10.2.2.2, 1 packet',
    '%SEC-6-IPACCESSLOGS: list 10 denied 10.1.1.1 1 packet',
    '%IPV6_ACL-6-ACCESSLOGP: list V6/30 permitted tcp 2001:DB8::1(1028) -> 2001:DB8::2(22), 1 packet',
  ]);
});

test('property: the host table behaves like a Map under random installs and removals', () => {
  const op = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 5 }));
  fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
    const t = new HostTable(4);
    const model = new Map<number, number>();
    let order = 0;
    for (const [add, k, count] of ops) {
      // Keys collide on purpose: few distinct words, spread over all four.
      const host = Uint32Array.of(k & 1, 0, 0xffff, (k * 0x01000193) >>> 0);
      if (add) { t.set({ host, first: k * 10, count, order: order++ }); model.set(k, count); } else {
        assert.equal(t.delete(host) !== undefined, model.delete(k));
      }
      assert.equal(t.size, model.size);
    }
    for (let k = 0; k < 64; k++) {
      const h = t.find(Uint32Array.of(k & 1, 0, 0xffff, (k * 0x01000193) >>> 0));
      if (model.has(k)) { assert.ok(h >= 0); assert.equal(t.firstAt(h), k * 10); assert.equal(t.countAt(h), model.get(k)); } else assert.equal(h, -1);
    }
  }), { numRuns: 300 });
});

test('show prints a list nothing compiled yet exactly as it prints the compiled list with no matches', () => {
  const text = [
    'access-list 101 remark web only', 'access-list 101 permit tcp host 192.168.26.2 any eq telnet log',
    'access-list 101 deny ip any any fragments', 'access-list 10 permit 10.4.0.0 0.0.255.255',
    'ip access-list extended WEB', ' remark the portal', ' 20 permit tcp any host 10.0.0.9 eq www', ' 15 deny udp any any range 1 5',
    'ip access-list standard S', ' permit host 10.1.1.1', 'ipv6 access-list V6', ' permit tcp any host 2001:db8::1 eq 443',
    ' deny ipv6 any any log sequence 50',
  ].join('\n');
  const lazy = compile(text);
  const before4 = lazy.showIpAccessLists();
  const before6 = lazy.showIpv6AccessList();
  const beforeWeb = lazy.showIpAccessLists('WEB');
  const eager = compile(text);
  for (const name of ['101', '10', 'WEB', 'S', 'V6']) assert.ok(eager.listIndex(name) >= 0, name);
  assert.equal(before4, eager.showIpAccessLists());
  assert.equal(before6, eager.showIpv6AccessList());
  assert.equal(beforeWeb, eager.showIpAccessLists('WEB'));
  assert.match(before4, /^Extended IP access list 101\n {4}\d+ permit tcp host 192\.168\.26\.2 any eq telnet log\n/);
  assert.match(before4, /Extended IP access list WEB\n {4}15 deny udp any any range 1 5\n {4}20 permit tcp any host 10\.0\.0\.9 eq www\n/);
  assert.match(before6, /deny ipv6 any any log sequence 50\n$/);
  // Compiling one list leaves the others printed from their entries; its own output is unchanged.
  const half = compile(text);
  half.listIndex('WEB');
  assert.equal(half.showIpAccessLists(), before4);
});
