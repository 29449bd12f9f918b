/**
 * `portcullis run` in the benchmark topology: started in the gateway namespace on the
 * benchmarks' configuration (bench/lib/gateway-config.ts) with a state directory holding the
 * login certificate, stopped with SIGTERM, and its routing removed (`portcullis routes
 * --remove`: run leaves the prohibit rules in place, fail closed). As a data plane of the
 * throughput benchmarks (bench/lib/dataplanes.ts) it also logs the client in through the real
 * login (the intercepted page's form, POSTed over HTTPS) before any traffic is measured.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../src/netns/topology.js';
import { TOPOLOGY_ADDRESSES } from '../../src/netns/topology.js';
import { STATE_CERT_FILE } from '../../src/login/certificate.js';
import type { DataPlane } from './dataplanes.js';
import { stopChild } from './dataplanes.js';
import { BenchSetupError, PORTCULLIS_BIN, REPO_ROOT } from './harness.js';
import { waitForOutput } from './iperf.js';
import { BENCH_PASSWORD, BENCH_USER } from './gateway-config.js';
import { runLoginClient } from './login-client.js';

/** Where the benchmarks' gateway keeps its files. */
export interface GatewayFiles {
  readonly configPath: string;
  /** `run --state-dir`: the login certificate ({@link STATE_CERT_FILE}) is made or reused there. */
  readonly stateDir: string;
  /** `run --control`. */
  readonly controlPath: string;
}

/** What the built CLI can do, from its usage text. */
export interface GatewayCli {
  readonly run: boolean;
  /** The option that turns the TUN offloads off, if the CLI has one. */
  readonly noOffloadFlag: string | undefined;
  /** Whether `run` starts the HTTPS login service (the bundled CLI holds startLoginService). */
  readonly login: boolean;
}

/** Reads the built CLI's usage text. */
export function gatewayCli(): GatewayCli {
  const r = spawnSync(process.execPath, [PORTCULLIS_BIN, '--help'], { encoding: 'utf8' });
  const usage = r.stdout ?? '';
  const flag = /--no-offloads?\b/.exec(usage);
  let bundle = '';
  try { bundle = readFileSync(join(REPO_ROOT, 'dist', 'portcullis.bundle.js'), 'latin1'); } catch { /* not built */ }
  return { run: /^\s+run\b/m.test(usage), noOffloadFlag: flag === null ? undefined : flag[0], login: bundle.includes('startLoginService') };
}

/** A running gateway process. */
export interface GatewayProcess {
  readonly proc: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Everything it wrote to stdout so far (its debug lines, when started with `--debug`). */
  stdout(): string;
  /** SIGTERM, wait, then `portcullis routes --remove`. Never throws. */
  stop(): Promise<void>;
}

/**
 * Starts `portcullis run` in the gateway namespace and resolves when it says it runs (its
 * stderr line ending in "running"). `extraArgs`: e.g. the no-offload flag.
 */
export async function startGatewayProcess(topo: Topology, files: GatewayFiles, extraArgs: readonly string[],
  track: (p: ChildProcess) => void): Promise<GatewayProcess> {
  const proc = topo.spawn('gateway', [process.execPath, PORTCULLIS_BIN, 'run', '--config', files.configPath,
    '--state-dir', files.stateDir, '--control', files.controlPath, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  const g: GatewayProcess = {
    proc,
    stderr: () => err,
    stdout: () => out,
    stop: async () => {
      await stopChild(proc);
      try { topo.exec('gateway', [process.execPath, PORTCULLIS_BIN, 'routes', '--remove']); } catch { /* nothing installed */ }
    },
  };
  try {
    await waitForOutput(proc, /running\n/, 20_000, 'portcullis run');
  } catch (e) {
    await g.stop();
    throw e;
  }
  return g;
}

/**
 * Logs `addresses` of the client in through the gateway's login service: the intercepted page
 * from each, then its form POSTed over HTTPS. Throws a {@link BenchSetupError} when one fails.
 */
export async function loginThroughGateway(topo: Topology, files: GatewayFiles, addresses: readonly string[],
  track: (p: ChildProcess) => void): Promise<void> {
  const prep = await runLoginClient(topo, { mode: 'prepare', addresses, url: `http://${TOPOLOGY_ADDRESSES.server4}/`, concurrency: 8 }, track);
  if (prep.failures.length > 0) throw new BenchSetupError(`login page: ${prep.failures[0]}`);
  const r = await runLoginClient(topo, {
    mode: 'login', forms: prep.forms!, user: BENCH_USER, password: BENCH_PASSWORD,
    caPath: join(files.stateDir, STATE_CERT_FILE), concurrency: 8,
  }, track);
  if (r.failures.length > 0) throw new BenchSetupError(`login: ${r.failures[0]}`);
}

/**
 * The gateway's data planes (gw-plain, gw-offload) for the throughput benchmarks, and the
 * reasons (as `id: reason`) of those this build cannot run.
 */
export function gatewayDataPlanes(topo: Topology, files: GatewayFiles, track: (p: ChildProcess) => void, cli = gatewayCli()):
  { planes: DataPlane[]; unavailable: string[] } {
  if (!cli.run) {
    const why = 'this build of portcullis has no `run` command';
    return { planes: [], unavailable: [`gw-plain: ${why}`, `gw-offload: ${why}`] };
  }
  const plane = (id: 'gw-plain' | 'gw-offload', args: readonly string[]): DataPlane => {
    let g: GatewayProcess | undefined;
    return {
      id,
      label: `portcullis run, ${id === 'gw-plain' ? 'no offload' : 'offloads'}`,
      start: async () => {
        g = await startGatewayProcess(topo, files, args, track);
        // Without a login service the configuration lets the client through instead (see runTun).
        if (cli.login) await loginThroughGateway(topo, files, [TOPOLOGY_ADDRESSES.client4], track);
      },
      pid: () => g?.proc.pid,
      stop: async () => {
        await g?.stop();
        g = undefined;
      },
    };
  };
  const planes = [plane('gw-offload', [])];
  const unavailable: string[] = [];
  if (cli.noOffloadFlag !== undefined) planes.unshift(plane('gw-plain', [cli.noOffloadFlag]));
  else unavailable.push('gw-plain: `portcullis run` has no option to turn the TUN offloads off');
  return { planes, unavailable };
}
