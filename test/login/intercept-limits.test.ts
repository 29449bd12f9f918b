/**
 * Limits of intercepted HTTP connections, on the engine's clock: a client that sends its request
 * head too slowly, a body too slowly, idles on a kept-alive connection, or sends too much is cut
 * off, each counted; nothing runs on wall-clock timers (time advances only through `poll`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { compileAcls } from '../../src/acl/index.js';
import { Engine } from '../../src/engine/engine.js';
import {
  HTTP_HEADERS_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_MAX_HEADER_BYTES, HTTP_REQUEST_TIMEOUT_MS,
  LoginInterceptApp,
} from '../../src/login/intercept-app.js';
import { seededRng } from '../../src/io/rng.js';
import { decodeIp } from '../../src/wire/decode.js';
import { PacketMeta, LINKTYPE_RAW, TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_SYN } from '../../src/wire/packet.js';
import { TcpSegmentSpec, writeTcpSegment } from '../../src/wire/emit-tcp.js';

const CONFIG = `hostname gw
ip auth-proxy name web http
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ip auth-proxy web
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
access-list 101 deny tcp any any
end
`;

/** A client of one intercepted connection, driving the engine and reading its answers. */
class Client {
  readonly app: LoginInterceptApp;
  readonly engine: Engine;
  private readonly spec = new TcpSegmentSpec();
  private readonly buf = new Uint8Array(70000);
  private readonly meta = new PacketMeta();
  now = 1000;
  private seq = 5000;
  private ack = 0;
  /** What the proxy sent on the connection so far, and whether it sent a FIN. */
  text = '';
  fin = false;
  rst = false;

  constructor() {
    const config = parseConfig(CONFIG, 'limits.cfg');
    this.app = new LoginInterceptApp({ config, clock: () => this.now });
    this.engine = new Engine({ settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(1), replay: false, app: this.app });
    this.app.attach(this.engine);
  }

  private segment(flags: number, payload?: Uint8Array): void {
    const s = this.spec;
    s.clearOptions();
    s.setAddresses4(0x0a010005, 0x0a020009);
    s.srcPort = 40000;
    s.dstPort = 80;
    s.seq = this.seq >>> 0;
    s.ack = this.ack >>> 0;
    s.flags = flags;
    s.window = 65535;
    if (flags === TCP_FLAG_SYN) s.mss = 1460;
    if (payload !== undefined) {
      s.payloadBuf = payload;
      s.payloadLen = payload.length;
    }
    const n = writeTcpSegment(this.buf, 0, s);
    this.engine.handle(this.buf, 0, n, LINKTYPE_RAW, this.now);
    if (flags === TCP_FLAG_SYN) this.seq++;
    if (payload !== undefined) this.seq += payload.length;
    this.collect();
  }

  /** Reads what the proxy sent; ACKs its data like a client would. */
  private collect(): void {
    const tx = this.engine.tx;
    const m = this.meta;
    let got = 0;
    for (let i = 0; i < tx.length; i++) {
      decodeIp(tx.buf, tx.offsetOf(i), tx.lengthOf(i), m);
      if ((m.tcpFlags & TCP_FLAG_SYN) !== 0) this.ack = (m.seq + 1) >>> 0;
      if (m.payloadLength > 0) {
        this.text += Buffer.from(tx.buf.subarray(m.payloadOffset, m.payloadOffset + m.payloadCaptured)).toString('latin1');
        this.ack = (m.seq + m.payloadLength) >>> 0;
        got++;
      }
      if ((m.tcpFlags & TCP_FLAG_FIN) !== 0) {
        this.fin = true;
        this.ack = (m.seq + m.payloadLength + 1) >>> 0;
      }
      if ((m.tcpFlags & 0x04) !== 0) this.rst = true;
    }
    tx.clear();
    if (got > 0) this.segment(TCP_FLAG_ACK);
  }

  connect(): void {
    this.segment(TCP_FLAG_SYN);
    this.segment(TCP_FLAG_ACK);
  }

  async send(text: string): Promise<void> {
    const b = Buffer.from(text, 'latin1');
    for (let off = 0; off < b.length; off += 1400) this.segment(TCP_FLAG_ACK | TCP_FLAG_PSH, b.subarray(off, off + 1400));
    await this.app.settle();
    this.collect();
  }

  /** Advances engine time, running what falls due. */
  async advance(ms: number): Promise<void> {
    this.now += ms;
    if (this.engine.dueBy(this.now)) this.engine.poll(this.now);
    await this.app.settle();
    this.collect();
  }
}

test('a request head not complete within the headers timeout gets 408 and the connection closes', async () => {
  const c = new Client();
  c.connect();
  await c.send('GET / HTTP/1.1\r\nHost: exa');
  await c.advance(HTTP_HEADERS_TIMEOUT_MS - 1);
  assert.equal(c.fin, false);
  await c.send('m'); // trickling does not extend the deadline (slowloris)
  await c.advance(1);
  assert.match(c.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.ok(c.fin);
  assert.equal(c.app.stats.headersTimeouts, 1);
});

test('a connection that never sends a request is closed after the headers timeout', async () => {
  const c = new Client();
  c.connect();
  await c.advance(HTTP_HEADERS_TIMEOUT_MS);
  assert.ok(c.fin);
  assert.equal(c.app.stats.headersTimeouts, 1);
});

test('a kept-alive connection idle after its response is closed after the keep-alive timeout', async () => {
  const c = new Client();
  c.connect();
  await c.send('GET / HTTP/1.1\r\nHost: example.test\r\n\r\n');
  assert.match(c.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.equal(c.fin, false, 'kept alive');
  await c.advance(HTTP_KEEP_ALIVE_TIMEOUT_MS - 1);
  assert.equal(c.fin, false);
  await c.advance(1);
  assert.ok(c.fin);
  assert.equal(c.app.stats.idleTimeouts, 1);
  assert.equal(c.app.stats.headersTimeouts, 0);
});

test('a request body that does not arrive within the request timeout closes the connection', async () => {
  const c = new Client();
  c.connect();
  // (A GET with a body: a POST, credentials to an intercepted server, is refused at once.)
  await c.send('GET / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 100\r\n\r\n0123456789');
  assert.match(c.text, /^HTTP\/1\.1 200 OK\r\n/);
  await c.advance(HTTP_KEEP_ALIVE_TIMEOUT_MS + 1);
  assert.equal(c.fin, false, 'not idle: the body is still coming');
  await c.advance(200_000);
  await c.send('a'); // a trickle keeps TCP alive, but the request's deadline stands
  assert.equal(c.fin, false);
  await c.advance(HTTP_REQUEST_TIMEOUT_MS - 205_001);
  assert.ok(c.fin);
  assert.equal(c.rst, false);
  assert.equal(c.app.stats.requestTimeouts, 1);
});

test('a request head over the size limit gets 431, a body over it 413; both close', async () => {
  const c = new Client();
  c.connect();
  await c.send(`GET / HTTP/1.1\r\nHost: example.test\r\nX-Big: ${'a'.repeat(HTTP_MAX_HEADER_BYTES)}\r\n\r\n`);
  assert.match(c.text, /^HTTP\/1\.1 431 /);
  assert.ok(c.fin || c.rst);
  assert.equal(c.app.stats.headersTooLarge, 1);
  const d = new Client();
  d.connect();
  await d.send('POST / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1000000\r\n\r\n');
  assert.match(d.text, /^HTTP\/1\.1 413 /);
  assert.ok(d.fin);
  assert.equal(d.app.stats.bodiesTooLarge, 1);
});
