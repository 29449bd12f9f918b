/**
 * A SYN flood from spoofed sources against the intercepting proxy: past the half-open limit the
 * endpoint answers with SYN cookies and keeps no state (no connection, no auth-cache entry), so
 * that a legitimate host still completes its handshake and gets the login page.
 *
 * Scale: 50,000 SYNs from 10,000 spoofed sources in 10 s (the `flood` benchmark sends 1 M from
 * 200,000); both pass the same limits — the global half-open limit (1,024) after the first
 * thousand SYNs, the per-source cap, and the auth cache's no-state-before-the-ACK rule — so
 * the smaller flood exercises every one of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { compileAcls } from '../../src/acl/index.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { Engine, VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { LoginInterceptApp } from '../../src/login/intercept-app.js';
import { seededRng } from '../../src/cli/rng.js';
import { decodeIp } from '../../src/wire/decode.js';
import { PacketMeta, LINKTYPE_RAW, TCP_FLAG_ACK, TCP_FLAG_PSH, TCP_FLAG_SYN } from '../../src/wire/packet.js';
import { TcpSegmentSpec, writeTcpSegment } from '../../src/wire/emit-tcp.js';
import {
  TCP_CTR_SYN_COOKIES_ACCEPTED, TCP_CTR_SYN_COOKIES_REJECTED, TCP_CTR_SYN_COOKIES_SENT,
} from '../../src/tcp/counters.js';

const CONFIG = `hostname gw
ip auth-proxy name web http
interface Gi0/0
 ip address 10.0.0.1 255.0.0.0
 ip auth-proxy web
 ip access-group 101 in
interface Gi0/1
 ip address 192.168.2.1 255.255.255.0
access-list 101 deny tcp any any
end
`;

const SERVER = 0xc0a80209; // 192.168.2.9
const LEGIT = 0x0a636363; // 10.99.99.99

/** Writes one client → server segment (raw IPv4) into `buf`; returns its length. */
function segment(spec: TcpSegmentSpec, buf: Uint8Array, src: number, sport: number, flags: number, seq: number,
  ack = 0, payload?: Uint8Array): number {
  spec.clearOptions();
  spec.setAddresses4(src, SERVER);
  spec.srcPort = sport;
  spec.dstPort = 80;
  spec.seq = seq >>> 0;
  spec.ack = ack >>> 0;
  spec.flags = flags;
  spec.window = 64240;
  if (flags === TCP_FLAG_SYN) spec.mss = 1460;
  if (payload !== undefined) {
    spec.payloadBuf = payload;
    spec.payloadLen = payload.length;
  }
  return writeTcpSegment(buf, 0, spec);
}

