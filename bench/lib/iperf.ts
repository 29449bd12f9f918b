/**
 * iperf3 in the benchmark topology (src/netns/topology.ts): one server in the server namespace
 * for the whole benchmark, and client runs from the client namespace whose JSON report
 * (`--json`) gives what the receiver got. Two workloads: one TCP stream (receiver's bits per
 * second, the first second left out as slow start), and 64-byte UDP datagrams sent as fast as
 * iperf3 can (`-u -l 64 -b 0`), of which the receiver's packets per second count.
 */
import type { ChildProcess } from 'node:child_process';
import type { Topology } from '../../src/netns/topology.js';
import { TOPOLOGY_ADDRESSES } from '../../src/netns/topology.js';
import { BenchChildError } from './harness.js';

/** The iperf3 port (its default). */
export const IPERF_PORT = 5201;

/** UDP payload bytes of the packets-per-second workload. */
export const UDP_PAYLOAD = 64;

/** What one client run measured, from the receiver's side. */
export interface IperfRun {
  /** Bits per second the receiver got (payload). */
  readonly bitsPerSecond: number;
  /** Datagrams per second the receiver got (UDP; 0 for TCP). */
  readonly packetsPerSecond: number;
  /** Datagrams sent and lost (UDP), segments retransmitted (TCP). */
  readonly sent: number;
  readonly lost: number;
  readonly retransmits: number;
  /** Seconds measured. */
  readonly seconds: number;
}

/** The iperf3 server, listening on the server's address until stopped. */
export interface IperfServer {
  stop(): Promise<void>;
}

/**
 * Starts `iperf3 -s` in the server namespace, bound to the server's address, and resolves once
 * it listens (iperf3 prints "Server listening"). `iperf3` is the tool's path; `track` gets the
 * process (the caller kills what it tracks when it fails or gets a signal).
 */
export async function startIperfServer(topo: Topology, iperf3: string, track: (p: ChildProcess) => void): Promise<IperfServer> {
  const proc = topo.spawn('server', [iperf3, '-s', '--forceflush', '-B', TOPOLOGY_ADDRESSES.server4, '-p', String(IPERF_PORT)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  await waitForOutput(proc, /Server listening/, 5000, 'iperf3 server');
  // It reports every run; read and drop that, or a full pipe would stop it.
  proc.stdout!.resume();
  proc.stderr!.resume();
  return {
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
      proc.on('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}

/** Resolves when `proc`'s stdout or stderr matches `re`; rejects if it exits or `ms` pass first. */
export function waitForOutput(proc: ChildProcess, re: RegExp, ms: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => { done(); reject(new BenchChildError(`${what}: not ready after ${ms} ms: ${text.trim().slice(-300)}`, null, text)); }, ms);
    const onData = (d: Buffer): void => {
      text += d.toString('utf8');
      const m = re.exec(text);
      if (m !== null) { done(); resolve(m[0]); }
    };
    const onExit = (code: number | null): void => {
      done();
      reject(new BenchChildError(`${what} exited with ${code}: ${text.trim().slice(-300)}`, code, text));
    };
    const done = (): void => {
      clearTimeout(timer);
      proc.stdout?.off('data', onData);
      proc.stderr?.off('data', onData);
      proc.off('exit', onExit);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', onExit);
  });
}

/** Options of one client run. */
export interface IperfClientOptions {
  readonly protocol: 'tcp' | 'udp';
  /** Seconds measured (after one omitted second for TCP). */
  readonly seconds: number;
  /** Client address to bind (default: the client's own). */
  readonly bind?: string;
}

interface IperfSum {
  readonly seconds: number;
  readonly bytes: number;
  readonly bits_per_second: number;
  readonly packets?: number;
  readonly lost_packets?: number;
  readonly retransmits?: number;
}

interface IperfJson {
  readonly error?: string;
  readonly end?: { readonly sum_sent?: IperfSum; readonly sum_received?: IperfSum };
}

/**
 * Runs one iperf3 client from the client namespace to the server and returns the receiver's
 * figures. Throws a {@link BenchChildError} when iperf3 fails (its own error text) or the
 * transfer did not happen.
 */
export async function runIperfClient(topo: Topology, iperf3: string, o: IperfClientOptions,
  track: (p: ChildProcess) => void): Promise<IperfRun> {
  const argv = [iperf3, '-c', TOPOLOGY_ADDRESSES.server4, '-p', String(IPERF_PORT), '--json', '-t', String(o.seconds),
    '--connect-timeout', '3000'];
  if (o.bind !== undefined) argv.push('-B', o.bind);
  if (o.protocol === 'tcp') argv.push('-O', '1');
  else argv.push('-u', '-l', String(UDP_PAYLOAD), '-b', '0');
  const proc = topo.spawn('client', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout!.on('data', (b: Buffer) => out.push(b));
  proc.stderr!.on('data', (b: Buffer) => err.push(b));
  const killer = setTimeout(() => proc.kill('SIGKILL'), (o.seconds + 15) * 1000);
  const code = await new Promise<number | null>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', resolve);
  }).finally(() => clearTimeout(killer));
  const text = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  let j: IperfJson;
  try {
    j = JSON.parse(text) as IperfJson;
  } catch {
    throw new BenchChildError(`iperf3 client exited with ${code} and no JSON report: ${stderr.trim().slice(-300)}`, code, stderr);
  }
  if (j.error !== undefined) throw new BenchChildError(`iperf3 ${o.protocol}: ${j.error}`, code, stderr);
  const rx = j.end?.sum_received;
  const tx = j.end?.sum_sent;
  if (rx === undefined || tx === undefined || !(rx.seconds > 0)) {
    throw new BenchChildError(`iperf3 ${o.protocol}: the report has no receiver figures`, code, stderr);
  }
  const udp = o.protocol === 'udp';
  return {
    bitsPerSecond: rx.bits_per_second,
    packetsPerSecond: udp ? rx.bytes / UDP_PAYLOAD / rx.seconds : 0,
    sent: udp ? tx.packets ?? 0 : 0,
    lost: udp ? rx.lost_packets ?? 0 : 0,
    retransmits: tx.retransmits ?? 0,
    seconds: rx.seconds,
  };
}
