/**
 * RADIUS accounting of a running gateway's auth-proxy sessions (`aaa accounting auth-proxy
 * default start-stop|stop-only group …`, RFC 2866): listens to the engine's session hooks
 * (src/engine/session-hooks.ts) and turns them into the records of {@link RadiusAccounting}:
 * - Start when a login's authorization succeeds (Acct-Session-Id: the engine's session id, the
 *   number the `OBJ_CREATE` debug line shows; User-Name; Framed-IP-Address or
 *   Framed-IPv6-Address; NAS-IP-Address or NAS-IPv6-Address: the first address of the gateway's
 *   interface the host is on, the address it logs in to — `ip radius source-interface` is not
 *   implemented); Acct-Authentic (RFC 2866 §5.6): how the login authenticated the user — RADIUS,
 *   Local (the local users) or Remote (TACACS+), as the method list said — in this record and
 *   the session's others, left out when the login did not say (a consent page);
 * - Interim-Update every `aaa accounting update periodic N` minutes while the session lasts;
 * - with `stop-only`, neither of those: only the Stop below (as IOS's `stop-only`);
 * - Stop when the session ends, with Acct-Session-Time, the octets (and Gigawords) and packets
 *   the data plane counted — input from the host, output to it (RFC 2866 §5.3, §5.4) — and
 *   Acct-Terminate-Cause ({@link terminateCauseOf}; NAS-Error instead of Admin-Reboot when the
 *   gateway stops because of an error).
 *
 * Records go out asynchronously through the RADIUS client (its retransmission, failover and
 * dead-time); nothing here waits on the packet path. When the gateway stops, every session is
 * ended (Stop records) and the stop waits until they are answered or given up, which the
 * servers' timeouts bound.
 */
import { AP_DELETE_SHUTDOWN } from '../authproxy/states.js';
import {
  USAGE_FIELDS, USAGE_OCTETS_FROM_HOST, USAGE_OCTETS_TO_HOST, USAGE_PACKETS_FROM_HOST, USAGE_PACKETS_TO_HOST,
  USAGE_SESSION_ID, USAGE_START_MS,
} from '../engine/session-hooks.js';
import type { SessionListener } from '../engine/session-hooks.js';
import type { Config } from '../config/types.js';
import { formatIp, formatIpv4, formatIpv6 } from '../wire/addr.js';
import {
  createRadiusAccounting, RadiusAccounting, terminateCauseOf, TERMINATE_CAUSE,
} from '../aaa/radius/accounting.js';
import type { AccountingSession, AccountingUsage } from '../aaa/radius/accounting.js';
import { RadiusClient } from '../aaa/radius/client.js';
import type { GatewayContext } from './context.js';

/** One session being accounted. */
interface Active {
  readonly id: number;
  readonly session: AccountingSession;
  readonly timer: ReturnType<typeof setInterval> | undefined;
}

/** The engine's session hooks turned into accounting records (see the module comment). */
export class SessionAccounting implements SessionListener {
  private readonly active = new Map<number, Active>();
  private readonly scratch = new Float64Array(USAGE_FIELDS);
  /** Terminate causes asked for sessions about to end (a Disconnect-Request's Acct-Terminate-Cause), by session id. */
  private readonly causes = new Map<number, number>();
  private shutdownCause: number = TERMINATE_CAUSE.ADMIN_REBOOT;
  private closed = false;

  /**
   * `interimMs`: time between Interim-Update records (undefined: none); `stopOnly`: the list is
   * `stop-only` — a session's end is recorded (Stop), its start and progress are not.
   */
  constructor(private readonly ctx: GatewayContext, readonly records: RadiusAccounting,
    private readonly interimMs: number | undefined, private readonly stopOnly = false) {}

  /** Sessions being accounted now. */
  get activeCount(): number {
    return this.active.size;
  }

  sessionStarted(slot: number, _nowMs: number): void {
    const engine = this.ctx.engine;
    const id = engine.sessionId(slot);
    const session: AccountingSession = {
      sessionId: String(id),
      user: engine.cache.userOf(slot) ?? '',
      client: formatIp(engine.cache.addr.subarray(slot * 4, slot * 4 + 4)),
      nasAddress: this.nasAddress(engine.cache.ifIndex[slot]!),
      authentic: engine.sessionAuthentic(slot) === 0 ? undefined : engine.sessionAuthentic(slot),
    };
    if (!this.stopOnly) this.records.start(session);
    let timer: ReturnType<typeof setInterval> | undefined;
    if (this.interimMs !== undefined && !this.stopOnly) {
      timer = setInterval(() => this.interim(slot, id), this.interimMs);
      timer.unref();
    }
    this.active.set(slot, { id, session, timer });
  }

