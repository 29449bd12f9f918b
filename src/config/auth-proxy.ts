/**
 * The auth-proxy room: the global `ip auth-proxy …` settings (timers, limits, the banner) and
 * the named rules (`ip auth-proxy name N http [list A] [auth-cache-time M]`). Interfaces apply
 * a rule by name (`interfaces.ts`).
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import { AP_PROTO_FTP, AP_PROTO_HTTP, AP_PROTO_HTTPS, AP_PROTO_TELNET } from '../authproxy/protocols.js';
import type { AuthProxyGlobals, AuthProxyProtocolRule, AuthProxyRule } from './types.js';
import { CONFIG_DEFAULTS, INT32_MAX } from './context.js';
import type { ParseContext, Reference } from './context.js';
import { readDelimitedText } from './banner.js';
import { LOGIN_MODE_KEYWORDS } from './login-modes.js';
import { expectEnd, ipv4At, ipv6Words, numberAt, parseIpv6Literal, wordAt } from './values.js';

/** An IPv4 (returned IPv4-mapped) or IPv6 host address at token `index`, as four words. */
function addressAt(tl: TokenLine, index: number): Uint32Array {
  const text = tl.tokens[index]?.text;
  if (text !== undefined && text.includes(':')) {
    const v6 = parseIpv6Literal(text);
    if (v6 === undefined) throw expectedAt(tl, index, 'an IPv4 or IPv6 address');
    return ipv6Words(v6);
  }
  const v4 = ipv4At(tl, index, 'an IPv4 or IPv6 address');
  return new Uint32Array([0, 0, 0xffff, v4 >>> 0]);
}

/** `ip auth-proxy name N <proto>` keywords and their AP_PROTO_* bits (spec §2). */
const AP_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['http', AP_PROTO_HTTP], ['ftp', AP_PROTO_FTP], ['telnet', AP_PROTO_TELNET], ['https', AP_PROTO_HTTPS],
]);

/** Keywords of the global `ip auth-proxy …` command (anything else after `ip auth-proxy` in an interface is a rule name). */
export const AP_GLOBAL_KEYWORDS: ReadonlySet<string> = new Set([
  'auth-cache-time', 'inactivity-timer', 'absolute-timer', 'auth-proxy-banner', 'name', 'max-nodata-conns',
  'max-login-attempts', 'watch-list', 'half-open-limit', ...LOGIN_MODE_KEYWORDS,
]);

interface MutableRule {
  name: string;
  protocols: AuthProxyProtocolRule[];
  /** Where each protocol line's `list` was given. */
  listRefs: Reference[];
}

/** Global auth-proxy settings and named rules. */
export class AuthProxySection {
  private readonly globals = {
    authCacheTimeMin: CONFIG_DEFAULTS.authCacheTimeMin as number,
    absoluteTimeMin: CONFIG_DEFAULTS.absoluteTimeMin as number,
    bannerEnabled: false,
    bannerText: undefined as string | undefined,
    maxNodataConns: CONFIG_DEFAULTS.maxNodataConns as number,
    maxLoginAttempts: CONFIG_DEFAULTS.maxLoginAttempts as number,
    watchListExpiryMin: CONFIG_DEFAULTS.watchListExpiryMin as number,
    watchListEnabled: false,
    watchListItems: [] as Uint32Array[],
    halfOpenLimit: CONFIG_DEFAULTS.halfOpenLimit as number,
  };
  private readonly rules = new Map<string, MutableRule>();

  constructor(private readonly ctx: ParseContext) {}

  /** A global `ip auth-proxy …` line. */
  parse(tl: TokenLine): void {
    const ap = this.globals;
    const w2 = wordAt(tl, 2);
    switch (w2) {
      case 'auth-cache-time':
      case 'inactivity-timer':
        ap.authCacheTimeMin = numberAt(tl, 3, 1, INT32_MAX);
        return expectEnd(tl, 4);
      case 'absolute-timer':
        // IOS: 1-35791 minutes; 0 (the default) turns the absolute timer off.
        ap.absoluteTimeMin = numberAt(tl, 3, 0, 35791);
        return expectEnd(tl, 4);
      case 'max-nodata-conns':
        ap.maxNodataConns = numberAt(tl, 3, 1, 255);
        return expectEnd(tl, 4);
      case 'max-login-attempts':
        ap.maxLoginAttempts = numberAt(tl, 3, 1, INT32_MAX);
        return expectEnd(tl, 4);
      case 'half-open-limit':
        ap.halfOpenLimit = numberAt(tl, 3, 1, 1048576);
        return expectEnd(tl, 4);
      case 'watch-list': {
        const w3 = wordAt(tl, 3);
        if (w3 === 'expiry-time') {
          ap.watchListExpiryMin = numberAt(tl, 4, 0, INT32_MAX);
          return expectEnd(tl, 5);
        }
        if (w3 === 'enable') {
          ap.watchListEnabled = true;
          return expectEnd(tl, 4);
        }
        if (w3 === 'add-item') {
          const words = addressAt(tl, 4);
          if (!ap.watchListItems.some((w) => w.every((x, i) => x === words[i]))) ap.watchListItems.push(words);
          return expectEnd(tl, 5);
        }
        throw expectedAt(tl, 3, '"expiry-time", "enable" or "add-item"');
      }
      case 'auth-proxy-banner':
        return this.parseBanner(tl);
      case 'name':
        return this.parseRule(tl);
      default:
        throw expectedAt(tl, 2, '"name", "auth-cache-time", "absolute-timer", "auth-proxy-banner", "max-nodata-conns", '
          + '"max-login-attempts", "watch-list", "half-open-limit", "login-redirect", "status-511", "captive-portal-api", '
          + '"consent" or "proxy-listener"');
    }
  }

