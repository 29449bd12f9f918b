/**
 * Test helper: clients that talk to an engine in packets, as hosts behind a gateway would —
 * each {@link PacketClient} opens a TCP connection by crafted segments through `engine.handle`,
 * and {@link PacketNet.pump} hands what the engine emits (its intercepted connections' answers)
 * to the client it is addressed to, acknowledging data as a client's stack would. A client's
 * bytes are also a Node stream (`stream`), so that a TLS client can run over it.
 */
import { Duplex } from 'node:stream';
import type { Engine } from '../../src/engine/engine.js';
import { decodeIp } from '../../src/wire/decode.js';
import { PacketMeta, LINKTYPE_RAW, TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN } from '../../src/wire/packet.js';
import { TcpSegmentSpec, writeTcpSegment } from '../../src/wire/emit-tcp.js';
import { parseIpv4 } from '../../src/wire/addr.js';

/** Where the engine's emitted packets go: the clients of one test. */
export class PacketNet {
  private readonly clients: PacketClient[] = [];
  private readonly meta = new PacketMeta();

  constructor(readonly engine: Engine, readonly clock: { nowMs: number }, private readonly settle: () => Promise<void>) {}

  /** A client at `src`:`sport` talking to `dst`:`dport` (IPv4). */
  client(src: string, sport: number, dst: string, dport: number): PacketClient {
    const c = new PacketClient(this, parseIpv4(src)!, sport, parseIpv4(dst)!, dport);
    this.clients.push(c);
    return c;
  }

  /** Hands every packet the engine emitted to its client; true if any carried something. */
  deliver(): boolean {
    const tx = this.engine.tx;
    const m = this.meta;
    const n = tx.length;
    const packets: Uint8Array[] = [];
    for (let i = 0; i < n; i++) packets.push(tx.buf.slice(tx.offsetOf(i), tx.offsetOf(i) + tx.lengthOf(i)));
    tx.clear();
    for (const p of packets) {
      decodeIp(p, 0, p.length, m);
      const c = this.clients.find((x) => x.sport === m.dstPort && x.src === m.dstAddr[3]);
      if (c !== undefined) c.receive(m, p);
    }
    return n > 0;
  }

  /** Lets the login service run and delivers its answers until nothing more happens (bounded). */
  async pump(rounds = 200): Promise<void> {
    let quiet = 0;
    for (let i = 0; i < rounds && quiet < 3; i++) {
      await this.settle();
      await new Promise<void>((r) => setImmediate(r));
      quiet = this.deliver() ? 0 : quiet + 1;
    }
  }
}

/** One TCP connection of a client host, driven by crafted segments. */
export class PacketClient {
  private readonly spec = new TcpSegmentSpec();
  private readonly buf = new Uint8Array(70000);
  private seq = 1000;
  private ack = 0;
  /** Bytes received from the proxy. */
  readonly received: Buffer[] = [];
  fin = false;
  rst = false;
  /** Verdicts of the segments this client sent. */
  readonly verdicts: number[] = [];
  /** The connection's bytes as a stream: writes become segments, received bytes are pushed. */
  readonly stream: Duplex;

  constructor(private readonly net: PacketNet, readonly src: number, readonly sport: number, private readonly dst: number,
    private readonly dport: number) {
    this.stream = new Duplex({
      read: () => { /* pushed by receive */ },
      write: (chunk: Buffer, _enc, cb) => {
        this.send(chunk);
        cb();
      },
      final: (cb) => {
        this.segment(TCP_FLAG_ACK | TCP_FLAG_FIN);
        cb();
      },
    });
  }

  /** Text received so far (latin1). */
  get text(): string {
    return Buffer.concat(this.received).toString('latin1');
  }

  /** Sends one segment; returns the engine's verdict. */
  segment(flags: number, payload?: Uint8Array): number {
    const s = this.spec;
    s.clearOptions();
    s.setAddresses4(this.src, this.dst);
    s.srcPort = this.sport;
    s.dstPort = this.dport;
    s.seq = this.seq >>> 0;
    s.ack = this.ack >>> 0;
    s.flags = flags;
    s.window = 65535;
    if (flags === TCP_FLAG_SYN) s.mss = 1460;
    s.payloadBuf = payload ?? new Uint8Array(0);
    s.payloadLen = payload?.length ?? 0;
    const n = writeTcpSegment(this.buf, 0, s);
    const v = this.net.engine.handle(this.buf, 0, n, LINKTYPE_RAW, this.net.clock.nowMs);
    this.verdicts.push(v);
    if ((flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) !== 0) this.seq++;
    if (payload !== undefined) this.seq += payload.length;
    return v;
  }

  /** SYN, then (if answered) the handshake's ACK; returns the SYN's verdict. */
  connect(): number {
    const v = this.segment(TCP_FLAG_SYN);
    this.net.deliver();
    if (this.ack !== 0) this.segment(TCP_FLAG_ACK);
    return v;
  }

  /** Sends bytes in segments of at most 1,400 bytes. */
  send(data: Uint8Array | string): void {
    const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (let off = 0; off < b.length; off += 1400) this.segment(TCP_FLAG_ACK | TCP_FLAG_PSH, b.subarray(off, off + 1400));
  }

  /** A packet from the proxy to this client. */
  receive(m: PacketMeta, p: Uint8Array): void {
    const f = m.tcpFlags;
    if ((f & TCP_FLAG_RST) !== 0) {
      this.rst = true;
      return;
    }
    if ((f & TCP_FLAG_SYN) !== 0) {
      this.ack = (m.seq + 1) >>> 0;
      return;
    }
    let acked = false;
    if (m.payloadLength > 0 && m.seq === this.ack) {
      const data = Buffer.from(p.subarray(m.payloadOffset, m.payloadOffset + m.payloadLength));
      this.received.push(data);
      this.stream.push(data);
      this.ack = (m.seq + m.payloadLength) >>> 0;
      acked = true;
    }
    if ((f & TCP_FLAG_FIN) !== 0 && !this.fin) {
      this.fin = true;
      this.ack = (this.ack + 1) >>> 0;
      this.stream.push(null);
      acked = true;
    }
    if (acked) this.segment(TCP_FLAG_ACK);
  }
}
