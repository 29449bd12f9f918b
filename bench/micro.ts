/**
 * Micro-benchmarks with benchmark.js: view parse (`decodePacket` on a few packet shapes), flow
 * lookup (`FlowTable.lookup`, hits in a table of 10k flows) and engine step (`Engine.handle`
 * over packets of the synthetic capture, with the bench config). Packets come from a small
 * capture made by the same generator as the replay benchmark, so the shapes are the ones the
 * replay sees. Engine step needs the config parser; if it cannot load, the suite says why and
 * the others still run.
 *
 * Run alone: `node dist/bench/micro.js [--quick]`.
 */
import Benchmark from 'benchmark';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PacketMeta, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAG_SYN, TCP_FLAG_ACK } from '../src/wire/packet.js';
import { decodePacket } from '../src/wire/decode.js';
import { FAULT_OK } from '../src/wire/faults.js';
import { PcapReader } from '../src/io/pcap-reader.js';
import { FlowTable } from '../src/flow/flow-table.js';
import type { Config } from '../src/config/types.js';
import type { AclRuntime, AclSet } from '../src/acl/api.js';
import type { Engine, EngineOptions } from '../src/engine/engine.js';
import type { EngineSettings } from '../src/engine/settings.js';
import { ensureCapture, GEN_SNAPLEN_HEADERS } from './lib/gen-capture.js';
import { REPO_ROOT } from './lib/harness.js';

/** One micro-benchmark's figures. */
export interface MicroResult {
  readonly suite: string;
  readonly name: string;
  readonly opsPerSecond: number;
  readonly nsPerOp: number;
  /** Relative margin of error, percent. */
  readonly rmePercent: number;
  readonly samples: number;
}

/** A suite that could not run, and why. */
export interface MicroSkip {
  readonly suite: string;
  readonly reason: string;
}

/** Options of {@link runMicro}. */
export interface MicroOptions {
  /** Shorter sampling (0.5 s per benchmark instead of benchmark.js's default 5 s). */
  readonly quick?: boolean;
  readonly log?: (line: string) => void;
}

/** A packet copied out of the capture. */
interface Frame {
  readonly bytes: Uint8Array;
  readonly linkType: number;
  readonly timeMs: number;
}

/** Reads `count` frames of the capture at `path` into their own buffers. */
function readFrames(path: string, count: number): Frame[] {
  const r = PcapReader.open(path);
  const out: Frame[] = [];
  try {
    while (out.length < count && r.next()) {
      out.push({
        bytes: r.buf.slice(r.offset, r.offset + r.capturedLength),
        linkType: r.linkType,
        timeMs: r.timestampMs,
      });
    }
  } finally {
    r.close();
  }
  return out;
}

/** Runs one benchmark.js suite synchronously and returns its results. */
function runSuite(suiteName: string, cases: ReadonlyArray<[string, () => void]>, o: MicroOptions): MicroResult[] {
  const suite = new Benchmark.Suite(suiteName);
  const benchOpts: Benchmark.Options = o.quick === true ? { maxTime: 0.5, minSamples: 5 } : { maxTime: 3 };
  for (const [name, fn] of cases) suite.add(name, fn, benchOpts);
  const results: MicroResult[] = [];
  suite.on('cycle', (ev: Benchmark.Event) => {
    const b = ev.target as unknown as Benchmark;
    const r: MicroResult = {
      suite: suiteName,
      name: b.name ?? '?',
      opsPerSecond: b.hz ?? 0,
      nsPerOp: b.hz !== undefined && b.hz > 0 ? 1e9 / b.hz : NaN,
      rmePercent: b.stats?.rme ?? NaN,
      samples: b.stats?.sample.length ?? 0,
    };
    results.push(r);
    o.log?.(`micro: ${suiteName} / ${r.name}: ${r.nsPerOp.toFixed(1)} ns/op ±${r.rmePercent.toFixed(1)}%`);
  });
  suite.run({ async: false });
  return results;
}

/** Index of the first frame whose decoded packet satisfies `pred`, or -1. */
function findFrame(frames: readonly Frame[], meta: PacketMeta, pred: (m: PacketMeta) => boolean): number {
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (decodePacket(f.bytes, 0, f.bytes.length, f.linkType, meta) === FAULT_OK && pred(meta)) return i;
  }
  return -1;
}

