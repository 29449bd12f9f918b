/**
 * The TACACS+ servers: `tacacs-server host A [port P] [timeout T] [single-connection] [key K]`,
 * `tacacs-server key|timeout|deadtime`, the newer `tacacs server NAME` blocks (`address
 * ipv4|ipv6 A`, `key [0|7] K`, `port P`, `timeout T`, `single-connection`) and `aaa group server
 * tacacs+ NAME` blocks (`server A` naming a `tacacs-server host`, `server name NAME` naming a
 * `tacacs server` block, `deadtime N`). Host lines go through the RADIUS room's host parser
 * (servers.ts), so that both protocols read hosts, options and keys alike.
 */
import type { TokenLine } from '../ios/tokens.js';
import { clip } from '../ios/echo.js';
import type { SourceRef, TacacsGlobals, TacacsGroup, TacacsServer } from './types.js';
import { CONFIG_DEFAULTS } from './context.js';
import type { ParseContext } from './context.js';
import { parseServerDefault, parseServerHost, replaceOrAdd, TACACS_HOST_OPTIONS } from './servers.js';
import {
  expectAddressFamily, ignoreBlockSubLine, namedServerSubLine, openNamedServer, resolveNamedServers, ServerGroupBlocks,
} from './server-blocks.js';
import type { ServerBlock } from './server-blocks.js';
import type { WordSet } from './vocabulary.js';
import { expectEnd, numberAt, wordAt } from './values.js';

/** Sub-commands of `tacacs server NAME` IOS has and portcullis does not implement (warned). */
const TACACS_BLOCK_IGNORED: ReadonlySet<string> = new Set(['send-nat-address', 'exit']);

/** The words of a `tacacs server NAME` block. */
const TACACS_BLOCK_WORDS: WordSet = {
  what: 'a "tacacs server" sub-command', implemented: ['address', 'key', 'port', 'timeout', 'single-connection'],
  ios: TACACS_BLOCK_IGNORED,
};

/** Sub-commands of `aaa group server tacacs+ NAME` IOS has and portcullis does not implement (warned). */
const TACACS_GROUP_IGNORED: ReadonlySet<string> = new Set(['ip', 'ipv6', 'server-private', 'exit']);

/** A `tacacs server NAME` block while parsed. */
interface NamedServer {
  name: string;
  source: SourceRef;
  tl: TokenLine;
  host: string | undefined;
  port: number;
  key: string | undefined;
  timeoutSec: number | undefined;
  singleConnection: boolean;
}

/** `tacacs-server …` lines, `tacacs server NAME` blocks and `aaa group server tacacs+ NAME` blocks. */
export class TacacsSection {
  private readonly state = {
    /** `tacacs-server host` lines only. */
    hosts: [] as TacacsServer[],
    key: undefined as string | undefined,
    timeoutSec: CONFIG_DEFAULTS.tacacsTimeoutSec as number,
    deadtimeMin: 0,
  };
  /** Host lines and named blocks in config order (a named block is resolved at the end). */
  private readonly order: (TacacsServer | NamedServer)[] = [];
  private readonly named = new Map<string, NamedServer>();
  /** Group blocks; a `server A` member names the first `tacacs-server host A` line. */
  private readonly groups: ServerGroupBlocks<string, TacacsServer>;

  constructor(private readonly ctx: ParseContext) {
    this.groups = new ServerGroupBlocks(ctx, {
      word: 'tacacs',
      ignored: TACACS_GROUP_IGNORED,
      member: (tl) => parseServerHost(ctx, tl, [], { hostAt: 1, withKey: false }).host,
      resolve: (host) => this.state.hosts.find((s) => s.host === host) ?? `no "tacacs-server host ${clip(host)}" line defines it`,
    });
  }

  /** Parses a `tacacs-server` line; false for a form portcullis does not implement. */
  parse(tl: TokenLine): boolean {
    const t = this.state;
    switch (wordAt(tl, 1)) {
      case 'host': {
        const h = parseServerHost(this.ctx, tl, TACACS_HOST_OPTIONS);
        const server: TacacsServer = {
          host: h.host, port: h.values.get('port') ?? CONFIG_DEFAULTS.tacacsPort, key: h.key, source: this.ctx.source(tl),
          timeoutSec: h.values.get('timeout'), singleConnection: h.values.has('single-connection'),
        };
        // IOS identifies a TACACS+ host line by address and port; the same pair again replaces it.
        const same = (s: TacacsServer | NamedServer): boolean => !('tl' in s) && s.host === server.host && s.port === server.port;
        replaceOrAdd(t.hosts, server, same);
        replaceOrAdd(this.order, server, same);
        return true;
      }
      default:
        return parseServerDefault(tl, t);
    }
  }

  /** `tacacs server NAME` (the caller has checked the first two words): opens its block. */
  beginServer(tl: TokenLine): ServerBlock {
    const s = openNamedServer(tl, this.named, this.order, (name): NamedServer => ({
      name, source: this.ctx.source(tl), tl, host: undefined, port: CONFIG_DEFAULTS.tacacsPort, key: undefined,
      timeoutSec: undefined, singleConnection: false,
    }));
    return { subLine: (sub) => this.serverSubLine(s, sub) };
  }

  private serverSubLine(s: NamedServer, tl: TokenLine): boolean {
    if (namedServerSubLine(tl, s)) return true;
    switch (wordAt(tl, 0)) {
      case 'address':
        expectAddressFamily(tl);
        s.host = parseServerHost(this.ctx, tl, [], { hostAt: 2, withKey: false }).host;
        return true;
      case 'port':
        s.port = numberAt(tl, 1, 1, 65535);
        expectEnd(tl, 2);
        return true;
      case 'single-connection':
        expectEnd(tl, 1);
        s.singleConnection = true;
        return true;
      default:
        return ignoreBlockSubLine(this.ctx, tl, TACACS_BLOCK_WORDS);
    }
  }

  /** `aaa group server tacacs+ NAME` (the caller has checked the first four words): opens its block. */
  beginGroup(tl: TokenLine): ServerBlock {
    return this.groups.begin(tl);
  }

  /**
   * The TACACS+ part of the Config. A block without `address` is warned and unused; a group
   * member no line defines is a ConfigError at the member's line.
   */
  result(): TacacsGlobals {
    const { servers, byName } = resolveNamedServers(this.ctx, this.order, 'tacacs server', (s: NamedServer, host): TacacsServer => ({
      name: s.name, host, port: s.port, key: s.key, timeoutSec: s.timeoutSec, singleConnection: s.singleConnection,
      source: s.source,
    }));
    const groups: ReadonlyMap<string, TacacsGroup> = this.groups.result(byName);
    return { servers, key: this.state.key, timeoutSec: this.state.timeoutSec, deadtimeMin: this.state.deadtimeMin, groups };
  }
}
