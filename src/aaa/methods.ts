/**
 * AAA method lists as IOS runs them (`aaa authentication login LIST METHOD…`, `aaa authorization
 * auth-proxy LIST METHOD…`): the methods are tried in order and the next one is asked only when
 * one gives no answer (its servers unreachable, or it is not implemented); a reject is final.
 * The result is an {@link Authenticator}.
 *
 * Authentication methods: `group radius`, `group NAME` (an `aaa group server radius` or
 * `aaa group server tacacs+` block), `local` / `local-case` (the local users' authenticator),
 * `none` (accepts without checking, at privilege 1, IOS's user level — so the login is still
 * refused below), `group tacacs+` (every TACACS+ server: authentication, then authorization
 * with `service=auth-proxy` on the same server, src/aaa/tacacs/method.ts). `enable`, `line`, `krb5` give no answer (not
 * implemented), so the list goes on past them.
 *
 * Authorization (`aaa authorization auth-proxy LIST`): RADIUS has no separate authorization
 * exchange, so `group radius` / `group NAME` take the attributes of the Access-Accept when a
 * RADIUS method authenticated the user and give no answer otherwise; `group tacacs+` (or a
 * TACACS+ group's name) takes the TACACS+ authorization the TACACS+ method already did when it authenticated the user; `local` takes the local
 * authenticator's answer when it authenticated the user; `if-authenticated` and `none` keep
 * whatever the authentication gave. Without an authorization list the authentication's answer
 * stands (the local users of the live gateway need none). No method answering is an `error`.
 * Whatever answered, an accept below `priv-lvl` 15 becomes the reject `NOT_AUTHORIZED`, as IOS
 * refuses the auth-proxy to a user without `auth-proxy:priv-lvl=15`.
 *
 * An Access-Challenge, or a local TOTP user's request for a code (src/aaa/local.ts), becomes an
 * `AuthChallenge` whose `state` is a random handle of a pending exchange kept here (bounded,
 * expiring, answerable once by the same user): the answer goes to the method (and server) that
 * challenged.
 */
import { AaaConfigError } from '../errors.js';
import type { Config } from '../config/types.js';
import type { LocalAuthenticatorOptions } from './local.js';
import type { AuthAccept, AuthOutcome, AuthReject, AuthRequest, Authenticator } from './types.js';
import { createLocalAuthenticator, NOT_AUTHORIZED, REQUIRED_PRIVILEGE, STEP_EXPIRED, TOTP_CHALLENGE_TTL_MS } from './local.js';
import { RadiusClient } from './radius/client.js';
import { ACCT_AUTHENTIC } from './radius/dictionary.js';
import { RadiusGroupMethod, radiusGroupServers, radiusTargets } from './radius/method.js';
import type { MethodAnswer, RadiusResume } from './radius/method.js';
import { TacacsClient } from './tacacs/client.js';
import { PendingSteps } from './pending-steps.js';
import { TacacsGroupMethod, tacacsGroupServers, tacacsTargets } from './tacacs/method.js';

/** Options of {@link createMethodList}. */
export interface MethodListOptions {
  readonly config: Config;
  /** `aaa authentication login` list to use (default `default`). */
  readonly authenticationList?: string;
  /** `aaa authorization auth-proxy` list to use (default `default`). */
  readonly authorizationList?: string;
  /** The local users' authenticator (src/aaa/local.ts), for `local` in the lists. */
  readonly local?: Authenticator | undefined;
  /** The RADIUS client to share (default: one made here, closed by `close`). */
  readonly radiusClient?: RadiusClient | undefined;
  /** The TACACS+ client to share (default: one made here, closed by `close`). */
  readonly tacacsClient?: TacacsClient | undefined;
  /** `group tacacs+` authenticates with ASCII login instead of PAP (RFC 8907 §5.4.2). */
  readonly tacacsAscii?: boolean | undefined;
  /** Monotonic clock in ms (challenge expiry; default `performance.now()`). */
  readonly nowMs?: () => number;
}

/** The method list's {@link Authenticator}, with what it holds to release. */
export interface MethodListAuthenticator extends Authenticator {
  /** The methods of the authentication list as configured, e.g. `['group radius', 'local']`. */
  readonly methods: readonly string[];
  /** The RADIUS client (its counters are `show`'s). */
  readonly radius: RadiusClient;
  /** The TACACS+ client (its counters are `show`'s). */
  readonly tacacs: TacacsClient;
  /** Challenges waiting for their answer. */
  pendingChallenges(): number;
  close(): Promise<void>;
}

