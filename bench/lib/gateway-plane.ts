/**
 * `portcullis run` as a data plane of the live benchmarks (bench/lib/dataplanes.ts), without
 * and with offloads.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import type { Topology } from '../../src/netns/topology.js';
import type { DataPlane } from './dataplanes.js';
import { PORTCULLIS_BIN } from './harness.js';

/** Whether the built CLI has a `run` command. */
export function gatewayAvailable(): boolean {
  const r = spawnSync(process.execPath, [PORTCULLIS_BIN, '--help'], { encoding: 'utf8' });
  return /^\s+run\b/m.test(r.stdout ?? '');
}

/**
 * The gateway's data planes (gw-plain, gw-offload), or the reason each cannot run (as
 * `id: reason`).
 */
export function gatewayDataPlanes(topo: Topology, track: (p: ChildProcess) => void): { planes: DataPlane[]; unavailable: string[] } {
  void topo;
  void track;
  if (!gatewayAvailable()) {
    const why = 'this build of portcullis has no `run` command';
    return { planes: [], unavailable: [`gw-plain: ${why}`, `gw-offload: ${why}`] };
  }
  return { planes: [], unavailable: ['gw-plain: not wired yet', 'gw-offload: not wired yet'] };
}
