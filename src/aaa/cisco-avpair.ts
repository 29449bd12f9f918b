/**
 * Cisco-AVPair authorization for the auth-proxy: the `auth-proxy:priv-lvl=N` and
 * `auth-proxy:proxyacl#N=ENTRY` pairs a RADIUS server sends as Cisco-AVPair values (vendor 9,
 * type 1) and a TACACS+ server as `service=auth-proxy` arguments. A pair is
 * `protocol:attribute=value` (mandatory) or `protocol:attribute*value` (optional); pairs of other
 * protocols (`shell:priv-lvl=15`) and other auth-proxy attributes are not the auth-proxy's and are
 * left alone, as IOS does.
 */
import type { DynamicAclText } from '../acl/api.js';

/** The auth-proxy's part of a user's AV pairs. */
export interface AuthProxyAuthorization {
  /** `priv-lvl`, or undefined when no pair gives it. */
  readonly privilege: number | undefined;
  /** `proxyacl#N` entries, sorted by N (a repeated N: the last one given). */
  readonly entries: readonly DynamicAclText[];
  /** Pairs that name an auth-proxy attribute but cannot be read (e.g. `priv-lvl=high`), as given. */
  readonly unreadable: readonly string[];
  /**
   * Mandatory (`=`) pairs of an auth-proxy attribute other than `priv-lvl` and `proxyacl#N`, as
   * given: an Access-Accept's are left alone, as IOS does; a CoA-Request's cannot be applied.
   */
  readonly unknown: readonly string[];
}

const PAIR = /^([^:=*]+):([^=*]+)([=*])([\s\S]*)$/;
const PROXYACL = /^proxyacl#([0-9]{1,9})$/i;

/**
 * Reads the `auth-proxy` pairs of `pairs` (the `protocol:` prefix optional, as TACACS+ arguments
 * come without it when `withProtocol` is false).
 */
export function readAuthProxyPairs(pairs: readonly string[], withProtocol = true): AuthProxyAuthorization {
  let privilege: number | undefined;
  const byN = new Map<number, string>();
  const unreadable: string[] = [];
  const unknown: string[] = [];
  for (const pair of pairs) {
    let attribute: string;
    let value: string;
    let mandatory: boolean;
    if (withProtocol) {
      const m = PAIR.exec(pair);
      if (m === null || m[1]!.trim().toLowerCase() !== 'auth-proxy') continue;
      attribute = m[2]!.trim();
      mandatory = m[3] === '=';
      value = m[4]!;
    } else {
      const m = /^([^=*]+)([=*])([\s\S]*)$/.exec(pair);
      if (m === null) continue;
      attribute = m[1]!.trim();
      mandatory = m[2] === '=';
      value = m[3]!;
    }
    if (attribute.toLowerCase() === 'priv-lvl') {
      const t = value.trim();
      if (/^[0-9]{1,2}$/.test(t) && Number(t) <= 15) privilege = Number(t);
      else unreadable.push(pair);
      continue;
    }
    const acl = PROXYACL.exec(attribute);
    if (acl !== null) byN.set(Number(acl[1]), value.trim().replace(/^"(.*)"$/s, '$1'));
    else if (mandatory) unknown.push(pair);
  }
  const entries = [...byN.entries()].sort((a, b) => a[0] - b[0]).map(([n, text]) => ({ n, text }));
  return { privilege, entries, unreadable, unknown };
}
