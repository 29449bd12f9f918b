/**
 * The AAA server room: `radius-server …` lines (`tacacs-server …` and its blocks: tacacs.ts,
 * on the same host-line parser), the newer `radius server NAME` blocks (`address ipv4|ipv6 A auth-port P acct-port Q`, `key K`, `timeout`, `retransmit`)
 * and `aaa group server radius NAME` blocks (`server A [auth-port P] [acct-port Q]`, `server name
 * NAME`, `deadtime N`). Every kind of host — `radius-server host`, `tacacs-server host`, a block's
 * `address` — goes through one server-host parser ({@link parseServerHost}), driven by a table of
 * the options each has, so that a new protocol's host line is a table, not a parser.
 */
import { expectedAt } from '../ios/tokens.js';
import { clip } from '../ios/echo.js';
import type { TokenLine } from '../ios/tokens.js';
import type { RadiusGlobals, RadiusGroup, RadiusServer, SourceRef } from './types.js';
import { CONFIG_DEFAULTS } from './context.js';
import type { ParseContext } from './context.js';
import {
  expectAddressFamily, ignoreBlockSubLine, namedServerSubLine, openNamedServer, resolveNamedServers, ServerGroupBlocks,
} from './server-blocks.js';
import type { ServerBlock } from './server-blocks.js';
import type { WordSet } from './vocabulary.js';
import { expectEnd, hostAt, keyAt, numberAt, wordAt } from './values.js';

/** One option of a server `host` line, after the host. */
export interface HostOption {
  /** The keyword, lower case (`auth-port`). */
  readonly word: string;
  /** Range of its number argument, or undefined for an option without argument. */
  readonly range: readonly [number, number] | undefined;
  /** If set, the option is accepted but not implemented: this warning is given at it. */
  readonly ignoredBecause: string | undefined;
}

/** What a server `host` line holds. */
export interface ParsedServerHost {
  readonly host: string;
  /** Numeric options given (last one wins), by keyword. */
  readonly values: ReadonlyMap<string, number>;
  /** `key [0|7] TEXT` (the rest of the line), decoded; undefined if not given. */
  readonly key: string | undefined;
}

/** Where {@link parseServerHost} starts, and whether the line may end in a key. */
export interface ServerHostForm {
  /** Token index of the host (2 in `radius-server host A`, `address ipv4 A`; 1 in a group's `server A`). */
  readonly hostAt: number;
  /** False: no `key` on this line (a block's `address`, a group's `server`). */
  readonly withKey: boolean;
}

/** `radius-server host A …`, `tacacs-server host A …`. */
const HOST_LINE: ServerHostForm = { hostAt: 2, withKey: true };

/**
 * Parses `… host HOST [OPTION…] [key [0|7] KEY]`: the host, then any of `options` in any order,
 * then optionally the key, which takes the rest of the line (IOS keeps blanks in keys, so it
 * must come last).
 */
export function parseServerHost(ctx: ParseContext, tl: TokenLine, options: readonly HostOption[],
  form: ServerHostForm = HOST_LINE): ParsedServerHost {
  const withKey = form.withKey;
  const host = hostAt(tl, form.hostAt);
  const values = new Map<string, number>();
  let key: string | undefined;
  let i = form.hostAt + 1;
  while (i < tl.tokens.length) {
    const w = wordAt(tl, i)!;
    if (w === 'key' && withKey) {
      key = keyAt(tl, i + 1).key;
      break;
    }
    const option = options.find((o) => o.word === w);
    if (option === undefined) {
      const words = [...options.map((o) => `"${o.word}"`), ...(withKey ? ['"key"'] : [])];
      throw expectedAt(tl, i, words.length === 0 ? 'end of line' : `${words.join(', ')} or end of line`);
    }
    if (option.range !== undefined) values.set(w, numberAt(tl, i + 1, option.range[0], option.range[1]));
    else values.set(w, 1);
    if (option.ignoredBecause !== undefined) ctx.warn(tl, i, option.ignoredBecause);
    i += option.range === undefined ? 1 : 2;
  }
  return { host, values, key };
}

/** The options of `radius-server host`. */
const RADIUS_HOST_OPTIONS: readonly HostOption[] = [
  { word: 'auth-port', range: [0, 65535], ignoredBecause: undefined },
  { word: 'acct-port', range: [0, 65535], ignoredBecause: undefined },
  { word: 'timeout', range: [1, 1000], ignoredBecause: 'per-host "timeout" ignored: the global radius-server timeout applies' },
  { word: 'retransmit', range: [0, 100], ignoredBecause: 'per-host "retransmit" ignored: the global radius-server retransmit applies' },
];

