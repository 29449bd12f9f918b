/**
 * config-scale: what loading a large running-config costs, for the three shapes that were
 * quadratic (README "Benchmarks"): many `username` lines, one named list written in descending
 * sequence order, and many one-entry named lists. Each case is loaded (parsed and its ACLs
 * compiled, as `check-config` does) at a small and a large size; the ratio of the two times,
 * divided by the ratio of the sizes, is ~1 when loading is linear (it was ~10 or more before).
 *
 * `node dist/bench/config-scale.js [--quick]` runs it alone; `bench/run.ts` calls {@link runConfigScale}.
 */
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/parse.js';
import { compileAcls } from '../src/acl/index.js';
import { markdownTable } from './run.js';
import { median } from './lib/harness.js';

/** Dotted quad of the i-th address in 10.0.0.0/8. */
function addr(i: number): string {
  return `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

/** `n` distinct `username` lines. */
export function usersConfig(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`username user${i} privilege 1 password 0 pw${i}`);
  return lines.join('\n') + '\n';
}

/** One named extended list of `n` entries, written highest sequence number first. */
export function descendingListConfig(n: number): string {
  const lines = ['ip access-list extended BIG'];
  for (let i = 0; i < n; i++) lines.push(` ${(n - i) * 10} permit tcp host ${addr(i)} any eq 80`);
  return lines.join('\n') + '\n';
}

/** `n` named extended lists of one entry each. */
export function manyListsConfig(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`ip access-list extended L${i}`, ` permit tcp any host ${addr(i)} eq 80`);
  return lines.join('\n') + '\n';
}

/** One row: a case at its two sizes. */
export interface ConfigScaleRow {
  readonly what: string;
  readonly small: number;
  readonly large: number;
  /** Wall milliseconds at the two sizes. */
  readonly smallMs: number;
  readonly largeMs: number;
  /** CPU milliseconds at the two sizes. */
  readonly smallCpuMs: number;
  readonly largeCpuMs: number;
  /** largeMs / smallMs. */
  readonly ratio: number;
  /** ratio / (large / small): ~1 when loading is linear. */
  readonly perLineRatio: number;
}

export interface ConfigScaleResult {
  readonly rows: readonly ConfigScaleRow[];
  readonly markdown: string;
}

const CASES: ReadonlyArray<{ what: string; make: (n: number) => string; small: number; large: number }> = [
  { what: 'username lines', make: usersConfig, small: 10_000, large: 100_000 },
  { what: 'entries of one list, descending sequence', make: descendingListConfig, small: 10_000, large: 100_000 },
  { what: 'one-entry named lists', make: manyListsConfig, small: 10_000, large: 50_000 },
];

/**
 * Wall and CPU milliseconds to parse `text` and compile its ACLs (medians of `rounds`). The CPU
 * time is the process's (user + system, garbage collection included): on a shared machine it
 * is the steadier figure.
 */
function loadMs(text: string, rounds: number): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const cfg = parseConfig(text, 'config-scale.cfg');
    compileAcls(cfg.acls);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    wall.push(performance.now() - t0);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

/** Runs the benchmark (`quick`: one round per size instead of three). */
export async function runConfigScale(opts: { quick: boolean; log: (line: string) => void }): Promise<ConfigScaleResult> {
  const rounds = opts.quick ? 1 : 3;
  const rows: ConfigScaleRow[] = [];
  for (const c of CASES) {
    const s = loadMs(c.make(c.small), rounds);
    const l = loadMs(c.make(c.large), rounds);
    const ratio = l.wallMs / s.wallMs;
    const row: ConfigScaleRow = {
      what: c.what, small: c.small, large: c.large, smallMs: s.wallMs, largeMs: l.wallMs, smallCpuMs: s.cpuMs,
      largeCpuMs: l.cpuMs, ratio, perLineRatio: ratio / (c.large / c.small),
    };
    rows.push(row);
    opts.log(`config-scale: ${c.what}: ${c.small}: ${s.wallMs.toFixed(0)} ms (cpu ${s.cpuMs.toFixed(0)}), `
      + `${c.large}: ${l.wallMs.toFixed(0)} ms (cpu ${l.cpuMs.toFixed(0)}) (${ratio.toFixed(1)}×; ${row.perLineRatio.toFixed(2)}× per line)`);
  }
  const ms = (wall: number, cpu: number): string => `${wall.toFixed(0)} ms (cpu ${cpu.toFixed(0)})`;
  const markdown = markdownTable(['case', 'small', 'large', 'time small', 'time large', 'ratio', 'ratio per line'],
    rows.map((r) => [r.what, String(r.small), String(r.large), ms(r.smallMs, r.smallCpuMs), ms(r.largeMs, r.largeCpuMs),
      `${r.ratio.toFixed(1)}×`, `${r.perLineRatio.toFixed(2)}×`]));
  return { rows, markdown };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runConfigScale({ quick: process.argv.includes('--quick'), log: (l) => { process.stderr.write(l + '\n'); } })
    .then((r) => { process.stdout.write(r.markdown); }, (e: unknown) => {
      process.stderr.write(`config-scale: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
