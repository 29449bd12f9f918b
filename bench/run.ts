/**
 * `npm run bench`: runs the micro-benchmarks, the replay benchmarks (replay-hdr, replay-full,
 * and the plain-loop floor for orientation) and, when present, the ACL, flow-table and config
 * scale benchmarks, then prints markdown tables for the README and the targets of PERFORMANCE.md
 * met (✓) or missed (✗).
 *
 * The live benchmarks (tun-throughput, tun-pps: bench/tun.ts, one run for both; logins:
 * bench/logins.ts; aaa: bench/aaa.ts) need root; without it they say so in one line and the others still run.
 *
 * Flags: `--only NAME[,NAME…]` (micro, replay-hdr, replay-full, replay-floor, acl-scale,
 * flow-scale, config-scale, flood, expiry, tun-throughput, tun-pps, logins, aaa; repeatable), `--quick` (a 200k-packet capture and 3 rounds: a smoke run, not a
 * measurement), `--json FILE` (every figure, machine-readable). Exits 1 if a benchmark failed to
 * run; a missed target is reported, not fatal.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../src/errors.js';
import { runMicro } from './micro.js';
import type { MicroResult, MicroSkip } from './micro.js';
import {
  runReplayBench, REPLAY_FULL_SIZE, REPLAY_QUICK_SIZE, REPLAY_TARGET_RATIO,
} from './replay.js';
import type { ReplayBenchId, ReplayBenchResult } from './replay.js';
import { REPO_ROOT, formatCount } from './lib/harness.js';
import type { TunWorkload, runTun as RunTun } from './tun.js';
import type { runLogins as RunLogins } from './logins.js';
import type { runAaa as RunAaa } from './aaa.js';

/** Every benchmark `--only` accepts, in run order. */
export const BENCH_NAMES = ['micro', 'replay-hdr', 'replay-full', 'replay-floor', 'acl-scale', 'flow-scale', 'config-scale', 'flood', 'expiry',
  'tun-throughput', 'tun-pps', 'logins', 'aaa'] as const;
export type BenchName = typeof BENCH_NAMES[number];

/** Parsed command line of the bench runner. */
export interface BenchArgs {
  readonly only: readonly BenchName[];
  readonly quick: boolean;
  readonly jsonPath: string | undefined;
}

/** Parses the runner's flags; throws a UsageError on anything else. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const only: BenchName[] = [];
  let quick = false;
  let jsonPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--only' || a === '--json') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      if (a === '--json') jsonPath = v;
      else {
        for (const n of v.split(',')) {
          if (!(BENCH_NAMES as readonly string[]).includes(n)) {
            throw new UsageError(`unknown benchmark "${n}" (known: ${BENCH_NAMES.join(', ')})`);
          }
          only.push(n as BenchName);
        }
      }
    } else throw new UsageError(`unknown argument "${a}" (flags: --only NAME, --quick, --json FILE)`);
  }
  return { only: only.length > 0 ? only : [...BENCH_NAMES], quick, jsonPath };
}

/** The contract of the other benchmarks' exported runners (bench/acl-scale.ts, bench/flow-scale.ts, bench/config-scale.ts, bench/flood.ts). */
type ScaleRunner = (opts: { quick: boolean; log: (line: string) => void }) => Promise<unknown>;

/** Renders rows as a markdown table. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Renders another benchmark's result: its own `markdown` if it has one, an array of flat rows
 * as a table (array-valued fields such as raw samples left out), anything else as JSON.
 */
export function formatRunnerResult(r: unknown): string {
  const md = (r as { markdown?: unknown } | null)?.markdown;
  if (typeof md === 'string') return md;
  if (Array.isArray(r) && r.length > 0 && r.every((x) => typeof x === 'object' && x !== null)) {
    const rows = r as Array<Record<string, unknown>>;
    const keys = Object.keys(rows[0]!).filter((k) => rows.every((x) => ['number', 'string', 'boolean'].includes(typeof x[k])));
    const cell = (v: unknown): string => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v));
    return markdownTable(keys, rows.map((x) => keys.map((k) => cell(x[k]))));
  }
  return '```\n' + JSON.stringify(r, null, 2) + '\n```\n';
}

/** The micro-benchmark table. */
export function formatMicro(results: readonly MicroResult[], skipped: readonly MicroSkip[]): string {
  const rows = results.map((r) => [r.suite, r.name, r.nsPerOp.toFixed(1), formatCount(r.opsPerSecond),
    `±${r.rmePercent.toFixed(1)}%`]);
  for (const s of skipped) rows.push([s.suite, `not run: ${s.reason}`, '', '', '']);
  return markdownTable(['suite', 'case', 'ns/op', 'ops/s', 'rme'], rows);
}

/** The replay table: absolute figures beside the ratio to the interleaved tcpdump runs. */
export function formatReplay(results: readonly ReplayBenchResult[]): string {
  const rows = results.map((r) => [
    r.id,
    `${formatCount(r.packets)} pkts, ${(r.capture.bytes / 2 ** 20).toFixed(0)} MiB`,
    `${r.tcpdumpMs.toFixed(0)} ms`,
    `${r.replayMs.toFixed(0)} ms`,
    `**${r.ratio.toFixed(2)}×**`,
    `${r.loopRatio.toFixed(2)}×`,
    `${(r.packetsPerSecond / 1e6).toFixed(2)} M`,
    r.nsPerPacket.toFixed(0),
    `${r.scavenges} / ${r.scavengesSteady}`,
    r.steadyYoungBytes < 0 ? 'n/a' : `${(r.steadyYoungBytes / 1024).toFixed(0)} KiB`,
  ]);
  return markdownTable(['benchmark', 'capture', 'tcpdump', 'portcullis', 'ratio (process wall)',
    'ratio (loop only)', 'packets/s', 'ns/packet', 'scavenges (all / steady)', 'young alloc. (steady, max)'], rows);
}

