/**
 * The gateway of the demo and the end-to-end tests: `portcullis run` as a child process inside
 * the gateway namespace, on a config written to a scratch directory, with its control socket
 * there too. Collects what it prints (the AUTH-PROXY debug lines with `--debug`), runs the
 * operator's commands (`show`, `clear`, `debug`) against its control socket, and stops it
 * (SIGTERM) or kills it (SIGKILL, for the fail-closed check).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../cli/package-root.js';
import { execInNamespace, type NsRun } from './client.js';
import { stopChild, waitForLine } from './servers.js';

export interface GatewayProcessOptions {
  /** The gateway namespace. */
  readonly ns: string;
  /** A scratch directory for the config and the control socket. */
  readonly dir: string;
  /** The running-config text. */
  readonly config: string;
  /** Start with `--debug detailed` (debug lines on stdout); a string: `--debug` with these keywords (`all`, `http,detailed` …). */
  readonly debug?: boolean | string;
  /** `--state-dir` (where the certificate is kept); none: `--no-state-dir`, a certificate in memory. */
  readonly stateDir?: string;
  /** How long start-up may take (default 20 s). */
  readonly timeoutMs?: number;
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** The control socket's path. */
  readonly controlPath: string;
  /** The debug lines printed so far (with `debug`, stdout carries nothing else). */
  debugLines(): string[];
  /** Everything printed on stdout so far. */
  stdoutText(): string;
  /** Everything printed on stderr so far. */
  stderrText(): string;
  /** Runs `portcullis ARGV --control PATH` (show, clear, debug …); resolves with its stdout, rejects when it fails. */
  control(argv: readonly string[]): Promise<string>;
  /** Runs `portcullis ARGV --control PATH` and resolves with how it ended, whatever that was. */
  controlRun(argv: readonly string[], timeoutMs?: number): Promise<NsRun>;
  /** SIGTERM, and waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

/** The `portcullis` command's entry point in this installation. */
export function portcullisBin(): string {
  return join(packageRoot().dir, 'bin', 'portcullis.cjs');
}

/** Starts the gateway; resolves once it says it is running. */
export async function startGatewayProcess(o: GatewayProcessOptions): Promise<GatewayProcess> {
  const configPath = join(o.dir, 'gateway.cfg');
  const controlPath = join(o.dir, 'control.sock');
  writeFileSync(configPath, o.config, { mode: 0o600 });
  const bin = portcullisBin();
  const args = [process.execPath, bin, 'run', '--config', configPath, '--control', controlPath];
  if (o.debug === true) args.push('--debug', 'detailed');
  else if (typeof o.debug === 'string') args.push('--debug', o.debug);
  args.push(...(o.stateDir !== undefined ? ['--state-dir', o.stateDir] : ['--no-state-dir']));
  const child = spawn('ip', ['netns', 'exec', o.ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const controlRun = (argv: readonly string[], timeoutMs = 10_000): Promise<NsRun> =>
    execInNamespace(o.ns, [process.execPath, bin, ...argv, '--control', controlPath], undefined, timeoutMs);
  const g: GatewayProcess = {
    child,
    controlPath,
    debugLines: () => stdout.split('\n').filter((l) => l !== ''),
    stdoutText: () => stdout,
    stderrText: () => stderr,
    controlRun,
    async control(argv) {
      const r = await controlRun(argv);
      if (r.status !== 0) throw new Error(`portcullis ${argv.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    stop: () => stopChild(child, 5000),
    kill() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      return exited;
    },
  };
  // `run` says "...; running" on stderr once its devices and routing are up.
  try {
    await waitForLine(child, (l) => /; running$/.test(l), o.timeoutMs ?? 20_000, 'portcullis run', 'stderr');
  } catch (e) {
    await g.stop();
    throw e;
  }
  return g;
}
