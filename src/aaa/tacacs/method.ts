/**
 * A TACACS+ server group as an AAA method: `group tacacs+` (every `tacacs-server host` and
 * `tacacs server` block, in config order) or `group NAME` (an `aaa group server tacacs+ NAME`
 * block's servers, in its order). Servers marked dead (`tacacs-server deadtime`, the group's
 * `deadtime`) are skipped. For each other server in turn it authenticates the user (RFC 8907
 * §5: PAP by default, one START carrying the password; ASCII when asked, START then CONTINUE
 * answering GETUSER/GETPASS) and, on PASS, authorizes them on the same server (§6: `service=auth-proxy`, `cmd*`), whose
 * `priv-lvl` and `proxyacl#N` arguments become the accept. A FAIL of either is a reject (final,
 * as IOS); a server that gives no answer, an ERROR or a FOLLOW (not supported) moves on to the
 * next server, and when none answers the method gives no answer (the list moves on).
 */
import { AaaConfigError, TacacsEncodeError } from '../../errors.js';
import type { Config, TacacsServer } from '../../config/types.js';
import type { AuthRequest } from '../types.js';
import { readAuthProxyPairs } from '../cisco-avpair.js';
import type { MethodAnswer } from '../radius/method.js';
import type { TacacsClient, TacacsServerTarget, TacacsSession } from './client.js';
import {
  decodeAuthenReply, decodeAuthorResponse, encodeAuthenContinue, encodeAuthenStart, encodeAuthorRequest, TACACS_AUTHEN,
  TACACS_AUTHEN_STATUS, TACACS_AUTHOR_STATUS, TACACS_TYPE, TACACS_VERSION,
} from './packet.js';

/** The ASCII login exchanges at most this many GETUSER/GETPASS/GETDATA prompts. */
const MAX_ASCII_ROUNDS = 4;

/**
 * The servers of `group NAME` in a method list when it is a TACACS+ group (`tacacs+`: every
 * TACACS+ server; an `aaa group server tacacs+ NAME` block's servers), with the group's
 * dead-time; undefined when it is not one.
 */
export function tacacsGroupServers(group: string, config: Config):
  { readonly servers: readonly TacacsServer[]; readonly deadtimeMin: number | undefined } | undefined {
  if (group.toLowerCase() === 'tacacs+') return { servers: config.tacacs.servers, deadtimeMin: undefined };
  const g = config.tacacs.groups.get(group);
  return g === undefined ? undefined : { servers: g.servers, deadtimeMin: g.deadtimeMin };
}

/** The client's view of TACACS+ servers of the config (keys, timeouts and dead-time resolved). */
export function tacacsTargets(config: Config, servers: readonly TacacsServer[], deadtimeMin: number | undefined,
  where: string): TacacsServerTarget[] {
  const t = config.tacacs;
  return servers.map((s) => {
    const key = s.key ?? t.key;
    if (key === undefined) {
      throw new AaaConfigError(where, `TACACS+ server ${s.name ?? s.host} (${s.source.file} line ${s.source.line}) has no key `
        + 'and no "tacacs-server key" is configured');
    }
    return {
      host: s.host, port: s.port, key, timeoutMs: (s.timeoutSec ?? t.timeoutSec) * 1000, singleConnection: s.singleConnection,
      deadtimeMs: (deadtimeMin ?? t.deadtimeMin) * 60_000,
    };
  });
}

/** One server's verdict, or undefined (no answer from it: try the next). */
type Verdict = MethodAnswer<never> | undefined;

/** `group tacacs+` as a method (see the module comment). */
export class TacacsGroupMethod {
  constructor(readonly name: string, private readonly servers: readonly TacacsServerTarget[],
    private readonly client: TacacsClient, private readonly ascii = false) {}