/** The options of `tacacs-server host` (per-host `timeout` overrides `tacacs-server timeout`). */
export const TACACS_HOST_OPTIONS: readonly HostOption[] = [
  { word: 'port', range: [1, 65535], ignoredBecause: undefined },
  { word: 'timeout', range: [1, 1000], ignoredBecause: undefined },
  { word: 'single-connection', range: undefined, ignoredBecause: undefined },
];

/** The options of a `radius server` block's `address ipv4|ipv6 A`. */
const RADIUS_ADDRESS_OPTIONS: readonly HostOption[] = RADIUS_HOST_OPTIONS.slice(0, 2);

/** The options of a group's `server A` line (the ports tell which `radius-server host` it names). */
const RADIUS_GROUP_SERVER_OPTIONS = RADIUS_ADDRESS_OPTIONS;

/** A group's `server A [auth-port P] [acct-port Q]`: the `radius-server host` line it names. */
interface RadiusHostRef {
  readonly host: string;
  readonly authPort: number;
  readonly acctPort: number;
}

/** Sub-commands of `radius server NAME` IOS has and portcullis does not implement (warned). */
const RADIUS_BLOCK_IGNORED: ReadonlySet<string> = new Set([
  'automate-tester', 'pac', 'non-standard', 'backoff', 'dscp', 'load-balance', 'throttle', 'exit',
]);

/** The words of a `radius server NAME` block. */
const RADIUS_BLOCK_WORDS: WordSet = {
  what: 'a "radius server" sub-command', implemented: ['address', 'key', 'timeout', 'retransmit'], ios: RADIUS_BLOCK_IGNORED,
};

/** Sub-commands of `aaa group server radius NAME` IOS has and portcullis does not implement (warned). */
const RADIUS_GROUP_IGNORED: ReadonlySet<string> = new Set([
  'ip', 'ipv6', 'load-balance', 'accounting', 'authorization', 'attribute', 'cache', 'domain-stripping',
  'key-wrap', 'mac-delimiter', 'throttle', 'subscriber', 'exit',
]);

/** A `radius server NAME` block while parsed. */
interface NamedServer {
  name: string;
  source: SourceRef;
  tl: TokenLine;
  host: string | undefined;
  authPort: number;
  acctPort: number;
  key: string | undefined;
  timeoutSec: number | undefined;
  retransmit: number | undefined;
}

/** `radius-server …` lines, `radius server NAME` blocks and `aaa group server radius NAME` blocks. */
export class RadiusSection {
  private readonly state = {
    servers: [] as RadiusServer[],
    key: undefined as string | undefined,
    retransmit: CONFIG_DEFAULTS.radiusRetransmit as number,
    timeoutSec: CONFIG_DEFAULTS.radiusTimeoutSec as number,
    permitMissingServiceType: false,
    deadtimeMin: 0,
  };
  /** Host lines and named blocks in config order (a named block is resolved at the end). */
  private readonly order: (RadiusServer | NamedServer)[] = [];
  private readonly named = new Map<string, NamedServer>();
  private readonly groups: ServerGroupBlocks<RadiusHostRef, RadiusServer>;

  constructor(private readonly ctx: ParseContext) {
    this.groups = new ServerGroupBlocks(ctx, {
      word: 'radius',
      ignored: RADIUS_GROUP_IGNORED,
      // `server A [auth-port P] [acct-port Q]`: the ports tell which `radius-server host` it names.
      member: (tl) => {
        const h = parseServerHost(ctx, tl, RADIUS_GROUP_SERVER_OPTIONS, { hostAt: 1, withKey: false });
        return {
          host: h.host, authPort: h.values.get('auth-port') ?? CONFIG_DEFAULTS.radiusAuthPort,
          acctPort: h.values.get('acct-port') ?? CONFIG_DEFAULTS.radiusAcctPort,
        };
      },
      resolve: (m) => this.state.servers.find((s) => s.host === m.host && s.authPort === m.authPort && s.acctPort === m.acctPort)
        ?? `no "radius-server host ${clip(m.host)} auth-port ${m.authPort} acct-port ${m.acctPort}" line defines it`,
    });
  }

