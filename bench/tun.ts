/**
 * tun-throughput and tun-pps (../shared/PERFORMANCE.md): iperf3 from client to server through
 * the gateway namespace of the benchmark topology, one TCP stream and 64-byte UDP datagrams, for
 * each data plane in turn (bench/lib/dataplanes.ts): kernel forwarding, the C reflector without
 * and with offloads, and `portcullis run` without and with offloads for an authenticated host
 * behind a 1,000-entry interface ACL. The data planes alternate within every round (A B A B …),
 * and each target is the median of the per-round ratios to its anchor:
 *
 * - gateway with offloads, TCP ≥ 0.7× kernel forwarding;
 * - gateway without offloads ≥ 0.9× the C reflector without offloads, TCP and 64-byte UDP.
 *
 * Beside the rates: the CPU time the data-plane process used per packet or per MB (from
 * /proc/PID/stat), which is less noisy than the rates on a shared machine, and its system calls
 * and wake-ups, counted by perf in one more run per data plane after the rounds: counting them
 * slows every process of the machine down (bench/lib/plane-probe.ts), so the runs whose rates
 * are compared are never counted that way, and the counted runs' rates are compared with
 * nothing. Needs root (network
 * namespaces, TUN devices); without it the benchmark says so and does nothing. The namespaces
 * are removed on every exit path, a signal included.
 *
 * `node dist/bench/tun.js [--quick] [--rounds N] [--seconds S] [--workloads tcp,udp] [--planes kernel,c-plain,…]` runs it alone
 * (the ratios need both their sides among the planes); `bench/run.ts` calls {@link runTun}.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Topology } from '../src/netns/topology.js';
import { TUN_OFFLOADS_ALL } from '../src/io/tun.js';
import { markdownTable } from './run.js';
import { ensureTool, median } from './lib/harness.js';
import { runIperfClient, startIperfServer } from './lib/iperf.js';
import type { IperfRun } from './lib/iperf.js';
import { REFLECTOR_ROUTES, cReflector, kernelForwarding } from './lib/dataplanes.js';
import { startProbe } from './lib/plane-probe.js';
import type { PlaneCost } from './lib/plane-probe.js';
import type { DataPlane } from './lib/dataplanes.js';
import { gatewayCli, gatewayDataPlanes } from './lib/gateway-plane.js';
import { gatewayConfig } from './lib/gateway-config.js';
import { withLiveScope } from './lib/live-scope.js';

/** The workloads: one TCP stream, 64-byte UDP. */
export type TunWorkload = 'tcp' | 'udp';

/** One data plane's run of one workload in one round. */
export interface TunSample {
  readonly plane: string;
  readonly workload: TunWorkload;
  readonly round: number;
  readonly run: IperfRun;
  /** What the run cost the data-plane process (undefined for kernel forwarding). */
  readonly cost: PlaneCost | undefined;
  /** Bytes per skb the client's stack put on the gateway's ingress veth (a super-packet counts once). */
  readonly ingressBytesPerSkb: number;
  /** A run with the system calls counted: its rate is slowed down and compared with nothing. */
  readonly instrumented: boolean;
}

/** A target or an orientation ratio: subject / anchor, per round and the median. */
export interface TunRatio {
  readonly workload: TunWorkload;
  readonly subject: string;
  readonly anchor: string;
  readonly perRound: readonly number[];
  readonly median: number;
  /** The target (≥), or undefined for an orientation figure. */
  readonly target: number | undefined;
}

/** What the benchmark measured. */
export interface TunResult {
  readonly samples: readonly TunSample[];
  readonly ratios: readonly TunRatio[];
  /** Data planes this build cannot run, as `id: reason` (e.g. no `run` command yet). */
  readonly unavailable: readonly string[];
  /** Data planes that failed, as `id: error` (left out of the later rounds). */
  readonly failed: readonly string[];
  readonly markdown: string;
}

/** What a live benchmark returns when it cannot run at all (not root). */
export interface NotRun {
  readonly notRun: string;
}

