/**
 * The live gateway (DESIGN.md §4, `portcullis run`): one engine, one TUN device per configured
 * interface with its read loop (src/gateway/tun-port.ts), the policy routing that feeds them
 * (src/gateway/routes.ts), one timer armed at the engine's next deadline, the debug-line
 * fan-out, and the {@link GatewayContext} the login service and the control socket share.
 *
 * Clock: engine time is whole milliseconds since the gateway started, on the monotonic clock
 * (`performance.now()`), so that timers neither jump with the wall clock nor box on the hot
 * path; {@link Gateway.wallClockMs} converts with the wall-clock time sampled at start (debug
 * timestamps, HTTP `Date`). All packets of one read batch share the batch's time.
 *
 * Start order: the configuration's interfaces are checked against the host's devices
 * (src/gateway/links.ts; nothing starts on a mismatch), the TUN devices are opened (a failure
 * closes those already open; nothing else has changed), the taps that observe the packets to
 * the login service (src/gateway/login-tap.ts), then the routing is installed — from
 * that moment forwarded traffic enters the data plane, and the prohibit rules refuse it should
 * the process stop. Stop order: reading stops, the login service and control socket close, the
 * TUN devices close (their routes go with them), the lookup rules are deleted; the prohibit
 * rules stay (fail closed).
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.js';
import { engineSettingsOf } from '../config/engine-settings.js';
import { compileAcls } from '../acl/index.js';
import { Engine } from '../engine/engine.js';
import { COUNTER_EMITTED } from '../engine/counters.js';
import { AuthProxyDebugFormatter, formatDebugTimestamp } from '../log/auth-proxy-debug.js';
import { LoginInterceptApp } from '../login/intercept-app.js';
import { openTun, TUN_OFFLOADS_ALL, type TunDevice } from '../io/tun.js';
import type { TunIoError } from '../errors.js';
import { systemRng } from '../io/rng.js';

import { DebugLineFanout, type GatewayContext } from './context.js';
import { matchInterfaces, readLinks, type Link } from './links.js';
import {
  hostHasIpv6, installRules, installTunRoutes, removeLookup, routingPlan, type Family, type RoutingPlan,
} from './routes.js';
import { TunPort, type PortOwner } from './tun-port.js';
import { openLoginTaps, type LoginTap } from './login-tap.js';

export interface GatewayOptions {
  readonly config: Config;
  /** DEBUG_* flags on at start (`run --debug`). */
  readonly debugFlags?: number;
  /** Install the policy routing (default true; `run --no-routes`: the operator manages it). */
  readonly routes?: boolean;
  /** TUN_F_* offloads asked of the TUN devices (default all the kernel allows). */
  readonly offloads?: number;
  /** Where messages go (ACL log lines, rejected downloads, stop-time warnings): one line each. */
  readonly messages?: (line: string) => void;
}

/** Engine packets flushed per write batch. */
const TX_BATCH = 256;
/** Longest setTimeout delay Node takes (2^31 - 1 ms); a later deadline is re-armed on the way. */
const MAX_DELAY_MS = 0x7fffffff;

/** A running gateway. Build it with {@link startGateway}. */
export class Gateway implements GatewayContext, PortOwner {
  readonly config: Config;
  readonly engine: Engine;
  readonly debugLines = new DebugLineFanout();
  /** The devices of the configured interfaces (config order). */
  readonly links: readonly Link[];
  readonly plan: RoutingPlan;
  /** Settles when the gateway has stopped: with the error that stopped it, or undefined after {@link stop}. */
  readonly stopped: Promise<Error | undefined>;

  private readonly originMs: number;
  private readonly wallOriginMs: number;
  private readonly ports: TunPort[] = [];
  private taps: LoginTap[] = [];
  private readonly families: readonly Family[];
  private readonly routes: boolean;
  private readonly messages: (line: string) => void;
  private appActivity = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private kickPending = false;
  private stopping = false;
  private stopCause: Error | undefined = undefined;
  private resolveStopped!: (e: Error | undefined) => void;
  private readonly txOffsets = new Uint32Array(TX_BATCH);
  private readonly txLengths = new Uint32Array(TX_BATCH);
  /** Closed on stop, in reverse order of opening (login service, control socket). */
  private readonly closers: (() => Promise<void>)[] = [];