  /** Asks the servers in order. Never throws for a server's doing. */
  async authenticate(req: AuthRequest): Promise<MethodAnswer<never>> {
    if (this.servers.length === 0) return { kind: 'no-answer', reason: 'no TACACS+ server configured' };
    // Servers marked dead are skipped (IOS dead-time); when every one is, the method gives no answer.
    const alive = this.servers.filter((s) => !this.client.isDead(s));
    if (alive.length === 0) return { kind: 'no-answer', reason: 'every TACACS+ server is marked dead' };
    for (const server of alive) {
      let v: Verdict;
      try {
        const authen = await this.client.session(server, (s) => this.authen(s, req));
        // Authorization is a session of its own on the same server (§6): its own id and sequence numbers.
        v = authen === 'pass' ? await this.client.session(server, (s) => this.authorize(s, req)) : authen;
      } catch (e) {
        if (e instanceof TacacsEncodeError) return { kind: 'final', outcome: { kind: 'reject', reason: e.message } };
        throw e;
      }
      if (v !== undefined) return v;
    }
    const names = alive.map((s) => `${s.host}:${s.port}`).join(', ');
    return { kind: 'no-answer', reason: `no answer from TACACS+ server${alive.length === 1 ? '' : 's'} ${names}` };
  }

  /** Authentication (§5): 'pass', a final reject, or undefined (no answer). */
  private async authen(s: TacacsSession, req: AuthRequest): Promise<Verdict | 'pass'> {
    const te = new TextEncoder();
    const pap = !this.ascii;
    const start = encodeAuthenStart({
      action: TACACS_AUTHEN.ACTION_LOGIN, privLvl: 1, authenType: pap ? TACACS_AUTHEN.TYPE_PAP : TACACS_AUTHEN.TYPE_ASCII,
      service: TACACS_AUTHEN.SERVICE_LOGIN, user: req.user, port: 'auth-proxy', remAddr: req.client,
      data: pap ? te.encode(req.password) : new Uint8Array(0),
    });
    const version = pap ? TACACS_VERSION.ONE : TACACS_VERSION.DEFAULT;
    let r = await s.exchange(TACACS_TYPE.AUTHEN, version, start, decodeAuthenReply);
    for (let round = 0; ; round++) {
      if (r === undefined) return undefined;
      const st = r.status;
      if (st === TACACS_AUTHEN_STATUS.PASS) return 'pass';
      if (st === TACACS_AUTHEN_STATUS.FAIL) {
        return { kind: 'final', outcome: { kind: 'reject', reason: r.serverMsg || 'rejected by the TACACS+ server' } };
      }
      const prompt = st === TACACS_AUTHEN_STATUS.GETUSER || st === TACACS_AUTHEN_STATUS.GETPASS || st === TACACS_AUTHEN_STATUS.GETDATA;
      if (!prompt || pap || round >= MAX_ASCII_ROUNDS) return undefined;
      const answer = st === TACACS_AUTHEN_STATUS.GETUSER ? req.user : req.password;
      r = await s.exchange(TACACS_TYPE.AUTHEN, version,
        encodeAuthenContinue({ userMsg: te.encode(answer), data: new Uint8Array(0), flags: 0 }), decodeAuthenReply);
    }
  }

  /** Authorization (§6) with `service=auth-proxy`: the accept or reject, or undefined (no answer). */
  private async authorize(s: TacacsSession, req: AuthRequest): Promise<Verdict> {
    const pap = !this.ascii;
    const r = await s.exchange(TACACS_TYPE.AUTHOR, TACACS_VERSION.DEFAULT, encodeAuthorRequest({
      authenMethod: TACACS_AUTHEN.METHOD_TACACSPLUS, privLvl: 1, authenType: pap ? TACACS_AUTHEN.TYPE_PAP : TACACS_AUTHEN.TYPE_ASCII,
      service: TACACS_AUTHEN.SERVICE_LOGIN, user: req.user, port: 'auth-proxy', remAddr: req.client,
      args: ['service=auth-proxy', 'cmd*'],
    }), decodeAuthorResponse);
    if (r === undefined) return undefined;
    const st = r.status;
    if (st === TACACS_AUTHOR_STATUS.FAIL) {
      return { kind: 'final', outcome: { kind: 'reject', reason: r.serverMsg || 'not authorized by the TACACS+ server' } };
    }
    if (st !== TACACS_AUTHOR_STATUS.PASS_ADD && st !== TACACS_AUTHOR_STATUS.PASS_REPL) return undefined;
    const authz = readAuthProxyPairs(r.args, false);
    if (authz.unreadable.length > 0) {
      return { kind: 'final', outcome: { kind: 'reject', reason: `unreadable authorization from the TACACS+ server: ${authz.unreadable.join(', ')}` } };
    }
    return { kind: 'final', outcome: { kind: 'accept', user: req.user, privilege: authz.privilege ?? 0, entries: authz.entries } };
  }
}