/** The targets of PERFORMANCE.md and the orientation ratios printed beside them. */
const COMPARISONS: ReadonlyArray<Omit<TunRatio, 'perRound' | 'median'>> = [
  { workload: 'tcp', subject: 'gw-offload', anchor: 'kernel', target: 0.7 },
  { workload: 'tcp', subject: 'gw-plain', anchor: 'c-plain', target: 0.9 },
  { workload: 'udp', subject: 'gw-plain', anchor: 'c-plain', target: 0.9 },
  { workload: 'tcp', subject: 'gw-offload', anchor: 'c-offload', target: undefined },
  { workload: 'udp', subject: 'gw-offload', anchor: 'c-offload', target: undefined },
  { workload: 'tcp', subject: 'c-offload', anchor: 'kernel', target: undefined },
  { workload: 'tcp', subject: 'c-plain', anchor: 'kernel', target: undefined },
  { workload: 'udp', subject: 'c-plain', anchor: 'kernel', target: undefined },
];

/** Whether this process may make namespaces and TUN devices. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Runs the benchmark. `quick`: one round of one-second runs (a smoke run); else 5 rounds of
 * two-second runs (TCP after one omitted second).
 */
export async function runTun(opts: {
  quick: boolean;
  log: (line: string) => void;
  workloads?: readonly TunWorkload[];
  /** Data plane ids to run (default: all). */
  planes?: readonly string[];
  /** Rounds (default: 1 quick, else 5). */
  rounds?: number;
  /** Seconds measured per run (default: 1 quick, else 2). */
  seconds?: number;
}): Promise<TunResult | NotRun> {
  if (!isRoot()) return { notRun: 'needs root (network namespaces and TUN devices)' };
  const iperf3 = ensureTool('iperf3');
  const workloads = opts.workloads ?? ['tcp', 'udp'];
  const rounds = opts.rounds ?? (opts.quick ? 1 : 5);
  const seconds = opts.seconds ?? (opts.quick ? 1 : 2);
  const cli = gatewayCli();
  // A build whose gateway runs no login service cannot authenticate the client: the ACL lets it through instead.
  return withLiveScope('bench-tun', async ({ topo, files, track }) => {
    const server = await startIperfServer(topo, iperf3, track);
    try {
      const gw = gatewayDataPlanes(topo, files, track, cli);
      const planes: DataPlane[] = [
        kernelForwarding(), cReflector(topo, 0, track), ...gw.planes.filter((p) => p.id === 'gw-plain'),
        cReflector(topo, TUN_OFFLOADS_ALL, track), ...gw.planes.filter((p) => p.id === 'gw-offload'),
      ].filter((p) => opts.planes === undefined || opts.planes.includes(p.id));
      const unavailable = gw.unavailable;
      const failed: string[] = [];
      const samples: TunSample[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const plane of planes) {
          if (failed.some((m) => m.startsWith(`${plane.id}:`))) continue;
          try {
            await plane.start();
            for (const workload of workloads) {
              samples.push(await measure(topo, iperf3, plane, workload, round, seconds, track, false));
              const s = samples[samples.length - 1]!;
              opts.log(`tun: round ${round + 1}: ${plane.id} ${workload} ${describe(s)}`);
            }
          } catch (e) {
            const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
            opts.log(`tun: round ${round + 1}: ${plane.id} failed: ${msg}`);
            failed.push(`${plane.id}: ${msg}`);
          } finally {
            await plane.stop();
          }
        }
      }
      // One counted run per process-backed data plane and workload: where its time goes.
      for (const plane of planes) {
        if (plane.id === 'kernel' || failed.some((m) => m.startsWith(`${plane.id}:`))) continue;
        try {
          await plane.start();
          for (const workload of workloads) {
            samples.push(await measure(topo, iperf3, plane, workload, rounds, seconds, track, true));
            opts.log(`tun: counted run: ${plane.id} ${workload} ${describe(samples[samples.length - 1]!)}`);
          }
        } catch (e) {
          opts.log(`tun: counted run: ${plane.id} failed: ${e instanceof Error ? e.message.split('\n')[0]! : String(e)}`);
        } finally {
          await plane.stop();
        }
      }
      const ratios = computeRatios(samples, rounds);
      const notes = cli.run && !cli.login
        ? ['the client is not logged in: this build\'s gateway runs no login service, so the inside ACL\'s entry 999 permits the '
          + 'server (the unauthenticated host\'s ACL path, not the authenticated host\'s)']
        : [];
      return { samples, ratios, unavailable, failed, markdown: formatTun(samples, ratios, unavailable, rounds, seconds, notes) };
    } finally {
      await server.stop();
    }
  }, gatewayConfig(undefined, { permitServer: cli.run && !cli.login }));
}