/** Largest number of challenges waiting for an answer; the oldest goes first past it. */
export const MAX_PENDING_CHALLENGES = 4096;

/** What answered an authentication (for the authorization list). */
type Source = 'radius' | 'tacacs' | 'local' | 'none';

/** Acct-Authentic (RFC 2866 §5.6) of a user a method of `source` authenticated (`none` authenticates nobody). */
const AUTHENTIC_OF: Readonly<Record<Source, number | undefined>> = {
  radius: ACCT_AUTHENTIC.RADIUS, local: ACCT_AUTHENTIC.LOCAL, tacacs: ACCT_AUTHENTIC.REMOTE, none: undefined,
};

interface Method {
  readonly name: string;
  readonly source: Source;
  authenticate(req: AuthRequest, resume?: unknown): Promise<MethodAnswer<unknown>>;
}

interface PendingChallenge {
  readonly method: number;
  readonly user: string;
  readonly resume: unknown;
  readonly expiresMs: number;
}

/**
 * Builds the authenticator of the config's method lists (see the module comment). Throws
 * {@link AaaConfigError} when a list names what the config does not define.
 */
export function createMethodList(opts: MethodListOptions): MethodListAuthenticator {
  const config = opts.config;
  const listName = opts.authenticationList ?? 'default';
  const where = `aaa authentication login ${listName}`;
  const configured = config.aaa.authenticationLogin.get(listName);
  if (configured === undefined && listName !== 'default') throw new AaaConfigError(where, 'no such method list');
  // Without `aaa authentication login default` a login is checked against the local users.
  const names = configured ?? ['local'];
  const ownClient = opts.radiusClient === undefined;
  const radius = opts.radiusClient ?? new RadiusClient({ deadtimeMs: config.radius.deadtimeMin * 60_000, nasIdentifier: config.hostname });
  const ownTacacs = opts.tacacsClient === undefined;
  const tacacs = opts.tacacsClient ?? new TacacsClient({ nowMs: opts.nowMs });
  const clients: Clients = { radius, tacacs, tacacsAscii: opts.tacacsAscii ?? false };
  const methods = names.map((name) => makeMethod(name, config, opts.local, clients, where));
  const authzName = opts.authorizationList ?? 'default';
  const authz = config.aaa.authorizationAuthProxy.get(authzName);
  if (authz === undefined && opts.authorizationList !== undefined) {
    throw new AaaConfigError(`aaa authorization auth-proxy ${authzName}`, 'no such method list');
  }
  // A group naming no server group is an error now; the groups' kinds decide what authorizes.
  const authzKinds = (authz ?? []).map((m) => m.startsWith('group ')
    ? (radiusGroupServers(m.slice(6), config, `aaa authorization auth-proxy ${authzName}`) === undefined ? 'tacacs' : 'radius')
    : undefined);
  const now = opts.nowMs ?? (() => performance.now());
  const pending = new PendingSteps<PendingChallenge>(MAX_PENDING_CHALLENGES);

  const finish = (outcome: AuthAccept | AuthReject, source: Source): AuthOutcome => {
    if (outcome.kind === 'reject') return outcome;
    const authorized = authz === undefined ? outcome : authorize(outcome, source, authz, authzKinds);
    if (authorized.kind !== 'accept') return authorized;
    // The auth-proxy lets a user through only at priv-lvl 15 (IOS), whichever method answered.
    if (authorized.privilege !== REQUIRED_PRIVILEGE) return { kind: 'reject', reason: NOT_AUTHORIZED };
    return { ...authorized, authentic: AUTHENTIC_OF[source] };
  };

  /** Runs the list from method `from` on (or resumes one method); the first answer wins. */
  const run = async (req: AuthRequest, from: number, resume: unknown): Promise<AuthOutcome> => {
    const reasons: string[] = [];
    for (let i = from; i < methods.length; i++) {
      const m = methods[i]!;
      let answer: MethodAnswer<unknown>;
      try {
        answer = await m.authenticate(req, i === from ? resume : undefined);
      } catch (e) {
        // A method's failure is no answer (the local users' store, a bug): the list moves on.
        answer = { kind: 'no-answer', reason: e instanceof Error ? e.message : String(e) };
      }
      if (answer.kind === 'final') return finish(answer.outcome, m.source);
      if (answer.kind === 'challenge') {
        const state = pending.add({ method: i, user: req.user, resume: answer.resume, expiresMs: now() + answer.ttlMs }, now());
        return { kind: 'challenge', state, prompt: answer.prompt };
      }
      reasons.push(`${m.name}: ${answer.reason}`);
      if (resume !== undefined) break; // a challenge's answer goes to its method only
    }
    return { kind: 'error', reason: reasons.length === 0 ? 'no authentication method' : reasons.join('; ') };
  };

  return {
    methods: names,
    radius,
    tacacs,
    pendingChallenges: () => pending.size,
    async authenticate(req: AuthRequest): Promise<AuthOutcome> {
      if (req.state === undefined) return run(req, 0, undefined);
      const p = pending.take(req.state, req.user, now());
      if (p === undefined) return { kind: 'reject', reason: STEP_EXPIRED };
      return run(req, p.method, p.resume);
    },
    async close(): Promise<void> {
      pending.clear();
      if (ownClient) await radius.close();
      if (ownTacacs) await tacacs.close();
    },
  };
}

