/**
 * The replay benchmark's child process: replays one capture and prints one JSON line of
 * measurements on stdout. Started fresh for every run by `replayWallMs` (bench/lib/harness.ts)
 * with a JSON request as its only argument.
 *
 * Modes: `engine` runs the CLI's own `runReplay` (the full engine, no debug output, no
 * progress, no summary); `decode` runs `PcapReader` + `decodePacket` only; `scan` is the plain
 * DataView walk of bench/lib/pcap-scan.ts. Scavenges are counted with a `PerformanceObserver`
 * on `gc` entries of kind `NODE_PERFORMANCE_GC_MINOR`; those starting after the warm-up count
 * as steady-state.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import type { PerformanceEntry } from 'node:perf_hooks';
import type { ReplayOptions, ReplayStats } from '../src/cli/replay.js';
import { PacketMeta, FRAG_LATER, IPPROTO_TCP } from '../src/wire/packet.js';
import { decodePacket } from '../src/wire/decode.js';
import { FAULT_OK } from '../src/wire/faults.js';
import { PcapReader } from '../src/io/pcap-reader.js';
import { scanPcap } from './lib/pcap-scan.js';
import type { ScanResult } from './lib/pcap-scan.js';
import type { ReplayMode } from './lib/harness.js';

interface ChildRequest {
  readonly capturePath: string;
  readonly configPath: string;
  readonly mode: ReplayMode;
  readonly warmupPackets: number;
  readonly preauthHosts: number;
  readonly entriesPerHost: number;
}

/** `runReplay` is imported at run time, so that a missing engine dependency is reported, not a crash. */
interface ReplayModule { runReplay(o: ReplayOptions): Promise<ReplayStats> }

/** Imports a module of the project by path relative to this file, typed by the caller. */
async function importProject<T>(rel: string): Promise<T> {
  return (await import(new URL(rel, import.meta.url).href)) as T;
}

const gcStarts: number[] = [];
const gcKinds: number[] = [];

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '') as ChildRequest;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as PerformanceEntry & { detail?: { kind?: number } | null }).detail;
      gcStarts.push(e.startTime);
      gcKinds.push(detail?.kind ?? -1);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) gc();

  let warmAt = -1;
  const onWarm = (): void => { warmAt = performance.now(); };
  let packets = 0;
  let forwarded: number | undefined;
  let dropped: number | undefined;
  let intercepted: number | undefined;
  let matched: number | undefined;
  let start = 0;
  let end = 0;

  if (req.mode === 'engine') {
    const { runReplay } = await importProject<ReplayModule>('../src/cli/replay.js');
    start = performance.now();
    const opts: ReplayOptions = {
      capturePath: req.capturePath,
      configPath: req.configPath,
      debugFlags: 0,
      progress: false,
      summary: false,
      ...(req.preauthHosts > 0 ? { preauthHosts: req.preauthHosts, entriesPerHost: req.entriesPerHost } : {}),
      ...(req.warmupPackets > 0 ? { warmupPackets: req.warmupPackets, onWarmupDone: onWarm } : {}),
    };
    const s = await runReplay(opts);
    end = performance.now();
    if (s.captureError !== undefined) throw s.captureError;
    packets = s.packets;
    forwarded = s.forwarded;
    dropped = s.dropped;
    intercepted = s.intercepted;
  } else if (req.mode === 'decode') {
    const meta = new PacketMeta();
    start = performance.now();
    const reader = PcapReader.open(req.capturePath);
    let m = 0;
    let faults = 0;
    try {
      while (reader.next()) {
        if (decodePacket(reader.buf, reader.offset, reader.capturedLength, reader.linkType, meta) !== FAULT_OK) faults++;
        else if (meta.proto === IPPROTO_TCP && meta.dstPort === 80 && meta.fragment !== FRAG_LATER) m++;
        if (++packets === req.warmupPackets) onWarm();
      }
    } finally {
      reader.close();
    }
    end = performance.now();
    matched = m;
    dropped = faults;
  } else {
    const r: ScanResult = { packets: 0, matched: 0 };
    start = performance.now();
    scanPcap(req.capturePath, r, req.warmupPackets, onWarm);
    end = performance.now();
    packets = r.packets;
    matched = r.matched;
  }

  // Without a warm-up the whole run is the steady state.
  if (req.warmupPackets <= 0) warmAt = start;
  // GC entries are delivered asynchronously: let the observer catch up before counting.
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  obs.disconnect();
  let scavenges = 0;
  let scavengesSteady = 0;
  let majorGcs = 0;
  for (let i = 0; i < gcStarts.length; i++) {
    const t = gcStarts[i]!;
    if (t < start || t > end) continue;
    if (gcKinds[i] === constants.NODE_PERFORMANCE_GC_MINOR) {
      scavenges++;
      if (warmAt >= 0 && t >= warmAt) scavengesSteady++;
    } else if (gcKinds[i] === constants.NODE_PERFORMANCE_GC_MAJOR) {
      majorGcs++;
    }
  }
  const loopMs = end - start;
  const steadyPackets = warmAt >= 0 ? packets - Math.max(0, req.warmupPackets) : 0;
  const result = {
    mode: req.mode,
    loopMs,
    packets,
    nsPerPacket: packets > 0 ? (loopMs * 1e6) / packets : 0,
    packetsPerSecond: loopMs > 0 ? packets / (loopMs / 1000) : 0,
    scavenges,
    scavengesSteady,
    majorGcs,
    steadyPackets,
    ...(forwarded !== undefined ? { forwarded } : {}),
    ...(dropped !== undefined ? { dropped } : {}),
    ...(intercepted !== undefined ? { intercepted } : {}),
    ...(matched !== undefined ? { matched } : {}),
    rssMiB: process.memoryUsage.rss() / (1 << 20),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  // Stdout is a pipe (written synchronously on Linux); leftover handles must not delay the exit.
  process.exit(0);
}

main().catch((e: unknown) => {
  // First line: the message (the harness reports it); then the stack, for whoever reads stderr.
  process.stderr.write(`replay-child: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
  if (e instanceof Error && e.stack !== undefined) process.stderr.write(e.stack + '\n');
  process.exitCode = 1;
});
