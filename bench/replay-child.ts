/**
 * The replay benchmark's child process: replays one capture and prints one JSON line of
 * measurements on stdout. Started fresh for every run by `replayWallMs` (bench/lib/harness.ts)
 * with a JSON request as its only argument.
 *
 * Modes: `engine` runs the CLI's own `runReplay` (the full engine, no debug output, no
 * progress, no summary); `decode` runs `PcapReader` + `decodePacket` only; `scan` is the plain
 * DataView walk of bench/lib/pcap-scan.ts.
 *
 * Garbage collections are counted with `v8.GCProfiler`, one over the whole loop and one started
 * when the warm-up ends (steady state), both stopped synchronously when the loop returns.
 * Deliberately not a `PerformanceObserver` on `gc` entries: those are delivered asynchronously,
 * and after a long synchronous replay loop they arrived late or not at all (measured here: the
 * observer reported 0 scavenges where `--trace-gc` printed 26).
 */
import { createRequire } from 'node:module';
import { GCProfiler, getHeapSpaceStatistics } from 'node:v8';
import type { GCProfilerResult } from 'node:v8';
import type { ReplayOptions, ReplayStats } from '../src/cli/replay.js';
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

/**
 * `runReplay` comes from the bundled CLI (dist/portcullis.bundle.js, loaded as bin/portcullis.cjs
 * loads it), the code the `portcullis replay` command runs. Each mode imports only what it runs,
 * at run time (a missing engine dependency is then reported, not a crash).
 */
interface ReplayModule { runReplay(o: ReplayOptions): Promise<ReplayStats> }
/** bin/bundle-loader.cjs. */
interface BundleLoader { loadBundle(o: { useCache: boolean }): { exports: ReplayModule } }

/** V8's names of young-generation collections (scavenger, or the minor mark-sweep collector). */
const MINOR_GC_TYPES = new Set(['Scavenge', 'MinorMarkSweep', 'MinorMarkCompact']);
/** V8's name of a full collection. */
const MAJOR_GC_TYPE = 'MarkSweepCompact';

/** Bytes in use in V8's young generation ("new space"). */
function newSpaceUsed(): number {
  return getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_used_size ?? -1;
}

/** Counts young-generation and full collections in a GCProfiler result. */
function countGcs(r: GCProfilerResult | undefined): { minor: number; major: number } {
  let minor = 0;
  let major = 0;
  for (const s of r?.statistics ?? []) {
    if (MINOR_GC_TYPES.has(s.gcType)) minor++;
    else if (s.gcType === MAJOR_GC_TYPE) major++;
  }
  return { minor, major };
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '') as ChildRequest;
  // With --expose-gc the young generation is emptied when the warm-up ends, so that what the
  // steady state is measured against is its own allocation, not garbage the warm-up left (JIT
  // compilation, set-up): how full the young generation happens to be at that moment otherwise
  // decides whether a few kilobytes tip it into a scavenge.
  const gc = (globalThis as { gc?: (o: { type: 'minor' | 'major' }) => void }).gc;

  const whole = new GCProfiler();
  let steady: GCProfiler | null = null;
  let newSpaceAtWarm = -1;
  let newSpaceAtEnd = -1;
  const onWarm = (): void => {
    if (gc !== undefined) gc({ type: 'minor' });
    newSpaceAtWarm = newSpaceUsed();
    steady = new GCProfiler();
    steady.start();
  };
  const onEnd = (): void => {
    newSpaceAtEnd = newSpaceUsed();
  };
  let packets = 0;
  let forwarded: number | undefined;
  let dropped: number | undefined;
  let intercepted: number | undefined;
  let matched: number | undefined;
  let start = 0;
  let end = 0;
  let wholeGc: GCProfilerResult | undefined;
  let steadyGc: GCProfilerResult | undefined;

  if (req.mode === 'engine') {
    // The code cache is left out: V8 would reject it anyway under this process's --expose-gc.
    const { loadBundle } = createRequire(import.meta.url)('../../bin/bundle-loader.cjs') as BundleLoader;
    const { runReplay } = loadBundle({ useCache: false }).exports;
    const { preauthorize } = req.preauthHosts > 0 ? await import('./lib/preauthorize.js') : { preauthorize: null };
    whole.start();
    start = performance.now();
    const opts: ReplayOptions = {
      capturePath: req.capturePath,
      configPath: req.configPath,
      debugFlags: 0,
      progress: false,
      summary: false,
      ...(req.preauthHosts > 0 ? {
        maxHosts: 65536 + req.preauthHosts,
        beforeReplay: (engine, config) => preauthorize!(engine, config, req.capturePath, req.preauthHosts, req.entriesPerHost),
      } : {}),
      ...(req.warmupPackets > 0 ? { warmupPackets: req.warmupPackets, onWarmupDone: onWarm } : {}),
      // The collections counted are those of the run up to the end of the packet loop, not of
      // the statistics runReplay builds afterwards.
      onLoopDone: () => {
        onEnd();
        wholeGc = whole.stop();
        steadyGc = (steady as GCProfiler | null)?.stop();
      },
    };
    const s = await runReplay(opts);
    end = performance.now();
    // runReplay times its packet loop itself, after loading the config, compiling the ACLs and
    // installing any pre-authenticated hosts: that is the loop time, not end - start.
    start = end - s.wallMs;
    if (s.captureError !== undefined) throw s.captureError;
    packets = s.packets;
    forwarded = s.forwarded;
    dropped = s.dropped;
    intercepted = s.intercepted;
  } else if (req.mode === 'decode') {
    const [{ PacketMeta, FRAG_LATER, IPPROTO_TCP }, { decodePacket }, { FAULT_OK }, { PcapReader }] = await Promise.all([
      import('../src/wire/packet.js'), import('../src/wire/decode.js'), import('../src/wire/faults.js'),
      import('../src/io/pcap-reader.js')]);
    const meta = new PacketMeta();
    whole.start();
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
    onEnd();
    end = performance.now();
    wholeGc = whole.stop();
    steadyGc = (steady as GCProfiler | null)?.stop();
    matched = m;
    dropped = faults;
  } else {
    const { scanPcap } = await import('./lib/pcap-scan.js');
    const r: ScanResult = { packets: 0, matched: 0 };
    whole.start();
    start = performance.now();
    scanPcap(req.capturePath, r, req.warmupPackets, onWarm);
    onEnd();
    end = performance.now();
    wholeGc = whole.stop();
    steadyGc = (steady as GCProfiler | null)?.stop();
    packets = r.packets;
    matched = r.matched;
  }

  // Without a warm-up the whole run is the steady state.
  if (req.warmupPackets <= 0) steadyGc = wholeGc;
  const all = countGcs(wholeGc);
  const steadyCounts = countGcs(steadyGc);
  const reachedWarm = steadyGc !== undefined;
  const loopMs = end - start;
  const steadyPackets = reachedWarm ? packets - Math.max(0, req.warmupPackets) : 0;
  const result = {
    mode: req.mode,
    loopMs,
    packets,
    nsPerPacket: packets > 0 ? (loopMs * 1e6) / packets : 0,
    packetsPerSecond: loopMs > 0 ? packets / (loopMs / 1000) : 0,
    scavenges: all.minor,
    scavengesSteady: steadyCounts.minor,
    // Bytes the steady state allocated on the young generation (known when no collection
    // happened in it; -1 otherwise).
    steadyYoungBytes: reachedWarm && newSpaceAtWarm >= 0 && steadyCounts.minor === 0 && steadyCounts.major === 0
      ? Math.max(0, newSpaceAtEnd - newSpaceAtWarm) : -1,
    majorGcs: all.major,
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
