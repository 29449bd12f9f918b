/**
 * Runs one TUN scenario inside a network namespace that test/io/tun.test.ts created (a process
 * cannot change its own namespace, so the test starts this one in it with `ip netns exec`),
 * and prints what it saw as one JSON line on stdout. Usage: `tun-child.js SCENARIO [OFFLOADS]`.
 * All traffic stays inside the namespace: the TUN's own subnet, with nothing else routed.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, constants, open, openSync, stat, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GSO_TCPV4, TUN_F_CSUM, TUN_F_TSO4, TUN_F_USO4, TUN_LAST_WRITE_ERRNO, TUN_READ_BATCHES, TUN_READ_BYTES, TUN_READ_DRAINED, TUN_READ_PACKETS, TUN_READ_SYSCALLS, TUN_WRITE_PACKETS, TUN_WRITE_REFUSED, TunDevice,
  VNET_CSUM_OFFSET, VNET_CSUM_START, VNET_F_NEEDS_CSUM, VNET_FLAGS, VNET_GSO_SIZE, VNET_GSO_TYPE, VNET_HDR_LEN,
  VNET_SLOTS, offloadNames, openTun,
} from '../../src/io/tun.js';
import { ACK, PSH, SYN, ip4, parse4, tcp4, udp4 } from './tun-packets.js';
import { TunPort } from '../../src/gateway/tun-port.js';
import type { PortOwner } from '../../src/gateway/tun-port.js';
import { VERDICT_DROP } from '../../src/engine/engine.js';
import type { Engine } from '../../src/engine/engine.js';

type Result = Record<string, unknown>;

const BATCH = 64;
const buf = new Uint8Array(1 << 20);
const offsets = new Uint32Array(BATCH);
const lengths = new Uint32Array(BATCH);
const vnet = new Uint16Array(BATCH * VNET_SLOTS);
const text = new TextDecoder();

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** The fields of a thrown TunOpenError (or of anything thrown). */
function errorFields(e: unknown): Result {
  const x = e as { name?: string; code?: string; errno?: string; step?: string; message?: string };
  return { name: x.name, code: x.code, errno: x.errno, step: x.step, message: x.message };
}

function attempt(fn: () => unknown): Result {
  try {
    fn();
    return { ok: true };
  } catch (e) {
    return errorFields(e);
  }
}

/**
 * Reads batches on every readable callback until `done()` (or the timeout): `each` sees every
 * packet, `after` runs once per batch (to answer with one write). Resolves with the batch counts.
 */
function pump(dev: TunDevice, each: (off: number, len: number, i: number) => void, after: () => void, done: () => boolean,
  timeoutMs = 5000): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const batches: number[] = [];
    const timer = setTimeout(() => {
      dev.pause();
      reject(new Error(`timed out after ${timeoutMs} ms; batches so far ${JSON.stringify(batches)}`));
    }, timeoutMs);
    dev.onReadable((status) => {
      if (status < 0) {
        clearTimeout(timer);
        dev.pause();
        reject(dev.ioError(status, 'poll'));
        return;
      }
      const n = dev.readBatch(buf, offsets, lengths, dev.vnetHdr ? vnet : null);
      if (n < 0) {
        clearTimeout(timer);
        dev.pause();
        reject(dev.ioError(n, 'read'));
        return;
      }
      batches.push(n);
      for (let i = 0; i < n; i++) each(offsets[i]!, lengths[i]!, i);
      after();
      if (done()) {
        clearTimeout(timer);
        dev.pause();
        resolve(batches);
      }
    });
  });
}

