/**
 * The attribute-list room: `aaa attribute list NAME` opens a block of `attribute type NAME
 * VALUE [service S] [protocol P] [mandatory] [tag]` lines — IOS's local AAA attributes, the
 * local user's authorization for the auth-proxy, bound to a user by `username NAME aaa attribute
 * list NAME`. Two attributes matter to the auth-proxy (as in a RADIUS or TACACS+ answer):
 * `priv-lvl N` and `proxyacl#N "ENTRY"`. Each entry is read with the ACL grammar here, so that
 * a bad one stops the config at its line and column instead of failing every login of the user.
 */
import { ConfigError } from '../errors.js';
import type { DownloadedAclError } from '../errors.js';
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import { clip } from '../ios/echo.js';
import { parseDownloadedEntry } from '../acl/downloaded.js';
import type { DynamicAclText } from '../acl/api.js';
import type { AttributeList } from './types.js';
import type { ParseContext } from './context.js';
import { isTopLevelCommand } from './commands.js';
import { rejectMistyped } from './vocabulary.js';
import type { WordSet } from './vocabulary.js';
import { expectEnd, numberAt, quotedAt, wordAt } from './values.js';

/** Largest N of `proxyacl#N` taken (IOS numbers them from 1). */
export const PROXYACL_MAX = 9999;

/** The sub-mode's words, for "did you mean" on an indented slip. */
const ATTRIBUTE_LIST_WORDS: WordSet = {
  what: 'an attribute list command', implemented: ['attribute', 'exit'], ios: new Set(['no', 'default']),
};

interface MutableList {
  name: string;
  privLvl: number | undefined;
  proxyAcl: Map<number, string>;
  tl: TokenLine;
}

/** `aaa attribute list` blocks. */
export class AttributeListSection {
  private readonly lists = new Map<string, MutableList>();
  private current: MutableList | null = null;

  constructor(private readonly ctx: ParseContext) {}

  /** `aaa attribute list NAME` opens the block (a repeated name reopens it). */
  begin(tl: TokenLine): void {
    const name = tl.tokens[3]?.text;
    if (name === undefined) throw expectedAt(tl, 3, 'an attribute list name');
    expectEnd(tl, 4);
    let l = this.lists.get(name);
    if (l === undefined) {
      l = { name, privLvl: undefined, proxyAcl: new Map(), tl };
      this.lists.set(name, l);
    }
    this.current = l;
  }

  /** A line in the block; false if it is not one of its commands (the block ends). */
  subLine(tl: TokenLine): boolean {
    const w0 = wordAt(tl, 0);
    if (w0 === 'attribute') {
      this.parseAttribute(tl, this.current!);
      return true;
    }
    if (w0 === 'exit') {
      expectEnd(tl, 1);
      this.current = null;
      return true;
    }
    if (tl.indent > 0 && !isTopLevelCommand(tl)) rejectMistyped(tl, 0, ATTRIBUTE_LIST_WORDS);
    this.current = null;
    return false;
  }

  /** `attribute type NAME VALUE [options]`. */
  private parseAttribute(tl: TokenLine, list: MutableList): void {
    if (wordAt(tl, 1) !== 'type') throw expectedAt(tl, 1, '"type"');
    const attr = wordAt(tl, 2);
    if (attr === undefined) throw expectedAt(tl, 2, 'an attribute name ("priv-lvl", "proxyacl#N", …)');
    const proxy = /^proxyacl#([0-9]+)$/.exec(attr);
    if (attr === 'priv-lvl') {
      const level = numberAt(tl, 3, 0, 15);
      if (this.options(tl, 4, list)) list.privLvl = level;
    } else if (proxy !== null) {
      const n = Number(proxy[1]);
      if (n < 1 || n > PROXYACL_MAX) throw expectedAt(tl, 2, `proxyacl#N with N from 1 to ${PROXYACL_MAX}`);
      const [text, next] = quotedAt(tl, 3, 'a quoted access-list entry ("permit …")');
      this.checkEntry(tl, { n, text });
      if (this.options(tl, next, list)) list.proxyAcl.set(n, text);
    } else {
      this.ctx.warn(tl, 2, `attribute "${clip(attr)}" ignored: the auth-proxy uses "priv-lvl" and "proxyacl#N"`);
    }
  }

  /**
   * The options after the value, from token `i`: `service S`, `protocol P`, `mandatory`, `tag`.
   * False (with a warning) when `service` names another service than the auth-proxy: the
   * attribute is not the auth-proxy's.
   */
  private options(tl: TokenLine, i: number, list: MutableList): boolean {
    let ours = true;
    while (i < tl.tokens.length) {
      const w = wordAt(tl, i)!;
      if (w === 'service' || w === 'protocol') {
        const v = wordAt(tl, i + 1);
        if (v === undefined) throw expectedAt(tl, i + 1, w === 'service' ? 'a service name ("auth-proxy")' : 'a protocol name ("ip")');
        if (w === 'service' && v !== 'auth-proxy') {
          this.ctx.warn(tl, i + 1, `attribute for service "${clip(v)}" in attribute list "${clip(list.name)}" ignored: `
            + 'only the auth-proxy service is used');
          ours = false;
        }
        i += 2;
      } else if (w === 'mandatory' || w === 'tag') {
        i++;
      } else {
        throw expectedAt(tl, i, '"service", "protocol", "mandatory", "tag" or end of line');
      }
    }
    return ours;
  }

  /**
   * Reads an entry with the ACL grammar as a downloaded entry of an IPv4 extended list and of an
   * IPv6 list (a host's entries go to the list of its address family). It must fit at least one;
   * the error is the one that read further (IPv4's on a tie), at its column in the config line. An entry that fits
   * only one family is warned: a login from a host of the other family with it is refused.
   */
  private checkEntry(tl: TokenLine, d: DynamicAclText): void {
    const v4 = parseDownloadedEntry(d, 'extended');
    const v6 = parseDownloadedEntry(d, 'ipv6');
    if (v4.ok && v6.ok) return;
    if (v4.ok || v6.ok) {
      this.ctx.warn(tl, 3, `proxyacl#${d.n} is an IPv${v4.ok ? 4 : 6}-only entry: a login with it from an `
        + `IPv${v4.ok ? 6 : 4} host is refused`);
      return;
    }
    // How far the grammar read: a sequence or source fault comes after a whole entry was read.
    const reach = (e: DownloadedAclError): number => e.column ?? Infinity;
    const err = reach(v6.error) > reach(v4.error) ? v6.error : v4.error;
    const quote = tl.tokens[3]!.column;
    if (err.problem === 'syntax') {
      const cause = err.cause as ConfigError;
      throw new ConfigError(tl.file, tl.line, quote + cause.column, cause.expected, cause.found, cause.detail);
    }
    throw expectedAt(tl, 3, 'a downloaded access-list entry', err.problem === 'sequence'
      ? '"sequence" is not allowed in a downloaded entry'
      : 'the source must be "any" (it becomes the client\'s address)');
  }

  /** The lists by name. */
  result(): Map<string, AttributeList> {
    const out = new Map<string, AttributeList>();
    for (const l of this.lists.values()) {
      const proxyAcl = [...l.proxyAcl].sort((a, b) => a[0] - b[0]).map(([n, text]) => ({ n, text }));
      out.set(l.name, { name: l.name, privLvl: l.privLvl, proxyAcl, source: this.ctx.source(l.tl) });
    }
    return out;
  }
}

