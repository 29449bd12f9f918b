/**
 * Test helper: runs the real `portcullis` binary (bin/portcullis.cjs) as a user would, and
 * gives tests a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root (tests run compiled, from dist/test/cli). */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The command's entry point. */
export const bin = join(root, 'bin', 'portcullis.cjs');
export const seedPcap = join(root, 'captures', 'seed-https-authproxy.pcap');
export const seedCfg = join(root, 'captures', 'seed-https-authproxy.cfg');

/** What a run printed and how it ended. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `portcullis ARGS`, with `input` on its standard input (a pipe) when given. */
export function run(args: readonly string[], input?: Uint8Array | string): CliRun {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a shell command line (`sh -c`) with `$PORTCULLIS` set to the command, for pipelines. */
export function runShell(script: string, cwd?: string): CliRun {
  const r = spawnSync('sh', ['-c', script], {
    encoding: 'utf8', env: { ...process.env, PORTCULLIS: `${process.execPath} ${bin}` }, ...(cwd !== undefined ? { cwd } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `fn` with a fresh temporary directory, removed afterwards whatever happens. */
export function inTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
