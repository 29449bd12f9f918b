/**
 * The replay benchmarks (PERFORMANCE.md: replay-hdr, replay-full): the synthetic capture of
 * bench/lib/gen-capture.ts replayed through the full engine without debug output, each run in
 * a fresh process, interleaved with `tcpdump -r FILE -w /dev/null 'tcp dst port 80'` on the
 * same file. Reports the median ratio of wall times, packets/s, ns/packet and scavenge counts.
 *
 * Run alone: `node dist/bench/replay.js [--quick] [hdr|full|floor]`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCapture, GEN_SNAPLEN_FULL, GEN_SNAPLEN_HEADERS } from './lib/gen-capture.js';
import type { CaptureInfo } from './lib/gen-capture.js';
import {
  interleave, replayWallMs, tcpdumpWallMs, cliReplayWallMs, median, REPO_ROOT, formatCount,
} from './lib/harness.js';
import type { ReplayMode, ReplayRun } from './lib/harness.js';

/** The bench config the synthetic capture is addressed for. */
export const REPLAY_BENCH_CONFIG = join(REPO_ROOT, 'bench', 'configs', 'replay.cfg');

/** PERFORMANCE.md's target: replay wall time at most 2.5× tcpdump's. */
export const REPLAY_TARGET_RATIO = 2.5;

/** Workload sizes: the full run (PERFORMANCE.md) and the `--quick` smoke run. */
export const REPLAY_FULL_SIZE = { packets: 2_000_000, flows: 10_000, rounds: 5 } as const;
export const REPLAY_QUICK_SIZE = { packets: 200_000, flows: 2_000, rounds: 3 } as const;

/** Which replay benchmark: headers-only file, full-size file, or the plain-loop floor on the headers-only file. */
export type ReplayBenchId = 'replay-hdr' | 'replay-full' | 'replay-floor';

/** Options of {@link runReplayBench}. */
export interface ReplayBenchOptions {
  readonly id: ReplayBenchId;
  readonly packets: number;
  readonly flows: number;
  readonly rounds: number;
  readonly seed?: number;
  readonly configPath?: string;
  /** Packets before the steady state (default: a tenth of the capture). */
  readonly warmupPackets?: number;
  /** Progress lines (stderr by default). */
  readonly log?: (line: string) => void;
}

/** One replay benchmark's figures. */
export interface ReplayBenchResult {
  readonly id: ReplayBenchId;
  readonly mode: ReplayMode;
  readonly capture: CaptureInfo;
  readonly rounds: number;
  /** Median per-round ratio of process wall times, replay / tcpdump. */
  readonly ratio: number;
  /** Median per-round ratio of the replay loop alone (no Node start-up, no config load) to tcpdump's wall. */
  readonly loopRatio: number;
  readonly ratios: readonly number[];
  readonly tcpdumpMs: number;
  readonly replayMs: number;
  readonly loopMs: number;
  readonly packets: number;
  readonly packetsPerSecond: number;
  readonly nsPerPacket: number;
  /** Median scavenges over the whole loop / after the warm-up. */
  readonly scavenges: number;
  readonly scavengesSteady: number;
  /** Largest young-generation allocation of a run's steady state, bytes (-1: unknown in some run). */
  readonly steadyYoungBytes: number;
  readonly majorGcs: number;
  readonly forwarded?: number | undefined;
  readonly dropped?: number | undefined;
  readonly intercepted?: number | undefined;
  /** Target checks (absent for the floor, which has none). */
  readonly targetRatio?: number;
  readonly ratioOk?: boolean;
  readonly scavengesOk?: boolean;
}

