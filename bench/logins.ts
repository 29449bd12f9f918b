/**
 * logins (../shared/PERFORMANCE.md): logins per second end to end through `portcullis run` —
 * for each of many client addresses, a new TLS connection to the gateway's login service, the
 * POST of user and password, the password check (local user, scrypt), the ACL install, the
 * answer, and the first packet of a TCP connection from that address to the server passing the
 * gateway (its SYN-ACK back) — against a bare `node:https` server on the same certificate doing
 * the same handshake, POST parse and password check (bench/lib/bare-login-server.ts). Both are
 * driven by the same client (bench/lib/login-client.ts), `concurrency` logins at a time, each
 * from its own address. Before the gateway's timed logins, each address fetches the
 * intercepted login page (what a browser shows before the user presses OK: not timed).
 *
 * Rounds alternate anchor and gateway; the target is the median of the per-round ratios, ≥ 0.7.
 * Needs root; without it the benchmark says so and does nothing. The namespaces are removed on
 * every exit path, a signal included.
 *
 * `node dist/bench/logins.js [--quick]` runs it alone; `bench/run.ts` calls {@link runLogins}.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOPOLOGY_ADDRESSES } from '../src/netns/topology.js';
import type { Topology } from '../src/netns/topology.js';
import { loadConfig } from '../src/config/parse.js';
import { loadOrCreateCertificate, STATE_CERT_FILE, STATE_KEY_FILE } from '../src/login/certificate.js';
import { markdownTable } from './run.js';
import { median } from './lib/harness.js';
import { waitForOutput } from './lib/iperf.js';
import { startBareLoginServer } from './lib/bare-login-server.js';
import { BENCH_PASSWORD, BENCH_USER, FIRST_PACKET_PORT } from './lib/gateway-config.js';
import { withLiveScope } from './lib/live-scope.js';
import { gatewayCli, startGatewayProcess } from './lib/gateway-plane.js';
import type { GatewayFiles } from './lib/gateway-plane.js';
import { runLoginClient } from './lib/login-client.js';
import type { LoginClientAnswer, LoginForm } from './lib/login-client.js';
import type { NotRun } from './tun.js';
import { isRoot } from './tun.js';

/** One side's timed logins in one round. */
export interface LoginsSample {
  readonly side: 'bare' | 'gateway';
  readonly round: number;
  readonly logins: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Median milliseconds of one login (under the concurrency). */
  readonly medianMs: number;
}

export interface LoginsResult {
  readonly samples: readonly LoginsSample[];
  readonly ratios: readonly number[];
  readonly ratio: number | undefined;
  /** Why the gateway side did not run, if it did not. */
  readonly unavailable: string | undefined;
  readonly markdown: string;
}

/** PERFORMANCE.md's target: gateway ≥ 0.7× the bare server. */
export const LOGINS_TARGET = 0.7;

/** The port of the bare server and of the gateway's login service (`ip http secure-port`'s default). */
const HTTPS_PORT = 443;

/** Client addresses of the logins: 10.50.1.10 onwards. */
function clientAddresses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `10.50.1.${10 + i}`);
}

/**
 * Runs the benchmark. `quick`: one round of 10 logins; else 5 rounds of 30 logins a side, 8 at
 * a time (a login's scrypt takes ~50 ms of a thread-pool thread on the project machine, 200 ms
 * under load).
 */
export async function runLogins(opts: { quick: boolean; log: (line: string) => void }): Promise<LoginsResult | NotRun> {
  if (!isRoot()) return { notRun: 'needs root (network namespaces and TUN devices)' };
  const rounds = opts.quick ? 1 : 5;
  const count = opts.quick ? 10 : 30;
  const concurrency = 8;
  return withLiveScope('bench-login', async ({ topo, files, track }) => {
    const addresses = await prepareLogins(topo, files, count, track);
    const cli = gatewayCli();
    const unavailable = !cli.run ? 'this build of portcullis has no `run` command'
      : !cli.login ? 'this build\'s gateway runs no login service' : undefined;
    const samples: LoginsSample[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const bare = await bareRound(topo, files, addresses, concurrency, track);
      samples.push(sample('bare', round, bare));
      opts.log(`logins: round ${round + 1}: bare node:https ${bare.ok} logins in ${bare.elapsedMs.toFixed(0)} ms`);
      if (unavailable !== undefined) continue;
      const gw = (await gatewayRound(topo, files, addresses, concurrency, track)).answer;
      samples.push(sample('gateway', round, gw));
      opts.log(`logins: round ${round + 1}: portcullis run ${gw.ok} logins in ${gw.elapsedMs.toFixed(0)} ms`);
      ratios.push(samples[samples.length - 1]!.perSecond / samples[samples.length - 2]!.perSecond);
    }
    const ratio = ratios.length > 0 ? median(ratios) : undefined;
    return { samples, ratios, ratio, unavailable, markdown: formatLogins(samples, ratios, unavailable, count, concurrency) };
  });
}

/**
 * What the timed logins need in a live scope: `count` client addresses (returned), the
 * certificate both servers present (made once here, reused by the gateway from its state
 * directory), and the server's listener that the first packet after a login reaches.
 */
