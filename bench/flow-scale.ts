/**
 * flow-scale (PERFORMANCE.md): cost per packet of a flow-table lookup plus update as the number
 * of concurrent flows grows from 10k to 1M, with a uniformly random access pattern (the worst
 * case for caches: consecutive packets belong to unrelated flows).
 *
 * Every table is built and filled before timing starts; then rounds interleave the sizes
 * (10k, 100k, 1M, 10k, 100k, 1M, …) on the same machine minute, and each size's figure is the
 * median over rounds of its ratio to the 10k run of the same round, as PERFORMANCE.md asks of
 * every figure on this noisy shared machine. Target: ≤ 2× at 1M.
 *
 * Run: `node dist/bench/flow-scale.js [--rounds N] [--packets N] [--sizes 10000,100000,1000000]
 * [--pattern uniform|trains]`.
 */
import { pathToFileURL } from 'node:url';
import { FlowTable, FLOW_INVALID } from '../src/flow/flow-table.js';
import { PacketMeta, IPPROTO_TCP, TCP_FLAG_ACK, TCP_FLAG_PSH } from '../src/wire/packet.js';

/** Options of {@link runFlowScale}. */
export interface FlowScaleOptions {
  /** Concurrent flow counts; the first is the anchor (default 10k, 100k, 1M). */
  readonly sizes?: readonly number[];
  /** Interleaved rounds (default 7, at least 5 for a reported figure). */
  readonly rounds?: number;
  /** Packets timed per size and round (default 2M). */
  readonly packetsPerRound?: number;
  /** Seed of the access pattern. */
  readonly seed?: number;
  /**
   * Access pattern: `uniform` (default; every packet picks a flow at random — the worst case
   * for caches, and the figure the target applies to) or `trains` (a random flow sends a train
   * of 1–16 packets in random directions, as TCP windows do on a real link).
   */
  readonly pattern?: 'uniform' | 'trains';
  /** Where the table goes (default console.log); pass a no-op to stay quiet. */
  readonly log?: (line: string) => void;
}

/** One line of the result. */
export interface FlowScaleRow {
  /** Concurrent flows in the table. */
  readonly flows: number;
  /** Median ns per packet (lookup + update) over the rounds. */
  readonly nsPerPacket: number;
  /** Median over rounds of this size's ns/packet divided by the anchor's in the same round. */
  readonly ratio: number;
  /** Per-round ns/packet figures. */
  readonly samples: readonly number[];
}

const SERVER = 0xac100001; // 172.16.0.1
const CLIENT_BASE = 0x0a000000; // 10.0.0.0/8: one client address per flow

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** xorshift32: the access pattern is reproducible from the seed. */
function xorshift(state: number): number {
  let x = state | 0;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** Points `meta` at flow `i` (client → server when `rev` is 0, server → client otherwise). */
function aimMeta(meta: PacketMeta, i: number, rev: number): void {
  const client = (CLIENT_BASE + i) >>> 0;
  const cport = 1024 + (i & 0x7fff);
  if (rev === 0) {
    meta.srcAddr[3] = client; meta.dstAddr[3] = SERVER;
    meta.srcPort = cport; meta.dstPort = 443;
  } else {
    meta.srcAddr[3] = SERVER; meta.dstAddr[3] = client;
    meta.srcPort = 443; meta.dstPort = cport;
  }
}

interface Workload {
  readonly flows: number;
  readonly table: FlowTable;
  readonly index: Uint32Array;
  readonly dir: Uint8Array;
}

function buildWorkload(flows: number, packets: number, seed: number, trains: boolean): Workload {
  const table = new FlowTable({ capacity: flows, midstreamPickup: true });
  const meta = new PacketMeta();
  meta.ipVersion = 4;
  meta.srcAddr[2] = 0xffff;
  meta.dstAddr[2] = 0xffff;
  meta.proto = IPPROTO_TCP;
  meta.tcpFlags = TCP_FLAG_PSH | TCP_FLAG_ACK;
  meta.ipTotalLength = 1500;
  for (let i = 0; i < flows; i++) {
    aimMeta(meta, i, 0);
    if (table.insert(meta, 0, 0) < 0) throw new Error(`flow-scale: insert ${i} of ${flows} failed`);
  }
  const index = new Uint32Array(packets);
  const dir = new Uint8Array(packets);
  let x = (seed ^ flows) | 1;
  let flow = 0;
  let left = 0;
  for (let k = 0; k < packets; k++) {
    if (left === 0) {
      x = xorshift(x);
      flow = x % flows;
      x = xorshift(x);
      left = trains ? 1 + (x & 15) : 1;
    }
    left--;
    index[k] = flow;
    x = xorshift(x);
    dir[k] = x & 1;
  }
  return { flows, table, index, dir };
}

/** Runs every packet of `w` through lookup + update; returns ns per packet. */
function timeWorkload(w: Workload, meta: PacketMeta, nowMs: number): number {
  const { table, index, dir } = w;
  const n = index.length;
  let misses = 0;
  let invalid = 0;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < n; k++) {
    aimMeta(meta, index[k]!, dir[k]!);
    const slot = table.lookup(meta);
    if (slot < 0) { misses++; continue; }
    if (table.update(slot, table.lastDirection, meta, nowMs) === FLOW_INVALID) invalid++;
  }
  const t1 = process.hrtime.bigint();
  if (misses !== 0 || invalid !== 0) throw new Error(`flow-scale: ${misses} misses, ${invalid} invalid`);
  return Number(t1 - t0) / n;
}