  /** @internal Use {@link startGateway}. */
  constructor(opts: GatewayOptions, links: readonly Link[], plan: RoutingPlan, families: readonly Family[]) {
    this.config = opts.config;
    this.links = links;
    this.plan = plan;
    this.families = families;
    this.routes = opts.routes ?? true;
    this.messages = opts.messages ?? (() => undefined);
    this.originMs = performance.now();
    this.wallOriginMs = Date.now();
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
    const config = opts.config;
    const seed = randomBytes(8);
    const hashKey = { k0: seed.readUInt32LE(0), k1: seed.readUInt32LE(4) };
    const acls = compileAcls(config.acls, { hashKey });
    const debug = new AuthProxyDebugFormatter(this.debugLines.write, () => this.wallOriginMs);
    // Intercepted connections get the login page from this app until the login service (when
    // started) puts its own in place.
    const app = new LoginInterceptApp({ config, clock: () => this.nowMs(), wallClockMs: (t) => this.wallClockMs(t) });
    this.engine = new Engine({
      settings: engineSettingsOf(config), acls, rng: systemRng(), hashKey, replay: false, debug,
      debugFlags: opts.debugFlags ?? 0, app,
    });
    app.attach(this.engine);
    const stamp = (t: number): string => formatDebugTimestamp(this.wallClockMs(t));
    this.engine.messages = (t, text) => this.messages(`${stamp(t)}: ${text}`);
    acls.setLogSink((line, t) => this.messages(`${stamp(t)}: ${line}`));
  }

  nowMs(): number {
    return Math.floor(performance.now() - this.originMs);
  }

  wallClockMs(engineMs: number): number {
    return this.wallOriginMs + engineMs;
  }

  kick(): void {
    if (this.kickPending || this.stopping) return;
    this.kickPending = true;
    setImmediate(this.onKick);
  }

  /** The TUN devices, in config order. */
  get devices(): readonly TunDevice[] {
    return this.ports.map((p) => p.device);
  }

  /** While stopping: the error that stops the gateway, or undefined for a requested stop. */
  get stopError(): Error | undefined {
    return this.stopCause;
  }

