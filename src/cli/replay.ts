/**
 * Replay mode (DESIGN.md §5): feeds every packet of a capture through the same engine a live
 * gateway runs, with the capture's timestamps as the clock, and prints the AUTH-PROXY debug
 * lines it would print. `--out` receives what the engine forwarded plus its own answers, as
 * raw IP packets (what it would write to the TUN device); `--dropped` the frames it dropped,
 * as they were captured.
 */
import { writeSync } from 'node:fs';
import { loadConfig } from '../config/parse.js';
import { compileAcls } from '../acl/index.js';
import { PcapReader } from '../io/pcap-reader.js';
import { PcapWriter } from '../io/pcap-writer.js';
import { LINKTYPE_RAW } from '../wire/packet.js';
import {
  Engine, VERDICT_DROP, VERDICT_FORWARD, VERDICT_INTERCEPT,
} from '../engine/engine.js';
import { COUNTER_NAMES, DROP_REASON_COUNTERS, COUNTER_EMITTED } from '../engine/counters.js';
import { AuthProxyDebugFormatter, LineBuffer } from '../log/auth-proxy-debug.js';
import { formatWarning } from '../config/tokens.js';
import { LoginInterceptApp } from '../login/intercept-app.js';
import { renderShowAuthProxyCache, renderShowAuthProxyStatistics } from '../log/show-cache.js';
import { CaptureError } from '../errors.js';
import { seededRng } from './rng.js';
import { ProgressBar } from './progress.js';

export interface ReplayOptions {
  readonly capturePath: string;
  readonly configPath: string;
  /** DEBUG_* flags to print (0 = none). */
  readonly debugFlags: number;
  readonly outPath?: string | undefined;
  readonly droppedPath?: string | undefined;
  /** Seed of the ISN generator (default 1). */
  readonly seed?: number;
  /** Pre-authenticate this many hosts (benchmarks), each with `entriesPerHost` dynamic entries. */
  readonly preauthHosts?: number;
  readonly entriesPerHost?: number;
  /** Show a progress bar on stderr (only if it is a terminal). */
  readonly progress: boolean;
  /** Print the end-of-run summary on stderr. */
  readonly summary: boolean;
  /** Called once after `warmupPackets` packets (benchmarks measure the steady state after it). */
  readonly warmupPackets?: number;
  readonly onWarmupDone?: () => void;
  /** `show` outputs to print on stdout after the run: `cache`, `statistics`, `access-lists`. */
  readonly showAtEnd?: readonly string[];
  /** Where debug lines go (default: stdout). */
  readonly stdout?: (chunk: string) => void;
  /** Where warnings, progress and the summary go (default: stderr). */
  readonly stderr?: (chunk: string) => void;
}

export interface ReplayStats {
  readonly packets: number;
  readonly forwarded: number;
  readonly dropped: number;
  readonly intercepted: number;
  readonly toGateway: number;
  readonly emitted: number;
  readonly wallMs: number;
  /** Every nonzero engine counter by name. */
  readonly counters: Readonly<Record<string, number>>;
  /** Set when the capture was truncated or corrupt; packets before it were processed. */
  readonly captureError?: CaptureError;
}

const writeStdout = (s: string): void => { writeSync(1, s); };
const writeStderr = (s: string): void => { writeSync(2, s); };

