/**
 * Writes the replay benchmark's deterministic synthetic capture: a classic pcap (Ethernet,
 * microsecond timestamps) of TCP connections between clients in 10.1.0.0/16 (the bench
 * config's inside subnet) and servers in 10.2.0.0/16 (outside), interleaved as on a busy link,
 * plus some UDP. Every TCP connection has a three-way handshake (RFC 9293 §3.5), request and
 * response segments with delayed ACKs, and an orderly FIN close (§3.6) or a reset; connections
 * to ports the bench ACL denies are SYNs retransmitted into the void.
 *
 * The same parameters always give the same bytes. A headers-only file (snap length 96) holds
 * exactly the first 96 bytes of each record of the full-size file with the same seed: the
 * records' original lengths, headers and checksums are the full packets'.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { foldChecksum, internetChecksum, pseudoHeaderSum4, sumWords } from '../../src/wire/checksum.js';
import { BenchRng } from './prng.js';
import { PCAP_MAGIC_MICROSECONDS, writePcapFileHeader, writePcapRecordHeader } from '../../src/io/pcap-format.js';

/** Bumped whenever the generator's output changes, so cached files are regenerated. */
export const GEN_CAPTURE_VERSION = 1;

/** Snap length of the headers-only benchmark file. */
export const GEN_SNAPLEN_HEADERS = 96;
/** Snap length of the full-size file (every byte captured). */
export const GEN_SNAPLEN_FULL = 65535;

/** Where generated captures are cached (git-ignored). */
export const BENCH_OUT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'out');

/** Clients live in 10.1.1.0–10.1.255.254: 10.1.0.0/24 is left to the auth-proxy trigger list. */
export const GEN_CLIENT_NET = 0x0a010000;
/** Servers live in 10.2.1.0–10.2.255.254. */
export const GEN_SERVER_NET = 0x0a020000;

/** Parameters of a synthetic capture. */
export interface CaptureParams {
  /** Output file; default: a cache path under `bench/out/` named by the parameters. */
  readonly path?: string;
  /** Number of packets (records) to write. */
  readonly packets: number;
  /** Number of flows (connections or UDP conversations), about 90% of them TCP. */
  readonly flows: number;
  /** Snap length: 96 for headers-only, 65535 for full size. */
  readonly snaplen: number;
  /** PRNG seed. */
  readonly seed: number;
  /** Fraction of flows that are UDP (default 0.08). */
  readonly udpFraction?: number;
  /** Time of the first packet, ms since the epoch (default 2024-01-01T00:00:00Z). */
  readonly startTimeMs?: number;
  /** Packet rate the timestamps advance at (default 200,000 packets/s). */
  readonly packetsPerSecond?: number;
}

/** What a generated (or cached) capture holds. */
export interface CaptureInfo {
  readonly path: string;
  readonly packets: number;
  readonly flows: number;
  readonly snaplen: number;
  readonly seed: number;
  /** File size in bytes. */
  readonly bytes: number;
  /** True if the file came from the cache. */
  readonly cached: boolean;
  /** Generation time (0 when cached). */
  readonly generateMs: number;
}

/** Per-packet tallies of a generation run (also used by the tests). */
export interface CaptureTally {
  tcp: number;
  udp: number;
  /** TCP packets with destination port 80 (what `tcp dst port 80` matches). */
  tcpDstPort80: number;
  syn: number;
  fin: number;
  rst: number;
  /** Sum of original lengths (bytes on the wire). */
  wireBytes: number;
}

const KIND_TCP = 0;
const KIND_TCP_REFUSED = 1;
const KIND_UDP_RR = 2;
const KIND_UDP_ONEWAY = 3;

/** TCP destination ports and their weights (per flow). 3389 and 445 are denied by the bench ACL. */
const TCP_PORTS = [80, 443, 22, 25, 8080, 993, 8443, 3389, 445];
const TCP_PORT_WEIGHTS = [30, 33, 6, 5, 9, 4, 5, 5, 3];
const TCP_REFUSED_PORTS = new Set([3389, 445]);
/** UDP ports: DNS and NTP as request/response, syslog one-way. */
const UDP_PORTS = [53, 123, 514];
const UDP_PORT_WEIGHTS = [70, 15, 15];

