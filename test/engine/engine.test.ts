/**
 * The engine end to end on crafted packets: the ACL path, dynamic entries of authenticated
 * hosts and their expiry, return traffic, the auth-proxy limits, the gateway's own traffic,
 * the login page served through Node's http.Server, and robustness on random bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/parse.js';
import { compileAcls } from '../../src/acl/index.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { Engine, VERDICT_DROP, VERDICT_FORWARD, VERDICT_INTERCEPT, VERDICT_LOCAL } from '../../src/engine/engine.js';
import { DEBUG_DETAILED, DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION } from '../../src/engine/debug.js';
import type { DebugSink } from '../../src/engine/debug.js';
import {
  COUNTER_DROP_ACL_IN, COUNTER_DROP_HALF_OPEN_LIMIT, COUNTER_DROP_NODATA_LIMIT, COUNTER_FAULT_BASE,
  COUNTER_RETURN_TRAFFIC, COUNTER_PACKETS, COUNTER_TX_OVERFLOW, COUNTER_NAMES, COUNTER_DROP_ACL_OUT, COUNTER_NO_INGRESS,
} from '../../src/engine/counters.js';
import { AP_PROTO_TELNET } from '../../src/authproxy/protocols.js';
import { AuthProxyDebugFormatter } from '../../src/log/auth-proxy-debug.js';
import { LoginInterceptApp } from '../../src/login/intercept-app.js';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import type { TcpPacket } from '../../captures/tools/builder.js';
import { seededRng } from '../../src/io/rng.js';
import { decodeIp } from '../../src/wire/decode.js';
import { PacketMeta, LINKTYPE_RAW, LINKTYPE_ETHERNET } from '../../src/wire/packet.js';
import { FAULT_TRUNCATED_IP } from '../../src/wire/faults.js';
import { DownloadedAclError, HostNotConnectedError } from '../../src/errors.js';

const CONFIG = `hostname gw
ip auth-proxy name web http
ip auth-proxy auth-cache-time 2
ip auth-proxy max-nodata-conns 2
ip auth-proxy half-open-limit 3
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ip auth-proxy web
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
 ip access-group 102 in
access-list 101 permit udp any any eq domain
access-list 101 deny tcp any any
access-list 102 deny ip any any
end
`;

function makeEngine(cfgText = CONFIG, debugLines?: string[]): { engine: Engine; app: LoginInterceptApp; now: { t: number } } {
  const config = parseConfig(cfgText, 'test.cfg');
  const acls = compileAcls(config.acls);
  const now = { t: 0 };
  const app = new LoginInterceptApp({ config, clock: () => now.t });
  const debug: DebugSink | null = debugLines === undefined ? null : new AuthProxyDebugFormatter((l) => debugLines.push(l));
  const engine = new Engine({
    settings: engineSettingsOf(config), acls, rng: seededRng(7), replay: false, debug,
    debugFlags: DEBUG_DETAILED | DEBUG_OBJECT_CREATION | DEBUG_OBJECT_DELETION, app,
  });
  app.attach(engine);
  return { engine, app, now };
}

/** Builds one raw IP packet. */
function tcp(p: Omit<TcpPacket, 'timeMs'>): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).tcp({ ...p, timeMs: 0 }).packets()[0]!.bytes;
}

function udp(src: string, dst: string, sport: number, dport: number): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).udp({ timeMs: 0, src, dst, sport, dport, payload: new Uint8Array(12) }).packets()[0]!.bytes;
}

const handle = (e: Engine, b: Uint8Array, t: number): number => e.handle(b, 0, b.length, LINKTYPE_RAW, t);
const v4 = (a: number, b: number, c: number, d: number): Uint32Array =>
  new Uint32Array([0, 0, 0xffff, ((a << 24) | (b << 16) | (c << 8) | d) >>> 0]);