  /** `ip auth-proxy auth-proxy-banner [http|ftp|telnet] [DELIM text DELIM]` */
  private parseBanner(tl: TokenLine): void {
    const w3 = wordAt(tl, 3);
    const proto = w3 === 'http' || w3 === 'ftp' || w3 === 'telnet' ? w3 : undefined;
    const textIndex = proto === undefined ? 3 : 4;
    let text: string | undefined;
    if (tl.tokens.length > textIndex) {
      const d = readDelimitedText(this.ctx.lines, this.ctx.index, textIndex);
      this.ctx.index = d.lastLine;
      text = d.text;
    }
    if (proto === 'ftp' || proto === 'telnet') {
      this.ctx.warn(tl, 3, `ignored the ${proto} auth-proxy banner: portcullis serves its login page over HTTP only`);
      return;
    }
    this.globals.bannerEnabled = true;
    this.globals.bannerText = text;
  }

  /** `ip auth-proxy name NAME http|ftp|telnet|https [list ACL] [auth-cache-time N]` */
  private parseRule(tl: TokenLine): void {
    const name = tl.tokens[3]?.text;
    if (name === undefined) throw expectedAt(tl, 3, 'an auth-proxy rule name');
    const proto = AP_PROTOCOLS.get(wordAt(tl, 4) ?? '');
    if (proto === undefined) throw expectedAt(tl, 4, '"http", "ftp", "telnet" or "https"');
    let list: Reference | undefined;
    let cacheMin: number | undefined;
    let i = 5;
    while (i < tl.tokens.length) {
      const w = wordAt(tl, i)!;
      if (w === 'list' && list === undefined) {
        const acl = tl.tokens[i + 1]?.text;
        if (acl === undefined) throw expectedAt(tl, i + 1, 'an access list name or number');
        list = { tl, index: i + 1, name: acl };
        i += 2;
      } else if ((w === 'auth-cache-time' || w === 'inactivity-time') && cacheMin === undefined) {
        cacheMin = numberAt(tl, i + 1, 1, INT32_MAX);
        i += 2;
      } else {
        throw expectedAt(tl, i, '"list", "auth-cache-time" or end of line');
      }
    }
    let rule = this.rules.get(name);
    if (rule === undefined) {
      rule = { name, protocols: [], listRefs: [] };
      this.rules.set(name, rule);
    }
    const entry: AuthProxyProtocolRule = { proto, list: list?.name, authCacheTimeMin: cacheMin, source: this.ctx.source(tl) };
    // A second line for the same protocol replaces the first, as in IOS.
    const k = rule.protocols.findIndex((p) => p.proto === proto);
    if (k >= 0) rule.protocols[k] = entry;
    else rule.protocols.push(entry);
    if (list !== undefined) rule.listRefs.push(list);
  }

  /** True if a rule of this name is defined. */
  hasRule(name: string): boolean {
    return this.rules.has(name);
  }

  /** Every `list` reference of every rule, for the undefined-ACL check. */
  listReferences(): Reference[] {
    return [...this.rules.values()].flatMap((r) => r.listRefs);
  }

  /** The global settings of the Config. */
  globalsResult(): AuthProxyGlobals {
    return { ...this.globals, watchListItems: [...this.globals.watchListItems] };
  }

  /** The named rules of the Config, each with the OR of its protocol bits. */
  rulesResult(): Map<string, AuthProxyRule> {
    const rules = new Map<string, AuthProxyRule>();
    for (const r of this.rules.values()) {
      let protoFlags = 0;
      for (const p of r.protocols) protoFlags |= p.proto;
      rules.set(r.name, { name: r.name, protoFlags, protocols: r.protocols });
    }
    return rules;
  }
}
