/**
 * A RADIUS server group as an AAA method: `group radius` (every RADIUS server of the config,
 * `radius-server host` lines and `radius server` blocks, in config order) or `group NAME` (an
 * `aaa group server radius NAME` block's servers). It asks the group's servers through the
 * {@link RadiusClient} and turns the reply into the method list's answer: Access-Accept into an
 * accept carrying the `auth-proxy` Cisco-AVPairs, Access-Reject into a reject (final, as IOS),
 * Access-Challenge into a challenge whose answer goes back to the same server with the State,
 * and no answer from any server into no answer (the list moves on).
 */
import { AaaConfigError } from '../../errors.js';
import type { Config, RadiusServer } from '../../config/types.js';
import type { AuthAccept, AuthReject, AuthRequest } from '../types.js';
import { readAuthProxyPairs } from '../cisco-avpair.js';
import { RADIUS_ATTR, RADIUS_CODE } from './dictionary.js';
import { attributeInteger, ciscoAvPairs, findAttribute, replyMessage } from './packet.js';
import type { RadiusClient, RadiusServerTarget } from './client.js';

/** What a pending Access-Challenge needs to be answered: the server that sent it and its State. */
export interface RadiusResume {
  readonly server: RadiusServerTarget;
  readonly state: Uint8Array | undefined;
}

/** A method's answer to one authentication. */
export type MethodAnswer<R> =
  | { readonly kind: 'final'; readonly outcome: AuthAccept | AuthReject }
  | { readonly kind: 'challenge'; readonly prompt: string; readonly resume: R; readonly ttlMs: number }
  | { readonly kind: 'no-answer'; readonly reason: string };

/** How long an Access-Challenge waits for its answer when it gives no Session-Timeout, and at most. */
export const CHALLENGE_TTL_MS = 300_000;

/** Prompt shown for an Access-Challenge that carries no Reply-Message. */
export const DEFAULT_CHALLENGE_PROMPT = 'Response:';

/** The client's view of the config's servers of one group (keys and timers resolved). */
export function radiusTargets(config: Config, servers: readonly RadiusServer[], deadtimeMin: number | undefined,
  where: string): RadiusServerTarget[] {
  return servers.map((s) => {
    const secret = s.key ?? config.radius.key;
    if (secret === undefined) {
      throw new AaaConfigError(where, `RADIUS server ${s.name ?? s.host} (${s.source.file} line ${s.source.line}) has no key `
        + 'and no "radius-server key" is configured');
    }
    return {
      host: s.host, authPort: s.authPort, acctPort: s.acctPort, secret,
      timeoutMs: (s.timeoutSec ?? config.radius.timeoutSec) * 1000,
      retransmit: s.retransmit ?? config.radius.retransmit,
      deadtimeMs: (deadtimeMin ?? config.radius.deadtimeMin) * 60_000,
    };
  });
}

/**
 * The servers of `group NAME` in a method list (`radius`: every RADIUS server), with the
 * group's dead-time; undefined for TACACS+ (`tacacs+` or an `aaa group server tacacs+` block,
 * src/aaa/tacacs/method.ts). Throws {@link AaaConfigError} (at `where`) for a group neither
 * kind of block defines, or both.
 */
export function radiusGroupServers(group: string, config: Config, where: string):
  { readonly servers: readonly RadiusServer[]; readonly deadtimeMin: number | undefined } | undefined {
  const lower = group.toLowerCase();
  if (lower === 'radius') return { servers: config.radius.servers, deadtimeMin: undefined };
  if (lower === 'tacacs+') return undefined;
  const g = config.radius.groups.get(group);
  const tacacs = config.tacacs.groups.has(group);
  if (g !== undefined && tacacs) {
    throw new AaaConfigError(where, `server group "${group}" is defined by both "aaa group server radius" and "aaa group server tacacs+"`);
  }
  if (tacacs) return undefined;
  if (g === undefined) {
    throw new AaaConfigError(where, `no "aaa group server radius|tacacs+ ${group}" defines server group "${group}"`);
  }
  return { servers: g.servers, deadtimeMin: g.deadtimeMin };
}

/** One RADIUS server group as a method (see the module comment). */
export class RadiusGroupMethod {
  constructor(readonly name: string, private readonly servers: readonly RadiusServerTarget[],
    private readonly client: RadiusClient) {}

  /** Asks the group (or, answering a challenge, the server that sent it). Never throws for a server's doing. */
  async authenticate(req: AuthRequest, resume?: RadiusResume): Promise<MethodAnswer<RadiusResume>> {
    const servers = resume === undefined ? this.servers : [resume.server];
    const r = await this.client.access(servers, {
      user: req.user, password: req.password, state: resume?.state, callingStationId: req.client,
    });
    if (r.kind === 'no-answer') return r;
    if (r.kind === 'unsendable') return { kind: 'final', outcome: { kind: 'reject', reason: r.reason } };
    const p = r.packet;
    const message = replyMessage(p);
    if (p.code === RADIUS_CODE.ACCESS_REJECT) {
      return { kind: 'final', outcome: { kind: 'reject', reason: message ?? 'rejected by the RADIUS server' } };
    }
    if (p.code === RADIUS_CODE.ACCESS_CHALLENGE) {
      const timeout = findAttribute(p, RADIUS_ATTR.SESSION_TIMEOUT);
      const seconds = timeout === undefined ? undefined : attributeInteger(timeout);
      const ttlMs = seconds === undefined || seconds === 0 ? CHALLENGE_TTL_MS : Math.min(CHALLENGE_TTL_MS, seconds * 1000);
      return {
        kind: 'challenge', prompt: message ?? DEFAULT_CHALLENGE_PROMPT, ttlMs,
        resume: { server: r.server, state: findAttribute(p, RADIUS_ATTR.STATE)?.slice() },
      };
    }
    const authz = readAuthProxyPairs(ciscoAvPairs(p));
    if (authz.unreadable.length > 0) {
      return { kind: 'final', outcome: { kind: 'reject', reason: `unreadable authorization from the RADIUS server: ${authz.unreadable.join(', ')}` } };
    }
    return {
      kind: 'final',
      outcome: { kind: 'accept', user: req.user, privilege: authz.privilege ?? 0, entries: authz.entries },
    };
  }
}