test('unauthenticated hosts: ACL decides non-trigger traffic, trigger ports are intercepted', () => {
  const { engine } = makeEngine();
  assert.equal(handle(engine, udp('10.1.0.5', '10.2.0.9', 5000, 53), 0), VERDICT_FORWARD, 'permit udp eq domain');
  assert.equal(handle(engine, udp('10.1.0.5', '10.2.0.9', 5000, 123), 0), VERDICT_DROP, 'implicit deny');
  assert.equal(handle(engine, tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4000, dport: 22, flags: 'SYN', seq: 1 }), 0), VERDICT_DROP);
  assert.equal(engine.counters[COUNTER_DROP_ACL_IN], 2);
  assert.equal(handle(engine, tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 1 }), 0), VERDICT_INTERCEPT);
  assert.equal(engine.halfOpenCount, 1);
  assert.equal(engine.tx.length, 1, 'the endpoint answered with a SYN-ACK');
  const m = new PacketMeta();
  assert.equal(decodeIp(engine.tx.buf, engine.tx.offsetOf(0), engine.tx.lengthOf(0), m), 0);
  assert.equal(m.srcPort, 80, 'answered from the original port');
  assert.deepEqual([...m.srcAddr], [...v4(10, 2, 0, 9)], 'answered from the original address');
  assert.equal(m.tcpFlags, 0x12);
});