/** Generates (or finds in the cache) the capture, then runs the interleaved rounds. */
export async function runReplayBench(o: ReplayBenchOptions): Promise<ReplayBenchResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const snaplen = o.id === 'replay-full' ? GEN_SNAPLEN_FULL : GEN_SNAPLEN_HEADERS;
  const capture = ensureCapture({ packets: o.packets, flows: o.flows, snaplen, seed: o.seed ?? 1 });
  log(`${o.id}: ${capture.cached ? 'cached' : `generated in ${(capture.generateMs / 1000).toFixed(1)} s`} `
    + `${capture.path} (${formatCount(capture.packets)} packets, ${(capture.bytes / 2 ** 20).toFixed(0)} MiB)`);
  const mode: ReplayMode = o.id === 'replay-floor' ? 'scan' : 'engine';
  const configPath = o.configPath ?? REPLAY_BENCH_CONFIG;
  // Steady state starts after a quarter of the run: until TurboFan has compiled the whole
  // per-packet path (and on-stack-replaced the loop), the interpreter and baseline tiers box
  // numbers; `--trace-gc` shows the last scavenge some 400,000 packets into a 2 M-packet replay.
  const warmupPackets = o.warmupPackets ?? Math.floor(o.packets / 4);
  const r = await interleave<number, ReplayRun>({
    rounds: o.rounds,
    anchor: () => tcpdumpWallMs(capture.path),
    // The engine's process wall is that of `portcullis replay` itself; the instrumented child
    // that follows it measures the loop, the collections and the allocation.
    subject: mode === 'engine'
      ? async (): Promise<ReplayRun> => {
        const cliMs = await cliReplayWallMs(capture.path, configPath);
        const run = await replayWallMs(capture.path, configPath, { mode, warmupPackets, exposeGc: true });
        return { ...run, wallMs: cliMs };
      }
      : () => replayWallMs(capture.path, configPath, { mode, warmupPackets, exposeGc: true }),
    onRound: (i, a, s) => log(`${o.id}: round ${i + 1}/${o.rounds}: tcpdump ${a.toFixed(0)} ms, `
      + `${mode} ${s.toFixed(0)} ms (${(s / a).toFixed(2)}×)`),
  });
  const runs = r.subjectRuns;
  const loopRatios = runs.map((s, i) => s.loopMs / r.anchorRuns[i]!);
  const last = runs[runs.length - 1]!;
  const base = {
    id: o.id, mode, capture, rounds: o.rounds,
    ratio: r.ratio, loopRatio: median(loopRatios), ratios: r.ratios,
    tcpdumpMs: r.anchorMs, replayMs: r.subjectMs,
    loopMs: median(runs.map((s) => s.loopMs)),
    packets: last.packets,
    packetsPerSecond: median(runs.map((s) => s.packetsPerSecond)),
    nsPerPacket: median(runs.map((s) => s.nsPerPacket)),
    scavenges: median(runs.map((s) => s.scavenges)),
    scavengesSteady: median(runs.map((s) => s.scavengesSteady)),
    steadyYoungBytes: runs.some((s) => s.steadyYoungBytes < 0) ? -1 : Math.max(...runs.map((s) => s.steadyYoungBytes)),
    majorGcs: median(runs.map((s) => s.majorGcs)),
    forwarded: last.forwarded, dropped: last.dropped, intercepted: last.intercepted,
  };
  if (o.id === 'replay-floor') return base;
  return {
    ...base,
    targetRatio: REPLAY_TARGET_RATIO,
    ratioOk: r.ratio <= REPLAY_TARGET_RATIO,
    // PERFORMANCE.md asks zero steady-state scavenges of replay-hdr; every run must meet it.
    ...(o.id === 'replay-hdr' ? { scavengesOk: runs.every((s) => s.scavengesSteady === 0) } : {}),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const size = quick ? REPLAY_QUICK_SIZE : REPLAY_FULL_SIZE;
  const which = args.filter((a) => !a.startsWith('--'));
  const ids: ReplayBenchId[] = which.length > 0
    ? which.map((w) => `replay-${w}` as ReplayBenchId)
    : ['replay-hdr', 'replay-full'];
  for (const id of ids) {
    const r = await runReplayBench({ id, ...size });
    process.stdout.write(JSON.stringify({ ...r, capture: r.capture.path }) + '\n');
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`replay bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
