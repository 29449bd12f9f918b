/**
 * Flow memos (Engine `decide`): an engine that repeats a flow's remembered decision must do
 * exactly what an engine that takes every step for every packet does. A fast-check property
 * drives both with the same random mix of packets (both directions, every TCP flag mix, UDP,
 * ICMP, fragments, trigger and non-trigger ports, `log` and `established` entries) and control
 * events (logins with downloaded entries, state changes, cache clears, time passing) and
 * compares every verdict, every packet the engines emit, every counter, the ACL match counts
 * and log lines, and the auth cache's accounting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/parse.js';
import { compileAcls } from '../../src/acl/index.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { Engine } from '../../src/engine/engine.js';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import { seededRng } from '../../src/io/rng.js';
import { LINKTYPE_RAW } from '../../src/wire/packet.js';
import { AP_STATE_HTTP_ESTAB } from '../../src/authproxy/states.js';

const CONFIG = `hostname gw
ip auth-proxy name web http list 110
ip auth-proxy auth-cache-time 1
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ip auth-proxy web
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
 ip access-group 102 in
 ip access-group 103 out
access-list 110 permit tcp 10.1.0.0 0.0.0.7 any eq www
access-list 110 deny tcp 10.1.0.8 0.0.0.3 any log
access-list 101 permit tcp any any established
access-list 101 permit tcp any any eq www
access-list 101 permit tcp any any range 8000 8010 log
access-list 101 permit udp any any eq domain
access-list 101 deny tcp any any eq 22
access-list 101 permit tcp any any
access-list 101 permit icmp any any
access-list 102 deny ip any any
access-list 103 deny tcp any any eq 8080
access-list 103 permit ip any any
end
`;

const CLIENTS = ['10.1.0.2', '10.1.0.5', '10.1.0.9', '10.1.0.11', '10.1.0.14'];
const SERVERS = ['10.2.0.5', '10.2.0.6'];
const PORTS = [80, 22, 53, 8005, 8080, 443, 25];
const FLAGS = ['SYN', 'ACK', 'PSH ACK', 'FIN ACK', 'RST', 'RST ACK', 'SYN ACK', 'FIN', ''];
const ENTRIES = ['permit tcp any any eq 22', 'deny tcp any any eq www', 'permit udp any any', 'permit tcp any any eq 8080 log',
  'deny tcp any any established'];

type Cmd =
  | { k: 'tcp'; c: number; s: number; sport: number; port: number; flags: string; reply: boolean; frag: number; repeat: number }
  | { k: 'udp'; c: number; s: number; sport: number; port: number; reply: boolean }
  | { k: 'icmp'; c: number; s: number }
  | { k: 'login'; c: number; entries: number[] }
  | { k: 'state'; c: number; state: number }
  | { k: 'clear'; c: number }
  | { k: 'wait'; ms: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 24, arbitrary: fc.record({ k: fc.constant('tcp' as const), c: fc.nat(CLIENTS.length - 1), s: fc.nat(SERVERS.length - 1),
    sport: fc.integer({ min: 1000, max: 1001 }), port: fc.constantFrom(...PORTS), flags: fc.constantFrom(...FLAGS),
    reply: fc.boolean(), frag: fc.constantFrom(0, 0, 0, 0, 1, 2), repeat: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('udp' as const), c: fc.nat(CLIENTS.length - 1), s: fc.nat(SERVERS.length - 1),
    sport: fc.integer({ min: 1000, max: 1001 }), port: fc.constantFrom(53, 123), reply: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('icmp' as const), c: fc.nat(CLIENTS.length - 1), s: fc.nat(SERVERS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('login' as const), c: fc.nat(CLIENTS.length - 1),
    entries: fc.uniqueArray(fc.nat(ENTRIES.length - 1), { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('state' as const), c: fc.nat(CLIENTS.length - 1), state: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('clear' as const), c: fc.nat(CLIENTS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('wait' as const), ms: fc.constantFrom(5, 500, 20_000, 70_000) }) },
);

/** IPv4 words of a dotted quad (IPv4-mapped). */
function words(a: string): Uint32Array {
  const n = a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  return new Uint32Array([0, 0, 0xffff, n >>> 0]);
}

