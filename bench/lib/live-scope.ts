/**
 * The scope every live benchmark runs in: a client — gateway — server topology of its own
 * (src/netns/topology.ts), a temporary directory holding the gateway's files (the benchmarks'
 * configuration, the state directory, the control socket), and the child processes it starts.
 * All of it goes when the body ends, fails, or the process gets SIGINT or SIGTERM (the signal
 * is then raised again, so the process still ends by it).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, netnsPrefix, removeStaleTopologies } from '../../src/netns/topology.js';
import type { Topology } from '../../src/netns/topology.js';
import { gatewayConfig } from './gateway-config.js';
import type { GatewayFiles } from './gateway-plane.js';

export interface LiveScope {
  readonly topo: Topology;
  /** The gateway's files; the configuration is written already. */
  readonly files: GatewayFiles;
  /** Registers a child process: killed when the scope ends if it still runs. */
  track(p: ChildProcess): void;
}

/**
 * Runs `body` in a new scope whose namespaces are named `TAG-PID-…` (stale ones of dead runs
 * removed first), with `config` as the gateway's configuration.
 */
export async function withLiveScope<T>(tag: string, body: (scope: LiveScope) => Promise<T>, config = gatewayConfig()): Promise<T> {
  const children = new Set<ChildProcess>();
  const track = (p: ChildProcess): void => {
    children.add(p);
    p.on('exit', () => children.delete(p));
  };
  removeStaleTopologies(tag);
  const dir = mkdtempSync(join(tmpdir(), `portcullis-${tag}-`));
  const files: GatewayFiles = { configPath: join(dir, 'gateway.cfg'), stateDir: join(dir, 'state'), controlPath: join(dir, 'control.sock') };
  let topo: Topology | undefined;
  const end = (): void => {
    for (const p of children) p.kill('SIGKILL');
    topo?.remove();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    end();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    writeFileSync(files.configPath, config);
    topo = createTopology({ prefix: netnsPrefix(tag), ipv6: false });
    return await body({ topo, files, track });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    end();
  }
}
