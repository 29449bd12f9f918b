/**
 * expiry (../shared/PERFORMANCE.md): the replay-hdr packets spread over 10× the capture time,
 * so that flows keep expiring while the capture plays, against the same packets at the original
 * pace (200,000 packets/s), interleaved rounds, median of the per-round ratios of the replay
 * loop's time (the instrumented child's, start-up excluded). Target ≤ 2×: expiry must cost in
 * proportion to the flows that expire (test/flow/flow-table.test.ts holds the work count; this
 * is the wall-clock figure, which tests never assert).
 *
 * `node dist/bench/expiry.js [--quick]` runs it alone; `bench/run.ts` calls {@link runExpiry}.
 */
import { fileURLToPath } from 'node:url';
import { markdownTable } from './run.js';
import { formatCount, interleave, replayWallMs } from './lib/harness.js';
import { ensureCapture, GEN_SNAPLEN_HEADERS } from './lib/gen-capture.js';
import { REPLAY_BENCH_CONFIG, REPLAY_FULL_SIZE, REPLAY_QUICK_SIZE } from './replay.js';

/** The capture's original pace (the generator's default) and the spread one. */
const PACE_PPS = 200_000;
const SPREAD = 10;
/** The target: spread over 10× the time, at most this many times the original loop time. */
export const EXPIRY_TARGET_RATIO = 2;

/** The benchmark's result. */
export interface ExpiryResult {
  readonly ratio: number;
  readonly ratios: readonly number[];
  readonly paceLoopMs: number;
  readonly spreadLoopMs: number;
  readonly packets: number;
  readonly markdown: string;
  readonly targetMet: boolean;
}

/** Runs the benchmark (`quick`: 200k packets, 3 rounds; else 2 M packets, 5 rounds). */
export async function runExpiry(opts: { quick: boolean; log: (line: string) => void }): Promise<ExpiryResult> {
  const size = opts.quick ? REPLAY_QUICK_SIZE : REPLAY_FULL_SIZE;
  const base = { packets: size.packets, flows: size.flows, snaplen: GEN_SNAPLEN_HEADERS, seed: 1 };
  const pace = ensureCapture({ ...base, packetsPerSecond: PACE_PPS });
  const spread = ensureCapture({ ...base, packetsPerSecond: PACE_PPS / SPREAD });
  opts.log(`expiry: ${formatCount(pace.packets)} packets over ${(pace.packets / PACE_PPS).toFixed(1)} s and over `
    + `${(spread.packets / (PACE_PPS / SPREAD)).toFixed(1)} s of capture time`);
  const loop = async (file: string): Promise<{ wallMs: number }> => {
    const run = await replayWallMs(file, REPLAY_BENCH_CONFIG, { mode: 'engine' });
    return { wallMs: run.loopMs };
  };
  const r = await interleave({
    rounds: size.rounds,
    anchor: () => loop(pace.path),
    subject: () => loop(spread.path),
    onRound: (i, a, s) => opts.log(`expiry: round ${i + 1}: original pace ${a.toFixed(0)} ms, spread ${s.toFixed(0)} ms, ${(s / a).toFixed(2)}×`),
  });
  const targetMet = r.ratio <= EXPIRY_TARGET_RATIO;
  const markdown = markdownTable(['capture', 'capture time', 'loop ms (median)', 'ratio (median of rounds)', 'rounds'], [
    [`${formatCount(pace.packets)} pkts, original pace`, `${(pace.packets / PACE_PPS).toFixed(0)} s`, r.anchorMs.toFixed(0), '1.00×', ''],
    [`same packets, ${SPREAD}× the time`, `${(spread.packets / (PACE_PPS / SPREAD)).toFixed(0)} s`, r.subjectMs.toFixed(0),
      `**${r.ratio.toFixed(2)}×**`, r.ratios.map((x) => x.toFixed(2)).join(', ')],
  ]) + `\n- ${targetMet ? '✓' : '✗'} expiry: ${r.ratio.toFixed(2)}× the original pace's loop (target ≤ ${EXPIRY_TARGET_RATIO}×)\n`;
  return { ratio: r.ratio, ratios: r.ratios, paceLoopMs: r.anchorMs, spreadLoopMs: r.subjectMs, packets: pace.packets, markdown, targetMet };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runExpiry({ quick: process.argv.includes('--quick'), log: (l) => { process.stderr.write(l + '\n'); } })
    .then((r) => { process.stdout.write(r.markdown); }, (e: unknown) => {
      process.stderr.write(`expiry: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