/** The raw IP packet of a packet command (fragment 1: first fragment, 2: a later one). */
function packetOf(c: Cmd): Uint8Array {
  const b = new CaptureBuilder({ kind: 'raw' });
  const client = CLIENTS[(c as { c: number }).c]!;
  const server = SERVERS[(c as { s: number }).s]!;
  if (c.k === 'tcp') {
    const [src, dst, sport, dport] = c.reply ? [server, client, c.port, c.sport] : [client, server, c.sport, c.port];
    const p = b.tcp({ timeMs: 0, src, dst, sport, dport, flags: c.flags, seq: 1000, ack: 1, payload: new Uint8Array(8) })
      .packets()[0]!.bytes;
    if (c.frag === 1) p[6] = 0x20; // more fragments, offset 0
    if (c.frag === 2) { p[6] = 0x00; p[7] = 0x03; } // offset 24 bytes, last fragment
    return p;
  }
  if (c.k === 'udp') {
    const [src, dst, sport, dport] = c.reply ? [server, client, c.port, c.sport] : [client, server, c.sport, c.port];
    return b.udp({ timeMs: 0, src, dst, sport, dport, payload: new Uint8Array(10) }).packets()[0]!.bytes;
  }
  // ICMP echo request: a UDP packet rewritten to protocol 1 with an echo header (the checksum
  // is not verified on this path).
  const p = b.udp({ timeMs: 0, src: client, dst: server, sport: 0x0800, dport: 7, payload: new Uint8Array(10) }).packets()[0]!.bytes;
  p[9] = 1;
  return p;
}

interface Side { engine: Engine; logs: string[]; classifications: { n: number } }

function side(flowMemo: boolean, replay: boolean): Side {
  const config = parseConfig(CONFIG, 'memo.cfg');
  const acls = compileAcls(config.acls);
  const logs: string[] = [];
  acls.setLogSink((line, t) => logs.push(`${t} ${line}`));
  // Counts the ACL lookups the engine makes.
  const classifications = { n: 0 };
  const classify = acls.classify.bind(acls);
  acls.classify = (...args) => { classifications.n++; return classify(...args); };
  const engine = new Engine({ settings: engineSettingsOf(config), acls, rng: seededRng(3), replay, flowMemo, maxFlows: 4096, maxHosts: 64 });
  return { engine, logs, classifications };
}

/** Everything observable about an engine, for comparison. */
function state(s: Side): unknown {
  const e = s.engine;
  const c = e.cache;
  const hosts = CLIENTS.map((a) => {
    const h = c.lookup(words(a));
    return h < 0 ? null : [c.state[h], c.packetsOut[h], c.octetsOut[h], c.packetsIn[h], c.octetsIn[h], c.lastActivityMs[h]];
  });
  return { counters: [...e.counters], acl: e.acls.showIpAccessLists(), logs: s.logs, hosts, flows: e.flows.count };
}

