/**
 * The benchmark harness: finds (or installs) the anchor tools, times them and the engine in
 * fresh processes, and turns interleaved runs into the ratios PERFORMANCE.md asks for (the
 * machine is shared and noisy, so every figure is a ratio to an anchor run interleaved in the
 * same job: A B A B …, median of the per-round ratios).
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortcullisError } from '../../src/errors.js';

/** Repository root (the harness runs compiled, from `dist/bench/lib`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A required tool is missing and could not be installed. */
export class BenchToolError extends PortcullisError {
  declare readonly code: 'ERR_BENCH_TOOL';
  readonly tool: string;
  constructor(tool: string, message: string) {
    super('ERR_BENCH_TOOL', message);
    this.tool = tool;
  }
}

/** A benchmark child process failed or printed no result. */
export class BenchChildError extends PortcullisError {
  declare readonly code: 'ERR_BENCH_CHILD';
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(message: string, exitCode: number | null, stderr: string) {
    super('ERR_BENCH_CHILD', message);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** A benchmark could not set up its workload (e.g. pre-authenticated hosts). */
export class BenchSetupError extends PortcullisError {
  declare readonly code: 'ERR_BENCH_SETUP';
  constructor(message: string) {
    super('ERR_BENCH_SETUP', message);
  }
}

/** Debian package of each tool the benchmarks may need. */
const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  tcpdump: 'tcpdump',
};

let aptUpdated = false;

/** Finds `name` on PATH (and the sbin directories tcpdump lives in); undefined if absent. */
export function whichTool(name: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) {
    if (d === '') continue;
    const p = join(d, name);
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * Returns the path of tool `name`. If it is missing and the process runs as root, installs its
 * Debian package (`apt-get update` once per process, then `apt-get install -y
 * --no-install-recommends`); otherwise throws a {@link BenchToolError} saying what to install.
 */
export function ensureTool(name: string): string {
  const found = whichTool(name);
  if (found !== undefined) return found;
  const pkg = TOOL_PACKAGES[name] ?? name;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new BenchToolError(name, `${name} is not installed; install it with: sudo apt-get install -y ${pkg}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    const u = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (u.status !== 0) throw new BenchToolError(name, `apt-get update failed (exit ${u.status}) while installing ${pkg}`);
    aptUpdated = true;
  }
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg],
    { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) throw new BenchToolError(name, `apt-get install ${pkg} failed (exit ${r.status})`);
  const after = whichTool(name);
  if (after === undefined) throw new BenchToolError(name, `${pkg} was installed but ${name} is still not on PATH`);
  return after;
}

/** Median of a list of numbers (mean of the middle two for even lengths); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return (s.length & 1) === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A timed run: wall milliseconds, or a result object carrying them. */
export type Timed = number | { readonly wallMs: number };

/** Wall milliseconds of a timed run. */
export function wallOf(t: Timed): number {
  return typeof t === 'number' ? t : t.wallMs;
}

/** Options of {@link interleave}. */
export interface InterleaveOptions<A extends Timed, S extends Timed> {
  /** Rounds of (anchor, subject); PERFORMANCE.md asks for at least 5. */
  readonly rounds: number;
  /** The reference run (e.g. tcpdump on the same file). */
  readonly anchor: () => A | Promise<A>;
  /** The measured run. */
  readonly subject: () => S | Promise<S>;
  /** Run each once, untimed, before the rounds (warms the page cache). Default true. */
  readonly warmup?: boolean;
  /** Called after every round (progress output). */
  readonly onRound?: (round: number, anchorMs: number, subjectMs: number) => void;
}

/** What {@link interleave} measured. */
export interface InterleaveResult<A extends Timed, S extends Timed> {
  /** Median of the per-round ratios subject / anchor. */
  readonly ratio: number;
  /** Median anchor wall time. */
  readonly anchorMs: number;
  /** Median subject wall time. */
  readonly subjectMs: number;
  /** Per-round ratios, in round order. */
  readonly ratios: readonly number[];
  readonly anchorRuns: readonly A[];
  readonly subjectRuns: readonly S[];
}

/**
 * Runs anchor and subject alternately (A B A B …) for `rounds` rounds and reports the median
 * of the per-round ratios subject/anchor beside the median of each side. Pairing each subject
 * run with the anchor run just before it cancels most of the machine's drift.
 */
export async function interleave<A extends Timed, S extends Timed>(
  o: InterleaveOptions<A, S>,
): Promise<InterleaveResult<A, S>> {
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new RangeError('interleave: rounds must be a positive integer');
  if (o.warmup ?? true) {
    await o.anchor();
    await o.subject();
  }
  const anchorRuns: A[] = [];
  const subjectRuns: S[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const a = await o.anchor();
    const s = await o.subject();
    anchorRuns.push(a);
    subjectRuns.push(s);
    const am = wallOf(a);
    const sm = wallOf(s);
    ratios.push(sm / am);
    o.onRound?.(r, am, sm);
  }
  return {
    ratio: median(ratios),
    anchorMs: median(anchorRuns.map(wallOf)),
    subjectMs: median(subjectRuns.map(wallOf)),
    ratios,
    anchorRuns,
    subjectRuns,
  };
}

/** Output of a child process run to completion. */
interface ChildOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

/** Spawns `cmd args`, collects its output, and times it from spawn to exit. */
function runTimed(cmd: string, args: readonly string[], keepStdout: boolean): Promise<ChildOutput> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: performance.now() - t0,
      });
    });
  });
}

/**
 * Wall time of `tcpdump -r FILE -w /dev/null FILTER` (process spawn to exit), the anchor of the
 * replay benchmarks. Throws if tcpdump fails.
 */
export async function tcpdumpWallMs(file: string, filter = 'tcp dst port 80'): Promise<number> {
  const tcpdump = ensureTool('tcpdump');
  const r = await runTimed(tcpdump, ['-r', file, '-w', '/dev/null', filter], false);
  if (r.code !== 0) throw new BenchChildError(`tcpdump exited with ${r.code}: ${r.stderr.trim()}`, r.code, r.stderr);
  return r.wallMs;
}

/** The `portcullis` command as users run it (bin/portcullis.cjs, which runs the bundled CLI). */
export const PORTCULLIS_BIN = join(REPO_ROOT, 'bin', 'portcullis.cjs');

/**
 * Times `portcullis replay FILE --config CONFIG --no-summary` (no debug output, nothing on
 * stdout) from spawn to exit: the process a user runs, without the benchmark child's
 * instrumentation.
 */
export async function cliReplayWallMs(file: string, configPath: string): Promise<number> {
  const r = await runTimed(process.execPath, [PORTCULLIS_BIN, 'replay', file, '--config', configPath, '--no-summary'], false);
  if (r.code !== 0) throw new BenchChildError(`portcullis replay exited with ${r.code}: ${r.stderr.trim()}`, r.code, r.stderr);
  return r.wallMs;
}

/** How the replay child processes the capture. */
export type ReplayMode =
  /** The CLI's `runReplay` (the full engine), as `portcullis replay` runs it without debug. */
  | 'engine'
  /** `PcapReader` + `decodePacket` only (parse cost, no decisions). */
  | 'decode'
  /** A plain pcap walk with DataView reads and a `tcp dst port 80` test (the JavaScript floor). */
  | 'scan';

/** Options of {@link replayWallMs}. */
export interface ReplayRunOptions {
  /** Default 'engine'. */
  readonly mode?: ReplayMode;
  /** Packets before the steady state begins (scavenges after it count as steady-state). */
  readonly warmupPackets?: number;
  /**
   * Start the child with `--expose-gc`: it then empties the young generation when the warm-up
   * ends, so that the steady state is judged by its own allocation.
   */
  readonly exposeGc?: boolean;
  /** Pass-through to `runReplay`: pre-authenticated hosts and dynamic entries per host. */
  readonly preauthHosts?: number;
  readonly entriesPerHost?: number;
  /** Extra node flags for the child (e.g. `--max-semi-space-size=…`). */
  readonly nodeFlags?: readonly string[];
}

/** One replay child run. */
export interface ReplayRun {
  /** Whole child process, spawn to exit (compared with tcpdump's, which also includes start-up). */
  readonly wallMs: number;
  /** The replay loop alone, as the child measured it. */
  readonly loopMs: number;
  readonly mode: ReplayMode;
  readonly packets: number;
  /** Loop time per packet. */
  readonly nsPerPacket: number;
  /** Packets per second of the loop. */
  readonly packetsPerSecond: number;
  /** Minor (scavenge) GCs during the whole loop. */
  readonly scavenges: number;
  /** Scavenges after the warm-up. */
  readonly scavengesSteady: number;
  /** Major (mark-sweep-compact) GCs during the loop. */
  readonly majorGcs: number;
  /** Young-generation bytes allocated in the steady state (-1: unknown, a collection happened). */
  readonly steadyYoungBytes: number;
  /** Packets counted in the steady state. */
  readonly steadyPackets: number;
  /** Verdict counts, where the mode decides (engine) or matches (scan). */
  readonly forwarded?: number;
  readonly dropped?: number;
  readonly intercepted?: number;
  /** Packets `tcp dst port 80` matches (scan and decode modes). */
  readonly matched?: number;
  /** Resident set size at the end, MiB. */
  readonly rssMiB: number;
}

/** Compiled path of the replay child. */
export const REPLAY_CHILD = join(REPO_ROOT, 'dist', 'bench', 'replay-child.js');

/**
 * Replays `file` with `configPath` in a fresh `node` process running `bench/replay-child.ts`
 * (compiled) and returns its measurements: process wall time, loop time, ns/packet, and
 * scavenge counts (total and steady-state).
 */
export async function replayWallMs(file: string, configPath: string, opts: ReplayRunOptions = {}): Promise<ReplayRun> {
  const request = {
    capturePath: file,
    configPath,
    mode: opts.mode ?? 'engine',
    warmupPackets: opts.warmupPackets ?? 0,
    preauthHosts: opts.preauthHosts ?? 0,
    entriesPerHost: opts.entriesPerHost ?? 5,
  };
  const flags = [...(opts.nodeFlags ?? []), ...(opts.exposeGc === true ? ['--expose-gc'] : [])];
  const r = await runTimed(process.execPath, [...flags, REPLAY_CHILD, JSON.stringify(request)], true);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.code !== 0 || line === undefined) {
    const lines = r.stderr.trim().split('\n');
    const why = lines.find((l) => l.startsWith('replay-child: ')) ?? lines.slice(-3).join(' | ');
    throw new BenchChildError(`replay child exited with ${r.code}${line === undefined ? ' and no result' : ''}: ${why}`,
      r.code, r.stderr);
  }
  const j = JSON.parse(line) as Omit<ReplayRun, 'wallMs'>;
  return { ...j, wallMs: r.wallMs };
}

/** Formats a number with thousands separators (en-US style, for README tables). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