test('authorized host: dynamic entries first, inactivity expiry removes them atomically', () => {
  const lines: string[] = [];
  const { engine } = makeEngine(CONFIG, lines);
  const host = v4(10, 1, 0, 7);
  const r = engine.authorizeHost(host, 'alice', [
    { n: 2, text: 'permit tcp any host 10.2.0.9 eq 443' },
    { n: 1, text: 'permit tcp any host 10.2.0.9 eq 22' },
  ], 1000);
  assert.deepEqual(r, { ok: true });
  const ssh = tcp({ src: '10.1.0.7', dst: '10.2.0.9', sport: 4000, dport: 22, flags: 'SYN', seq: 1 });
  assert.equal(handle(engine, ssh, 2000), VERDICT_FORWARD);
  assert.equal(handle(engine, tcp({ src: '10.1.0.7', dst: '10.2.0.9', sport: 4002, dport: 25, flags: 'SYN', seq: 1 }), 2000),
    VERDICT_DROP, 'not in the user\'s entries: the interface ACL denies');
  // Another host gets nothing from alice's entries.
  assert.equal(handle(engine, tcp({ src: '10.1.0.8', dst: '10.2.0.9', sport: 4000, dport: 22, flags: 'SYN', seq: 1 }), 2000), VERDICT_DROP);
  const show = engine.acls.showIpAccessLists('101');
  assert.match(show, /permit tcp host 10\.1\.0\.7 host 10\.2\.0\.9 eq 22 \(1 match/);
  assert.ok(show.indexOf('eq 22') < show.indexOf('eq 443'), 'entries in the order of N');
  assert.ok(show.indexOf('eq 443') < show.indexOf('deny tcp any any'), 'dynamic entries above the static ones');
  // Return traffic of the permitted flow passes the outside ACL (deny ip any any) as a temporary opening.
  assert.equal(handle(engine, tcp({ src: '10.2.0.9', dst: '10.1.0.7', sport: 22, dport: 4000, flags: 'SYN ACK', seq: 9, ack: 2 }), 2100), VERDICT_FORWARD);
  assert.equal(engine.counters[COUNTER_RETURN_TRAFFIC], 1);
  assert.equal(handle(engine, tcp({ src: '10.2.0.9', dst: '10.1.0.7', sport: 22, dport: 4999, flags: 'SYN', seq: 9 }), 2100), VERDICT_DROP,
    'unsolicited traffic from outside is still denied');
  // Activity at 2.1 s keeps the entry until 2.1 s + 2 min.
  const deadline = engine.nextDeadline();
  assert.ok(deadline <= 2000 + 120_000);
  engine.poll(2000 + 120_000);
  assert.equal(engine.cache.lookup(host) >= 0, true, 'refreshed by activity');
  engine.poll(2100 + 120_000);
  assert.equal(engine.cache.lookup(host), -1, 'expired after 2 idle minutes');
  assert.equal(handle(engine, ssh, 200_000), VERDICT_DROP, 'entries gone with the cache entry');
  assert.doesNotMatch(engine.acls.showIpAccessLists('101'), /10\.1\.0\.7/);
  assert.ok(lines.some((l) => /OBJ_DELETE: .*10\.1\.0\.7 \(idle\)/.test(l)), lines.join(''));
});

test('a malformed proxyacl rejects the login with a logged reason and installs nothing', () => {
  const { engine } = makeEngine();
  const logged: string[] = [];
  engine.messages = (_t, text) => logged.push(text);
  const host = v4(10, 1, 0, 9);
  const r = engine.authorizeHost(host, 'bob', [
    { n: 1, text: 'permit tcp any host 10.2.0.9 eq 22' },
    { n: 2, text: 'permit tcp any hots 10.2.0.9' },
  ], 0);
  assert.ok(!r.ok && r.error instanceof DownloadedAclError);
  assert.deepEqual([r.error.code, r.error.entry, r.error.column], ['ERR_PROXYACL_INVALID', 2, 16]);
  assert.equal(logged.length, 1);
  assert.equal(logged[0]!, 'AUTH-PROXY: login of bob from 10.1.0.9 rejected: downloaded ACL not installed ' +
    '(proxyacl#2="permit tcp any hots 10.2.0.9": column 16: expected "any", "host" or an IPv4 address, found "hots")');
  assert.equal(engine.cache.lookup(host), -1);
  assert.doesNotMatch(engine.acls.showIpAccessLists('101'), /10\.1\.0\.9/);
  assert.equal(handle(engine, tcp({ src: '10.1.0.9', dst: '10.2.0.9', sport: 4000, dport: 22, flags: 'SYN', seq: 1 }), 0), VERDICT_DROP);
  const away = engine.authorizeHost(v4(192, 0, 2, 7), 'carol', [], 0);
  assert.ok(!away.ok && away.error instanceof HostNotConnectedError);
  assert.equal(away.error.host, '192.0.2.7');
  assert.equal(engine.cache.lookup(v4(192, 0, 2, 7)), -1);
});

test('half-open limit and max-nodata-conns refuse further SYNs', () => {
  const { engine } = makeEngine();
  const syn = (src: string, sport: number): Uint8Array => tcp({ src, dst: '10.2.0.9', sport, dport: 80, flags: 'SYN', seq: 100 });
  assert.equal(handle(engine, syn('10.1.0.20', 1000), 0), VERDICT_INTERCEPT);
  assert.equal(handle(engine, syn('10.1.0.20', 1001), 0), VERDICT_INTERCEPT);
  assert.equal(handle(engine, syn('10.1.0.20', 1002), 0), VERDICT_DROP, 'third connection without data from one host');
  assert.equal(engine.counters[COUNTER_DROP_NODATA_LIMIT], 1);
  assert.equal(handle(engine, syn('10.1.0.21', 1000), 0), VERDICT_INTERCEPT);
  assert.equal(engine.halfOpenCount, 3);
  assert.equal(handle(engine, syn('10.1.0.22', 1000), 0), VERDICT_INTERCEPT, 'past the global half-open limit: a SYN cookie');
  assert.equal(engine.halfOpenCount, 3, 'no state for it');
  assert.equal(engine.cache.count, 2, 'no cache entry either');
  assert.equal(engine.counters[COUNTER_DROP_HALF_OPEN_LIMIT], 0);
});

test('the gateway\'s own traffic is local, in both directions', () => {
  const lines: string[] = [];
  const { engine } = makeEngine(CONFIG, lines);
  assert.equal(handle(engine, tcp({ src: '10.1.0.5', dst: '10.1.0.1', sport: 3000, dport: 443, flags: 'SYN', seq: 1 }), 0), VERDICT_LOCAL);
  assert.equal(handle(engine, tcp({ src: '10.1.0.1', dst: '10.1.0.5', sport: 443, dport: 3000, flags: 'SYN ACK', seq: 1, ack: 2 }), 0), VERDICT_LOCAL);
  assert.deepEqual(lines.map((l) => l.slice(l.indexOf(': ') + 2)), [
    'AUTH-PROXY:proto_flag=1, dstport_index=0\n',
    'AUTH-PROXY:Protocol not configured on if_input\n',
  ]);
});

/** Opens an intercepted connection from `c`, sends a GET and returns the bytes the proxy answered and whether it closed. */
async function getLoginPage(cfgText: string, c: { src: string; dst: string; sport: number; dport: number }):
  Promise<{ text: string; fin: boolean }> {
  const { engine, app, now } = makeEngine(cfgText);
  assert.equal(handle(engine, tcp({ ...c, flags: 'SYN', seq: 1000, mss: 1440 }), 0), VERDICT_INTERCEPT);
  const m = new PacketMeta();
  decodeIp(engine.tx.buf, engine.tx.offsetOf(0), engine.tx.lengthOf(0), m);
  const isn = m.seq;
  engine.tx.clear();
  now.t = 10;
  handle(engine, tcp({ ...c, flags: 'ACK', seq: 1001, ack: (isn + 1) >>> 0 }), 10);
  const req = new TextEncoder().encode('GET /wiki/Main HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
  now.t = 20;
  handle(engine, tcp({ ...c, flags: 'PSH ACK', seq: 1001, ack: (isn + 1) >>> 0, payload: req }), 20);
  await app.settle();
  let text = '';
  let fin = false;
  for (let i = 0; i < engine.tx.length; i++) {
    decodeIp(engine.tx.buf, engine.tx.offsetOf(i), engine.tx.lengthOf(i), m);
    text += Buffer.from(engine.tx.buf.subarray(m.payloadOffset, m.payloadOffset + m.payloadCaptured)).toString('latin1');
    if (m.tcpFlags & 1) fin = true;
  }
  return { text, fin };
}

test('an intercepted GET is answered with the login page by Node\'s http.Server', async () => {
  const { text, fin } = await getLoginPage(CONFIG, { src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80 });
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /<form method="post" action="https:\/\/10\.1\.0\.1\/">/, 'the form posts over HTTPS to the gateway');
  assert.match(text, /name="uname"/);
  assert.match(text, /name="pwd"/);
  assert.match(text, /value="http:\/\/example\.test\/wiki\/Main"/, 'the original URL travels with the form');
  assert.ok(fin, 'Connection: close makes the proxy close (FIN_WAIT)');
});

test('the login form posts to the gateway\'s address facing the client: routed clients, IPv6 in brackets', async () => {
  // A client beyond a router on the inside, placed on Gi0/0 by a static route.
  const routed = CONFIG.replace('access-list 101', 'ip route 172.16.0.0 255.240.0.0 10.1.0.254\naccess-list 101');
  const a = await getLoginPage(routed, { src: '172.16.5.5', dst: '10.2.0.9', sport: 4001, dport: 80 });
  assert.match(a.text, /<form method="post" action="https:\/\/10\.1\.0\.1\/">/, 'not the original server 10.2.0.9');
  const v6 = CONFIG.replace(' ip auth-proxy web\n', ' ipv6 address 2001:DB8:1::1/64\n ip auth-proxy web\n')
    .replace(' ip access-group 102 in\n', ' ipv6 address 2001:DB8:2::1/64\n ip access-group 102 in\n');
  const b = await getLoginPage(v6, { src: '2001:db8:1::5', dst: '2001:db8:2::9', sport: 4001, dport: 80 });
  assert.match(b.text, /<form method="post" action="https:\/\/\[2001:db8:1::1\]\/">/);
});

test('random bytes never throw out of the engine and are counted', () => {
  const { engine } = makeEngine();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(LINKTYPE_RAW, LINKTYPE_ETHERNET, 113, 276, 0),
    (bytes, link) => {
      const before = engine.counters[COUNTER_PACKETS]!;
      const v = engine.handle(bytes, 0, bytes.length, link, 5);
      assert.ok(v >= 0 && v <= 3);
      assert.equal(engine.counters[COUNTER_PACKETS], before + 1);
    }), { numRuns: 3000 });
  // A truncated IPv4 header is counted under its reason.
  const short = new Uint8Array([0x45, 0, 0, 40, 0, 0]);
  assert.equal(engine.handle(short, 0, short.length, LINKTYPE_RAW, 6), VERDICT_DROP);
  assert.ok(engine.counters[COUNTER_FAULT_BASE + FAULT_TRUNCATED_IP]! >= 1);
});

