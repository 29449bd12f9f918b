/**
 * flood (../shared/PERFORMANCE.md): 1 M spoofed SYNs from 200,000 sources over 100 s of engine
 * time, with a legitimate login in the middle, against the same login alone. Reports whether the
 * login was answered (SYN-ACK, login page), what it cost, and the memory bound: the most
 * connections, auth-cache entries and half-open connections held at any time (against the
 * connection table and the half-open limit) and the largest heap seen. Figures only; the test
 * that holds the behaviour is test/engine/syn-flood.test.ts.
 *
 * `node dist/bench/flood.js [--quick]` runs it alone; `bench/run.ts` calls {@link runFlood}.
 */
import { fileURLToPath } from 'node:url';
import { markdownTable } from './run.js';
import { median } from './lib/harness.js';
import { runFloodScenario } from './lib/flood-scenario.js';
import type { FloodOutcome } from './lib/flood-scenario.js';

/** The benchmark's result: every round's outcomes and the table. */
export interface FloodResult {
  readonly alone: readonly FloodOutcome[];
  readonly flood: readonly FloodOutcome[];
  readonly markdown: string;
}

/** Runs the benchmark (`quick`: 100,000 SYNs from 20,000 sources, one round; else three rounds). */
export async function runFlood(opts: { quick: boolean; log: (line: string) => void }): Promise<FloodResult> {
  const rounds = opts.quick ? 1 : 3;
  const syns = opts.quick ? 100_000 : 1_000_000;
  const sources = opts.quick ? 20_000 : 200_000;
  const alone: FloodOutcome[] = [];
  const flood: FloodOutcome[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = await runFloodScenario({ syns: 0, sources: 1, durationMs: 0, heapEvery: 1 });
    alone.push(a);
    const f = await runFloodScenario({ syns, sources, durationMs: 100_000, heapEvery: 10_000 });
    flood.push(f);
    opts.log(`flood: round ${r + 1}: alone ${a.loginAnswered ? 'answered' : a.failure} in ${a.loginWallMs.toFixed(1)} ms; `
      + `flood ${f.loginAnswered ? 'answered' : f.failure} in ${f.loginWallMs.toFixed(1)} ms, ${f.wallMs.toFixed(0)} ms for `
      + `${syns} SYNs, ${f.maxConnections} connections, ${f.maxCacheEntries} cache entries at most`);
  }
  const mib = (b: number): string => (b / 1048576).toFixed(1);
  const row = (what: string, n: number, xs: readonly FloodOutcome[]): string[] => {
    const last = xs[xs.length - 1]!;
    return [what, n.toLocaleString('en-US'), xs.every((x) => x.loginAnswered) ? 'yes' : `no (${last.failure})`,
      median(xs.map((x) => x.loginWallMs)).toFixed(1), n > 0 ? Math.round(n / (median(xs.map((x) => x.wallMs)) / 1000)).toLocaleString('en-US') : '—',
      `${Math.max(...xs.map((x) => x.maxConnections))} / ${last.connectionTable}`,
      String(Math.max(...xs.map((x) => x.maxCacheEntries))),
      `${Math.max(...xs.map((x) => x.maxHalfOpen))} / ${last.halfOpenLimit}`,
      last.cookiesSent.toLocaleString('en-US'), mib(Math.max(...xs.map((x) => x.maxHeapBytes)))];
  };
  const markdown = markdownTable(['run', 'spoofed SYNs', 'login answered', 'login ms (median)', 'SYNs/s',
    'connections (max / table)', 'cache entries (max)', 'half-open (max / limit)', 'SYN cookies sent', 'heap MiB (max)'],
  [row('login alone', 0, alone), row(`login during the flood (${sources.toLocaleString('en-US')} sources)`, syns, flood)]);
  return { alone, flood, markdown };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runFlood({ quick: process.argv.includes('--quick'), log: (l) => { process.stderr.write(l + '\n'); } })
    .then((r) => { process.stdout.write(r.markdown); }, (e: unknown) => {
      process.stderr.write(`flood: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
