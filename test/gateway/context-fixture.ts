/**
 * Test helper: a {@link GatewayContext} around an Engine of the test's own, as the live gateway
 * builds one, without TUN devices or timers. The engine's clock is `fixture.clock.nowMs`, set
 * by the test; debug lines go through a real {@link DebugLineFanout} (the engine's debug sink is
 * an `AuthProxyDebugFormatter` writing into it); `kick()` only counts; packets the engine emits
 * stay in `engine.tx` until the test looks at them or calls `drainTx()`.
 */
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { compileAcls } from '../../src/acl/index.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { Engine } from '../../src/engine/engine.js';
import { AuthProxyDebugFormatter } from '../../src/log/auth-proxy-debug.js';
import { LoginInterceptApp } from '../../src/login/intercept-app.js';
import { seededRng } from '../../src/io/rng.js';
import { LINKTYPE_RAW } from '../../src/wire/packet.js';
import { COUNTER_EMITTED } from '../../src/engine/counters.js';
import { DebugLineFanout, type GatewayContext } from '../../src/gateway/context.js';

/**
 * A small dual-stack gateway: an inside interface with an http auth-proxy rule and an inbound
 * ACL that lets nothing but DNS through, an outside interface that admits nothing.
 */
export const FIXTURE_CONFIG = `hostname gw
ip auth-proxy name web http
ip auth-proxy auth-cache-time 5
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ipv6 address 2001:DB8:1::1/64
 ip auth-proxy web
 ip access-group 101 in
 ipv6 traffic-filter inside6 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
 ipv6 address 2001:DB8:2::1/64
 ip access-group 102 in
access-list 101 permit udp any any eq domain
access-list 101 deny tcp any any
access-list 102 deny ip any any
ipv6 access-list inside6
 permit udp any any eq domain
 deny tcp any any
end
`;

/** Wall-clock time of engine time 0: 1993-03-01 21:18:18.000 UTC, the IOS default clock. */
export const FIXTURE_ORIGIN_MS = Date.UTC(1993, 2, 1, 21, 18, 18);

export interface ContextFixture {
  readonly ctx: GatewayContext;
  readonly engine: Engine;
  readonly config: Config;
  readonly app: LoginInterceptApp;
  readonly debugLines: DebugLineFanout;
  /** The engine's clock: set `nowMs` to move time. */
  readonly clock: { nowMs: number };
  /** How many times `ctx.kick()` was called. */
  readonly kicks: () => number;
  /** Hands one raw IP packet to the engine at `clock.nowMs`; returns its verdict. */
  handle(packet: Uint8Array): number;
  /**
   * Empties the engine's transmit queue as the gateway does when it writes it to its TUN devices
   * (counted `emitted`); returns how many packets it held.
   */
  drainTx(): number;
}

export interface ContextFixtureOptions {
  /** Running-config text (default {@link FIXTURE_CONFIG}). */
  readonly configText?: string;
  /** DEBUG_* flags the engine starts with (default none). */
  readonly debugFlags?: number;
}

/** Builds an engine on `opts.configText` and the context a gateway would give its parts. */
export function makeContextFixture(opts: ContextFixtureOptions = {}): ContextFixture {
  const config = parseConfig(opts.configText ?? FIXTURE_CONFIG, 'fixture.cfg');
  const acls = compileAcls(config.acls);
  const clock = { nowMs: 0 };
  const wallClockMs = (engineMs: number): number => FIXTURE_ORIGIN_MS + engineMs;
  const debugLines = new DebugLineFanout();
  const app = new LoginInterceptApp({ config, clock: () => clock.nowMs, wallClockMs });
  const engine = new Engine({
    settings: engineSettingsOf(config), acls, rng: seededRng(9), replay: false,
    debug: new AuthProxyDebugFormatter(debugLines.write, () => FIXTURE_ORIGIN_MS),
    debugFlags: opts.debugFlags ?? 0, app,
  });
  app.attach(engine);
  let kicks = 0;
  const ctx: GatewayContext = {
    config, engine, debugLines,
    nowMs: () => clock.nowMs,
    wallClockMs,
    kick: () => {
      kicks++;
    },
  };
  return {
    ctx, engine, config, app, debugLines, clock,
    kicks: () => kicks,
    handle: (packet) => engine.handle(packet, 0, packet.length, LINKTYPE_RAW, clock.nowMs),
    drainTx: () => {
      const n = engine.tx.length;
      engine.tx.clear();
      engine.counters[COUNTER_EMITTED]! += n;
      return n;
    },
  };
}
