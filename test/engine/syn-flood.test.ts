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
import { Engine } from '../../src/engine/engine.js';
import { FLOOD_CONFIG, floodSegment as segment, runFloodScenario } from '../../bench/lib/flood-scenario.js';
import { seededRng } from '../../src/io/rng.js';
import { decodeIp } from '../../src/wire/decode.js';
import { PacketMeta, LINKTYPE_RAW, TCP_FLAG_ACK, TCP_FLAG_RST, TCP_FLAG_SYN } from '../../src/wire/packet.js';
import { DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION } from '../../src/engine/debug.js';
import { AuthProxyDebugFormatter } from '../../src/log/auth-proxy-debug.js';
import { TcpSegmentSpec } from '../../src/wire/emit-tcp.js';
import {
  TCP_CTR_SYN_COOKIES_ACCEPTED, TCP_CTR_SYN_COOKIES_REJECTED,
} from '../../src/tcp/counters.js';

const CONFIG = FLOOD_CONFIG;
const LEGIT = 0x0a636363; // 10.99.99.99


test('during a spoofed SYN flood a legitimate host completes the handshake and gets the login page', async () => {
  const r = await runFloodScenario({ syns: 50_000, sources: 10_000, durationMs: 10_000 });
  assert.equal(r.failure, null);
  assert.ok(r.loginAnswered);
  assert.ok(r.cookiesSent > 40_000, `cookies sent: ${r.cookiesSent}`);
  assert.equal(r.cookiesAccepted, 1, 'the legitimate host came back through its cookie');
  // State stays bounded by the half-open limit: connections and cache entries are made only
  // below it (and for the one host that completed its handshake).
  assert.ok(r.maxConnections <= r.halfOpenLimit + 1, `connections ${r.maxConnections}`);
  assert.ok(r.maxCacheEntries <= r.halfOpenLimit + 1, `auth-cache entries ${r.maxCacheEntries}`);
  assert.ok(r.maxHalfOpen <= r.halfOpenLimit);
});

test('a ten-minute spoofed SYN flood leaves at most the half-open limit of auth-cache entries', async () => {
  // 40,000 SYNs from 10,000 sources over 10 minutes of engine time: ~4,000 per 75-s handshake
  // timeout, so the half-open limit is reached again and again, and the inactivity timer (60
  // minutes, the default) removes nothing. An entry a spoofed SYN made goes with its abandoned
  // handshake, so the entries stay bounded by the limit, not by the flood's length.
  const r = await runFloodScenario({ syns: 40_000, sources: 10_000, durationMs: 600_000 });
  assert.equal(r.failure, null);
  assert.ok(r.loginEntry, 'the legitimate host has its entry');
  assert.equal(r.maxHalfOpen, r.halfOpenLimit, 'the flood reached the half-open limit');
  assert.ok(r.cookiesSent > 0, 'and went past it');
  assert.ok(r.maxCacheEntries <= r.halfOpenLimit + 1, `auth-cache entries ${r.maxCacheEntries}`);
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

test('an entry made by a SYN goes when its handshake is reset, not when an established connection is', () => {
  const config = parseConfig(CONFIG, 'flood.cfg');
  const lines: string[] = [];
  const engine = new Engine({
    settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(3), replay: false,
    debug: new AuthProxyDebugFormatter((l) => lines.push(l)), debugFlags: DEBUG_OBJECT_CREATION | DEBUG_OBJECT_DELETION,
  });
  const spec = new TcpSegmentSpec();
  const buf = new Uint8Array(2048);
  const m = new PacketMeta();
  const send = (src: number, sport: number, flags: number, seq: number, ack = 0): void => {
    engine.handle(buf, 0, segment(spec, buf, src, sport, flags, seq, ack), LINKTYPE_RAW, 1000);
  };
  // Two SYNs of one host, both reset in SYN-RECEIVED: the entry stays until the second goes.
  send(0x0a000005, 1000, TCP_FLAG_SYN, 100);
  send(0x0a000005, 1001, TCP_FLAG_SYN, 200);
  send(0x0a000005, 1000, TCP_FLAG_RST, 101);
  assert.equal(engine.cache.count, 1, 'the host still has a handshake under way');
  send(0x0a000005, 1001, TCP_FLAG_RST, 201);
  assert.equal(engine.cache.count, 0);
  assert.equal(engine.endpoint.connectionCount(), 0);
  assert.equal(engine.halfOpenCount, 0);
  assert.equal(lines.at(-1), '*Jan 1 00:00:01.000: AUTH-PROXY OBJ_DELETE: delete auth_cache entry for 10.0.0.5 (idle)\n');
  // A host that completed a handshake keeps its entry when that connection is reset.
  engine.tx.clear();
  send(LEGIT, 2000, TCP_FLAG_SYN, 500);
  decodeIp(engine.tx.buf, engine.tx.offsetOf(0), engine.tx.lengthOf(0), m);
  send(LEGIT, 2000, TCP_FLAG_ACK, 501, m.seq + 1);
  send(LEGIT, 2000, TCP_FLAG_RST, 501);
  assert.equal(engine.endpoint.connectionCount(), 0);
  assert.equal(engine.cache.count, 1, 'the established host keeps its entry');
});