test('ipv6 traffic-filter binds an IPv6 list in and out; IPv4 lists do not touch IPv6', () => {
  const { engine } = makeEngine(`hostname gw6
interface Gi0/0
 ipv6 address 2001:db8:1::1/64
 ip address 10.1.0.1 255.255.255.0
 ip access-group 101 in
 ipv6 traffic-filter V6-IN in
interface Gi0/1
 ipv6 address 2001:db8:2::1/64
 ipv6 traffic-filter V6-OUT out
ipv6 access-list V6-IN
 permit tcp any any eq www
 permit tcp any any eq 22
 deny ipv6 any any
ipv6 access-list V6-OUT
 deny tcp any host 2001:db8:2::22 eq 22
 permit ipv6 any any
access-list 101 deny ip any any
end
`);
  const t6 = (dport: number, dst = '2001:db8:2::80'): Uint8Array => tcp({ src: '2001:db8:1::10', dst, sport: 5000, dport, flags: 'SYN', seq: 1 });
  assert.equal(handle(engine, t6(80), 0), VERDICT_FORWARD, 'V6-IN permits www; list 101 is IPv4 only');
  assert.equal(handle(engine, t6(25), 0), VERDICT_DROP, 'V6-IN denies the rest');
  assert.equal(handle(engine, t6(22), 0), VERDICT_FORWARD);
  assert.equal(handle(engine, t6(22, '2001:db8:2::22'), 0), VERDICT_DROP, 'V6-OUT on the egress interface');
  assert.equal(handle(engine, tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 5000, dport: 80, flags: 'SYN', seq: 1 }), 0),
    VERDICT_DROP, 'IPv4 still meets list 101');
  assert.match(engine.acls.showIpv6AccessList('V6-OUT'), /deny tcp any host 2001:DB8:2::22 eq 22 \(1 match/);
});