test('flow memos: an engine repeating remembered decisions behaves exactly like one deciding every packet', () => {
  let forwarded = 0;
  let lookupsWith = 0;
  let lookupsWithout = 0;
  fc.assert(fc.property(fc.array(cmd, { minLength: 20, maxLength: 160 }), fc.boolean(), (cmds, replay) => {
    const a = side(true, replay);
    const b = side(false, replay);
    let now = 0;
    for (const c of cmds) {
      if (c.k === 'wait') {
        now += c.ms;
        a.engine.poll(now);
        b.engine.poll(now);
      } else if (c.k === 'login') {
        const entries = c.entries.map((i, n) => ({ n: n + 1, text: ENTRIES[i]! }));
        const ra = a.engine.authorizeHost(words(CLIENTS[c.c]!), 'u', entries, now);
        const rb = b.engine.authorizeHost(words(CLIENTS[c.c]!), 'u', entries, now);
        assert.deepEqual(ra, rb);
      } else if (c.k === 'state') {
        const st = c.state === 0 ? AP_STATE_HTTP_ESTAB : c.state;
        assert.equal(a.engine.setHostState(words(CLIENTS[c.c]!), st), b.engine.setHostState(words(CLIENTS[c.c]!), st));
      } else if (c.k === 'clear') {
        assert.equal(a.engine.clearCache(words(CLIENTS[c.c]!), now), b.engine.clearCache(words(CLIENTS[c.c]!), now));
      } else for (let r = c.k === 'tcp' ? c.repeat : 1; r > 0; r--) {
        now += 1;
        const p = packetOf(c);
        const va = a.engine.handle(p, 0, p.length, LINKTYPE_RAW, now);
        const vb = b.engine.handle(p, 0, p.length, LINKTYPE_RAW, now);
        assert.equal(va, vb, `verdict of ${JSON.stringify(c)}`);
        assert.equal(a.engine.tx.length, b.engine.tx.length, 'packets emitted');
        for (let i = 0; i < a.engine.tx.length; i++) {
          assert.deepEqual(a.engine.tx.buf.subarray(a.engine.tx.offsetOf(i), a.engine.tx.offsetOf(i) + a.engine.tx.lengthOf(i)),
            b.engine.tx.buf.subarray(b.engine.tx.offsetOf(i), b.engine.tx.offsetOf(i) + b.engine.tx.lengthOf(i)));
        }
        a.engine.tx.clear();
        b.engine.tx.clear();
      }
      assert.deepEqual(state(a), state(b));
    }
    forwarded += a.engine.counters[1]!;
    lookupsWith += a.classifications.n;
    lookupsWithout += b.classifications.n;
  }), { numRuns: 300, seed: 20261201 });
  assert.ok(forwarded > 3000, `forwarded packets exercised: ${forwarded}`);
  // The memos were used (the comparison above was not between two identical paths): each
  // repeat skips one or more ACL lookups.
  assert.ok(lookupsWithout - lookupsWith > 1000, `ACL lookups with memos ${lookupsWith}, without ${lookupsWithout}`);
});

test('flow memos: repeated packets of a flow skip the ACL lookups but count their matches', () => {
  const a = side(true, false);
  const syn = packetOf({ k: 'tcp', c: 4, s: 0, sport: 1000, port: 25, flags: 'SYN', reply: false, frag: 0, repeat: 1 });
  const synAck = packetOf({ k: 'tcp', c: 4, s: 0, sport: 1000, port: 25, flags: 'SYN ACK', reply: true, frag: 0, repeat: 1 });
  const pkt = packetOf({ k: 'tcp', c: 4, s: 0, sport: 1000, port: 25, flags: 'PSH ACK', reply: false, frag: 0, repeat: 1 });
  a.engine.handle(syn, 0, syn.length, LINKTYPE_RAW, 0);
  a.engine.handle(synAck, 0, synAck.length, LINKTYPE_RAW, 0);
  for (let i = 1; i <= 5; i++) a.engine.handle(pkt, 0, pkt.length, LINKTYPE_RAW, i);
  assert.equal(a.engine.counters[1], 7, 'all seven forwarded');
  // The SYN and the first ACK are decided in full (inbound 101, outbound 103: two lookups each;
  // the established bit differs; the SYN-ACK is return traffic, no lookup), the next four
  // repeat the memo.
  assert.equal(a.classifications.n, 4);
  assert.match(a.engine.acls.showIpAccessLists('101'), / permit tcp any any established \(5 matches\)/);
  assert.match(a.engine.acls.showIpAccessLists('103'), / permit ip any any \(6 matches\)/);
  // A login changes the auth cache: the next packet is decided afresh.
  a.engine.authorizeHost(words(CLIENTS[4]!), 'u', [], 10);
  a.engine.handle(pkt, 0, pkt.length, LINKTYPE_RAW, 11);
  assert.equal(a.classifications.n, 6);
});

