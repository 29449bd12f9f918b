/**
 * aaa (issue "AAA", point 9): logins per second end to end through `portcullis run` when the
 * password is checked by a RADIUS server (Debian's FreeRADIUS, threaded and quiet, started by the
 * benchmark on the gateway namespace's loopback: bench/lib/freeradius.ts) or a TACACS+ server
 * (the project's test server, bench/lib/tacacs-server.ts, as a separate process there too), against the local user (scrypt, as bench/logins.ts) and a bare `node:https` server
 * doing the handshake, POST parse and local password check (bench/lib/bare-login-server.ts), all
 * in the same run: each round runs bare, local, RADIUS and TACACS+ one after the other, each a
 * fresh gateway process on the benchmarks' configuration (bench/lib/gateway-config.ts) with only
 * its `aaa authentication login default` / `aaa authorization auth-proxy default` lines
 * changed. Every login is what bench/logins.ts times: for each client address, a new TLS
 * connection to the login service, the POST, the AAA check, the ACL install, the answer, and the
 * first packet through the gateway.
 *
 * Latency: of the whole login (as the client sees it) and of the AAA call alone — from the
 * gateway's `debug ip auth-proxy http` lines "AAA request for user …" and "AAA response for
 * user …" of the same client (`run --debug http`; millisecond timestamps) — as p50, p90 and p99
 * over every round's logins.
 *
 * Needs root; without it the benchmark says so and does nothing. `node dist/bench/aaa.js
 * [--quick]` runs it alone; `bench/run.ts` calls {@link runAaa}.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TOPOLOGY_ADDRESSES } from '../src/netns/topology.js';
import type { Topology } from '../src/netns/topology.js';
import { markdownTable } from './run.js';
import { median, REPO_ROOT } from './lib/harness.js';
import { waitForOutput } from './lib/iperf.js';
import { BENCH_PASSWORD, BENCH_USER, gatewayConfig } from './lib/gateway-config.js';
import { withLiveScope } from './lib/live-scope.js';
import { spawnFreeRadius } from './lib/freeradius.js';
import type { GatewayFiles } from './lib/gateway-plane.js';
import type { LoginClientAnswer } from './lib/login-client.js';
import { bareRound, gatewayRound, prepareLogins } from './logins.js';
import type { NotRun } from './tun.js';
import { isRoot } from './tun.js';

/** The sides of a round, in run order. */
export const AAA_SIDES = ['bare', 'local', 'radius', 'tacacs'] as const;
export type AaaSide = typeof AAA_SIDES[number];

/** One side's timed logins in one round. */
export interface AaaSample {
  readonly side: AaaSide;
  readonly round: number;
  readonly logins: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Each login's milliseconds as the client saw it. */
  readonly loginMs: readonly number[];
  /** Each login's AAA call in milliseconds (the gateway's debug lines; none for bare). */
  readonly aaaMs: readonly number[];
}

export interface AaaResult {
  readonly samples: readonly AaaSample[];
  readonly markdown: string;
}

/** The shared key of both servers (the benchmark's own; never printed). */
const AAA_KEY = 'bench-aaa-key';

/** The entries every side's user gets (those of the local user's attribute list). */
const ENTRIES = [
  `permit tcp any host ${TOPOLOGY_ADDRESSES.server4}`,
  `permit udp any host ${TOPOLOGY_ADDRESSES.server4}`,
  `permit icmp any host ${TOPOLOGY_ADDRESSES.server4}`,
];

/** The benchmarks' configuration with the side's method lists and servers. */
export function aaaConfig(side: AaaSide, servers: { radiusPort: number; radiusAcctPort: number; tacacsPort: number }, aclEntries?: number): string {
  const base = gatewayConfig(aclEntries);
  if (side === 'bare' || side === 'local') return base;
  const method = side === 'radius' ? 'group radius' : 'group tacacs+';
  const lines = side === 'radius'
    ? [`radius-server host 127.0.0.1 auth-port ${servers.radiusPort} acct-port ${servers.radiusAcctPort} key ${AAA_KEY}`]
    : [`tacacs-server host 127.0.0.1 port ${servers.tacacsPort} key ${AAA_KEY}`];
  return base
    .replace('aaa authentication login default local', `aaa authentication login default ${method}\n${lines.join('\n')}`)
    .replace('aaa authorization auth-proxy default local', `aaa authorization auth-proxy default ${method}`);
}