/**
 * The gateway's authenticator for `config`: the method lists, with the local users
 * (`createLocalAuthenticator`, which hashes their clear text now) when a list names `local` or
 * no `aaa authentication login default` is configured.
 */
export async function createAaaAuthenticator(config: Config,
  opts: Omit<MethodListOptions, 'config' | 'local'> & LocalAuthenticatorOptions = {}): Promise<MethodListAuthenticator> {
  const list = config.aaa.authenticationLogin.get(opts.authenticationList ?? 'default');
  const needsLocal = list === undefined || list.some((m) => m === 'local' || m === 'local-case');
  const local = needsLocal ? await createLocalAuthenticator(config, opts) : undefined;
  return createMethodList({ ...opts, config, local });
}

/** The protocol clients the methods share. */
interface Clients {
  readonly radius: RadiusClient;
  readonly tacacs: TacacsClient;
  readonly tacacsAscii: boolean;
}

function makeMethod(name: string, config: Config, local: Authenticator | undefined, clients: Clients,
  where: string): Method {
  if (name.startsWith('group ')) {
    const group = radiusGroupServers(name.slice(6), config, where);
    if (group === undefined) {
      const t = tacacsGroupServers(name.slice(6), config)!;
      const method = new TacacsGroupMethod(name, tacacsTargets(config, t.servers, t.deadtimeMin, where), clients.tacacs, clients.tacacsAscii);
      return { name, source: 'tacacs', authenticate: (req) => method.authenticate(req) };
    }
    const method = new RadiusGroupMethod(name, radiusTargets(config, group.servers, group.deadtimeMin, where), clients.radius);
    return {
      name, source: 'radius',
      authenticate: (req, resume) => method.authenticate(req, resume as RadiusResume | undefined),
    };
  }
  if (name === 'local' || name === 'local-case') {
    if (local === undefined) throw new AaaConfigError(where, `"${name}" is listed but no local users are available`);
    return {
      name, source: 'local',
      async authenticate(req, resume) {
        // A TOTP user's code answers the local authenticator's own challenge state.
        const o = await local.authenticate(resume === undefined ? req : { ...req, state: resume as string });
        if (o.kind === 'error') return { kind: 'no-answer', reason: o.reason };
        if (o.kind === 'challenge') return { kind: 'challenge', prompt: o.prompt, resume: o.state, ttlMs: TOTP_CHALLENGE_TTL_MS };
        return { kind: 'final', outcome: o };
      },
    };
  }
  if (name === 'none') {
    return {
      name, source: 'none',
      authenticate: async (req) => ({ kind: 'final', outcome: { kind: 'accept', user: req.user, privilege: 1, entries: [] } }),
    };
  }
  return noAnswer(name, 'not implemented by portcullis');
}

function noAnswer(name: string, reason: string): Method {
  return { name, source: 'none', authenticate: async () => ({ kind: 'no-answer', reason }) };
}

/** The authorization list over an authenticated user (see the module comment). */
function authorize(accept: AuthAccept, source: Source, methods: readonly string[],
  kinds: readonly ('radius' | 'tacacs' | undefined)[]): AuthOutcome {
  for (const [i, m] of methods.entries()) {
    const kind = kinds[i];
    if (kind !== undefined) {
      if (kind === source) return accept;
      continue;
    }
    if (m === 'local') {
      if (source === 'local') return accept;
      continue;
    }
    if (m === 'if-authenticated' || m === 'none') return accept;
  }
  return { kind: 'error', reason: `authorization: no method of "${methods.join(' ')}" answered for ${accept.user}` };
}