test('a second login without entries removes the first login\'s entries', () => {
  const { engine } = makeEngine();
  const host = v4(10, 1, 0, 7);
  assert.deepEqual(engine.authorizeHost(host, 'alice', [{ n: 1, text: 'permit tcp any host 10.2.0.9 eq 22' }], 0), { ok: true });
  const ssh = tcp({ src: '10.1.0.7', dst: '10.2.0.9', sport: 4000, dport: 22, flags: 'SYN', seq: 1 });
  assert.equal(handle(engine, ssh, 10), VERDICT_FORWARD);
  assert.deepEqual(engine.authorizeHost(host, 'alice', [], 20), { ok: true });
  assert.equal(handle(engine, tcp({ src: '10.1.0.7', dst: '10.2.0.9', sport: 4001, dport: 22, flags: 'SYN', seq: 1 }), 30), VERDICT_DROP);
  assert.doesNotMatch(engine.acls.showIpAccessLists('101'), /10\.1\.0\.7/);
});

test('debug flags set on an engine built without a debug sink print nothing and throw nothing', () => {
  const { engine } = makeEngine();
  engine.debugFlags = 0xff;
  const syn = tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 1 });
  assert.equal(handle(engine, syn, 0), VERDICT_INTERCEPT);
  assert.equal(handle(engine, tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'ACK', seq: 2, ack: 1 }), 1),
    VERDICT_INTERCEPT);
  assert.equal(engine.clearCache(null, 2), 1);
  assert.equal(engine.debugFlags, 0xff);
});

test('a login takes the inactivity time of the protocol it came through', () => {
  const cfg = CONFIG.replace('ip auth-proxy name web http\n',
    'ip auth-proxy name web http auth-cache-time 5\nip auth-proxy name web telnet auth-cache-time 1\n');
  const { engine } = makeEngine(cfg);
  const host = v4(10, 1, 0, 7);
  assert.deepEqual(engine.authorizeHost(host, 'alice', [], 0, AP_PROTO_TELNET), { ok: true });
  assert.equal(engine.hostTimeoutMin(engine.cache.lookup(host)), 1);
  engine.poll(60_000);
  assert.equal(engine.cache.lookup(host), -1, 'expired after telnet\'s minute, not http\'s five');
  assert.deepEqual(engine.authorizeHost(host, 'alice', [], 60_000), { ok: true });
  assert.equal(engine.hostTimeoutMin(engine.cache.lookup(host)), 5, 'http by default');
});

test('accounting session ids are unique even when a cache slot is reused (RFC 2866 §5.5)', () => {
  const lines: string[] = [];
  const { engine } = makeEngine(CONFIG, lines);
  const syn = (src: string, t: number): number =>
    handle(engine, tcp({ src, dst: '10.2.0.9', sport: 1000, dport: 80, flags: 'SYN', seq: 100 }), t);
  assert.equal(syn('10.1.0.20', 0), VERDICT_INTERCEPT);
  const first = engine.cache.lookup(v4(10, 1, 0, 20));
  assert.equal(engine.clearCache(null, 1), 1);
  assert.equal(syn('10.1.0.21', 2), VERDICT_INTERCEPT);
  assert.equal(engine.cache.lookup(v4(10, 1, 0, 21)), first, 'the slot is reused');
  const ids = lines.filter((l) => l.includes('OBJ_CREATE')).map((l) => /acct-session-id (\d+)/.exec(l)![1]);
  assert.deepEqual(ids, ['1', '2']);
  assert.equal(engine.sessionId(first), 2);
});