/** Runs every micro-benchmark suite; suites whose modules cannot load are reported as skipped. */
export async function runMicro(o: MicroOptions = {}): Promise<{ results: MicroResult[]; skipped: MicroSkip[] }> {
  const capture = ensureCapture({ packets: 100_000, flows: 10_000, snaplen: GEN_SNAPLEN_HEADERS, seed: 7 });
  const frames = readFrames(capture.path, 100_000);
  const results: MicroResult[] = [];
  const skipped: MicroSkip[] = [];
  const meta = new PacketMeta();

  // --- view parse ------------------------------------------------------------------------------
  const shapes: Array<[string, number]> = [
    ['Ethernet/IPv4/TCP SYN with options', findFrame(frames, meta, (m) => m.proto === IPPROTO_TCP && (m.tcpFlags & TCP_FLAG_SYN) !== 0 && (m.tcpFlags & TCP_FLAG_ACK) === 0)],
    ['Ethernet/IPv4/TCP data (snapped)', findFrame(frames, meta, (m) => m.proto === IPPROTO_TCP && m.payloadLength > 1000)],
    ['Ethernet/IPv4/UDP DNS', findFrame(frames, meta, (m) => m.proto === IPPROTO_UDP && m.dstPort === 53)],
  ];
  const parseCases: Array<[string, () => void]> = [];
  for (const [name, i] of shapes) {
    if (i < 0) continue;
    const f = frames[i]!;
    const bytes = f.bytes;
    const len = bytes.length;
    const lt = f.linkType;
    parseCases.push([name, () => { decodePacket(bytes, 0, len, lt, meta); }]);
  }
  results.push(...runSuite('view parse', parseCases, o));

  // --- flow lookup -----------------------------------------------------------------------------
  const table = new FlowTable({ capacity: 65536, midstreamPickup: true });
  const lookupMetas: PacketMeta[] = [];
  for (const f of frames) {
    const m = new PacketMeta();
    if (decodePacket(f.bytes, 0, f.bytes.length, f.linkType, m) !== FAULT_OK) continue;
    if (table.lookup(m) < 0 && table.insert(m, 0, f.timeMs) >= 0 && lookupMetas.length < 4096) lookupMetas.push(m);
  }
  const nMetas = lookupMetas.length;
  let li = 0;
  let hits = 0;
  results.push(...runSuite(`flow lookup (${nMetas} flows cycled)`, [
    ['FlowTable.lookup hit', () => {
      if (table.lookup(lookupMetas[li]!) >= 0) hits++;
      li = li + 1 === nMetas ? 0 : li + 1;
    }],
  ], o));
  if (hits === 0) throw new Error('flow lookup benchmark found no flow: the table or the frames are wrong');

  // --- engine step -----------------------------------------------------------------------------
  try {
    const engine = await makeEngine(join(REPO_ROOT, 'bench', 'configs', 'replay.cfg'));
    const n = frames.length;
    let ei = 0;
    let now = frames[0]!.timeMs;
    results.push(...runSuite('engine step', [
      ['Engine.handle (synthetic capture, cycled)', () => {
        const f = frames[ei]!;
        engine.handle(f.bytes, 0, f.bytes.length, f.linkType, now);
        if (++ei === n) { ei = 0; now += 1; }
        if (engine.tx.length > 0) engine.tx.clear();
      }],
    ], o));
  } catch (e) {
    skipped.push({ suite: 'engine step', reason: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
  }
  return { results, skipped };
}

interface ConfigModule { loadConfig(path: string): Config & { acls: AclSet } }
interface AclModule { compileAcls(set: AclSet): AclRuntime }
interface EngineModule { Engine: new (o: EngineOptions) => Engine }
interface RngModule { seededRng(seed: number): () => number }
interface SettingsModule { engineSettingsOf(config: Config): EngineSettings }

/** Builds an engine from a config file the way `runReplay` does, without debug or login app. */
async function makeEngine(configPath: string): Promise<Engine> {
  const imp = async <T>(rel: string): Promise<T> => (await import(new URL(rel, import.meta.url).href)) as T;
  const { loadConfig } = await imp<ConfigModule>('../src/config/parse.js');
  const { compileAcls } = await imp<AclModule>('../src/acl/index.js');
  const { Engine: EngineClass } = await imp<EngineModule>('../src/engine/engine.js');
  const { seededRng } = await imp<RngModule>('../src/io/rng.js');
  const { engineSettingsOf } = await imp<SettingsModule>('../src/config/engine-settings.js');
  const config = loadConfig(configPath);
  const acls = compileAcls(config.acls);
  return new EngineClass({ settings: engineSettingsOf(config), acls, rng: seededRng(1), replay: true });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const { results, skipped } = await runMicro({ quick, log: (l) => process.stderr.write(l + '\n') });
  for (const r of results) process.stdout.write(JSON.stringify(r) + '\n');
  for (const s of skipped) process.stdout.write(JSON.stringify({ skipped: s.suite, reason: s.reason }) + '\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`micro bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