  /** Registers something to close when the gateway stops (the login service, the control socket). */
  onStop(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** @internal Opens the TUN devices, installs the routing, starts reading. */
  start(offloads: number): void {
    const opened: TunDevice[] = [];
    try {
      for (let i = 0; i < this.plan.interfaces.length; i++) {
        const itf = this.plan.interfaces[i]!;
        opened.push(openTun({ name: itf.tun, mtu: this.links[i]!.mtu, offloads }));
      }
    } catch (e) {
      for (const d of opened) d.close();
      throw e;
    }
    opened.forEach((d, i) => this.ports.push(new TunPort(d, i, this)));
    try {
      this.taps = openLoginTaps(this.config, this);
      if (this.routes) {
        installRules(this.plan, this.families);
        installTunRoutes(this.plan, this.families);
      }
    } catch (e) {
      for (const t of this.taps) t.close();
      for (const p of this.ports) p.close();
      throw e;
    }
    for (const p of this.ports) p.start();
    for (const t of this.taps) t.start();
    this.arm(this.nowMs());
  }

  // ---- the data plane's owner ---------------------------------------------------------------

  afterBatch(port: TunPort, nowMs: number): void {
    const engine = this.engine;
    if (engine.dueBy(nowMs)) engine.poll(nowMs);
    this.flushTx(port);
    this.arm(nowMs);
    // The login page is written by Node's HTTP server a few turns of the loop later.
    if (this.appActivityCount() !== this.appActivity) this.kick();
  }

  /**
   * The activity count of the engine's InterceptApp (the login subsystem), when it keeps one: it
   * answers a few turns of the event loop after the packet that asked, so the gateway looks
   * again until it is quiet (an app that says when it has output calls {@link kick} itself).
   */
  private appActivityCount(): number {
    const app = this.engine.app as { readonly activityCount?: number } | null;
    return app?.activityCount ?? 0;
  }

  fail(error: TunIoError): void {
    void this.stop(error);
  }

  /** Writes the engine's own packets (answers, resets) into `port`'s device: the kernel routes them. */
  private flushTx(port: TunPort | undefined): void {
    const tx = this.engine.tx;
    const n = tx.length;
    if (n === 0 || port === undefined) return;
    this.engine.counters[COUNTER_EMITTED]! += n;
    const offsets = this.txOffsets, lengths = this.txLengths;
    for (let i = 0; i < n;) {
      let k = 0;
      for (; k < TX_BATCH && i < n; k++, i++) {
        offsets[k] = tx.offsetOf(i);
        lengths[k] = tx.lengthOf(i);
      }
      port.write(tx.buf, offsets, lengths, k, null);
    }
    tx.clear();
  }

  private readonly onKick = (): void => {
    this.kickPending = false;
    if (this.stopping) return;
    const now = this.nowMs();
    const engine = this.engine;
    if (engine.dueBy(now)) engine.poll(now);
    this.flushTx(this.ports[0]);
    this.arm(now);
    const activity = this.appActivityCount();
    if (activity !== this.appActivity) {
      this.appActivity = activity;
      this.kick();
    }
  };

  /** Arms the one timer at the engine's next deadline (unless an earlier one is armed). */
  private arm(nowMs: number): void {
    if (this.stopping) return;
    const at = this.engine.nextDeadline();
    if (at === Infinity || (this.timer !== null && this.timerAt <= at)) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.min(MAX_DELAY_MS, Math.max(0, at - nowMs)));
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.timerAt = Infinity;
    if (this.stopping) return;
    const now = this.nowMs();
    const engine = this.engine;
    // Bounded: work due keeps coming only as fast as the clock moves.
    for (let rounds = 0; rounds < 64 && engine.dueBy(now); rounds++) engine.poll(now);
    this.flushTx(this.ports[0]);
    this.arm(now);
    if (this.appActivityCount() !== this.appActivity) this.kick();
  };

  // ---- stop -----------------------------------------------------------------------------------

  /**
   * Stops the gateway: reading stops, the login service and control socket close, the TUN
   * devices close, the lookup rules go; the prohibit rules stay. Idempotent. `error` is what
   * {@link stopped} settles with.
   */
  async stop(error?: Error): Promise<void> {
    if (this.stopping) {
      await this.stopped;
      return;
    }
    this.stopping = true;
    this.stopCause = error;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.ports) p.device.pause();
    for (const t of this.taps) t.close();
    for (const close of [...this.closers].reverse()) {
      try {
        await close();
      } catch (e) {
        this.messages(`portcullis: while stopping: ${(e as Error).message}`);
      }
    }
    for (const p of this.ports) p.close();
    if (this.routes) for (const f of removeLookup(this.plan, this.families)) this.messages(`portcullis: while stopping: ${f}`);
    this.resolveStopped(error);
  }
}

/**
 * Starts a gateway on `opts.config`: checks the interfaces against the host (throws
 * InterfaceMissingError / InterfaceAddressError), opens the TUN devices (TunOpenError),
 * installs the routing (HostNetworkError) and starts reading.
 */
export function startGateway(opts: GatewayOptions): Gateway {
  const links = matchInterfaces(opts.config, readLinks());
  const plan = routingPlan(opts.config);
  const families: Family[] = hostHasIpv6() ? [4, 6] : [4];
  const gw = new Gateway(opts, links, plan, families);
  gw.start(opts.offloads ?? TUN_OFFLOADS_ALL);
  return gw;
}
