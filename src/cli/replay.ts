/**
 * Replay mode (DESIGN.md §5): feeds every packet of a capture through the same engine a live
 * gateway runs, with the capture's timestamps as the clock, and prints the AUTH-PROXY debug
 * lines it would print. `--out` receives what the engine forwarded plus its own answers, as
 * raw IP packets (what it would write to the TUN device); `--dropped` the frames it dropped,
 * as they were captured.
 */
import { fstatSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/parse.js';
import { engineSettingsOf } from '../config/engine-settings.js';
import type { Config } from '../config/types.js';
import { compileAcls } from '../acl/index.js';
import { PcapReader, STDIN_PATH } from '../io/pcap-reader.js';
import { PcapWriter } from '../io/pcap-writer.js';
import { LINKTYPE_RAW } from '../wire/packet.js';
import {
  Engine, VERDICT_DROP, VERDICT_FORWARD,
} from '../engine/engine.js';
import { COUNTER_NAMES, DROP_REASON_COUNTERS, COUNTER_EMITTED } from '../engine/counters.js';
import { AuthProxyDebugFormatter, LineBuffer, formatDebugTimestamp } from '../log/auth-proxy-debug.js';
import { formatWarning } from '../ios/tokens.js';
import { LoginInterceptApp } from '../login/intercept-app.js';
import { renderShowAuthProxyCache, renderShowAuthProxyStatistics } from '../log/show-cache.js';
import { CaptureError, OutputIsInputError } from '../errors.js';
import { seededRng } from '../io/rng.js';
import { hashKeyFromSeed } from '../table/keyed-hash.js';
import { ProgressBar } from './progress.js';
import { writeStderr, writeStdout } from './stdio.js';

export interface ReplayOptions {
  readonly capturePath: string;
  readonly configPath: string;
  /** DEBUG_* flags to print (0 = none). */
  readonly debugFlags: number;
  readonly outPath?: string | undefined;
  readonly droppedPath?: string | undefined;
  /** Seed of the ISN generator (default 1). */
  readonly seed?: number;
  /** Auth-cache capacity (default 65,536 hosts; benchmarks that install more raise it). */
  readonly maxHosts?: number;
  /**
   * Called once the engine is built, before the first packet (benchmarks install
   * pre-authenticated hosts here: bench/lib/preauthorize.ts). Not part of the packet loop's time.
   */
  readonly beforeReplay?: (engine: Engine, config: Config) => void;
  /** Show a progress bar on stderr (only if it is a terminal). */
  readonly progress: boolean;
  /** Print the end-of-run summary on stderr. */
  readonly summary: boolean;
  /** Called once after `warmupPackets` packets (benchmarks measure the steady state after it). */
  readonly warmupPackets?: number;
  readonly onWarmupDone?: () => void;
  /** Called once when the packet loop has ended, before the outputs are closed (benchmarks stop measuring). */
  readonly onLoopDone?: () => void;
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
  /** Capture records skipped for a timestamp outside 1970–9999 (spec §1: never printed). */
  readonly timestampFaults: number;
  /** Set when the capture was truncated or corrupt; packets before it were processed. */
  readonly captureError?: CaptureError;
}

/** Monotonic time in ms (not `performance.now()`: its first use loads perf_hooks, ~1.5 ms of start-up). */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Replays a capture; resolves with the run's statistics. Throws only for bad setup (config, files). */
export async function runReplay(o: ReplayOptions): Promise<ReplayStats> {
  const out = o.stdout ?? writeStdout;
  const err = o.stderr ?? writeStderr;
  refuseOverwrites(o);
  const config = loadConfig(o.configPath);
  // Replay serves no logins: the live login service's absence is not its concern.
  for (const w of config.warnings) if (w.topic !== 'no-secure-server') err(formatWarning(w) + '\n');
  // One secret hash key for every table packets choose keys of, from the seed: runs repeat exactly.
  const seed = o.seed ?? 1;
  const hashKey = hashKeyFromSeed(seed);
  const acls = compileAcls(config.acls, { hashKey });
  const reader = PcapReader.open(o.capturePath);
  // Engine time is whole milliseconds since the capture's first packet (clock[1], in ms since the
  // epoch): small integers stay unboxed on the per-packet path, and every timer and debug line
  // keeps millisecond resolution. clock[0] is the current engine time, for the login app.
  const clock = new Float64Array(2);
  const app = new LoginInterceptApp({ config, clock: () => clock[0]!, wallClockMs: (t) => t + clock[1]! });
  const lines = new LineBuffer(out);
  const debug = o.debugFlags !== 0 ? new AuthProxyDebugFormatter(lines.write, () => clock[1]!) : null;
  const engine = new Engine({
    settings: engineSettingsOf(config), acls, rng: seededRng(seed), hashKey, replay: true, debug, debugFlags: o.debugFlags, app,
    maxHosts: o.maxHosts ?? 65536,
  });
  app.attach(engine);
  engine.messages = (t, text) => err(`${formatDebugTimestamp(clock[1]! + t)}: ${text}\n`);
  // ACL `log` lines are messages, not debug output: they go to stderr (a gateway's console or
  // syslog), stamped like IOS log messages, so stdout keeps carrying only debug lines.
  acls.setLogSink((line, t) => err(`${formatDebugTimestamp(clock[1]! + t)}: ${line}\n`));
  o.beforeReplay?.(engine, config);

  const outWriter = o.outPath !== undefined ? new PcapWriter(o.outPath, LINKTYPE_RAW) : null;
  const pump = new ReplayPump(engine, app, reader, clock, outWriter, o.droppedPath,
    o.progress ? ProgressBar.forStderr(reader.fileSize) : null, o.warmupPackets ?? 0, o.onWarmupDone ?? null);
  const start = monotonicMs();
  let captureError: CaptureError | undefined;
  try {
    // The packet loop is synchronous; it returns only when the login app must run (an
    // intercepted connection got bytes), and resumes after the app has answered; and once when
    // the warm-up ends (PUMP_WARM).
    for (let r = pump.run(); r !== PUMP_END; r = pump.run()) {
      if (r === PUMP_WARM) {
        pump.warmupDone();
        continue;
      }
      await app.settle();
      pump.afterSettle();
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    captureError = e;
  } finally {
    o.onLoopDone?.();
    lines.flush();
    pump.close();
    reader.close();
  }
  const wallMs = monotonicMs() - start;
  const c = engine.counters;
  const counters: Record<string, number> = {};
  for (let i = 0; i < c.length; i++) if (c[i] !== 0) counters[COUNTER_NAMES[i]!] = c[i]!;
  const stats: ReplayStats = {
    packets: c[0]!, forwarded: c[1]!, dropped: c[2]!, intercepted: c[3]!, toGateway: c[4]!, emitted: c[5]!,
    wallMs, counters, timestampFaults: reader.timestampFaults, ...(captureError !== undefined ? { captureError } : {}),
  };
  for (const what of o.showAtEnd ?? []) out(renderShow(what, engine));
  if (o.summary) err(formatSummary(stats, engine));
  if (pump.droppedOtherLink > 0) {
    err(`portcullis: ${pump.droppedOtherLink} dropped frames of another link type were not written to ${o.droppedPath}\n`);
  }
  return stats;
}

const PUMP_END = 0;
const PUMP_SETTLE = 1;
/**
 * The warm-up is over: the caller runs `warmupDone()` and resumes the loop. The loop returns
 * rather than calling `onWarmupDone` itself because a branch first taken at the end of the
 * warm-up must hold no property access and no call: the optimised (on-stack-replaced) loop has
 * no type feedback for them and would deoptimise there, and until it is optimised again the
 * interpreter boxes every double it touches (timestamps are ~1.7e12 ms) — measured: half a
 * megabyte of young-generation garbage at the start of the measured steady state. A `return`
 * of a constant needs no feedback.
 */
const PUMP_WARM = 2;

/**
 * The replay packet loop. Synchronous and allocation-free per packet: times live in fields and
 * typed arrays, never in variables an `await` would have to keep.
 */
class ReplayPump {
  /** Frames dropped whose link type differs from the first dropped frame's (not writable). */
  droppedOtherLink = 0;
  private droppedWriter: PcapWriter | null = null;
  private droppedLinkType = -1;
  private havePacket = false;
  private started = false;
  /** Time the queued answers are stamped with once the app has settled. */
  private settleTime = 0;
  private activity: number;
  /** `reader.packets` at which the warm-up ends (-1: no warm-up, or it has ended). */
  private warmAt: number;

  constructor(
    private readonly engine: Engine,
    private readonly app: LoginInterceptApp,
    private readonly reader: PcapReader,
    private readonly clock: Float64Array,
    private readonly outWriter: PcapWriter | null,
    private readonly droppedPath: string | undefined,
    private readonly progress: ProgressBar | null,
    warmupPackets: number,
    private readonly onWarmupDone: (() => void) | null,
  ) {
    this.activity = app.activityCount;
    this.warmAt = warmupPackets > 0 && onWarmupDone !== null ? warmupPackets : -1;
  }

  /**
   * Processes packets until the end of the capture (PUMP_END), until the app must run
   * (PUMP_SETTLE) or until the warm-up ends (PUMP_WARM).
   */
  run(): number {
    const engine = this.engine, reader = this.reader, clock = this.clock, app = this.app;
    let timerRounds = 0;
    for (;;) {
      if (!this.havePacket) {
        // Every packet read so far is done with (handled, drained, settled).
        if (reader.packets === this.warmAt) return PUMP_WARM;
        if (!reader.next()) return PUMP_END;
        this.havePacket = true;
        timerRounds = 0;
        if (!this.started) {
          this.started = true;
          clock[1] = Math.floor(reader.timestampMs);
        }
      }
      const t = Math.floor(reader.timestampMs) - clock[1]!;
      // Timers due before this packet run at their own time (bounded per packet).
      if (timerRounds < 64 && engine.dueBy(t)) {
        timerRounds++;
        const d = Math.max(0, engine.nextDeadline());
        clock[0] = d;
        engine.poll(d);
        if (app.activityCount !== this.activity) {
          this.settleTime = d;
          return PUMP_SETTLE;
        }
        this.drain(d);
        continue;
      }
      clock[0] = t;
      this.havePacket = false;
      const v = engine.handle(reader.buf, reader.offset, reader.capturedLength, reader.linkType, t);
      if (v === VERDICT_FORWARD) {
        if (this.outWriter !== null) {
          const l3 = engine.meta.l3Offset;
          this.outWriter.writeExact(reader.buf, l3, reader.offset + reader.capturedLength - l3,
            reader.timestampSec, reader.timestampNs, reader.originalLength - (l3 - reader.offset));
        }
      } else if (v === VERDICT_DROP && this.droppedPath !== undefined) {
        this.writeDropped();
      }
      if (this.progress !== null && (reader.packets & 0xffff) === 0) this.progress.update(reader.bytesRead);
      if (app.activityCount !== this.activity) {
        this.settleTime = t;
        return PUMP_SETTLE;
      }
      this.drain(t);
    }
  }

  /** After PUMP_WARM: calls `onWarmupDone` (once). */
  warmupDone(): void {
    this.warmAt = -1;
    this.onWarmupDone?.();
  }

  /** After the app ran: its answers are stamped with the time that made it run. */
  afterSettle(): void {
    this.activity = this.app.activityCount;
    this.drain(this.settleTime);
  }

  private writeDropped(): void {
    const reader = this.reader;
    if (this.droppedWriter === null) {
      this.droppedLinkType = reader.linkType;
      this.droppedWriter = new PcapWriter(this.droppedPath!, this.droppedLinkType);
    }
    if (reader.linkType === this.droppedLinkType) {
      this.droppedWriter.writeExact(reader.buf, reader.offset, reader.capturedLength, reader.timestampSec,
        reader.timestampNs, reader.originalLength);
    } else this.droppedOtherLink++;
  }

  /** Moves the engine's own packets to `--out` (stamped at engine time `t`). */
  private drain(t: number): void {
    const tx = this.engine.tx;
    const n = tx.length;
    if (n === 0) return;
    this.engine.counters[COUNTER_EMITTED]! += n;
    if (this.outWriter !== null) {
      const wallMs = t + this.clock[1]!;
      for (let i = 0; i < n; i++) this.outWriter.write(tx.buf, tx.offsetOf(i), tx.lengthOf(i), wallMs);
    }
    tx.clear();
  }

  /** Finishes the output files (an empty `--dropped` capture when nothing was dropped). */
  close(): void {
    this.progress?.finish();
    this.outWriter?.close();
    if (this.droppedPath !== undefined) {
      (this.droppedWriter ?? new PcapWriter(this.droppedPath, LINKTYPE_RAW)).close();
    }
  }
}

/**
 * Throws {@link OutputIsInputError} when `--out` or `--dropped` names the capture, the config or
 * the other output: the same file by any path (symbolic or hard link), compared by device and
 * inode. Character devices (`/dev/null`, `/dev/full`) lose nothing and may repeat.
 */
function refuseOverwrites(o: ReplayOptions): void {
  const seen: { what: string; path: string; id: string | undefined }[] = [
    { what: `the capture ${o.capturePath}`, path: o.capturePath, id: fileIdentity(o.capturePath) },
    { what: `the config ${o.configPath}`, path: o.configPath, id: fileIdentity(o.configPath) },
  ];
  const outputs: [string, string | undefined][] = [['--out', o.outPath], ['--dropped', o.droppedPath]];
  for (const [option, path] of outputs) {
    if (path === undefined) continue;
    const id = fileIdentity(path);
    for (const s of seen) {
      // An output that does not exist yet can only be the other output, by the same path.
      const same = id === CHARACTER_DEVICE ? false
        : id !== undefined ? id === s.id : s.id === undefined && s.what.startsWith('--') && resolve(path) === resolve(s.path);
      if (same) throw new OutputIsInputError(option, path, s.what);
    }
    seen.push({ what: option, path, id });
  }
}

const CHARACTER_DEVICE = 'character device';

/** `dev:ino` of an existing file, {@link CHARACTER_DEVICE}, or undefined if there is none (`-`: standard input). */
function fileIdentity(path: string): string | undefined {
  let st: Stats;
  try {
    st = path === STDIN_PATH || path === '/dev/stdin' ? fstatSync(0) : statSync(path);
  } catch {
    return undefined;
  }
  return st.isCharacterDevice() ? CHARACTER_DEVICE : `${st.dev}:${st.ino}`;
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
    ...(s.timestampFaults !== 0 ? [['skipped: bad timestamp', s.timestampFaults] as [string, number]] : []),
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
