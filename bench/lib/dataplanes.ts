/**
 * The data planes the live benchmarks compare, each started in the gateway namespace of the
 * benchmark topology (src/netns/topology.ts) and stopped again, so that the rounds can
 * alternate between them: plain kernel forwarding (no TUN: the ceiling), the C reflector
 * (native/reflector.c: every packet read from a TUN and written back unchanged, the floor of any
 * TUN data plane) with and without offloads, and `portcullis run` itself.
 *
 * The reflector runs over the policy routing the gateway installs (`recipes/tun-gateway.md`,
 * one TUN per interface): forwarded packets arriving on an interface go into that interface's
 * TUN, and what the data plane writes back is routed by the main table. One process serves both
 * TUN devices in one thread, as the gateway's event loop does.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../src/netns/topology.js';
import { TOPOLOGY_ADDRESSES } from '../../src/netns/topology.js';
import { BenchChildError, BenchToolError, REPO_ROOT } from './harness.js';
import { waitForOutput } from './iperf.js';

/** The C reflector's executable, built by node-gyp with the addon (native/binding.gyp). */
export const REFLECTOR_BIN = join(REPO_ROOT, 'native', 'build', 'Release', 'tun-reflector');

/** A data plane under test. */
export interface DataPlane {
  /** Short id: kernel, c-plain, c-offload, gw-plain, gw-offload. */
  readonly id: string;
  /** Words for tables. */
  readonly label: string;
  /** Starts it; resolves when packets pass (or would, once the host is authenticated). */
  start(): Promise<void>;
  /** The process id whose CPU time counts as the data plane's (undefined: the kernel's own). */
  pid(): number | undefined;
  /** Stops it and removes what it installed. Safe to call when start failed half-way. */
  stop(): Promise<void>;
}

/**
 * One TUN's policy routing: packets forwarded in through `iif` are routed into `tun` by `table`
 * (rule `priority`), and refused by a `prohibit` rule after it when the TUN is gone.
 */
export interface TunRoute {
  readonly iif: string;
  readonly tun: string;
  readonly table: number;
  readonly priority: number;
  readonly prohibitPriority: number;
}

/**
 * The reflector's devices and their routing: the gateway's own for the topology's two
 * interfaces (src/gateway/routes.ts: TUN `pc-NAME`, table and lookup rule 7100 + i, prohibit
 * rule 7300 + i), so that a packet takes the same rules and routes under either data plane.
 */
export const REFLECTOR_ROUTES: readonly TunRoute[] = [TOPOLOGY_ADDRESSES.insideIf, TOPOLOGY_ADDRESSES.outsideIf]
  .map((iif, i) => ({ iif, tun: `pc-${iif}`, table: 7100 + i, priority: 7100 + i, prohibitPriority: 7300 + i }));

/** Installs `routes` in the gateway namespace (after their TUN devices exist and are up). */
export function installTunRoutes(topo: Topology, routes: readonly TunRoute[]): void {
  for (const r of routes) {
    topo.exec('gateway', ['sysctl', '-qw', `net.ipv4.conf.${r.tun}.rp_filter=0`]);
    topo.exec('gateway', ['ip', 'rule', 'add', 'iif', r.iif, 'prohibit', 'priority', String(r.prohibitPriority)]);
    topo.exec('gateway', ['ip', 'rule', 'add', 'iif', r.iif, 'lookup', String(r.table), 'priority', String(r.priority)]);
    topo.exec('gateway', ['ip', 'route', 'replace', 'default', 'dev', r.tun, 'table', String(r.table)]);
  }
}

/** Removes the rules of `routes` (their routes go with their TUN devices). Never throws. */
export function removeTunRoutes(topo: Topology, routes: readonly TunRoute[]): void {
  for (const r of routes) {
    for (const p of [r.priority, r.prohibitPriority]) {
      try { topo.exec('gateway', ['ip', 'rule', 'del', 'priority', String(p)]); } catch { /* not installed */ }
    }
  }
}

/** Stops a child (SIGTERM, then SIGKILL after 3 s) and resolves when it has exited. */
export function stopChild(proc: ChildProcess | undefined): Promise<void> {
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => proc.kill('SIGKILL'), 3000);
    proc.on('exit', () => { clearTimeout(hard); resolve(); });
    proc.kill('SIGTERM');
  });
}

/** Plain kernel forwarding through the gateway namespace: nothing to start. */
export function kernelForwarding(): DataPlane {
  return {
    id: 'kernel', label: 'kernel forwarding (no TUN)',
    start: async () => {}, pid: () => undefined, stop: async () => {},
  };
}

/**
 * The C reflector on one TUN per interface, `offloads` the TUN_F_* mask asked for (0: no
 * virtio header). `track` gets every child started (the caller kills them on a signal).
 */
export function cReflector(topo: Topology, offloads: number, track: (p: ChildProcess) => void): DataPlane {
  let proc: ChildProcess | undefined;
  return {
    id: offloads === 0 ? 'c-plain' : 'c-offload',
    label: `C reflector, ${offloads === 0 ? 'no offload' : 'offloads (IFF_VNET_HDR, TSO/USO)'}`,
    start: async () => {
      if (!existsSync(REFLECTOR_BIN)) throw new BenchToolError('tun-reflector', `${REFLECTOR_BIN} is missing: npm run build builds it`);
      const names = REFLECTOR_ROUTES.map((r) => r.tun).join(',');
      proc = topo.spawn('gateway', [REFLECTOR_BIN, names, '1500', String(offloads)], { stdio: ['ignore', 'pipe', 'pipe'] });
      track(proc);
      const line = await waitForOutput(proc, /ready \S+ \d+\n/, 5000, 'tun-reflector');
      const accepted = Number(/(\d+)\n$/.exec(line)![1]);
      if ((accepted === 0) !== (offloads === 0)) {
        throw new BenchChildError(`tun-reflector: offloads ${offloads} asked, ${accepted} accepted`, null, line);
      }
      installTunRoutes(topo, REFLECTOR_ROUTES);
    },
    pid: () => proc?.pid,
    stop: async () => {
      await stopChild(proc);
      removeTunRoutes(topo, REFLECTOR_ROUTES);
      proc = undefined;
    },
  };
}

/** CPU seconds (user + system, all threads) a process has used so far; NaN if it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** USER_HZ: the unit of /proc/PID/stat's times (100 on every Linux architecture Node runs on). */
const CLOCK_TICKS = 100;