async function measure(topo: Topology, iperf3: string, plane: DataPlane, workload: TunWorkload, round: number,
  seconds: number, track: (p: ChildProcess) => void, instrumented: boolean): Promise<TunSample> {
  const pid = plane.pid();
  // The gateway's TUN devices and the reflector's have the same names (pc-g1, pc-g2).
  const probe = await startProbe(topo, pid, REFLECTOR_ROUTES.map((r) => r.tun), track, instrumented);
  const run = await runIperfClient(topo, iperf3, { protocol: workload, seconds }, track);
  const cost = await probe.stop();
  return { plane: plane.id, workload, round, run, cost: pid === undefined ? undefined : cost,
    ingressBytesPerSkb: cost.ingressPackets > 0 ? cost.ingressBytes / cost.ingressPackets : NaN, instrumented };
}

/** The figure a workload is judged by: Gbit/s for TCP, received packets/s for UDP. */
function figure(s: TunSample): number {
  return s.workload === 'tcp' ? s.run.bitsPerSecond : s.run.packetsPerSecond;
}

function describe(s: TunSample): string {
  const c = s.cost;
  const cpu = (c === undefined ? '' : `, data plane ${c.cpuSeconds.toFixed(2)} s CPU, ${c.packetsRead} packets read `
    + `(${Math.round(c.bytesRead / Math.max(1, c.packetsRead))} B each; from the client's side ${c.firstPacketsRead} of `
    + `${Math.round(c.firstBytesRead / Math.max(1, c.firstPacketsRead))} B)`
    + (s.instrumented ? `, ${c.syscalls} syscalls, ${c.waits} wake-ups` : ''))
    + `, ${Math.round(s.ingressBytesPerSkb)} B per skb in from the client`;
  return s.workload === 'tcp'
    ? `${(s.run.bitsPerSecond / 1e9).toFixed(2)} Gbit/s (${s.run.retransmits} retransmits${cpu})`
    : `${Math.round(s.run.packetsPerSecond).toLocaleString('en-US')} packets/s received (${s.run.sent} sent, ${s.run.lost} lost${cpu})`;
}

/** Per-round ratios of every comparison whose two sides both ran in that round. */
export function computeRatios(samples: readonly TunSample[], rounds: number): TunRatio[] {
  const out: TunRatio[] = [];
  for (const c of COMPARISONS) {
    const perRound: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const s = samples.find((x) => x.round === r && !x.instrumented && x.plane === c.subject && x.workload === c.workload);
      const a = samples.find((x) => x.round === r && !x.instrumented && x.plane === c.anchor && x.workload === c.workload);
      if (s !== undefined && a !== undefined && figure(a) > 0) perRound.push(figure(s) / figure(a));
    }
    if (perRound.length > 0) out.push({ ...c, perRound, median: median(perRound) });
  }
  return out;
}

const PLANE_LABELS: Readonly<Record<string, string>> = {
  'kernel': 'kernel forwarding',
  'c-plain': 'C reflector, no offload',
  'c-offload': 'C reflector, offloads',
  'gw-plain': 'portcullis run, no offload',
  'gw-offload': 'portcullis run, offloads',
};

