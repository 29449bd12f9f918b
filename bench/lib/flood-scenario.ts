/**
 * A SYN flood against the intercepting proxy, driven through the engine as a live gateway runs it
 * (not replay: SYN cookies need a client that answers the SYN-ACK it got): `syns` SYNs from
 * `sources` spoofed addresses in 10.0.0.0/8 spread over `durationMs`, to port 80 of a server
 * behind the gateway, and in the middle of them a legitimate host's login: SYN, ACK of the
 * SYN-ACK it got, GET, and the login page back from Node's http.Server. Used by the `flood`
 * benchmark (bench/flood.ts) and, smaller, by test/engine/syn-flood.test.ts.
 */
import { parseConfig } from '../../src/config/parse.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { compileAcls } from '../../src/acl/index.js';
import { Engine } from '../../src/engine/engine.js';
import { LoginInterceptApp } from '../../src/login/intercept-app.js';
import { seededRng } from '../../src/io/rng.js';
import { decodeIp } from '../../src/wire/decode.js';
import { PacketMeta, LINKTYPE_RAW, TCP_FLAG_ACK, TCP_FLAG_PSH, TCP_FLAG_SYN } from '../../src/wire/packet.js';
import { TcpSegmentSpec, writeTcpSegment } from '../../src/wire/emit-tcp.js';
import { TCP_CTR_SYN_COOKIES_ACCEPTED, TCP_CTR_SYN_COOKIES_SENT } from '../../src/tcp/counters.js';

