/**
 * The AAA server room: `radius-server …` and `tacacs-server …` lines. Both kinds of `host`
 * line go through one server-host parser ({@link parseServerHost}), driven by a table of the
 * options each protocol has, so that a new protocol's host line is a table, not a parser.
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import type { RadiusGlobals, RadiusServer, TacacsGlobals, TacacsServer } from './types.js';
import { CONFIG_DEFAULTS } from './context.js';
import type { ParseContext } from './context.js';
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

/**
 * Parses `… host HOST [OPTION…] [key [0|7] KEY]` from token 2: the host, then any of `options`
 * in any order, then optionally the key, which takes the rest of the line (IOS keeps blanks in
 * keys, so it must come last).
 */
export function parseServerHost(ctx: ParseContext, tl: TokenLine, options: readonly HostOption[]): ParsedServerHost {
  const host = hostAt(tl, 2);
  const values = new Map<string, number>();
  let key: string | undefined;
  let i = 3;
  while (i < tl.tokens.length) {
    const w = wordAt(tl, i)!;
    if (w === 'key') {
      key = keyAt(tl, i + 1).key;
      break;
    }
    const option = options.find((o) => o.word === w);
    if (option === undefined) {
      throw expectedAt(tl, i, `${[...options.map((o) => `"${o.word}"`), '"key"'].join(', ')} or end of line`);
    }
    if (option.range !== undefined) values.set(w, numberAt(tl, i + 1, option.range[0], option.range[1]));
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

/** The options of `tacacs-server host`. */
const TACACS_HOST_OPTIONS: readonly HostOption[] = [
  { word: 'port', range: [1, 65535], ignoredBecause: undefined },
  { word: 'timeout', range: [1, 1000], ignoredBecause: 'per-host "timeout" ignored: the global tacacs-server timeout applies' },
  {
    word: 'single-connection', range: undefined,
    ignoredBecause: '"single-connection" ignored: portcullis opens one TCP connection per session (RFC 8907 §4.3)',
  },
];

/** `radius-server …` lines. */
export class RadiusSection {
  private readonly state = {
    servers: [] as RadiusServer[],
    key: undefined as string | undefined,
    retransmit: CONFIG_DEFAULTS.radiusRetransmit as number,
    timeoutSec: CONFIG_DEFAULTS.radiusTimeoutSec as number,
    permitMissingServiceType: false,
  };

  constructor(private readonly ctx: ParseContext) {}

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
        return true;
      }
      case 'key':
        r.key = keyAt(tl, 2).key;
        return true;
      case 'retransmit':
        r.retransmit = numberAt(tl, 2, 0, 100);
        expectEnd(tl, 3);
        return true;
      case 'timeout':
        r.timeoutSec = numberAt(tl, 2, 1, 1000);
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
        return false;
    }
  }

  result(): RadiusGlobals {
    return { ...this.state };
  }
}

/** `tacacs-server …` lines. */
export class TacacsSection {
  private readonly state = {
    servers: [] as TacacsServer[],
    key: undefined as string | undefined,
    timeoutSec: CONFIG_DEFAULTS.tacacsTimeoutSec as number,
  };

  constructor(private readonly ctx: ParseContext) {}

  /** Parses a `tacacs-server` line; false for a form portcullis does not implement. */
  parse(tl: TokenLine): boolean {
    const t = this.state;
    switch (wordAt(tl, 1)) {
      case 'host': {
        const h = parseServerHost(this.ctx, tl, TACACS_HOST_OPTIONS);
        const server: TacacsServer = {
          host: h.host, port: h.values.get('port') ?? CONFIG_DEFAULTS.tacacsPort, key: h.key, source: this.ctx.source(tl),
        };
        replaceOrAdd(t.servers, server, (s) => s.host === server.host && s.port === server.port);
        return true;
      }
      case 'key':
        t.key = keyAt(tl, 2).key;
        return true;
      case 'timeout':
        t.timeoutSec = numberAt(tl, 2, 1, 1000);
        expectEnd(tl, 3);
        return true;
      default:
        return false;
    }
  }

  result(): TacacsGlobals {
    return { ...this.state };
  }
}

/** Replaces the first element `same` accepts with `item`, or appends `item`. */
function replaceOrAdd<T>(list: T[], item: T, same: (x: T) => boolean): void {
  const k = list.findIndex(same);
  if (k >= 0) list[k] = item;
  else list.push(item);
}