/** FreeRADIUS's users file: the benchmark's user with priv-lvl 15 and the entries. */
function radiusUsers(): string {
  return `${BENCH_USER}\tCleartext-Password := "${BENCH_PASSWORD}"\n` +
    ['auth-proxy:priv-lvl=15', ...ENTRIES.map((e, i) => `auth-proxy:proxyacl#${i + 1}=${e}`)]
      .map((a) => `\tCisco-AVPair += "${a}"`).join(',\n') + '\n';
}

/** Starts the TACACS+ test server as its own process in the gateway namespace; resolves with its port. */
async function startTacacs(topo: Topology, track: (p: ChildProcess) => void): Promise<{ port: number; proc: ChildProcess }> {
  const module = pathToFileURL(join(REPO_ROOT, 'dist', 'bench', 'lib', 'tacacs-server.js')).href;
  const users = { [BENCH_USER]: { password: BENCH_PASSWORD, args: ['priv-lvl=15', ...ENTRIES.map((e, i) => `proxyacl#${i + 1}=${e}`)] } };
  const program = `import(${JSON.stringify(module)}).then(async (m) => {
  const s = await m.startTacacsTestServer({ key: ${JSON.stringify(AAA_KEY)}, users: ${JSON.stringify(users)} });
  console.log('tacacs port ' + s.port);
  process.on('SIGTERM', () => s.stop().then(() => process.exit(0)));
});`;
  const proc = topo.spawn('gateway', [process.execPath, '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  await waitForOutput(proc, /tacacs port \d+\n/, 10_000, 'TACACS+ test server');
  return { port: Number(/tacacs port (\d+)/.exec(out)![1]), proc };
}

/**
 * Runs the benchmark. `quick`: one round of 10 logins a side; else 5 rounds of 30, 8 at a time
 * (as bench/logins.ts).
 */
export async function runAaa(opts: { quick: boolean; log: (line: string) => void; rounds?: number; logins?: number }):
  Promise<AaaResult | NotRun> {
  if (!isRoot()) return { notRun: 'needs root (network namespaces and TUN devices)' };
  const rounds = opts.rounds ?? (opts.quick ? 1 : 5);
  const count = opts.logins ?? (opts.quick ? 10 : 30);
  const concurrency = 8;
  return withLiveScope('bench-aaa', async ({ topo, files, track }) => {
    const addresses = await prepareLogins(topo, files, count, track);
    const fr = await spawnFreeRadius(AAA_KEY, { ns: topo.ns.gateway, users: radiusUsers(), quiet: true });
    try {
      const tacacs = await startTacacs(topo, track);
      const servers = { radiusPort: fr.port, radiusAcctPort: fr.acctPort, tacacsPort: tacacs.port };
      const samples: AaaSample[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const side of AAA_SIDES) {
          writeFileSync(files.configPath, aaaConfig(side, servers));
          const s = side === 'bare'
            ? { answer: await bareRound(topo, files, addresses, concurrency, track), aaaMs: [] }
            : await timedGatewayRound(topo, files, addresses, concurrency, track);
          const sample: AaaSample = {
            side, round, logins: s.answer.ok, elapsedMs: s.answer.elapsedMs, perSecond: s.answer.ok / (s.answer.elapsedMs / 1000),
            loginMs: s.answer.latenciesMs, aaaMs: s.aaaMs,
          };
          samples.push(sample);
          opts.log(`aaa: round ${round + 1}: ${side} ${sample.logins} logins in ${sample.elapsedMs.toFixed(0)} ms`);
        }
      }
      return { samples, markdown: formatAaa(samples, count, concurrency) };
    } finally {
      await fr.stop();
    }
  }, aaaConfig('local', { radiusPort: 0, radiusAcctPort: 0, tacacsPort: 0 }));
}

/** A gateway round with `--debug http`, and the AAA calls' milliseconds from its debug lines. */
async function timedGatewayRound(topo: Topology, files: GatewayFiles, addresses: readonly string[], concurrency: number,
  track: (p: ChildProcess) => void): Promise<{ answer: LoginClientAnswer; aaaMs: number[] }> {
  const { answer, stdout } = await gatewayRound(topo, files, addresses, concurrency, track, ['--debug', 'http']);
  const aaaMs = aaaLatencies(stdout);
  if (aaaMs.length !== answer.ok) throw new Error(`gateway logins: ${aaaMs.length} AAA answers in the debug lines for ${answer.ok} logins`);
  return { answer, aaaMs };
}

/** Milliseconds of the day of a debug line's `*Mon D HH:MM:SS.mmm:` stamp. */
function stampMs(line: string): number | undefined {
  const m = /^\*\w+ +\d+ (\d\d):(\d\d):(\d\d)\.(\d{3}):/.exec(line);
  return m === null ? undefined : ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
}

/**
 * The AAA calls' milliseconds in `debug ip auth-proxy http` output: from each "AAA request for
 * user U from A" to the next "AAA response for user U from A:" of the same client address.
 */
export function aaaLatencies(debug: string): number[] {
  const asked = new Map<string, number>();
  const out: number[] = [];
  for (const line of debug.split('\n')) {
    const req = /AUTH-PROXY: AAA request for user .* from (\S+)$/.exec(line);
    const res = req === null ? /AUTH-PROXY: AAA response for user .*? from (\S+?): /.exec(line) : null;
    const t = stampMs(line);
    if (t === undefined) continue;
    if (req !== null) asked.set(req[1]!, t);
    else if (res !== null && asked.has(res[1]!)) {
      let ms = t - asked.get(res[1]!)!;
      if (ms < 0) ms += 86_400_000; // past midnight
      out.push(ms);
      asked.delete(res[1]!);
    }
  }
  return out;
}

/** The `p`-th percentile (0–100) of `xs`, nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const SIDE_LABELS: Record<AaaSide, string> = {
  bare: 'bare node:https (handshake, POST parse, local password check)',
  local: 'portcullis run, local user (scrypt)',
  radius: 'portcullis run, group radius (FreeRADIUS 3.2, PAP)',
  tacacs: 'portcullis run, group tacacs+ (test server, PAP + authorization)',
};

/** The README tables. */
export function formatAaa(samples: readonly AaaSample[], count: number, concurrency: number): string {
  const ms = (v: number): string => v.toFixed(v < 10 ? 1 : 0);
  const pcts = (xs: readonly number[]): string => xs.length === 0 ? '–' : [50, 90, 99].map((p) => ms(percentile(xs, p))).join(' / ');
  const bare = samples.filter((s) => s.side === 'bare').map((s) => s.perSecond);
  const rows: string[][] = [];
  for (const side of AAA_SIDES) {
    const xs = samples.filter((s) => s.side === side);
    if (xs.length === 0) continue;
    const ps = xs.map((s) => s.perSecond);
    // Per round, this side against that round's bare server.
    const ratios = xs.map((s) => s.perSecond / (samples.find((b) => b.side === 'bare' && b.round === s.round)?.perSecond ?? NaN));
    rows.push([
      SIDE_LABELS[side],
      `${median(ps).toFixed(1)} (${Math.min(...ps).toFixed(1)}–${Math.max(...ps).toFixed(1)})`,
      side === 'bare' || bare.length === 0 ? '–' : `${median(ratios).toFixed(2)}×`,
      pcts(xs.flatMap((s) => s.loginMs)),
      pcts(xs.flatMap((s) => s.aaaMs)),
    ]);
  }
  const rounds = new Set(samples.map((s) => s.round)).size;
  let md = `${count} logins a side per round, ${concurrency} at a time, each from its own address; ${rounds} round${rounds === 1 ? '' : 's'}, ` +
    'the sides one after the other in each; logins/s: median (min–max) over the rounds; latencies over every login of the side.\n\n';
  md += markdownTable(['server', 'logins/s', 'vs bare (median of rounds)', 'login ms p50 / p90 / p99', 'AAA call ms p50 / p90 / p99'], rows);
  return md;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runAaa({ quick: process.argv.includes('--quick'), log: (l) => { process.stderr.write(l + '\n'); } })
    .then((r) => { process.stdout.write('notRun' in r ? `aaa: not run: ${r.notRun}\n` : r.markdown); }, (e: unknown) => {
      process.stderr.write(`aaa: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