const TCP_MIN_PACKETS = 9;
const TCP_MSS = 1460;
const CHUNK_BYTES = 8 << 20;
const MAX_RECORD = 16 + 14 + 20 + 40 + TCP_MSS;
const PAYLOAD_BLOCK_BYTES = 1 << 16;
const FLOW_ID_BITS = 2 ** 20;
const KEY_SCALE = 2 ** 30;

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

const HTTP_REQUEST = new TextEncoder().encode(
  'GET /index.html HTTP/1.1\r\nHost: www.bench.example\r\nUser-Agent: portcullis-bench/1\r\n'
  + 'Accept: text/html,*/*\r\nConnection: keep-alive\r\n\r\n');

/** Cache file name for a parameter set (everything that changes the bytes is in the name). */
export function captureCachePath(p: CaptureParams, dir = BENCH_OUT_DIR): string {
  const udp = p.udpFraction ?? 0.08;
  const t0 = p.startTimeMs ?? 1_704_067_200_000;
  const pps = p.packetsPerSecond ?? 200_000;
  return join(dir, `synth-v${GEN_CAPTURE_VERSION}-p${p.packets}-f${p.flows}-s${p.snaplen}-seed${p.seed}`
    + `-u${udp}-t${t0}-r${pps}.pcap`);
}

/** Returns the cached capture for these parameters, generating it first if absent. */
export function ensureCapture(p: CaptureParams): CaptureInfo {
  const path = p.path ?? captureCachePath(p);
  if (existsSync(path)) {
    return {
      path, packets: p.packets, flows: p.flows, snaplen: p.snaplen, seed: p.seed,
      bytes: statSync(path).size, cached: true, generateMs: 0,
    };
  }
  return generateCapture({ ...p, path });
}

/**
 * Generates the capture described by `p` and writes it (through a temporary file renamed into
 * place, so an interrupted run never leaves a truncated file in the cache). Throws a RangeError
 * if `packets` is too small for `flows` connections.
 */
export function generateCapture(p: CaptureParams, tally?: CaptureTally): CaptureInfo {
  const t0 = performance.now();
  const path = p.path ?? captureCachePath(p);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    const gen = new CaptureWriter(p, fd, tally);
    gen.run();
    bytes = gen.bytesWritten;
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  return {
    path, packets: p.packets, flows: p.flows, snaplen: p.snaplen, seed: p.seed,
    bytes, cached: false, generateMs: performance.now() - t0,
  };
}