/** The README tables: rates per data plane (median, spread) and the ratios with their targets. */
export function formatTun(samples: readonly TunSample[], ratios: readonly TunRatio[], unavailable: readonly string[],
  rounds: number, seconds: number, notes: readonly string[] = []): string {
  const spread = (xs: readonly number[], f: (x: number) => string): string => {
    const ys = xs.filter((x) => Number.isFinite(x));
    return ys.length === 0 ? '—' : ys.length === 1 ? f(ys[0]!) : `${f(median(ys))} (${f(Math.min(...ys))}–${f(Math.max(...ys))})`;
  };
  const rows: string[][] = [];
  const costRows: string[][] = [];
  for (const plane of Object.keys(PLANE_LABELS)) {
    const tcp = samples.filter((s) => s.plane === plane && !s.instrumented && s.workload === 'tcp');
    const udp = samples.filter((s) => s.plane === plane && !s.instrumented && s.workload === 'udp');
    if (tcp.length === 0 && udp.length === 0) continue;
    rows.push([PLANE_LABELS[plane]!, spread(tcp.map((s) => s.run.bitsPerSecond), (x) => (x / 1e9).toFixed(2)),
      spread(tcp.map((s) => s.ingressBytesPerSkb), (x) => (x / 1e3).toFixed(1)),
      spread(udp.map((s) => s.run.packetsPerSecond), (x) => (x / 1e3).toFixed(1)),
      spread(udp.map((s) => (s.run.lost / Math.max(1, s.run.sent)) * 100), (x) => `${x.toFixed(0)} %`)]);
    for (const [workload, xs, w] of [['TCP', tcp, 'tcp'], ['UDP 64 B', udp, 'udp']] as const) {
      const costs = xs.map((s) => s.cost).filter((c): c is PlaneCost => c !== undefined && c.packetsRead > 0);
      if (costs.length === 0) continue;
      // System calls and wake-ups: from the counted run (its own packets as the denominator).
      const counted = samples.filter((s) => s.plane === plane && s.instrumented && s.workload === w)
        .map((s) => s.cost).filter((c): c is PlaneCost => c !== undefined && c.packetsRead > 0);
      costRows.push([PLANE_LABELS[plane]!, workload,
        spread(costs.map((c) => c.packetsRead / seconds), (x) => (x / 1e3).toFixed(1)),
        spread(costs.map((c) => c.firstBytesRead / c.firstPacketsRead), (x) => (x / 1e3).toFixed(1)),
        spread(counted.map((c) => c.packetsRead / c.waits), (x) => x.toFixed(1)),
        spread(counted.map((c) => c.syscalls / c.packetsRead), (x) => x.toFixed(2)),
        spread(counted.map((c) => c.syscalls / c.firstPacketsRead), (x) => x.toFixed(2)),
        spread(costs.map((c) => c.cpuSeconds * 1e6 / c.packetsRead), (x) => x.toFixed(1)),
        workload === 'TCP'
          ? spread(xs.filter((s) => s.cost !== undefined).map((s) => s.cost!.cpuSeconds / (s.run.bitsPerSecond * s.run.seconds / 8 / 1e9)), (x) => x.toFixed(2))
          : '—']);
    }
  }
  let md = `${rounds} interleaved round${rounds === 1 ? '' : 's'}, ${seconds} s per run; median (min–max) over the rounds.\n\n`;
  md += markdownTable(['data plane', 'TCP Gbit/s', 'TCP kB per skb from the client', 'UDP 64 B, kpackets/s received', 'UDP lost'], rows);
  md += '\n';
  const rrows = ratios.map((r) => [`${PLANE_LABELS[r.subject]} ÷ ${PLANE_LABELS[r.anchor]}`, r.workload === 'tcp' ? 'TCP' : 'UDP 64 B',
    `**${r.median.toFixed(2)}×**`, r.perRound.map((x) => x.toFixed(2)).join(', '),
    r.target === undefined ? '(orientation)' : `≥ ${r.target}× ${r.median >= r.target ? '✓' : '✗'}`]);
  md += markdownTable(['ratio', 'workload', 'median', 'per round', 'target'], rrows);
  if (costRows.length > 0) {
    md += '\nWhere the data plane\'s time goes (its process: TUN packets read, a super-packet once, from both devices: '
      + 'for TCP the client\'s super-packets from the inside one, the server\'s ACKs from the outside one; CPU from /proc, its '
      + 'system calls\' kernel work included; packets per wake-up and system calls counted by perf on the syscall tracepoints '
      + 'in one more run per data plane, whose rate is left out above because the counting slows every process down):\n\n';
    md += markdownTable(['data plane', 'workload', 'kpackets/s read', 'kB per packet read from the client\'s side',
      'packets per wake-up', 'syscalls per packet', 'syscalls per packet from the client\'s side', 'CPU µs per packet',
      'CPU s per GB'], costRows);
  }
  if (unavailable.length + notes.length > 0) {
    md += '\n' + unavailable.map((m) => `- not run: ${m}\n`).join('') + notes.map((m) => `- note: ${m}\n`).join('');
  }
  return md;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const rounds = arg('--rounds');
  const seconds = arg('--seconds');
  runTun({
    quick: process.argv.includes('--quick'), log: (l) => { process.stderr.write(l + '\n'); },
    workloads: arg('--workloads')?.split(',') as TunWorkload[] | undefined, planes: arg('--planes')?.split(','),
    rounds: rounds === undefined ? undefined : Number(rounds),
    seconds: seconds === undefined ? undefined : Number(seconds),
  })
    .then((r) => {
      if ('notRun' in r) { process.stdout.write(`tun: not run: ${r.notRun}\n`); return; }
      process.stdout.write(r.markdown + r.failed.map((f) => `- ✗ failed: ${f}\n`).join(''));
      if (r.failed.length > 0) process.exitCode = 1;
    }, (e: unknown) => {
      process.stderr.write(`tun: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