  /** Parses a `radius-server` line; false for a form portcullis does not implement. */
  parse(tl: TokenLine): boolean {
    const r = this.state;
    switch (wordAt(tl, 1)) {
      case 'host': {
        const h = parseServerHost(this.ctx, tl, RADIUS_HOST_OPTIONS);
        const server: RadiusServer = {
          host: h.host,
          authPort: h.values.get('auth-port') ?? CONFIG_DEFAULTS.radiusAuthPort,
          acctPort: h.values.get('acct-port') ?? CONFIG_DEFAULTS.radiusAcctPort,
          key: h.key,
          source: this.ctx.source(tl),
        };
        // IOS identifies a RADIUS server by host and ports; the same triple again replaces it.
        replaceOrAdd(r.servers, server,
          (s) => s.host === server.host && s.authPort === server.authPort && s.acctPort === server.acctPort);
        replaceOrAdd(this.order, server, (s) => !('tl' in s) && s.host === server.host && s.authPort === server.authPort
          && s.acctPort === server.acctPort);
        return true;
      }
      case 'retransmit':
        r.retransmit = numberAt(tl, 2, 0, 100);
        expectEnd(tl, 3);
        return true;
      case 'authorization':
        if (wordAt(tl, 2) !== 'permit') return false;
        if (wordAt(tl, 3) !== 'missing') throw expectedAt(tl, 3, '"missing"');
        if (wordAt(tl, 4) !== 'service-type') throw expectedAt(tl, 4, '"Service-Type"');
        expectEnd(tl, 5);
        r.permitMissingServiceType = true;
        return true;
      default:
        return parseServerDefault(tl, r);
    }
  }

  /** `radius server NAME` (the caller has checked the first two words): opens its block. */
  beginServer(tl: TokenLine): ServerBlock {
    const s = openNamedServer(tl, this.named, this.order, (name): NamedServer => ({
      name, source: this.ctx.source(tl), tl, host: undefined, authPort: CONFIG_DEFAULTS.radiusNamedAuthPort,
      acctPort: CONFIG_DEFAULTS.radiusNamedAcctPort, key: undefined, timeoutSec: undefined, retransmit: undefined,
    }));
    return { subLine: (sub) => this.serverSubLine(s, sub) };
  }

  private serverSubLine(s: NamedServer, tl: TokenLine): boolean {
    if (namedServerSubLine(tl, s)) return true;
    switch (wordAt(tl, 0)) {
      case 'address': {
        expectAddressFamily(tl);
        const h = parseServerHost(this.ctx, tl, RADIUS_ADDRESS_OPTIONS, { hostAt: 2, withKey: false });
        s.host = h.host;
        s.authPort = h.values.get('auth-port') ?? CONFIG_DEFAULTS.radiusNamedAuthPort;
        s.acctPort = h.values.get('acct-port') ?? CONFIG_DEFAULTS.radiusNamedAcctPort;
        return true;
      }
      case 'retransmit':
        s.retransmit = numberAt(tl, 1, 0, 100);
        expectEnd(tl, 2);
        return true;
      default:
        return ignoreBlockSubLine(this.ctx, tl, RADIUS_BLOCK_WORDS);
    }
  }

  /** `aaa group server radius NAME` (the caller has checked the first four words): opens its block. */
  beginGroup(tl: TokenLine): ServerBlock {
    return this.groups.begin(tl);
  }

  /** The RADIUS part of the Config; a group naming a server no line defines is a ConfigError there. */
  result(): RadiusGlobals {
    const { servers, byName } = resolveNamedServers(this.ctx, this.order, 'radius server', (s: NamedServer, host): RadiusServer => ({
      name: s.name, host, authPort: s.authPort, acctPort: s.acctPort, key: s.key, timeoutSec: s.timeoutSec,
      retransmit: s.retransmit, source: s.source,
    }));
    const groups: ReadonlyMap<string, RadiusGroup> = this.groups.result(byName);
    return { ...this.state, servers, groups };
  }
}

/** Replaces the first element `same` accepts with `item`, or appends `item`. */
export function replaceOrAdd<T, U extends T>(list: T[], item: U, same: (x: T) => boolean): void {
  const k = list.findIndex(same);
  if (k >= 0) list[k] = item;
  else list.push(item);
}

/** The defaults `radius-server` and `tacacs-server` both set: the shared key, timeout and dead-time. */
export interface ServerDefaults {
  key: string | undefined;
  timeoutSec: number;
  deadtimeMin: number;
}

/**
 * `radius-server|tacacs-server key [0|7] K`, `… timeout 1-1000` (seconds) and `… deadtime
 * 0-1440` (minutes; 0 turns it off), read alike for both protocols into `d`. False for any
 * other second word.
 */
export function parseServerDefault(tl: TokenLine, d: ServerDefaults): boolean {
  switch (wordAt(tl, 1)) {
    case 'key':
      d.key = keyAt(tl, 2).key;
      return true;
    case 'timeout':
      d.timeoutSec = numberAt(tl, 2, 1, 1000);
      expectEnd(tl, 3);
      return true;
    case 'deadtime':
      d.deadtimeMin = numberAt(tl, 2, 0, 1440);
      expectEnd(tl, 3);
      return true;
    default:
      return false;
  }
}