/** The gateway: an auth-proxy rule for http on the client side (10.0.0.0/8), a deny-all inbound ACL. */
export const FLOOD_CONFIG = `hostname gw
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
const LEGIT_PORT = 50000;

/** What to run. */
export interface FloodParams {
  /** Spoofed SYNs (0: the login alone). */
  readonly syns: number;
  /** Distinct spoofed source addresses. */
  readonly sources: number;
  /** Engine time the flood is spread over. */
  readonly durationMs: number;
  /** Sample the heap every this many SYNs (0: never). */
  readonly heapEvery?: number;
}

/** What happened. */
export interface FloodOutcome {
  /** Every step of the login was answered and the login page came back. */
  readonly loginAnswered: boolean;
  /** Why not, when not. */
  readonly failure: string | null;
  /** The legitimate host had its auth-cache entry once its login page came. */
  readonly loginEntry: boolean;
  /** Bytes of the HTTP answer the legitimate host got. */
  readonly pageBytes: number;
  /** Wall milliseconds of the whole run, and of the login's own packets (settling included). */
  readonly wallMs: number;
  readonly loginWallMs: number;
  /** The most open connections, auth-cache entries and half-open connections at any time. */
  readonly maxConnections: number;
  readonly maxCacheEntries: number;
  readonly maxHalfOpen: number;
  /** The limits they are bounded by. */
  readonly connectionTable: number;
  readonly halfOpenLimit: number;
  /** Endpoint counters. */
  readonly cookiesSent: number;
  readonly cookiesAccepted: number;
  /** The largest heap in use seen (bytes; 0 when not sampled). */
  readonly maxHeapBytes: number;
}

/** Writes one client → server (192.168.2.9:80) segment, raw IPv4, into `buf`; returns its length. */
export function floodSegment(spec: TcpSegmentSpec, buf: Uint8Array, src: number, sport: number, flags: number, seq: number,
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

/** Runs the flood with the login in its middle (or the login alone when `syns` is 0). */
export async function runFloodScenario(p: FloodParams): Promise<FloodOutcome> {
  const config = parseConfig(FLOOD_CONFIG, 'flood.cfg');
  const now = { t: 0 };
  const app = new LoginInterceptApp({ config, clock: () => now.t });
  const engine = new Engine({ settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(3), replay: false, app });
  app.attach(engine);
  const spec = new TcpSegmentSpec();
  const buf = new Uint8Array(2048);
  const meta = new PacketMeta();
  const rnd = seededRng(11);
  let maxConnections = 0, maxCacheEntries = 0, maxHalfOpen = 0, maxHeapBytes = 0;
  let failure: string | null = 'the login never ran';
  let pageBytes = 0;
  let loginEntry = false;
  let loginWallMs = 0;
  const heapEvery = p.heapEvery ?? 0;

  const login = async (): Promise<void> => {
    const t0 = performance.now();
    engine.tx.clear();
    engine.handle(buf, 0, floodSegment(spec, buf, LEGIT, LEGIT_PORT, TCP_FLAG_SYN, 7000), LINKTYPE_RAW, now.t);
    let isn = -1;
    for (let k = 0; k < engine.tx.length; k++) {
      decodeIp(engine.tx.buf, engine.tx.offsetOf(k), engine.tx.lengthOf(k), meta);
      if (meta.dstPort === LEGIT_PORT && meta.tcpFlags === (TCP_FLAG_SYN | TCP_FLAG_ACK) && meta.ack === 7001) isn = meta.seq;
    }
    engine.tx.clear();
    if (isn < 0) {
      failure = 'the SYN got no SYN-ACK';
      return;
    }
    engine.handle(buf, 0, floodSegment(spec, buf, LEGIT, LEGIT_PORT, TCP_FLAG_ACK, 7001, isn + 1), LINKTYPE_RAW, now.t);
    const req = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
    engine.handle(buf, 0, floodSegment(spec, buf, LEGIT, LEGIT_PORT, TCP_FLAG_ACK | TCP_FLAG_PSH, 7001, isn + 1, req),
      LINKTYPE_RAW, now.t);
    await app.settle();
    let text = '';
    for (let k = 0; k < engine.tx.length; k++) {
      decodeIp(engine.tx.buf, engine.tx.offsetOf(k), engine.tx.lengthOf(k), meta);
      if (meta.dstPort !== LEGIT_PORT) continue;
      text += Buffer.from(engine.tx.buf.subarray(meta.payloadOffset, meta.payloadOffset + meta.payloadCaptured)).toString('latin1');
    }
    engine.tx.clear();
    pageBytes = text.length;
    failure = /^HTTP\/1\.1 200 OK\r\n/.test(text) && text.includes('name="uname"') ? null : 'no login page came back';
    loginEntry = engine.cache.lookup(Uint32Array.of(0, 0, 0xffff, LEGIT)) >= 0;
    loginWallMs = performance.now() - t0;
  };

  const t0 = performance.now();
  const legitAt = p.syns >>> 1;
  for (let i = 0; i < p.syns; i++) {
    now.t = Math.floor((i * p.durationMs) / p.syns);
    if (engine.dueBy(now.t)) engine.poll(now.t);
    const src = (0x0a000000 | (1 + ((rnd() % p.sources) * 97) % 0xfffffe)) >>> 0;
    engine.handle(buf, 0, floodSegment(spec, buf, src, 1024 + (rnd() % 60000), TCP_FLAG_SYN, rnd()), LINKTYPE_RAW, now.t);
    engine.tx.clear();
    const conns = engine.endpoint.connectionCount();
    if (conns > maxConnections) maxConnections = conns;
    if (engine.cache.count > maxCacheEntries) maxCacheEntries = engine.cache.count;
    if (engine.halfOpenCount > maxHalfOpen) maxHalfOpen = engine.halfOpenCount;
    if (heapEvery > 0 && i % heapEvery === 0) maxHeapBytes = Math.max(maxHeapBytes, process.memoryUsage().heapUsed);
    if (i === legitAt) await login();
  }
  if (p.syns === 0) await login();
  const wallMs = performance.now() - t0;
  const ctr = engine.endpoint.counters;
  return {
    loginAnswered: failure === null, failure, loginEntry, pageBytes, wallMs, loginWallMs,
    maxConnections, maxCacheEntries, maxHalfOpen,
    connectionTable: 4096, halfOpenLimit: config.authProxy.halfOpenLimit,
    cookiesSent: ctr[TCP_CTR_SYN_COOKIES_SENT]!, cookiesAccepted: ctr[TCP_CTR_SYN_COOKIES_ACCEPTED]!,
    maxHeapBytes: Math.max(maxHeapBytes, heapEvery > 0 ? process.memoryUsage().heapUsed : 0),
  };
}
