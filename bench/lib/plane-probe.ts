/**
 * Where a TUN data plane's time goes during one measured run: the packets it read from and wrote
 * to its TUN devices (the kernel's counters of the devices: a super-packet counts once), the CPU
 * time of its process (/proc/PID/stat, all threads, the kernel work of its system calls
 * included), and, where `perf` is installed, its system calls by kind (`perf stat` on the
 * syscall tracepoints, all threads): the readiness waits (poll, epoll) are its wake-ups, so
 * packets per wake-up is the batch size it actually saw.
 *
 * Counting system calls is not free: while any syscall tracepoint is enabled, every thread of the
 * machine (iperf3's sender and receiver included) takes the kernel's slow system-call path, which
 * cost the TUN data planes 5–8 % of their TCP rate here while kernel forwarding (no process to
 * count) ran untraced. So it is asked for only in runs whose rates are not compared.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Topology } from '../../src/netns/topology.js';
import { TOPOLOGY_ADDRESSES } from '../../src/netns/topology.js';
import { cpuSeconds } from './dataplanes.js';
import { whichTool } from './harness.js';

/** What one run cost the data plane. */
export interface PlaneCost {
  /** Packets the data plane read from its TUN devices (kernel tx of the devices). */
  readonly packetsRead: number;
  /** Packets it wrote back (kernel rx of the devices). */
  readonly packetsWritten: number;
  /** Bytes of the packets it read (kernel tx bytes of the devices). */
  readonly bytesRead: number;
  /**
   * Packets and bytes it read from the first device (the inside interface's: what the client
   * sends, where a TCP stream's super-packets come; the server's ACKs come from the other).
   */
  readonly firstPacketsRead: number;
  readonly firstBytesRead: number;
  /**
   * Packets (skbs: a GSO super-packet counts once) and bytes the gateway namespace received on
   * its ingress veth from the client, for every data plane, kernel forwarding included: what the
   * client's TCP stack sent, before any data plane saw it.
   */
  readonly ingressPackets: number;
  readonly ingressBytes: number;
  /** CPU seconds of its process. */
  readonly cpuSeconds: number;
  /** System calls of its process (NaN when not counted or without perf). */
  readonly syscalls: number;
  /** Readiness waits: poll, ppoll, epoll_wait, epoll_pwait (NaN without perf). */
  readonly waits: number;
  /** read and readv calls (NaN without perf). */
  readonly reads: number;
  /** write and writev calls (NaN without perf). */
  readonly writes: number;
}

const WAITS = ['poll', 'ppoll', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2'];
const READS = ['read', 'readv'];
const WRITES = ['write', 'writev'];

/** The tracepoints this kernel has, of those counted (perf refuses the whole list for one unknown). */
function events(): string[] {
  const root = ['/sys/kernel/tracing/events', '/sys/kernel/debug/tracing/events'].find((d) => existsSync(d));
  if (root === undefined) return [];
  return ['raw_syscalls/sys_enter', ...[...WAITS, ...READS, ...WRITES].map((s) => `syscalls/sys_enter_${s}`)]
    .filter((e) => existsSync(`${root}/${e}`)).map((e) => e.replace('/', ':'));
}

/** Packets and bytes the devices `tuns` sent (tx) and received (rx) so far. */
function linkStats(topo: Topology, devs: readonly string[]): { tx: number; txBytes: number; rx: number; rxBytes: number } {
  let tx = 0;
  let rx = 0;
  let txBytes = 0;
  let rxBytes = 0;
  for (const t of devs) {
    try {
      const s = (JSON.parse(topo.exec('gateway', ['ip', '-s', '-j', 'link', 'show', t])) as
        Array<{ stats64: { rx: { packets: number; bytes: number }; tx: { packets: number; bytes: number } } }>)[0]!.stats64;
      tx += s.tx.packets;
      rx += s.rx.packets;
      txBytes += s.tx.bytes;
      rxBytes += s.rx.bytes;
    } catch {
      // No such device (the kernel-forwarding run).
    }
  }
  return { tx, txBytes, rx, rxBytes };
}

/** A probe started before a run; `stop` after it returns the run's cost. */
export interface PlaneProbe {
  stop(): Promise<PlaneCost>;
}

/**
 * Starts counting for process `pid` (undefined: the kernel forwards, nothing to count) and the
 * TUN devices `tuns` in the gateway namespace; its system calls too when `syscalls` is set (see
 * the file comment: that slows every process down). `track` gets the perf process.
 */
export async function startProbe(topo: Topology, pid: number | undefined, tuns: readonly string[],
  track: (p: ChildProcess) => void, syscalls: boolean): Promise<PlaneProbe> {
  const before = linkStats(topo, tuns);
  const first0 = linkStats(topo, tuns.slice(0, 1));
  const ingress0 = linkStats(topo, [TOPOLOGY_ADDRESSES.insideIf]);
  const cpu0 = cpuSeconds(pid);
  const perfPath = pid === undefined || !syscalls ? undefined : whichTool('perf');
  const wanted = perfPath === undefined ? [] : events();
  let perf: ChildProcess | undefined;
  let perfText = '';
  if (perfPath !== undefined && pid !== undefined && wanted.length > 0) {
    perf = spawn(perfPath, ['stat', '-x', ',', '--no-big-num', '-e', wanted.join(','), '-p', String(pid)],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    track(perf);
    perf.stderr!.on('data', (d: Buffer) => { perfText += d.toString('utf8'); });
    // perf attaches asynchronously; give it a moment so the run is counted whole.
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    stop: async () => {
      const cpu = cpuSeconds(pid) - cpu0;
      const after = linkStats(topo, tuns);
      const first = linkStats(topo, tuns.slice(0, 1));
      const ingress = linkStats(topo, [TOPOLOGY_ADDRESSES.insideIf]);
      let counts = new Map<string, number>();
      if (perf !== undefined && perf.exitCode === null) {
        const exited = new Promise((r) => perf!.on('close', r));
        perf.kill('SIGINT');
        await exited;
        counts = parsePerfStat(perfText);
      }
      const sum = (names: readonly string[]): number =>
        counts.size === 0 ? NaN : names.reduce((a, n) => a + (counts.get(`syscalls:sys_enter_${n}`) ?? 0), 0);
      return {
        packetsRead: after.tx - before.tx, packetsWritten: after.rx - before.rx, bytesRead: after.txBytes - before.txBytes,
        firstPacketsRead: first.tx - first0.tx, firstBytesRead: first.txBytes - first0.txBytes,
        ingressPackets: ingress.rx - ingress0.rx, ingressBytes: ingress.rxBytes - ingress0.rxBytes, cpuSeconds: cpu,
        syscalls: counts.get('raw_syscalls:sys_enter') ?? NaN, waits: sum(WAITS), reads: sum(READS), writes: sum(WRITES),
      };
    },
  };
}

/** Event → count from `perf stat -x ,` output (`count,unit,event,…`; `<not supported>` left out). */
export function parsePerfStat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.split(',');
    if (f.length < 3) continue;
    const n = Number(f[0]);
    if (f[0] !== '' && Number.isFinite(n)) out.set(f[2]!, n);
  }
  return out;
}
