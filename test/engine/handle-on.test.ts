/**
 * `Engine.handleOn`, the live gateway's entry point: the ingress interface is the TUN device's,
 * not found by reverse-path lookup; a flow's memo is repeated only on the flow's own ingress
 * interface; a super-packet is classified once and counted as the segments it carries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { compileAcls } from '../../src/acl/index.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { Engine, VERDICT_DROP, VERDICT_FORWARD, VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import {
  COUNTER_DROP_ACL_IN, COUNTER_DROPPED, COUNTER_FORWARDED, COUNTER_NO_INGRESS, COUNTER_PACKETS, COUNTER_SUPER_PACKETS,
  COUNTER_FAULT_BASE, COUNTER_NAMES,
} from '../../src/engine/counters.js';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import type { TcpPacket } from '../../captures/tools/builder.js';
import { seededRng } from '../../src/io/rng.js';
import { LINKTYPE_RAW } from '../../src/wire/packet.js';
import { FAULT_BAD_TCP_OFFSET } from '../../src/wire/faults.js';

const CONFIG = `hostname gw
ip auth-proxy name web http
interface inside
 ip address 10.1.0.1 255.255.255.0
 ip auth-proxy web
 ip access-group 101 in
interface outside
 ip address 10.2.0.1 255.255.255.0
 ip access-group 102 in
access-list 101 permit udp any any eq domain
access-list 101 permit tcp any any eq 8080
access-list 101 deny tcp any any
access-list 102 deny ip any any
end
`;
const INSIDE = 0;
const OUTSIDE = 1;

function makeEngine(text = CONFIG): Engine {
  const config = parseConfig(text, 'test.cfg');
  return new Engine({ settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(3), replay: false });
}

function tcp(p: Omit<TcpPacket, 'timeMs'>): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).tcp({ ...p, timeMs: 0 }).packets()[0]!.bytes;
}

function udp(src: string, dst: string, sport: number, dport: number): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).udp({ timeMs: 0, src, dst, sport, dport, payload: new Uint8Array(12) }).packets()[0]!.bytes;
}

const on = (e: Engine, b: Uint8Array, ingress: number, t = 0, gso = 0): number => e.handleOn(b, 0, b.length, ingress, gso, t);

test('the ingress interface is the one the packet came in on, whatever its source address says', () => {
  const e = makeEngine();
  const dns = udp('10.1.0.5', '10.2.0.9', 5000, 53);
  assert.equal(on(e, dns, INSIDE), VERDICT_FORWARD, 'inside: permit udp eq domain');
  // The same source arriving on the outside (spoofed) meets the outside's ACL, deny ip any any.
  assert.equal(on(e, udp('10.1.0.5', '10.2.0.9', 5001, 53), OUTSIDE), VERDICT_DROP);
  // Replay places it by its source, on the inside.
  assert.equal(e.handle(udp('10.1.0.5', '10.2.0.9', 5002, 53), 0, 40, LINKTYPE_RAW, 0), VERDICT_FORWARD);
  // A source no prefix covers (no default route) still has its interface live: the inside's
  // ACL and auth-proxy rule apply to it, and nothing is counted no-ingress.
  assert.equal(on(e, udp('192.0.2.7', '10.2.0.9', 5000, 123), INSIDE), VERDICT_DROP, 'inside: implicit deny');
  assert.equal(on(e, tcp({ src: '192.0.2.7', dst: '10.2.0.9', sport: 4000, dport: 80, flags: 'SYN', seq: 1 }), INSIDE),
    VERDICT_INTERCEPT, 'inside: the auth-proxy rule intercepts');
  assert.equal(e.counters[COUNTER_NO_INGRESS], 0);
  assert.equal(e.counters[COUNTER_DROP_ACL_IN], 2);
  // The next packet through the replay entry point finds its interface by lookup again.
  assert.equal(e.handle(udp('192.0.2.8', '10.2.0.9', 5000, 53), 0, 40, LINKTYPE_RAW, 0), VERDICT_FORWARD);
  assert.equal(e.counters[COUNTER_NO_INGRESS], 1);
});

test('a flow\'s memo is repeated only on its own ingress interface', () => {
  const e = makeEngine();
  const dns = udp('10.1.0.5', '10.2.0.9', 5000, 53);
  for (let i = 0; i < 4; i++) assert.equal(on(e, dns, INSIDE, i), VERDICT_FORWARD);
  // The same five-tuple from the outside (spoofed) is the outside ACL's to decide.
  assert.equal(on(e, dns, OUTSIDE, 5), VERDICT_DROP);
  assert.equal(on(e, dns, OUTSIDE, 6), VERDICT_DROP);
  // ... and it leaves no memo behind for the flow: the inside still forwards, the outside still drops.
  assert.equal(on(e, dns, INSIDE, 7), VERDICT_FORWARD);
  assert.equal(on(e, dns, OUTSIDE, 8), VERDICT_DROP);
  assert.equal(e.counters[COUNTER_DROP_ACL_IN], 3);
});

test('a packet of the flow forwarded from another interface leaves the flow\'s memo to its own interface', () => {
  // Both interfaces permit DNS, each by its own entry: each packet counts on its interface's entry.
  const e = makeEngine(CONFIG.replace('access-list 102 deny ip any any', 'access-list 102 permit udp any any'));
  const dns = udp('10.1.0.5', '10.2.0.9', 5000, 53);
  for (let i = 0; i < 3; i++) assert.equal(on(e, dns, INSIDE, i), VERDICT_FORWARD);
  for (let i = 0; i < 2; i++) assert.equal(on(e, dns, OUTSIDE, 3 + i), VERDICT_FORWARD);
  for (let i = 0; i < 3; i++) assert.equal(on(e, dns, INSIDE, 5 + i), VERDICT_FORWARD);
  assert.match(e.acls.showIpAccessLists('101'), /permit udp any any eq domain \(6 matches\)/);
  assert.match(e.acls.showIpAccessLists('102'), /permit udp any any \(2 matches\)/);
});

test('a super-packet is classified once and counted as the segments it carries', () => {
  const e = makeEngine();
  const big = (payload: number, sport: number): Uint8Array =>
    tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport, dport: 8080, flags: 'ACK', seq: 1, ack: 1, payload: new Uint8Array(payload) });
  // 14,600 bytes in segments of 1,460: ten segments.
  assert.equal(on(e, big(14_600, 4000), INSIDE, 0, 1460), VERDICT_FORWARD);
  assert.deepEqual([e.counters[COUNTER_PACKETS], e.counters[COUNTER_FORWARDED], e.counters[COUNTER_SUPER_PACKETS]], [10, 10, 1]);
  // One byte more: an eleventh, short segment.
  assert.equal(on(e, big(14_601, 4000), INSIDE, 1, 1460), VERDICT_FORWARD);
  assert.deepEqual([e.counters[COUNTER_PACKETS], e.counters[COUNTER_FORWARDED], e.counters[COUNTER_SUPER_PACKETS]], [21, 21, 2]);
  // A dropped one counts its segments as dropped (the interface ACL denies port 22).
  const ssh = tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 22, flags: 'ACK', seq: 1, ack: 1, payload: new Uint8Array(64_000) });
  assert.equal(on(e, ssh, INSIDE, 2, 32_000), VERDICT_DROP);
  assert.deepEqual([e.counters[COUNTER_PACKETS], e.counters[COUNTER_DROPPED], e.counters[COUNTER_SUPER_PACKETS]], [23, 2, 3]);
  // A plain packet (gso 0) is one packet, whatever its size.
  assert.equal(on(e, big(14_600, 4002), INSIDE, 3, 0), VERDICT_FORWARD);
  assert.equal(e.counters[COUNTER_PACKETS], 24);
  assert.equal(COUNTER_NAMES[COUNTER_SUPER_PACKETS], 'super-packets');
});

test('a super-packet counts as its segments in the ACL entries it matched, the full path\'s and the memo\'s', () => {
  const e = makeEngine();
  const big = tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4000, dport: 8080, flags: 'ACK', seq: 1, ack: 1, payload: new Uint8Array(14_600) });
  // The first one is classified, the second repeats the flow's memo: ten segments each.
  for (let t = 0; t < 2; t++) assert.equal(on(e, big, INSIDE, t, 1460), VERDICT_FORWARD);
  assert.match(e.acls.showIpAccessLists('101'), /permit tcp any any eq 8080 \(20 matches\)/);
  const ssh = tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 22, flags: 'ACK', seq: 1, ack: 1, payload: new Uint8Array(64_000) });
  assert.equal(on(e, ssh, INSIDE, 2, 32_000), VERDICT_DROP);
  assert.match(e.acls.showIpAccessLists('101'), /deny tcp any any \(2 matches\)/);
  // A plain packet counts once, and so does a super-packet that fits one segment.
  assert.equal(on(e, big, INSIDE, 3, 0), VERDICT_FORWARD);
  assert.equal(on(e, big, INSIDE, 4, 20_000), VERDICT_FORWARD);
  assert.match(e.acls.showIpAccessLists('101'), /permit tcp any any eq 8080 \(22 matches\)/);
});

test('a super-packet matching a log entry is logged as its segments: the first at once, the others in the summary', () => {
  const e = makeEngine(CONFIG.replace('access-list 101 permit tcp any any eq 8080', 'access-list 101 permit tcp any any eq 8080 log'));
  const lines: string[] = [];
  e.acls.setLogSink((line) => lines.push(line));
  const big = tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4000, dport: 8080, flags: 'ACK', seq: 1, ack: 1, payload: new Uint8Array(14_600) });
  assert.equal(on(e, big, INSIDE, 0, 1460), VERDICT_FORWARD);
  assert.equal(on(e, big, INSIDE, 1, 1460), VERDICT_FORWARD);
  assert.deepEqual(lines, ['%SEC-6-IPACCESSLOGP: list 101 permitted tcp 10.1.0.5(4000) -> 10.2.0.9(8080), 1 packet']);
  // The flow's next packet after the 5-minute interval writes the summary: 9 + 10 segments and itself.
  assert.equal(on(e, big, INSIDE, 5 * 60 * 1000, 0), VERDICT_FORWARD);
  assert.deepEqual(lines.slice(1), ['%SEC-6-IPACCESSLOGP: list 101 permitted tcp 10.1.0.5(4000) -> 10.2.0.9(8080), 20 packets']);
  assert.match(e.acls.showIpAccessLists('101'), /eq 8080 log \(21 matches\)/);
});

test('an authenticated host\'s super-packets count as their segments in its accounting, octets as on the wire', () => {
  const e = makeEngine();
  const host = new Uint32Array([0, 0, 0xffff, (10 << 24 | 1 << 16 | 5) >>> 0]);
  e.authorizeHost(host, 'u', [{ n: 1, text: 'permit tcp any any eq 8080' }], 0);
  const h = e.cache.lookup(host);
  assert.ok(h >= 0);
  const out = (flags: string, seq: number, ack: number, payload: number): Uint8Array =>
    tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4000, dport: 8080, flags, seq, ack, payload: new Uint8Array(payload) });
  const back = (flags: string, seq: number, ack: number, payload: number): Uint8Array =>
    tcp({ src: '10.2.0.9', dst: '10.1.0.5', sport: 8080, dport: 4000, flags, seq, ack, payload: new Uint8Array(payload) });
  // The handshake: plain packets of 40 bytes, one each.
  assert.equal(on(e, out('SYN', 1000, 0, 0), INSIDE, 1), VERDICT_FORWARD);
  assert.equal(on(e, back('SYN ACK', 5000, 1001, 0), OUTSIDE, 1), VERDICT_FORWARD);
  assert.equal(on(e, out('ACK', 1001, 5001, 0), INSIDE, 1), VERDICT_FORWARD);
  const base = [e.cache.packetsOut[h], e.cache.octetsOut[h], e.cache.packetsIn[h], e.cache.octetsIn[h]];
  assert.deepEqual(base, [2, 80, 1, 40]);
  // Out: two super-packets of eleven segments each (ten of 1,460 bytes and one of 1).
  assert.equal(on(e, out('ACK', 1001, 5001, 14_601), INSIDE, 2, 1460), VERDICT_FORWARD);
  assert.equal(on(e, out('ACK', 15_602, 5001, 14_601), INSIDE, 2, 1460), VERDICT_FORWARD);
  // Back, as return traffic: a super-packet of two segments.
  assert.equal(on(e, back('ACK', 5001, 30_203, 2_920), OUTSIDE, 3, 1460), VERDICT_FORWARD);
  // Each segment carries a 20-byte IP and a 20-byte TCP header.
  assert.deepEqual([e.cache.packetsOut[h], e.cache.octetsOut[h]], [2 + 22, 80 + 2 * (14_601 + 11 * 40)]);
  assert.deepEqual([e.cache.packetsIn[h], e.cache.octetsIn[h]], [1 + 2, 40 + 2_920 + 2 * 40]);
  // The host's downloaded entry counted the segments too (the SYN and the ACK once each).
  assert.match(e.acls.showIpAccessLists('101'), /permit tcp host 10\.1\.0\.5 any eq 8080 \(24 matches\)/);
  // A plain packet: one, its own length.
  assert.equal(on(e, back('ACK', 7921, 30_203, 1_000), OUTSIDE, 4, 0), VERDICT_FORWARD);
  assert.deepEqual([e.cache.packetsIn[h], e.cache.octetsIn[h]], [4, 40 + 2_920 + 2 * 40 + 1_040]);
});

test('a malformed packet from the device is counted by its fault and dropped, a super-packet\'s too', () => {
  const e = makeEngine();
  const bad = tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4000, dport: 8080, flags: 'ACK', seq: 1, ack: 1, payload: new Uint8Array(3000) });
  bad[20 + 12] = 0x10; // data offset 1 word: shorter than a TCP header
  assert.equal(on(e, bad, INSIDE, 0, 1460), VERDICT_DROP);
  assert.equal(on(e, new Uint8Array([0x45, 0]), INSIDE, 0, 0), VERDICT_DROP);
  assert.equal(e.counters[COUNTER_FAULT_BASE + FAULT_BAD_TCP_OFFSET], 1);
  assert.equal(e.counters[COUNTER_DROPPED], 2, 'a packet that does not decode counts once: its segments are unknown');
});