export async function prepareLogins(topo: Topology, files: GatewayFiles, count: number, track: (p: ChildProcess) => void): Promise<string[]> {
  const addresses = clientAddresses(count);
  topo.exec('client', ['ip', '-batch', '-'], { input: addresses.map((a) => `addr add ${a}/24 dev ${TOPOLOGY_ADDRESSES.clientIf}\n`).join('') });
  await loadOrCreateCertificate({ config: loadConfig(files.configPath), stateDir: files.stateDir });
  const listener = topo.spawn('server', [process.execPath, '-e',
    `require('node:net').createServer((s) => s.destroy()).listen(${FIRST_PACKET_PORT}, '${TOPOLOGY_ADDRESSES.server4}', () => console.log('listening'))`],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  track(listener);
  await waitForOutput(listener, /listening\n/, 5000, 'first-packet listener');
  return addresses;
}

function sample(side: 'bare' | 'gateway', round: number, a: LoginClientAnswer): LoginsSample {
  return { side, round, logins: a.ok, elapsedMs: a.elapsedMs, perSecond: a.ok / (a.elapsedMs / 1000), medianMs: median(a.latenciesMs) };
}

/** Throws with the first failure when any login of `a` failed. */
function check(what: string, a: LoginClientAnswer): LoginClientAnswer {
  if (a.failures.length > 0) throw new Error(`${what}: ${a.failures.length} failed, the first: ${a.failures[0]}`);
  return a;
}

/** One round of timed logins against the bare node:https server (the config's local user). */
export async function bareRound(topo: Topology, files: GatewayFiles, addresses: readonly string[], concurrency: number,
  track: (p: ChildProcess) => void): Promise<LoginClientAnswer> {
  const server = await startBareLoginServer(topo, {
    configPath: files.configPath, certPath: join(files.stateDir, STATE_CERT_FILE), keyPath: join(files.stateDir, STATE_KEY_FILE),
    address: TOPOLOGY_ADDRESSES.gatewayInside4, port: HTTPS_PORT,
  }, track);
  try {
    const forms: LoginForm[] = addresses.map((address) => ({ address, action: `https://${TOPOLOGY_ADDRESSES.gatewayInside4}/`, fields: {} }));
    return check('bare server logins', await runLoginClient(topo, {
      mode: 'login', forms, user: BENCH_USER, password: BENCH_PASSWORD, caPath: join(files.stateDir, STATE_CERT_FILE), concurrency,
    }, track));
  } finally {
    await server.stop();
  }
}

/**
 * One round of timed logins through a fresh `portcullis run` (its config file as it is now,
 * started with `extraArgs`): each address's login page (not timed), then the logins. Resolves
 * with the answer and what the gateway printed on stdout by then (its debug lines, with `--debug`).
 */
export async function gatewayRound(topo: Topology, files: GatewayFiles, addresses: readonly string[], concurrency: number,
  track: (p: ChildProcess) => void, extraArgs: readonly string[] = []): Promise<{ answer: LoginClientAnswer; stdout: string }> {
  const gw = await startGatewayProcess(topo, files, extraArgs, track);
  try {
    const prep = check('login pages', await runLoginClient(topo, {
      mode: 'prepare', addresses, url: `http://${TOPOLOGY_ADDRESSES.server4}/`, concurrency,
    }, track));
    const answer = check('gateway logins', await runLoginClient(topo, {
      mode: 'login', forms: prep.forms!, user: BENCH_USER, password: BENCH_PASSWORD, caPath: join(files.stateDir, STATE_CERT_FILE),
      concurrency, firstPacket: { host: TOPOLOGY_ADDRESSES.server4, port: FIRST_PACKET_PORT },
    }, track));
    // Debug lines are written once per turn of the gateway's event loop: the last ones a moment later.
    if (extraArgs.includes('--debug')) await new Promise((r) => setTimeout(r, 100));
    return { answer, stdout: gw.stdout() };
  } finally {
    await gw.stop();
  }
}

/** The README table. */
export function formatLogins(samples: readonly LoginsSample[], ratios: readonly number[], unavailable: string | undefined,
  count: number, concurrency: number): string {
  const rows: string[][] = [];
  for (const side of ['bare', 'gateway'] as const) {
    const xs = samples.filter((s) => s.side === side);
    if (xs.length === 0) continue;
    const ps = xs.map((s) => s.perSecond);
    rows.push([side === 'bare' ? 'bare node:https (handshake, POST parse, password check)' : 'portcullis run (… + ACL install + first packet through)',
      `${median(ps).toFixed(1)} (${Math.min(...ps).toFixed(1)}–${Math.max(...ps).toFixed(1)})`,
      median(xs.map((s) => s.medianMs)).toFixed(0)]);
  }
  let md = `${count} logins a side per round, ${concurrency} at a time, each from its own address; median (min–max) over the rounds.\n\n`;
  md += markdownTable(['server', 'logins/s', 'ms per login (median)'], rows);
  if (ratios.length > 0) {
    const r = median(ratios);
    md += `\n- ${r >= LOGINS_TARGET ? '✓' : '✗'} logins: **${r.toFixed(2)}×** the bare server (per round ${ratios.map((x) => x.toFixed(2)).join(', ')}; target ≥ ${LOGINS_TARGET}×)\n`;
  }
  if (unavailable !== undefined) md += `\n- not run: logins through the gateway: ${unavailable}\n`;
  return md;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runLogins({ quick: process.argv.includes('--quick'), log: (l) => { process.stderr.write(l + '\n'); } })
    .then((r) => { process.stdout.write('notRun' in r ? `logins: not run: ${r.notRun}\n` : r.markdown); }, (e: unknown) => {
      process.stderr.write(`logins: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
