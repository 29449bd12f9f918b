/**
 * Blocks of the AAA server rooms (servers.ts, tacacs.ts): how an open block takes its sub-lines,
 * and the server group blocks, `aaa group server radius|tacacs+ NAME`, for both protocols: `server name
 * N` (a named `radius server` / `tacacs server` block), `server A …` (a host line, read and
 * resolved by the protocol), `deadtime M`, and the sub-commands IOS has that portcullis does not
 * implement (warned). A group is resolved to its servers when the config ends, so that a block
 * may name a server defined below it; a member no line defines is a ConfigError at its line.
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import { clip, echoLine } from '../ios/echo.js';
import type { ServerGroup, SourceRef } from './types.js';
import type { ParseContext } from './context.js';
import { expectEnd, keyAt, numberAt, wordAt } from './values.js';
import { isTopLevelCommand } from './commands.js';
import { rejectMistyped } from './vocabulary.js';
import type { WordSet } from './vocabulary.js';

/** A block of a server room that is open: its sub-lines go to `subLine` until it returns false. */
export interface ServerBlock {
  subLine(tl: TokenLine): boolean;
}

/**
 * An unknown sub-line of a server block whose words are `words`: warned and kept in the block
 * when indented or known to IOS (`words.ios`); else (a top-level command, or an unknown
 * unindented line) the block ends. A typing slip of one of the block's implemented words
 * (` retransmt 2`) is an error with "did you mean", as at the top level: ignoring it would
 * silently drop the setting.
 */
export function ignoreBlockSubLine(ctx: ParseContext, tl: TokenLine, words: WordSet): boolean {
  const known = words.ios.has(wordAt(tl, 0)!);
  if (isTopLevelCommand(tl) || (!known && tl.indent === 0)) return false;
  rejectMistyped(tl, 0, words);
  ctx.warn(tl, 0, `ignored "${echoLine(tl)}": not implemented by portcullis`);
  return true;
}

/** How one protocol's groups read and resolve their `server A …` members. */
export interface GroupProtocol<M, S> {
  /** First word of the protocol's named blocks and host lines: `radius` or `tacacs`. */
  readonly word: string;
  /** Sub-commands of the group block IOS has and portcullis does not implement. */
  readonly ignored: ReadonlySet<string>;
  /** Reads a `server A …` line (the caller has checked the first word). */
  member(tl: TokenLine): M;
  /** The server a `server A …` member names, or why there is none (for the error). */
  resolve(member: M): S | string;
}

interface PendingGroup<M> {
  readonly name: string;
  readonly source: SourceRef;
  readonly members: ({ readonly tl: TokenLine; readonly name: string } | { readonly tl: TokenLine; readonly member: M })[];
  deadtimeMin: number | undefined;
}

/** The group blocks of one protocol while the config is read. */
export class ServerGroupBlocks<M, S> {
  private readonly groups = new Map<string, PendingGroup<M>>();
  private readonly words: WordSet;

  constructor(private readonly ctx: ParseContext, private readonly protocol: GroupProtocol<M, S>) {
    this.words = { what: 'a server group sub-command', implemented: ['server', 'deadtime'], ios: protocol.ignored };
  }

  /** `aaa group server radius|tacacs+ NAME` (the caller has checked the first four words): opens its block. */
  begin(tl: TokenLine): ServerBlock {
    const name = tl.tokens[4]?.text;
    if (name === undefined) throw expectedAt(tl, 4, 'a server group name');
    expectEnd(tl, 5);
    if (name.toLowerCase() === 'radius' || name.toLowerCase() === 'tacacs+') {
      throw expectedAt(tl, 4, 'a server group name', `"${name}" names every server of its protocol`);
    }
    let group = this.groups.get(name);
    if (group === undefined) {
      group = { name, source: this.ctx.source(tl), members: [], deadtimeMin: undefined };
      this.groups.set(name, group);
    }
    const g = group;
    return { subLine: (sub) => this.subLine(g, sub) };
  }

  private subLine(g: PendingGroup<M>, tl: TokenLine): boolean {
    const w0 = wordAt(tl, 0)!;
    if (w0 === 'server') {
      if (wordAt(tl, 1) === 'name') {
        const name = tl.tokens[2]?.text;
        if (name === undefined) throw expectedAt(tl, 2, `the name of a "${this.protocol.word} server" block`);
        expectEnd(tl, 3);
        g.members.push({ tl, name });
      } else {
        g.members.push({ tl, member: this.protocol.member(tl) });
      }
      return true;
    }
    if (w0 === 'deadtime') {
      g.deadtimeMin = numberAt(tl, 1, 1, 1440);
      expectEnd(tl, 2);
      return true;
    }
    return ignoreBlockSubLine(this.ctx, tl, this.words);
  }