/** Draws an index by weight. */
function pickWeighted(rng: BenchRng, weights: readonly number[], total: number): number {
  let r = rng.nextFloat() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

/** The generator's state: per-flow typed arrays and one output chunk. */
class CaptureWriter {
  bytesWritten = 0;
  private readonly p: CaptureParams;
  private readonly fd: number;
  private readonly tally: CaptureTally | undefined;
  private readonly rng: BenchRng;
  private readonly chunk = Buffer.alloc(CHUNK_BYTES);
  private readonly chunkView = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunk.length);
  private pos = 0;
  private readonly snaplen: number;

  // Per flow.
  private readonly kind: Uint8Array;
  private readonly clientIp: Uint32Array;
  private readonly serverIp: Uint32Array;
  private readonly clientPort: Uint16Array;
  private readonly serverPort: Uint16Array;
  private readonly budget: Uint32Array;
  private readonly step: Uint32Array;
  private readonly cNext: Uint32Array;
  private readonly sNext: Uint32Array;
  private readonly cIpId: Uint16Array;
  private readonly sIpId: Uint16Array;
  private readonly cTsBase: Uint32Array;
  private readonly sTsBase: Uint32Array;
  private readonly pendingResp: Uint16Array;
  private readonly sinceAck: Uint8Array;
  private readonly requests: Uint32Array;
  /** 0 client closes first, 1 server closes first, 2 client resets. */
  private readonly closeStyle: Uint8Array;

  /** Random payload bytes and prefix sums of their 16-bit words (checksums in O(1)). */
  private readonly block = Buffer.alloc(PAYLOAD_BLOCK_BYTES);
  private readonly blockPrefix = new Float64Array(PAYLOAD_BLOCK_BYTES / 2 + 1);
  private readonly httpSum: number;

  constructor(p: CaptureParams, fd: number, tally: CaptureTally | undefined) {
    if (!Number.isInteger(p.packets) || p.packets < 1) throw new RangeError('packets must be a positive integer');
    if (!Number.isInteger(p.flows) || p.flows < 1 || p.flows >= FLOW_ID_BITS) {
      throw new RangeError(`flows must be an integer in [1, ${FLOW_ID_BITS})`);
    }
    if (p.snaplen < 96) throw new RangeError('snaplen below 96 would cut TCP headers');
    this.p = p;
    this.fd = fd;
    this.tally = tally;
    this.snaplen = p.snaplen;
    this.rng = new BenchRng(p.seed);
    const n = p.flows;
    this.kind = new Uint8Array(n);
    this.clientIp = new Uint32Array(n);
    this.serverIp = new Uint32Array(n);
    this.clientPort = new Uint16Array(n);
    this.serverPort = new Uint16Array(n);
    this.budget = new Uint32Array(n);
    this.step = new Uint32Array(n);
    this.cNext = new Uint32Array(n);
    this.sNext = new Uint32Array(n);
    this.cIpId = new Uint16Array(n);
    this.sIpId = new Uint16Array(n);
    this.cTsBase = new Uint32Array(n);
    this.sTsBase = new Uint32Array(n);
    this.pendingResp = new Uint16Array(n);
    this.sinceAck = new Uint8Array(n);
    this.requests = new Uint32Array(n);
    this.closeStyle = new Uint8Array(n);
    const blockRng = new BenchRng((p.seed ^ 0x5bd1e995) >>> 0);
    for (let i = 0; i < PAYLOAD_BLOCK_BYTES; i += 4) this.block.writeUInt32BE(blockRng.nextU32(), i);
    let s = 0;
    for (let w = 0; w < PAYLOAD_BLOCK_BYTES / 2; w++) {
      s += (this.block[2 * w]! << 8) | this.block[2 * w + 1]!;
      this.blockPrefix[w + 1] = s;
    }
    this.httpSum = sumWords(HTTP_REQUEST, 0, HTTP_REQUEST.length, 0);
  }

  run(): void {
    this.planFlows();
    const schedule = this.schedule();
    this.writeFileHeader();
    const pps = this.p.packetsPerSecond ?? 200_000;
    const startUs = Math.round((this.p.startTimeMs ?? 1_704_067_200_000) * 1000);
    for (let i = 0; i < schedule.length; i++) {
      const tsUs = startUs + Math.floor((i * 1e6) / pps);
      const flow = schedule[i]! % FLOW_ID_BITS;
      this.emitStep(flow, tsUs);
      if (this.pos > CHUNK_BYTES - MAX_RECORD) this.flush();
    }
    this.flush();
  }

  /** Chooses each flow's kind, endpoints, ports and packet budget (budgets sum to `packets`). */
  private planFlows(): void {
    const rng = this.rng;
    const n = this.p.flows;
    const udpFraction = this.p.udpFraction ?? 0.08;
    const clients = Math.max(1, Math.round(n / 5));
    const servers = Math.max(1, Math.round(n / 20));
    const clientAddr = new Uint32Array(clients);
    const serverAddr = new Uint32Array(servers);
    // 10.1.1.0 upward: .0 and .255 host bytes avoided for readability, not necessity.
    for (let i = 0; i < clients; i++) clientAddr[i] = GEN_CLIENT_NET + ((rng.nextRange(1, 255) << 8) | rng.nextRange(1, 254));
    for (let i = 0; i < servers; i++) serverAddr[i] = GEN_SERVER_NET + ((rng.nextRange(1, 255) << 8) | rng.nextRange(1, 254));
    const portsUsed = new Map<number, number>();
    const tcpTotal = TCP_PORT_WEIGHTS.reduce((a, b) => a + b, 0);
    const udpTotal = UDP_PORT_WEIGHTS.reduce((a, b) => a + b, 0);
    const weights = new Float64Array(n);
    let fixed = 0;
    let tcpFlows = 0;
    for (let f = 0; f < n; f++) {
      const c = clientAddr[rng.nextInt(clients)]!;
      this.clientIp[f] = c;
      this.serverIp[f] = serverAddr[rng.nextInt(servers)]!;
      // Ephemeral ports counted up per client from a random start: 5-tuples never repeat.
      const used = portsUsed.get(c) ?? rng.nextRange(32768, 50000);
      portsUsed.set(c, used + 1 + rng.nextInt(3));
      this.clientPort[f] = used;
      if (rng.nextFloat() < udpFraction) {
        const port = UDP_PORTS[pickWeighted(rng, UDP_PORT_WEIGHTS, udpTotal)]!;
        this.serverPort[f] = port;
        if (port === 514) {
          this.kind[f] = KIND_UDP_ONEWAY;
          this.budget[f] = rng.nextRange(1, 30);
        } else {
          this.kind[f] = KIND_UDP_RR;
          this.budget[f] = 2 * rng.nextRange(1, 10);
        }
        fixed += this.budget[f]!;
        continue;
      }
      const port = TCP_PORTS[pickWeighted(rng, TCP_PORT_WEIGHTS, tcpTotal)]!;
      this.serverPort[f] = port;
      if (TCP_REFUSED_PORTS.has(port)) {
        this.kind[f] = KIND_TCP_REFUSED;
        this.budget[f] = rng.nextRange(1, 3);
        fixed += this.budget[f]!;
        continue;
      }
      this.kind[f] = KIND_TCP;
      this.cNext[f] = rng.nextU32();
      this.sNext[f] = rng.nextU32();
      this.cIpId[f] = rng.nextInt(65536);
      this.sIpId[f] = rng.nextInt(65536);
      this.cTsBase[f] = rng.nextU32();
      this.sTsBase[f] = rng.nextU32();
      const r = rng.nextFloat();
      this.closeStyle[f] = r < 0.6 ? 0 : r < 0.95 ? 1 : 2;
      // Exponential sizes with a few elephants.
      weights[f] = -Math.log(1 - rng.nextFloat()) * (rng.nextFloat() < 0.02 ? 20 : 1);
      fixed += TCP_MIN_PACKETS;
      tcpFlows++;
    }
    let extra = this.p.packets - fixed;
    if (extra < 0) {
      throw new RangeError(`${this.p.packets} packets are too few for ${n} flows (need at least ${fixed})`);
    }
    if (tcpFlows === 0) {
      if (extra > 0) throw new RangeError('no TCP flow to carry the remaining packets; raise flows');
      return;
    }
    let wsum = 0;
    for (let f = 0; f < n; f++) wsum += weights[f]!;
    const total = extra;
    for (let f = 0; f < n; f++) {
      if (this.kind[f] !== KIND_TCP) continue;
      const add = Math.floor((total * weights[f]!) / wsum);
      this.budget[f] = TCP_MIN_PACKETS + add;
      extra -= add;
    }
    for (let f = 0; extra > 0; f = (f + 1) % n) {
      if (this.kind[f] !== KIND_TCP) continue;
      this.budget[f]!++;
      extra--;
    }
  }

  /**
   * Orders all packets of all flows: each flow spreads its packets evenly (with jitter) over
   * its own lifetime, a random window of 20–100% of the capture. One packed float64 per packet
   * (time key × 2^20 + flow id) sorted natively.
   */
  private schedule(): Float64Array {
    const rng = this.rng;
    const keys = new Float64Array(this.p.packets);
    let k = 0;
    for (let f = 0; f < this.p.flows; f++) {
      const b = this.budget[f]!;
      if (b === 0) continue;
      const span = 0.2 + 0.8 * rng.nextFloat();
      const start = (1 - span) * rng.nextFloat();
      const gap = span / b;
      for (let i = 0; i < b; i++) {
        const t = start + (i + 0.9 * rng.nextFloat()) * gap;
        keys[k++] = Math.floor(t * KEY_SCALE) * FLOW_ID_BITS + f;
      }
    }
    keys.sort();
    return keys;
  }

  private flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.chunk, off, this.pos - off);
    this.bytesWritten += this.pos;
    this.pos = 0;
  }

  private writeFileHeader(): void {
    this.pos = writePcapFileHeader(this.chunkView, 0, true, PCAP_MAGIC_MICROSECONDS, this.snaplen, 1);
  }

  /** Emits the next packet of flow `f`. */
  private emitStep(f: number, tsUs: number): void {
    const k = this.step[f]!;
    this.step[f] = k + 1;
    const n = this.budget[f]!;
    switch (this.kind[f]) {
      case KIND_TCP_REFUSED:
        // The same SYN retransmitted; the ACL drops it, nothing answers.
        if (k === 0) this.cNext[f] = this.rng.nextU32();
        this.tcp(f, true, TCP_SYN, this.cNext[f]!, 0, 0, -1, tsUs);
        return;
      case KIND_UDP_RR:
        if ((k & 1) === 0) this.udp(f, true, this.serverPort[f] === 123 ? 48 : this.rng.nextRange(28, 80), tsUs);
        else this.udp(f, false, this.serverPort[f] === 123 ? 48 : this.rng.nextRange(60, 480), tsUs);
        return;
      case KIND_UDP_ONEWAY:
        this.udp(f, true, this.rng.nextRange(60, 300), tsUs);
        return;
      default:
        this.tcpStep(f, k, n, tsUs);
    }
  }

  /** Packet `k` of `n` of a TCP connection. */
  private tcpStep(f: number, k: number, n: number, tsUs: number): void {
    const style = this.closeStyle[f]!;
    const closeAt = style === 2 ? n - 1 : n - 4;
    if (k === 0) {
      this.tcp(f, true, TCP_SYN, this.cNext[f]!, 0, 0, -1, tsUs);
      this.cNext[f] = (this.cNext[f]! + 1) >>> 0;
    } else if (k === 1) {
      this.tcp(f, false, TCP_SYN | TCP_ACK, this.sNext[f]!, this.cNext[f]!, 0, -1, tsUs);
      this.sNext[f] = (this.sNext[f]! + 1) >>> 0;
    } else if (k === 2) {
      this.tcp(f, true, TCP_ACK, this.cNext[f]!, this.sNext[f]!, 0, -1, tsUs);
    } else if (k < closeAt) {
      this.tcpData(f, tsUs);
    } else if (style === 2) {
      this.tcp(f, true, TCP_RST | TCP_ACK, this.cNext[f]!, this.sNext[f]!, 0, -1, tsUs);
    } else {
      // Orderly close (RFC 9293 §3.6): first FIN, its ACK, the other FIN, its ACK.
      const clientFirst = style === 0;
      const j = k - closeAt;
      const fromClient = (j === 0 || j === 3) === clientFirst;
      const fin = j === 0 || j === 2;
      if (fromClient) {
        this.tcp(f, true, fin ? TCP_FIN | TCP_ACK : TCP_ACK, this.cNext[f]!, this.sNext[f]!, 0, -1, tsUs);
        if (fin) this.cNext[f] = (this.cNext[f]! + 1) >>> 0;
      } else {
        this.tcp(f, false, fin ? TCP_FIN | TCP_ACK : TCP_ACK, this.sNext[f]!, this.cNext[f]!, 0, -1, tsUs);
        if (fin) this.sNext[f] = (this.sNext[f]! + 1) >>> 0;
      }
    }
  }

  /** A data-phase packet: a client request, a response segment, or the client's (delayed) ACK. */
  private tcpData(f: number, tsUs: number): void {
    const rng = this.rng;
    if (this.pendingResp[f] === 0) {
      const http = this.serverPort[f] === 80 && this.requests[f] === 0;
      const len = http ? HTTP_REQUEST.length : rng.nextRange(40, 600);
      this.tcp(f, true, TCP_PSH | TCP_ACK, this.cNext[f]!, this.sNext[f]!, len, http ? -2 : -1, tsUs);
      this.cNext[f] = (this.cNext[f]! + len) >>> 0;
      this.requests[f]!++;
      this.pendingResp[f] = rng.nextRange(1, 12);
      this.sinceAck[f] = 0;
    } else if (this.sinceAck[f]! >= 2) {
      // Delayed ACK: every second full-sized segment (RFC 9293 §3.8.6.3).
      this.tcp(f, true, TCP_ACK, this.cNext[f]!, this.sNext[f]!, 0, -1, tsUs);
      this.sinceAck[f] = 0;
    } else {
      const last = this.pendingResp[f] === 1;
      const len = last ? rng.nextRange(100, TCP_MSS) : TCP_MSS;
      this.tcp(f, false, last ? TCP_PSH | TCP_ACK : TCP_ACK, this.sNext[f]!, this.cNext[f]!, len, -1, tsUs);
      this.sNext[f] = (this.sNext[f]! + len) >>> 0;
      this.pendingResp[f]!--;
      this.sinceAck[f]!++;
    }
  }

  /** Writes the pcap record header and the Ethernet + IPv4 header; returns the L4 offset in the chunk. */
  private beginFrame(f: number, fromClient: boolean, proto: number, l4Length: number, tsUs: number): number {
    const c = this.chunk;
    const frameLen = 14 + 20 + l4Length;
    const capLen = frameLen < this.snaplen ? frameLen : this.snaplen;
    let o = this.pos;
    o += writePcapRecordHeader(this.chunkView, o, true, Math.floor(tsUs / 1e6), tsUs % 1e6, capLen, frameLen);
    // Ethernet II: locally administered MACs, one pair per side of the gateway.
    const host = fromClient ? this.clientIp[f]! : this.serverIp[f]!;
    c[o] = 0x02; c[o + 1] = 0x00; c[o + 2] = 0x5e; c[o + 3] = 0x00; c[o + 4] = 0x00; c[o + 5] = fromClient ? 0x01 : 0x02;
    c[o + 6] = 0x02; c[o + 7] = fromClient ? 0x10 : 0x20;
    c.writeUInt32BE(host, o + 8);
    c[o + 12] = 0x08; c[o + 13] = 0x00;
    const ip = o + 14;
    // IPv4 (RFC 791 §3.1), DF set, no options.
    c[ip] = 0x45; c[ip + 1] = 0;
    c.writeUInt16BE(20 + l4Length, ip + 2);
    let id: number;
    if (fromClient) { id = this.cIpId[f]!; this.cIpId[f] = id + 1; } else { id = this.sIpId[f]!; this.sIpId[f] = id + 1; }
    c.writeUInt16BE(id, ip + 4);
    c[ip + 6] = 0x40; c[ip + 7] = 0;
    c[ip + 8] = fromClient ? 64 : 57;
    c[ip + 9] = proto;
    c[ip + 10] = 0; c[ip + 11] = 0;
    c.writeUInt32BE(fromClient ? this.clientIp[f]! : this.serverIp[f]!, ip + 12);
    c.writeUInt32BE(fromClient ? this.serverIp[f]! : this.clientIp[f]!, ip + 16);
    c.writeUInt16BE(internetChecksum(c, ip, 20), ip + 10);
    this.pos = o + capLen;
    return ip + 20;
  }

  /**
   * Copies up to `room` payload bytes into the chunk and returns the word sum of the whole
   * payload (`source` -1 random block, -2 the HTTP request).
   */
  private payload(at: number, len: number, room: number, source: number): number {
    if (len === 0) return 0;
    if (source === -2) {
      if (room > 0) this.chunk.set(HTTP_REQUEST.subarray(0, Math.min(room, len)), at);
      return this.httpSum;
    }
    const off = 2 * this.rng.nextInt((PAYLOAD_BLOCK_BYTES - TCP_MSS) / 2);
    if (room > 0) this.block.copy(this.chunk, at, off, off + Math.min(room, len));
    const even = len & ~1;
    let s = this.blockPrefix[(off + even) / 2]! - this.blockPrefix[off / 2]!;
    if ((len & 1) !== 0) s += this.block[off + len - 1]! << 8;
    return s;
  }

  /** A TCP segment (RFC 9293 §3.1) with the timestamp option (RFC 7323 §3), SYN options on SYNs. */
  private tcp(f: number, fromClient: boolean, flags: number, seq: number, ack: number, len: number,
    source: number, tsUs: number): void {
    const syn = (flags & TCP_SYN) !== 0;
    const hlen = syn ? 40 : 32;
    const recordStart = this.pos;
    const l4 = this.beginFrame(f, fromClient, 6, hlen + len, tsUs);
    const end = this.pos;
    // Headers (at most 14 + 20 + 40 = 74 bytes) always fit in the snap length; payload is cut.
    const c = this.chunk;
    const sport = fromClient ? this.clientPort[f]! : this.serverPort[f]!;
    const dport = fromClient ? this.serverPort[f]! : this.clientPort[f]!;
    c.writeUInt16BE(sport, l4);
    c.writeUInt16BE(dport, l4 + 2);
    c.writeUInt32BE(seq >>> 0, l4 + 4);
    c.writeUInt32BE((flags & TCP_ACK) !== 0 ? ack >>> 0 : 0, l4 + 8);
    c[l4 + 12] = (hlen / 4) << 4;
    c[l4 + 13] = flags;
    c.writeUInt16BE(syn ? (fromClient ? 64240 : 65160) : (fromClient ? 502 : 509), l4 + 14);
    c[l4 + 16] = 0; c[l4 + 17] = 0; c[l4 + 18] = 0; c[l4 + 19] = 0;
    const tsMs = Math.floor(tsUs / 1000);
    const tsVal = ((fromClient ? this.cTsBase[f]! : this.sTsBase[f]!) + tsMs) >>> 0;
    const tsEcr = (flags & TCP_ACK) !== 0 ? (((fromClient ? this.sTsBase[f]! : this.cTsBase[f]!) + tsMs - 1) >>> 0) : 0;
    let o = l4 + 20;
    if (syn) {
      // MSS, SACK permitted, timestamps, NOP, window scale: Linux's SYN option layout.
      c[o] = 2; c[o + 1] = 4; c.writeUInt16BE(TCP_MSS, o + 2);
      c[o + 4] = 4; c[o + 5] = 2;
      c[o + 6] = 8; c[o + 7] = 10; c.writeUInt32BE(tsVal, o + 8); c.writeUInt32BE(tsEcr, o + 12);
      c[o + 16] = 1; c[o + 17] = 3; c[o + 18] = 3; c[o + 19] = 7;
    } else {
      c[o] = 1; c[o + 1] = 1; c[o + 2] = 8; c[o + 3] = 10;
      c.writeUInt32BE(tsVal, o + 4); c.writeUInt32BE(tsEcr, o + 8);
    }
    o = l4 + hlen;
    const src = fromClient ? this.clientIp[f]! : this.serverIp[f]!;
    const dst = fromClient ? this.serverIp[f]! : this.clientIp[f]!;
    let sum = pseudoHeaderSum4(src, dst, 6, hlen + len);
    sum = sumWords(c, l4, hlen, sum);
    sum += this.payload(o, len, end - o, source);
    c.writeUInt16BE(foldChecksum(sum), l4 + 16);
    this.pos = end;
    const t = this.tally;
    if (t !== undefined) {
      t.tcp++;
      if (dport === 80) t.tcpDstPort80++;
      if (syn) t.syn++;
      if ((flags & TCP_FIN) !== 0) t.fin++;
      if ((flags & TCP_RST) !== 0) t.rst++;
      t.wireBytes += c.readUInt32LE(recordStart + 12);
    }
  }

  /** A UDP datagram (RFC 768). */
  private udp(f: number, fromClient: boolean, len: number, tsUs: number): void {
    const recordStart = this.pos;
    const l4 = this.beginFrame(f, fromClient, 17, 8 + len, tsUs);
    const end = this.pos;
    const c = this.chunk;
    c.writeUInt16BE(fromClient ? this.clientPort[f]! : this.serverPort[f]!, l4);
    c.writeUInt16BE(fromClient ? this.serverPort[f]! : this.clientPort[f]!, l4 + 2);
    c.writeUInt16BE(8 + len, l4 + 4);
    c[l4 + 6] = 0; c[l4 + 7] = 0;
    const src = fromClient ? this.clientIp[f]! : this.serverIp[f]!;
    const dst = fromClient ? this.serverIp[f]! : this.clientIp[f]!;
    let sum = pseudoHeaderSum4(src, dst, 17, 8 + len);
    sum = sumWords(c, l4, 8, sum);
    sum += this.payload(l4 + 8, len, end - (l4 + 8), -1);
    const ck = foldChecksum(sum);
    // RFC 768: a computed zero is sent as all ones.
    c.writeUInt16BE(ck === 0 ? 0xffff : ck, l4 + 6);
    this.pos = end;
    if (this.tally !== undefined) {
      this.tally.udp++;
      this.tally.wireBytes += c.readUInt32LE(recordStart + 12);
    }
  }
}

/** A fresh zeroed tally. */
export function newCaptureTally(): CaptureTally {
  return { tcp: 0, udp: 0, tcpDstPort80: 0, syn: 0, fin: 0, rst: 0, wireBytes: 0 };
}