test('flow memos: replies pass as return traffic from the memo, unless an authenticated host must be accounted', () => {
  const a = side(true, false);
  let resolves = 0;
  const itf = a.engine.interfaces;
  const resolve = itf.resolve.bind(itf);
  itf.resolve = (m) => { resolves++; resolve(m); };
  const syn = packetOf({ k: 'tcp', c: 4, s: 0, sport: 1000, port: 25, flags: 'SYN', reply: false, frag: 0, repeat: 1 });
  const synAck = packetOf({ k: 'tcp', c: 4, s: 0, sport: 1000, port: 25, flags: 'SYN ACK', reply: true, frag: 0, repeat: 1 });
  const reply = packetOf({ k: 'tcp', c: 4, s: 0, sport: 1000, port: 25, flags: 'PSH ACK', reply: true, frag: 0, repeat: 1 });
  a.engine.handle(syn, 0, syn.length, LINKTYPE_RAW, 0);
  const ack = packetOf({ k: 'tcp', c: 4, s: 0, sport: 1000, port: 25, flags: 'ACK', reply: false, frag: 0, repeat: 1 });
  a.engine.handle(synAck, 0, synAck.length, LINKTYPE_RAW, 0);
  a.engine.handle(ack, 0, ack.length, LINKTYPE_RAW, 0);
  for (let i = 1; i <= 4; i++) a.engine.handle(reply, 0, reply.length, LINKTYPE_RAW, i);
  assert.equal(a.engine.counters[1], 7, 'all forwarded');
  assert.equal(resolves, 3, 'the handshake took the full path, four replies the memo');
  // Once the client is authenticated, replies are accounted to it: full path every time.
  a.engine.authorizeHost(words(CLIENTS[4]!), 'u', [], 5);
  for (let i = 6; i <= 8; i++) a.engine.handle(reply, 0, reply.length, LINKTYPE_RAW, i);
  assert.equal(resolves, 6);
  const h = a.engine.cache.lookup(words(CLIENTS[4]!));
  assert.equal(a.engine.cache.packetsIn[h], 3);
});

test('flow memos: each host\'s repeats count on its own downloaded entries, and hosts with the same list share memo sets', () => {
  // 9,000 hosts log in with the same downloaded entry (more than the 8,192 match sets the memos
  // can refer to, were each host's entry a set of its own). Each opens a flow to port 22 (SYN
  // and first ACK decided in full), then, after all of them, sends two more segments: every one
  // of those must repeat its flow's memo, and count on that host's own entry.
  const n = 9000;
  const config = parseConfig(CONFIG.replace(' ip address 10.1.0.1 255.255.255.0', ' ip address 10.1.0.1 255.255.0.0'), 'memo.cfg');
  const acls = compileAcls(config.acls);
  let lookups = 0;
  const classify = acls.classify.bind(acls);
  acls.classify = (...args) => { lookups++; return classify(...args); };
  const engine = new Engine({ settings: engineSettingsOf(config), acls, rng: seededRng(3), replay: false, maxFlows: 4 * n, maxHosts: 2 * n });
  const client = (i: number): string => `10.1.${(i >> 8) + 1}.${i & 255}`;
  const seg = (i: number, flags: string): Uint8Array => new CaptureBuilder({ kind: 'raw' })
    .tcp({ timeMs: 0, src: client(i), dst: '10.2.0.5', sport: 1000, dport: 22, flags, seq: 1000, ack: 1, payload: new Uint8Array(8) })
    .packets()[0]!.bytes;
  for (let i = 0; i < n; i++) {
    assert.deepEqual(engine.authorizeHost(words(client(i)), 'u', [{ n: 1, text: 'permit tcp any any eq 22' }], 0), { ok: true });
  }
  const synAck = (i: number): Uint8Array => new CaptureBuilder({ kind: 'raw' })
    .tcp({ timeMs: 0, src: '10.2.0.5', dst: client(i), sport: 22, dport: 1000, flags: 'SYN ACK', seq: 1, ack: 1001 })
    .packets()[0]!.bytes;
  let now = 1;
  for (let i = 0; i < n; i++) {
    engine.handle(seg(i, 'SYN'), 0, 40 + 8, LINKTYPE_RAW, now++);
    engine.handle(synAck(i), 0, 40, LINKTYPE_RAW, now++);
    engine.handle(seg(i, 'ACK'), 0, 40 + 8, LINKTYPE_RAW, now++);
  }
  const decided = lookups;
  for (let r = 0; r < 2; r++) for (let i = 0; i < n; i++) engine.handle(seg(i, 'PSH ACK'), 0, 40 + 8, LINKTYPE_RAW, now++);
  assert.equal(engine.counters[1], 5 * n, 'all forwarded');
  assert.equal(lookups, decided, 'every later segment repeated its flow\'s memo');
  const show = engine.acls.showIpAccessLists('101');
  for (const i of [0, 1, 4567, n - 1]) {
    assert.match(show, new RegExp(` permit tcp host ${client(i).replace(/\./g, '\\.')} any eq 22 \\(4 matches\\)`));
  }
});