test('during a spoofed SYN flood a legitimate host completes the handshake and gets the login page', async () => {
  const config = parseConfig(CONFIG, 'flood.cfg');
  const now = { t: 0 };
  const app = new LoginInterceptApp({ config, clock: () => now.t });
  const engine = new Engine({ settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(3), replay: false, app });
  app.attach(engine);
  const spec = new TcpSegmentSpec();
  const buf = new Uint8Array(2048);
  const rnd = seededRng(11);
  const SYNS = 50_000;
  const SOURCES = 10_000;
  let maxHosts = 0;
  let maxConns = 0;
  const legitAt = SYNS / 2;
  let legitIsn = -1;
  for (let i = 0; i < SYNS; i++) {
    now.t = Math.floor((i * 10_000) / SYNS);
    if (engine.dueBy(now.t)) engine.poll(now.t);
    const src = (0x0a000000 | (1 + (rnd() % SOURCES) * 97 % 0xfffffe)) >>> 0;
    const n = segment(spec, buf, src, 1024 + (rnd() % 60000), TCP_FLAG_SYN, rnd());
    engine.handle(buf, 0, n, LINKTYPE_RAW, now.t);
    engine.tx.clear();
    maxHosts = Math.max(maxHosts, engine.cache.count);
    maxConns = Math.max(maxConns, engine.endpoint.connectionCount());
    if (i === legitAt) {
      // The legitimate host, in the middle of the flood: SYN, SYN-ACK, ACK and GET.
      const n1 = segment(spec, buf, LEGIT, 50000, TCP_FLAG_SYN, 7000);
      assert.equal(engine.handle(buf, 0, n1, LINKTYPE_RAW, now.t), VERDICT_INTERCEPT);
      const m = new PacketMeta();
      assert.equal(engine.tx.length, 1, 'the SYN is answered');
      decodeIp(engine.tx.buf, engine.tx.offsetOf(0), engine.tx.lengthOf(0), m);
      assert.equal(m.tcpFlags, TCP_FLAG_SYN | TCP_FLAG_ACK);
      assert.equal(m.ack, 7001);
      legitIsn = m.seq;
      engine.tx.clear();
      const n2 = segment(spec, buf, LEGIT, 50000, TCP_FLAG_ACK, 7001, legitIsn + 1);
      assert.equal(engine.handle(buf, 0, n2, LINKTYPE_RAW, now.t), VERDICT_INTERCEPT);
      const req = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
      const n3 = segment(spec, buf, LEGIT, 50000, TCP_FLAG_ACK | TCP_FLAG_PSH, 7001, legitIsn + 1, req);
      assert.equal(engine.handle(buf, 0, n3, LINKTYPE_RAW, now.t), VERDICT_INTERCEPT);
      await app.settle();
      let text = '';
      for (let k = 0; k < engine.tx.length; k++) {
        decodeIp(engine.tx.buf, engine.tx.offsetOf(k), engine.tx.lengthOf(k), m);
        if (m.dstPort === 50000) text += Buffer.from(engine.tx.buf.subarray(m.payloadOffset, m.payloadOffset + m.payloadCaptured)).toString('latin1');
      }
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, 'the login page');
      assert.match(text, /name="uname"/);
      engine.tx.clear();
    }
  }
  assert.ok(legitIsn >= 0);
  const ctr = engine.endpoint.counters;
  assert.ok(ctr[TCP_CTR_SYN_COOKIES_SENT]! > 40_000, `cookies sent: ${ctr[TCP_CTR_SYN_COOKIES_SENT]}`);
  assert.equal(ctr[TCP_CTR_SYN_COOKIES_ACCEPTED], 1, 'the legitimate host came back through its cookie');
  assert.equal(ctr[TCP_CTR_SYN_COOKIES_REJECTED], 0);
  // State stays bounded by the half-open limit, however long the flood: connections and cache
  // entries are made only below it (and for the one host that completed its handshake).
  assert.ok(maxConns <= config.authProxy.halfOpenLimit + 1, `connections ${maxConns}`);
  assert.ok(maxHosts <= config.authProxy.halfOpenLimit + 1, `auth-cache entries ${maxHosts}`);
  assert.ok(engine.halfOpenCount <= config.authProxy.halfOpenLimit);
});

test('a forged or stale cookie ACK makes nothing; a valid one is accepted once', () => {
  const config = parseConfig(CONFIG.replace('interface Gi0/0', 'ip auth-proxy half-open-limit 1\ninterface Gi0/0'), 'flood.cfg');
  const engine = new Engine({ settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(3), replay: false });
  const spec = new TcpSegmentSpec();
  const buf = new Uint8Array(2048);
  const m = new PacketMeta();
  let n = segment(spec, buf, 0x0a000005, 1000, TCP_FLAG_SYN, 1);
  engine.handle(buf, 0, n, LINKTYPE_RAW, 0);
  engine.tx.clear();
  n = segment(spec, buf, LEGIT, 2000, TCP_FLAG_SYN, 500);
  engine.handle(buf, 0, n, LINKTYPE_RAW, 0);
  decodeIp(engine.tx.buf, engine.tx.offsetOf(0), engine.tx.lengthOf(0), m);
  const cookie = m.seq;
  assert.deepEqual([m.tcpMss, m.tcpWindowScale, m.tcpSackPermitted, m.tcpHasTimestamp], [1460, -1, false, false],
    'a cookie SYN-ACK carries the MSS only');
  engine.tx.clear();
  assert.equal(engine.cache.count, 1, 'no entry for the host answered with a cookie');
  const ack = (isn: number, seq: number, t: number): void => {
    const k = segment(spec, buf, LEGIT, 2000, TCP_FLAG_ACK, seq, isn + 1);
    engine.handle(buf, 0, k, LINKTYPE_RAW, t);
  };
  ack(cookie ^ 1, 501, 10);
  ack(cookie, 777, 10); // another client ISN than the SYN's
  ack(cookie, 501, 200_000); // older than the previous minute
  const ctr = engine.endpoint.counters;
  assert.equal(ctr[TCP_CTR_SYN_COOKIES_REJECTED], 3);
  assert.equal(engine.cache.count, 1);
  assert.equal(engine.endpoint.connectionCount(), 1);
  ack(cookie, 501, 60_000);
  assert.equal(ctr[TCP_CTR_SYN_COOKIES_ACCEPTED], 1);
  assert.equal(engine.cache.count, 2, 'the entry is made with the connection');
  assert.equal(engine.endpoint.connectionCount(), 2);
  assert.equal(engine.halfOpenCount, 1, 'a cookie connection is never counted half-open');
});