  /** The groups, each member resolved: by name among `byName` (blocks with an address), else by the protocol. */
  result(byName: ReadonlyMap<string, S>): Map<string, ServerGroup<S>> {
    const word = this.protocol.word;
    const groups = new Map<string, ServerGroup<S>>();
    for (const g of this.groups.values()) {
      const servers = g.members.map((m) => {
        if ('name' in m) {
          const found = byName.get(m.name);
          if (found === undefined) {
            throw expectedAt(m.tl, 2, `the name of a "${word} server" block`, `no "${word} server ${clip(m.name)}" block with an address defines it`);
          }
          return found;
        }
        const found = this.protocol.resolve(m.member);
        if (typeof found === 'string') throw expectedAt(m.tl, 1, `a server defined by "${word}-server host"`, found);
        return found;
      });
      groups.set(g.name, { name: g.name, servers, deadtimeMin: g.deadtimeMin, source: g.source });
    }
    return groups;
  }
}

/** A named server block (`radius server NAME`, `tacacs server NAME`) while parsed. */
export interface NamedServerBlock {
  readonly name: string;
  readonly tl: TokenLine;
  readonly host: string | undefined;
}

/**
 * `radius server NAME` / `tacacs server NAME` (the caller has checked the first two words): the
 * block of that name, made by `create` and added to `named` and `order` when the name is new (a
 * block named again goes on where it was).
 */
export function openNamedServer<B extends NamedServerBlock>(tl: TokenLine, named: Map<string, B>, order: { push(block: NoInfer<B>): unknown },
  create: (name: string) => B): B {
  const name = tl.tokens[2]?.text;
  if (name === undefined) throw expectedAt(tl, 2, 'a server name');
  expectEnd(tl, 3);
  let block = named.get(name);
  if (block === undefined) {
    block = create(name);
    named.set(name, block);
    order.push(block);
  }
  return block;
}

/** What every named server block sets: its key and its timeout. */
export interface NamedServerSettings {
  key: string | undefined;
  timeoutSec: number | undefined;
}

/**
 * The sub-lines both protocols' named server blocks read alike, into `s`: `key [0|7] K` and
 * `timeout 1-1000` (seconds). False for any other sub-line.
 */
export function namedServerSubLine(tl: TokenLine, s: NamedServerSettings): boolean {
  switch (wordAt(tl, 0)) {
    case 'key':
      s.key = keyAt(tl, 1).key;
      return true;
    case 'timeout':
      s.timeoutSec = numberAt(tl, 1, 1, 1000);
      expectEnd(tl, 2);
      return true;
    default:
      return false;
  }
}

/** The address family word of a named block's `address ipv4|ipv6 A …` (token 1): checks it. */
export function expectAddressFamily(tl: TokenLine): void {
  const w1 = wordAt(tl, 1);
  if (w1 !== 'ipv4' && w1 !== 'ipv6') throw expectedAt(tl, 1, '"ipv4" or "ipv6"');
}

/**
 * A server room's servers in config order, its named blocks resolved: `order` holds host lines
 * (`S`, as they are) and named blocks (`B`, turned into servers by `build`); a block without
 * `address` is warned (`kind`: "radius server", "tacacs server") and left out. Also returns the
 * named servers by name, for the group blocks to resolve their `server name N` members.
 */
export function resolveNamedServers<S extends object, B extends NamedServerBlock>(ctx: ParseContext,
  order: readonly (S | B)[], kind: string, build: (block: B, host: string) => S): { servers: S[]; byName: Map<string, S> } {
  const servers: S[] = [];
  const byName = new Map<string, S>();
  for (const s of order) {
    if (!('tl' in s)) {
      servers.push(s);
      continue;
    }
    const b = s as B;
    if (b.host === undefined) {
      ctx.warn(b.tl, 0, `${kind} ${clip(b.name)} has no "address": it is not used`);
      continue;
    }
    const server = build(b, b.host);
    servers.push(server);
    byName.set(b.name, server);
  }
  return { servers, byName };
}