/**
 * Measures ns/packet of flow lookup + update at each size, interleaved over rounds, prints a
 * table with the ratio to the first size, and returns the rows.
 */
export function runFlowScale(opts: FlowScaleOptions = {}): FlowScaleRow[] {
  const sizes = opts.sizes ?? [10_000, 100_000, 1_000_000];
  const rounds = opts.rounds ?? 7;
  const packets = opts.packetsPerRound ?? 2_000_000;
  const seed = opts.seed ?? 0x5eed;
  const pattern = opts.pattern ?? 'uniform';
  const log = opts.log ?? ((line: string) => console.log(line));
  const works = sizes.map((n) => buildWorkload(n, packets, seed, pattern === 'trains'));
  const meta = new PacketMeta();
  meta.ipVersion = 4;
  meta.srcAddr[2] = 0xffff;
  meta.dstAddr[2] = 0xffff;
  meta.proto = IPPROTO_TCP;
  meta.tcpFlags = TCP_FLAG_PSH | TCP_FLAG_ACK;
  meta.ipTotalLength = 1500;
  let nowMs = 1000;
  for (const w of works) timeWorkload(w, meta, nowMs); // warm-up: JIT and page faults
  const samples = sizes.map(() => [] as number[]);
  const ratios = sizes.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    nowMs += 1000;
    const ns = works.map((w) => timeWorkload(w, meta, nowMs));
    for (let i = 0; i < sizes.length; i++) {
      samples[i]!.push(ns[i]!);
      ratios[i]!.push(ns[i]! / ns[0]!);
    }
  }
  const rows: FlowScaleRow[] = sizes.map((flows, i) => ({
    flows, nsPerPacket: median(samples[i]!), ratio: median(ratios[i]!), samples: samples[i]!,
  }));
  log(`flow-scale: lookup+update, ${pattern} random access, ${rounds} interleaved rounds × ${packets} packets`);
  log('     flows   ns/packet   ratio to anchor   target');
  for (const row of rows) {
    const target = row.flows === sizes[0] ? 'anchor' : row.ratio <= 2 ? '≤ 2× ok' : '≤ 2× MISSED';
    log(`${String(row.flows).padStart(10)}   ${row.nsPerPacket.toFixed(1).padStart(9)}   ${(row.ratio.toFixed(2) + '×').padStart(15)}   ${target}`);
  }
  return rows;
}

function parseArgs(argv: readonly string[]): FlowScaleOptions {
  const o: { sizes?: number[]; rounds?: number; packetsPerRound?: number; pattern?: 'uniform' | 'trains' } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--rounds' && v) { o.rounds = Number(v); i++; }
    else if (a === '--packets' && v) { o.packetsPerRound = Number(v); i++; }
    else if (a === '--sizes' && v) { o.sizes = v.split(',').map(Number); i++; }
    else if (a === '--pattern' && (v === 'uniform' || v === 'trains')) { o.pattern = v; i++; }
    else throw new Error(`flow-scale: unknown argument ${a}`);
  }
  return o;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runFlowScale(parseArgs(process.argv.slice(2)));
}