/** Target lines for PERFORMANCE.md's replay targets. */
export function formatTargets(results: readonly ReplayBenchResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.ratioOk !== undefined) {
      out.push(`${r.ratioOk ? '✓' : '✗'} ${r.id}: ${r.ratio.toFixed(2)}× tcpdump wall (target ≤ ${REPLAY_TARGET_RATIO}×)`);
    }
    if (r.scavengesOk !== undefined) {
      out.push(`${r.scavengesOk ? '✓' : '✗'} ${r.id}: ${r.scavengesOk ? 0 : r.scavengesSteady} steady-state scavenges `
        + `(${r.scavengesOk ? 'every run' : 'median; target 0 in every run'})`);
    }
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const log = (l: string): void => { process.stderr.write(l + '\n'); };
  const size = args.quick ? REPLAY_QUICK_SIZE : REPLAY_FULL_SIZE;
  const json: Record<string, unknown> = { quick: args.quick, node: process.version, date: new Date().toISOString() };
  const failures: string[] = [];
  const replay: ReplayBenchResult[] = [];
  let out = args.quick ? '_Quick smoke run (200k packets, 3 rounds): not a measurement._\n\n' : '';

  const notRun: string[] = [];
  let tunDone = false;
  for (const name of args.only) {
    try {
      if (name === 'tun-throughput' || name === 'tun-pps') {
        if (tunDone) continue;
        tunDone = true;
        const workloads: TunWorkload[] = [];
        if (args.only.includes('tun-throughput')) workloads.push('tcp');
        if (args.only.includes('tun-pps')) workloads.push('udp');
        const { runTun } = (await import('./tun.js')) as { runTun: typeof RunTun };
        const r = await runTun({ quick: args.quick, log, workloads });
        if ('notRun' in r) {
          log(`tun-throughput, tun-pps: not run: ${r.notRun}`);
          notRun.push(`tun-throughput, tun-pps: ${r.notRun}`);
          continue;
        }
        json['tun'] = { samples: r.samples, ratios: r.ratios, unavailable: r.unavailable, failed: r.failed };
        out += `### tun-throughput, tun-pps\n\n${r.markdown}\n`;
        failures.push(...r.failed);
      } else if (name === 'logins') {
        const { runLogins } = (await import('./logins.js')) as { runLogins: typeof RunLogins };
        const r = await runLogins({ quick: args.quick, log });
        if ('notRun' in r) {
          log(`logins: not run: ${r.notRun}`);
          notRun.push(`logins: ${r.notRun}`);
          continue;
        }
        json['logins'] = { samples: r.samples, ratios: r.ratios, ratio: r.ratio, unavailable: r.unavailable };
        out += `### logins\n\n${r.markdown}\n`;
      } else if (name === 'aaa') {
        const { runAaa } = (await import('./aaa.js')) as { runAaa: typeof RunAaa };
        const r = await runAaa({ quick: args.quick, log });
        if ('notRun' in r) {
          log(`aaa: not run: ${r.notRun}`);
          notRun.push(`aaa: ${r.notRun}`);
          continue;
        }
        json['aaa'] = { samples: r.samples };
        out += `### aaa\n\n${r.markdown}\n`;
      } else if (name === 'micro') {
        const m = await runMicro({ quick: args.quick, log });
        json['micro'] = m;
        out += `### Micro-benchmarks\n\n${formatMicro(m.results, m.skipped)}\n`;
      } else if (name === 'acl-scale' || name === 'flow-scale' || name === 'config-scale' || name === 'flood' || name === 'expiry') {
        const file = join(REPO_ROOT, 'dist', 'bench', `${name}.js`);
        if (!existsSync(file)) { log(`${name}: not present, skipped`); continue; }
        const mod = (await import(new URL(`./${name}.js`, import.meta.url).href)) as Record<string, unknown>;
        const runner = { 'acl-scale': 'runAclScale', 'flow-scale': 'runFlowScale', 'config-scale': 'runConfigScale', flood: 'runFlood', expiry: 'runExpiry' }[name];
        const fn = mod[runner] as ScaleRunner | undefined;
        if (typeof fn !== 'function') throw new Error(`${name}.js exports no runner`);
        const r = await fn({ quick: args.quick, log });
        json[name] = r;
        out += `### ${name}\n\n${formatRunnerResult(r)}\n`;
      } else {
        const r = await runReplayBench({ id: name as ReplayBenchId, ...size, log });
        replay.push(r);
        json[name] = { ...r, capture: { ...r.capture } };
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      log(`${name}: FAILED: ${msg}`);
      failures.push(`${name}: ${msg}`);
    }
  }
  if (replay.length > 0) {
    out += `### Replay (${replay[0]!.rounds} interleaved rounds, medians)\n\n${formatReplay(replay)}\n`;
    const t = formatTargets(replay);
    if (t.length > 0) out += t.map((l) => `- ${l}`).join('\n') + '\n';
  }
  for (const f of failures) out += `- ✗ not run: ${f}\n`;
  for (const n of notRun) out += `- not run: ${n}\n`;
  process.stdout.write(out);
  if (args.jsonPath !== undefined) {
    writeFileSync(args.jsonPath, JSON.stringify({ ...json, failures }, null, 2) + '\n');
  }
  return failures.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  });
}