  sessionEnded(slot: number, reason: number, usage: Float64Array, nowMs: number): void {
    const id = usage[USAGE_SESSION_ID]!;
    const a = this.active.get(slot);
    if (a === undefined || a.id !== id) return; // started before this listener was attached
    this.active.delete(slot);
    if (a.timer !== undefined) clearInterval(a.timer);
    const asked = this.causes.get(id);
    this.causes.delete(id);
    const cause = asked ?? (reason === AP_DELETE_SHUTDOWN ? this.shutdownCause : terminateCauseOf(reason));
    this.records.stop(a.session, usageOf(usage, nowMs), cause);
  }

  /**
   * The session `sessionId` is about to end at a RADIUS server's request (RFC 5176
   * Disconnect-Request): its Stop carries `cause` (the request's Acct-Terminate-Cause) instead
   * of the one its removal reason gives; undefined keeps that one.
   */
  endingWith(sessionId: number, cause: number | undefined): void {
    if (cause === undefined) return;
    for (const a of this.active.values()) {
      if (a.id === sessionId) {
        this.causes.set(sessionId, cause);
        return;
      }
    }
  }

  /**
   * The gateway stops (`error`: why, if it failed): every session ends with a Stop record, and
   * this resolves once they are answered or given up. Idempotent.
   */
  async close(error?: Error): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.shutdownCause = error === undefined ? TERMINATE_CAUSE.ADMIN_REBOOT : TERMINATE_CAUSE.NAS_ERROR;
      const engine = this.ctx.engine;
      engine.endAllSessions(this.ctx.nowMs());
      if (engine.sessionListener === this) engine.sessionListener = null;
      for (const a of this.active.values()) if (a.timer !== undefined) clearInterval(a.timer);
      this.active.clear();
    }
    await this.records.settled();
  }

  private interim(slot: number, id: number): void {
    const engine = this.ctx.engine;
    const a = this.active.get(slot);
    if (a === undefined || a.id !== id || !engine.sessionUsage(slot, this.scratch) || this.scratch[USAGE_SESSION_ID] !== id) return;
    this.records.interim(a.session, usageOf(this.scratch, this.ctx.nowMs()));
  }

  /** The first address of interface `ifIndex` (config order): IPv4 first, else IPv6. */
  private nasAddress(ifIndex: number): string | undefined {
    const itf = this.ctx.config.interfaces[ifIndex];
    if (itf === undefined) return undefined;
    if (itf.ipv4.length > 0) return formatIpv4(itf.ipv4[0]!.address);
    if (itf.ipv6.length > 0) return formatIpv6(itf.ipv6[0]!.address);
    return undefined;
  }
}

/** A usage snapshot (`USAGE_*`) at engine time `nowMs` as an accounting record's figures. */
function usageOf(u: Float64Array, nowMs: number): AccountingUsage {
  return {
    sessionTimeSec: Math.max(0, Math.floor((nowMs - u[USAGE_START_MS]!) / 1000)),
    inputOctets: u[USAGE_OCTETS_FROM_HOST]!,
    outputOctets: u[USAGE_OCTETS_TO_HOST]!,
    inputPackets: u[USAGE_PACKETS_FROM_HOST]!,
    outputPackets: u[USAGE_PACKETS_TO_HOST]!,
  };
}

/** A running gateway's accounting and what it holds, to close when the gateway stops. */
export interface GatewayAccounting {
  readonly sessions: SessionAccounting;
  readonly client: RadiusClient;
  /** Ends every session (Stop records), waits for them, closes the RADIUS client if it made it. */
  close(error?: Error): Promise<void>;
}

/**
 * Starts the accounting of `aaa accounting auth-proxy default …` on the gateway `ctx` (the
 * engine's session listener from now on), or returns undefined when the config has no such
 * list. Records go through `shared` (the login methods' client; the caller closes it) or a
 * client of its own. Throws `AaaConfigError` for a list naming an undefined group or a server
 * without a key.
 */
export function startGatewayAccounting(ctx: GatewayContext, config: Config = ctx.config,
  shared?: RadiusClient): GatewayAccounting | undefined {
  if (!config.aaa.accountingAuthProxy.has('default')) return undefined;
  const client = shared ?? new RadiusClient({ deadtimeMs: config.radius.deadtimeMin * 60_000, nasIdentifier: config.hostname });
  let records: RadiusAccounting | undefined;
  try {
    records = createRadiusAccounting(config, client);
  } catch (e) {
    if (shared === undefined) void client.close();
    throw e;
  }
  const minutes = config.aaa.accountingUpdatePeriodicMin;
  const stopOnly = config.aaa.accountingStopOnly?.has('default') ?? false;
  const sessions = new SessionAccounting(ctx, records!, minutes === undefined ? undefined : minutes * 60_000, stopOnly);
  ctx.engine.sessionListener = sessions;
  return {
    sessions, client,
    close: async (error?: Error) => {
      await sessions.close(error);
      if (shared === undefined) await client.close();
    },
  };
}