/** Replays a capture; resolves with the run's statistics. Throws only for bad setup (config, files). */
export async function runReplay(o: ReplayOptions): Promise<ReplayStats> {
  const out = o.stdout ?? writeStdout;
  const err = o.stderr ?? writeStderr;
  const config = loadConfig(o.configPath);
  for (const w of config.warnings) err(formatWarning(w) + '\n');
  const acls = compileAcls(config.acls);
  const reader = PcapReader.open(o.capturePath);
  let now = 0;
  const app = new LoginInterceptApp({ config, clock: () => now });
  const lines = new LineBuffer(out);
  const debug = o.debugFlags !== 0 ? new AuthProxyDebugFormatter(lines.write) : null;
  const engine = new Engine({
    config, acls, rng: seededRng(o.seed ?? 1), replay: true, debug, debugFlags: o.debugFlags, app,
  });
  app.attach(engine);
  if (debug !== null) acls.setLogSink((line, t) => debug.event(t, 0, line));
  if (o.preauthHosts !== undefined && o.preauthHosts > 0) preauthorize(engine, o.preauthHosts, o.entriesPerHost ?? 5);

  const outWriter = o.outPath !== undefined ? new PcapWriter(o.outPath, LINKTYPE_RAW) : null;
  let droppedWriter: PcapWriter | null = null;
  let droppedLinkType = -1;
  let droppedOtherLink = 0;
  const progress = o.progress ? ProgressBar.forStderr(reader.fileSize) : null;
  const tx = engine.tx;
  const drain = (t: number): void => {
    const n = tx.length;
    if (n === 0) return;
    engine.counters[COUNTER_EMITTED]! += n;
    if (outWriter !== null) {
      for (let i = 0; i < n; i++) outWriter.write(tx.buf, tx.offsetOf(i), tx.lengthOf(i), t);
    }
    tx.clear();
  };
  const start = performance.now();
  let captureError: CaptureError | undefined;
  let warm = o.warmupPackets ?? -1;
  let activity = app.activityCount;
  try {
    while (reader.next()) {
      const t = reader.timestampMs;
      // Timers due before this packet run at their own time.
      for (let guard = 0; guard < 64; guard++) {
        const d = engine.nextDeadline();
        if (d > t) break;
        now = d;
        engine.poll(d);
        if (app.activityCount !== activity) { await app.settle(); activity = app.activityCount; }
        drain(d);
      }
      now = t;
      const v = engine.handle(reader.buf, reader.offset, reader.capturedLength, reader.linkType, t);
      if (v === VERDICT_FORWARD) {
        if (outWriter !== null) {
          const m = engine.meta;
          outWriter.write(reader.buf, m.l3Offset, reader.offset + reader.capturedLength - m.l3Offset, t,
            reader.originalLength - (m.l3Offset - reader.offset));
        }
      } else if (v === VERDICT_DROP && o.droppedPath !== undefined) {
        if (droppedWriter === null) {
          droppedLinkType = reader.linkType;
          droppedWriter = new PcapWriter(o.droppedPath, droppedLinkType);
        }
        if (reader.linkType === droppedLinkType) {
          droppedWriter.write(reader.buf, reader.offset, reader.capturedLength, t, reader.originalLength);
        } else droppedOtherLink++;
      }
      if (v === VERDICT_INTERCEPT || app.activityCount !== activity) {
        if (app.activityCount !== activity) { await app.settle(); activity = app.activityCount; }
      }
      drain(t);
      if (progress !== null && (reader.packets & 0xffff) === 0) progress.update(reader.bytesRead);
      if (--warm === 0 && o.onWarmupDone !== undefined) o.onWarmupDone();
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    captureError = e;
  } finally {
    lines.flush();
    progress?.finish();
    outWriter?.close();
    droppedWriter?.close();
    reader.close();
  }
  if (o.droppedPath !== undefined && droppedWriter === null) new PcapWriter(o.droppedPath, LINKTYPE_RAW).close();
  const wallMs = performance.now() - start;
  const c = engine.counters;
  const counters: Record<string, number> = {};
  for (let i = 0; i < c.length; i++) if (c[i] !== 0) counters[COUNTER_NAMES[i]!] = c[i]!;
  const stats: ReplayStats = {
    packets: c[0]!, forwarded: c[1]!, dropped: c[2]!, intercepted: c[3]!, toGateway: c[4]!, emitted: c[5]!,
    wallMs, counters, ...(captureError !== undefined ? { captureError } : {}),
  };
  for (const what of o.showAtEnd ?? []) out(renderShow(what, engine));
  if (o.summary) err(formatSummary(stats, engine));
  if (droppedOtherLink > 0) {
    err(`portcullis: ${droppedOtherLink} dropped frames of another link type were not written to ${o.droppedPath}\n`);
  }
  return stats;
}

/** Names accepted by `replay --show`. */
export const REPLAY_SHOW_NAMES = ['cache', 'statistics', 'access-lists'] as const;

function renderShow(what: string, engine: Engine): string {
  if (what === 'cache') return renderShowAuthProxyCache(engine);
  if (what === 'statistics') return renderShowAuthProxyStatistics(engine);
  return engine.acls.showIpAccessLists() + engine.acls.showIpv6AccessList();
}

/** The end-of-run summary table (stderr). */
export function formatSummary(s: ReplayStats, engine: Engine): string {
  const rows: [string, number | string][] = [
    ['packets', s.packets],
    ['permitted', s.forwarded],
    ['dropped', s.dropped],
    ['intercepted', s.intercepted],
    ['to gateway', s.toGateway],
    ['emitted by proxy', s.emitted],
  ];
  for (const i of DROP_REASON_COUNTERS) {
    const v = engine.counters[i]!;
    if (v !== 0) rows.push([`  ${COUNTER_NAMES[i]}`, v]);
  }
  const pps = s.wallMs > 0 ? Math.round(s.packets / (s.wallMs / 1000)) : 0;
  rows.push(['packets/s', pps]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return 'replay summary\n' + rows.map(([k, v]) => `  ${k.padEnd(w)}  ${String(v).padStart(12)}`).join('\n') + '\n';
}

/**
 * Authenticates `count` hosts on the first interface that has an auth-proxy rule, each holding
 * `entries` dynamic entries (for benchmarks: the per-host cost must not depend on the count).
 */
function preauthorize(engine: Engine, count: number, entries: number): void {
  const itf = engine.config.interfaces.find((i) => i.authProxy !== undefined && i.ipv4.length > 0);
  if (itf === undefined) throw new Error('preauthorize: the config has no auth-proxy interface with an IPv4 address');
  const a = itf.ipv4[0]!;
  const base = (a.address & a.mask) >>> 0;
  const hostBits = 32 - a.prefixLength;
  const words = new Uint32Array([0, 0, 0xffff, 0]);
  const texts = [];
  for (let k = 0; k < entries; k++) texts.push({ n: k + 1, text: `permit tcp any host 10.2.${k}.1 eq ${8000 + k}` });
  for (let i = 0; i < count; i++) {
    // Spread hosts over the subnet, skipping the network and gateway addresses.
    const off = (i + 2) % (2 ** hostBits - 1);
    words[3] = (base + off) >>> 0;
    const r = engine.authorizeHost(words, `bench${i}`, texts, 0);
    if (!r.ok) throw new Error(`preauthorize: ${r.reason}`);
  }
}