/** Writes whole packets in one batch (from their own buffer) and returns writeBatch's result. */
function writePackets(dev: TunDevice, packets: Uint8Array[], headers: number[][] | null = null): number {
  const out = new Uint8Array(packets.reduce((s, p) => s + p.length, 0) + 1);
  const off = new Uint32Array(packets.length);
  const len = new Uint32Array(packets.length);
  const hdr = headers === null ? null : new Uint16Array(headers.flat());
  let pos = 0;
  packets.forEach((p, i) => {
    out.set(p, pos);
    off[i] = pos;
    len[i] = p.length;
    pos += p.length;
  });
  return dev.writeBatch(out, off, len, packets.length, hdr);
}

function sendUdp(to: string, port: number, from: string, count: number, prefix: string): Promise<void> {
  const sock = createSocket('udp4');
  return new Promise((resolve, reject) => {
    sock.on('error', reject);
    sock.bind(0, from, () => {
      let left = count;
      for (let i = 0; i < count; i++) {
        sock.send(`${prefix}${i}`, port, to, (err) => {
          if (err) reject(err);
          else if (--left === 0) {
            sock.close();
            resolve();
          }
        });
      }
    });
  });
}

const scenarios: Record<string, (offloads: number) => Promise<Result>> = {
  /** Open, look at the link, close: the interface goes away; close twice is harmless. */
  async 'open-close'(offloads) {
    const dev = openTun({ name: 'pct0', mtu: 1400, offloads });
    const link = JSON.parse(ip('-j', 'link', 'show', 'pct0'))[0] as { mtu: number; flags: string[] };
    const open = { name: dev.name, mtu: link.mtu, up: link.flags.includes('UP'), vnetHdr: dev.vnetHdr,
      offloads: offloadNames(dev.offloads), frameMax: dev.frameMax };
    dev.close();
    dev.close();
    const gone = attempt(() => execFileSync('ip', ['link', 'show', 'pct0'], { stdio: 'ignore' }));
    const numbered = openTun({ name: 'pcn%d', mtu: 1500, offloads });
    const numberedName = numbered.name;
    numbered.close();
    return { open, goneAfterClose: gone.ok !== true, numberedName };
  },

  /** Names taken, a name too long, an MTU refused. */
  async errors(offloads) {
    const first = openTun({ name: 'pct1', mtu: 1500, offloads });
    const taken = attempt(() => openTun({ name: 'pct1', mtu: 1500, offloads }));
    const notTun = attempt(() => openTun({ name: 'lo', mtu: 1500, offloads }));
    const longName = attempt(() => openTun({ name: 'pct-name-too-long', mtu: 1500, offloads }));
    const badMtu = attempt(() => openTun({ name: 'pct2', mtu: 40, offloads }));
    first.close();
    const freed = attempt(() => openTun({ name: 'pct1', mtu: 1500, offloads }).close());
    return { taken, notTun, longName, badMtu, freedAfterClose: freed.ok === true };
  },

  /**
   * Offload masks the kernel refuses: USO4 without USO6 (refused since Linux 6.2, unknown
   * before) falls back to checksum and TSO4; TSO4 without checksum to no header at all.
   */
  async fallback() {
    const fewer = openTun({ name: 'pct6', mtu: 1500, offloads: TUN_F_CSUM | TUN_F_TSO4 | TUN_F_USO4 });
    const none = openTun({ name: 'pct7', mtu: 1500, offloads: TUN_F_TSO4 });
    const result = {
      fewer: { vnetHdr: fewer.vnetHdr, offloads: offloadNames(fewer.offloads), frameMax: fewer.frameMax },
      none: { vnetHdr: none.vnetHdr, offloads: offloadNames(none.offloads), frameMax: none.frameMax },
    };
    fewer.close();
    none.close();
    return result;
  },

  /** Just open (the test runs this without CAP_NET_ADMIN, or without /dev/net/tun). */
  async 'open-only'(offloads) {
    return attempt(() => openTun({ name: 'pct9', mtu: 1500, offloads }).close());
  },

  /** UDP datagrams a socket sends into the TUN's subnet, read back in batches. */
  async 'read-udp'(offloads) {
    const dev = openTun({ name: 'pct2', mtu: 1500, offloads });
    ip('addr', 'add', '10.77.2.1/24', 'dev', 'pct2');
    const count = 40;
    await sendUdp('10.77.2.2', 9000, '10.77.2.1', count, 'udp-');
    const payloads: string[] = [];
    const metas: number[][] = [];
    let bytesSeen = 0;
    const batches = await pump(dev, (off, len, i) => {
      bytesSeen += len;
      const p = parse4(buf, off, len);
      if (p === null || p.proto !== 17 || p.dport !== 9000 || p.dst !== ip4('10.77.2.2')) return;
      payloads.push(text.decode(buf.subarray(p.dataOff, p.dataOff + p.dataLen)));
      if (dev.vnetHdr) metas.push(Array.from(vnet.subarray(i * VNET_SLOTS, i * VNET_SLOTS + VNET_SLOTS)));
    }, () => undefined, () => payloads.length >= count);
    const readPackets = dev.counters[TUN_READ_PACKETS];
    const readSyscalls = dev.counters[TUN_READ_SYSCALLS];
    const readBytes = dev.counters[TUN_READ_BYTES];
    dev.close();
    return { offloads: offloadNames(dev.offloads), batches, payloads, metas, readPackets, readSyscalls, readBytes, bytesSeen, uring: dev.uring };
  },

  /**
   * The gateway's port (src/gateway/tun-port.ts) over a device with 300 datagrams waiting, its
   * engine dropping everything: how many packets each readable callback handed to the engine.
   */
  async 'port-drain'(offloads) {
    const dev = openTun({ name: 'pct8', mtu: 1500, offloads });
    ip('addr', 'add', '10.77.8.1/24', 'dev', 'pct8');
    const count = 300;
    await sendUdp('10.77.8.2', 9000, '10.77.8.1', count, 'd-');
    let handled = 0;
    let handledAtLastWake = 0;
    const perWakeup: number[] = [];
    const engine = { handleOn: () => { handled++; return VERDICT_DROP; } } as unknown as Engine;
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => { resolveDone = resolve; });
    const owner: PortOwner = {
      engine,
      nowMs: () => 0,
      afterBatch: () => {
        perWakeup.push(handled - handledAtLastWake);
        handledAtLastWake = handled;
        if (handled >= count) resolveDone();
      },
      fail: (e) => { throw e; },
    };
    const port = new TunPort(dev, 0, owner);
    const timer = setTimeout(resolveDone, 5000);
    port.start();
    await done;
    clearTimeout(timer);
    const c = dev.counters;
    const result = { handled, perWakeup, readBatches: c[TUN_READ_BATCHES], drained: c[TUN_READ_DRAINED] };
    port.close();
    return result;
  },

  /** One batch of written packets, good ones among runts, seen by a UDP socket in the namespace. */
  async 'write-udp'(offloads) {
    const dev = openTun({ name: 'pct3', mtu: 1500, offloads });
    ip('addr', 'add', '10.77.3.1/24', 'dev', 'pct3');
    const sock = createSocket('udp4');
    const got: string[] = [];
    await new Promise<void>((resolve) => sock.bind(7000, '10.77.3.1', resolve));
    const arrived = new Promise<void>((resolve) => {
      sock.on('message', (m) => {
        got.push(m.toString());
        if (got.length === 20) resolve();
      });
    });
    const packets: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      packets.push(udp4('10.77.3.2', 5555, '10.77.3.1', 7000, new TextEncoder().encode(`w${i}`)));
      if (i === 3) packets.push(new Uint8Array(0)); // empty: refused
      if (i === 7) packets.push(Uint8Array.of(0x00)); // version 0: refused
      if (i === 11) packets.push(new Uint8Array(20).fill(0x55)); // version 5: refused
      if (i === 15) packets.push(Uint8Array.of(0x45, 0, 0, 10, 0, 0)); // IPv4, cut short: taken, dropped by IP
    }
    // A packet outside the buffer is a programming error, found before anything is written.
    const before = dev.counters[TUN_WRITE_PACKETS];
    const outside = attempt(() => dev.writeBatch(new Uint8Array(10), Uint32Array.of(0, 8), Uint32Array.of(4, 4), 2, null));
    const writtenByOutside = dev.counters[TUN_WRITE_PACKETS]! - before!;
    const shortRead = attempt(() => dev.readBatch(new Uint8Array(dev.frameMax), offsets, lengths, vnet));
    const wrongType = attempt(() => dev.writeBatch(new Uint16Array(8) as unknown as Uint8Array, offsets, lengths, 0, null));
    const written = writePackets(dev, packets);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 3000));
    await Promise.race([arrived, timeout]);
    // Anything else would have come by now too: wait a little for strays.
    await new Promise((resolve) => setTimeout(resolve, 100));
    sock.close();
    const result = { offloads: offloadNames(dev.offloads), total: packets.length, written, received: got,
      refused: dev.counters[TUN_WRITE_REFUSED], lastWriteErrno: dev.counters[TUN_LAST_WRITE_ERRNO],
      outside, writtenByOutside, shortRead, wrongType, uring: dev.uring };
    dev.close();
    return result;
  },

  /**
   * A TCP connection from a socket in the namespace to a peer played here over the TUN: the
   * handshake, a bulk send read back (super-packets with TSO), then with offloads one 4,000-byte
   * super-packet written to the socket, which the kernel must segment or accept whole.
   */
  async tcp(offloads) {
    const dev = openTun({ name: 'pct4', mtu: 1500, offloads });
    ip('addr', 'add', '10.77.4.1/24', 'dev', 'pct4');
    const sock = connect({ host: '10.77.4.2', port: 80, localAddress: '10.77.4.1' });
    const fromPeer: Buffer[] = [];
    let fromPeerBytes = 0;
    sock.on('data', (d) => {
      fromPeer.push(d);
      fromPeerBytes += d.length;
    });
    sock.on('error', () => undefined);
    sock.on('connect', () => sock.write(Buffer.alloc(512 * 1024, 0x61)));
    const serverIsn = 1000;
    let cport = 0;
    let clientNext = 0;
    let received = 0;
    let ackDue = false;
    let maxLen = 0;
    let superPackets = 0;
    let firstSuper: Result | null = null;
    const gsoTypes = new Set<number>();
    const peer = (flags: number, payload?: Uint8Array): Uint8Array => tcp4({
      src: '10.77.4.2', sport: 80, dst: '10.77.4.1', dport: cport, seq: serverIsn + 1, ack: clientNext, flags,
      window: 65535, ...(payload ? { payload } : {}),
    });
    const batches = await pump(dev, (off, len, i) => {
      const p = parse4(buf, off, len);
      if (p === null || p.proto !== 6 || p.dport !== 80) return;
      const m = i * VNET_SLOTS;
      if (p.flags & SYN) {
        cport = p.sport;
        clientNext = (p.seq + 1) >>> 0;
        // MSS 1460, NOP, window scale 7.
        const synAck = tcp4({ src: '10.77.4.2', sport: 80, dst: '10.77.4.1', dport: cport, seq: serverIsn,
          ack: clientNext, flags: SYN | ACK, window: 65535, options: Uint8Array.of(2, 4, 0x05, 0xb4, 1, 3, 3, 7) });
        writePackets(dev, [synAck]);
        return;
      }
      maxLen = Math.max(maxLen, len);
      if (dev.vnetHdr) gsoTypes.add(vnet[m + VNET_GSO_TYPE]!);
      if (len > dev.mtu) {
        superPackets++;
        if (firstSuper === null) {
          firstSuper = { len, flags: vnet[m + VNET_FLAGS], gsoType: vnet[m + VNET_GSO_TYPE], hdrLen: vnet[m + VNET_HDR_LEN],
            gsoSize: vnet[m + VNET_GSO_SIZE], csumStart: vnet[m + VNET_CSUM_START], csumOffset: vnet[m + VNET_CSUM_OFFSET],
            tcpHeaderEnd: p.dataOff - off };
        }
      }
      if (p.dataLen > 0 && p.seq === clientNext) {
        clientNext = (clientNext + p.dataLen) >>> 0;
        received += p.dataLen;
        ackDue = true;
      }
    }, () => {
      if (ackDue) {
        ackDue = false;
        writePackets(dev, [peer(ACK)]);
      }
    }, () => received >= 256 * 1024, 10000);

    let superWrite: Result | null = null;
    if (dev.vnetHdr) {
      const payload = new Uint8Array(4000);
      for (let i = 0; i < payload.length; i++) payload[i] = 0x41 + (i % 26);
      const segment = tcp4({ src: '10.77.4.2', sport: 80, dst: '10.77.4.1', dport: cport, seq: serverIsn + 1,
        ack: clientNext, flags: ACK | PSH, window: 65535, payload }, true);
      const written = writePackets(dev, [segment], [[VNET_F_NEEDS_CSUM, GSO_TCPV4, 40, 1000, 20, 16]]);
      const deadline = Date.now() + 3000;
      while (fromPeerBytes < payload.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const got = Buffer.concat(fromPeer);
      superWrite = { written, bytes: got.length, same: got.equals(Buffer.from(payload)) };
    }
    sock.destroy();
    dev.close();
    return { offloads: offloadNames(dev.offloads), vnetHdr: dev.vnetHdr, mtu: dev.mtu, received, maxLen, superPackets,
      gsoTypes: [...gsoTypes].sort(), firstSuper, superWrite, batchesOverOne: batches.filter((n) => n > 1).length };
  },

  /**
   * The readable callback and the batch read need no thread-pool thread: with a pool of one
   * (UV_THREADPOOL_SIZE=1, set by the test) held by an open() of a FIFO nobody writes to, and a
   * stat() queued behind it, the datagrams are still read; the pool is released afterwards.
   */
  async threadpool(offloads) {
    const fifo = join(tmpdir(), `portcullis-tun-fifo-${process.pid}`);
    execFileSync('mkfifo', [fifo]);
    let openDone = false;
    let statDone = false;
    const released = new Promise<void>((resolve) => {
      open(fifo, 'r', (err, fd) => {
        openDone = true;
        if (!err) closeSync(fd);
        resolve();
      });
    });
    const statted = new Promise<void>((resolve) => stat('/', () => {
      statDone = true;
      resolve();
    }));
    try {
      const dev = openTun({ name: 'pct5', mtu: 1500, offloads });
      ip('addr', 'add', '10.77.5.1/24', 'dev', 'pct5');
      await new Promise((r) => setTimeout(r, 50));
      await sendUdp('10.77.5.2', 9000, '10.77.5.1', 10, 'pool-');
      let seen = 0;
      await pump(dev, (off, len) => {
        const p = parse4(buf, off, len);
        if (p !== null && p.proto === 17 && p.dport === 9000) seen++;
      }, () => undefined, () => seen >= 10);
      const whileBlocked = { seen, openDone, statDone };
      dev.close();
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      await released;
      await statted;
      return { whileBlocked, afterRelease: { openDone, statDone } };
    } finally {
      unlinkSync(fifo);
    }
  },
};

const name = process.argv[2] ?? '';
const offloads = Number(process.argv[3] ?? '0');
const run = scenarios[name];
if (run === undefined) {
  process.stderr.write(`tun-child: unknown scenario ${name}\n`);
  process.exit(2);
}
run(offloads).then((result) => {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}, (e: unknown) => {
  process.stdout.write(`${JSON.stringify({ failed: errorFields(e), stack: (e as Error).stack })}\n`);
  process.exit(1);
});