test('packets the transmit queue refuses are counted as tx-queue-overflow', () => {
  const config = parseConfig(CONFIG, 'test.cfg');
  const engine = new Engine({
    settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(7), replay: false, txQueueBytes: 16,
  });
  assert.equal(handle(engine, tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 1 }), 0),
    VERDICT_INTERCEPT);
  assert.equal(engine.tx.length, 0, 'no room for the SYN-ACK');
  assert.equal(engine.counters[COUNTER_TX_OVERFLOW], 1);
  assert.equal(COUNTER_NAMES[COUNTER_TX_OVERFLOW], 'tx-queue-overflow');
});

const ROUTED = `hostname gw
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
 ip access-group 102 in
 ip access-group 103 out
ip route 0.0.0.0 0.0.0.0 10.2.0.254
ip route 192.0.2.0 255.255.255.0 Gi0/0
ip route 198.51.100.0 255.255.255.0 Null0
access-list 101 permit ip any any
access-list 102 permit tcp any any eq 22
access-list 103 deny tcp any any eq 25
access-list 103 permit ip any any
end
`;

test('a packet is placed by reverse-path lookup over connected prefixes and static routes, the default route included', () => {
  const { engine } = makeEngine(ROUTED);
  // From the internet: in on Gi0/1 by the default route (next hop 10.2.0.254), so list 102 applies.
  assert.equal(handle(engine, tcp({ src: '203.0.113.9', dst: '10.1.0.5', sport: 4000, dport: 80, flags: 'SYN', seq: 1 }), 0),
    VERDICT_DROP, 'the inbound list of the internet-facing interface applies');
  assert.equal(engine.counters[COUNTER_DROP_ACL_IN], 1);
  assert.equal(handle(engine, tcp({ src: '203.0.113.9', dst: '10.1.0.5', sport: 4000, dport: 22, flags: 'SYN', seq: 1 }), 0),
    VERDICT_FORWARD);
  // A longer static route over Gi0/0 wins over the default route: list 101 permits.
  assert.equal(handle(engine, tcp({ src: '192.0.2.7', dst: '10.2.0.9', sport: 4000, dport: 80, flags: 'SYN', seq: 1 }), 0),
    VERDICT_FORWARD);
  // Out towards the internet: Gi0/1 by the default route, so its outbound list applies.
  assert.equal(handle(engine, tcp({ src: '10.1.0.5', dst: '203.0.113.9', sport: 4001, dport: 25, flags: 'SYN', seq: 1 }), 0),
    VERDICT_DROP);
  assert.equal(engine.counters[COUNTER_DROP_ACL_OUT], 1);
  assert.equal(engine.counters[COUNTER_NO_INGRESS], 0);
  // A route to Null0 places nothing: counted, and no inbound list applies.
  assert.equal(handle(engine, tcp({ src: '198.51.100.3', dst: '10.1.0.5', sport: 4000, dport: 80, flags: 'SYN', seq: 1 }), 0),
    VERDICT_FORWARD);
  assert.equal(engine.counters[COUNTER_NO_INGRESS], 1);
});

test('without a default route a source no route covers is counted no-ingress on every packet, memo or not', () => {
  const { engine } = makeEngine(ROUTED.replace('ip route 0.0.0.0 0.0.0.0 10.2.0.254\n', ''));
  const p = tcp({ src: '203.0.113.9', dst: '10.1.0.5', sport: 4000, dport: 80, flags: 'SYN', seq: 1 });
  assert.equal(handle(engine, p, 0), VERDICT_FORWARD);
  assert.equal(handle(engine, tcp({ src: '10.1.0.5', dst: '203.0.113.9', sport: 80, dport: 4000, flags: 'SYN ACK', seq: 4, ack: 2 }), 0),
    VERDICT_FORWARD);
  assert.equal(handle(engine, tcp({ src: '203.0.113.9', dst: '10.1.0.5', sport: 4000, dport: 80, flags: 'ACK', seq: 2, ack: 5 }), 1),
    VERDICT_FORWARD);
  assert.equal(handle(engine, tcp({ src: '203.0.113.9', dst: '10.1.0.5', sport: 4000, dport: 80, flags: 'ACK', seq: 2, ack: 5 }), 2),
    VERDICT_FORWARD);
  assert.equal(engine.counters[COUNTER_NO_INGRESS], 3);
  assert.equal(COUNTER_NAMES[COUNTER_NO_INGRESS], 'no-ingress');
});
