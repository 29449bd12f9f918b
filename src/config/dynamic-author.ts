/**
 * `aaa server radius dynamic-author` (IOS): the RADIUS Dynamic Authorization Servers whose
 * Disconnect-Request and CoA-Request (RFC 5176) the gateway takes, as a block:
 *
 *     aaa server radius dynamic-author
 *      client 192.0.2.10 server-key 0 s3cret
 *      client 2001:db8::10 server-key 7 0822455D0A16
 *      server-key fallback-secret
 *      port 3799
 *
 * - `client ADDRESS [server-key [0|7] KEY]`: a server allowed to send requests (an IPv4 or IPv6
 *   address: requests are matched by source address), with its shared secret; without one the
 *   block's `server-key` applies. A client with no key at all is a config error.
 * - `server-key [0|7] KEY`: the key of clients that name none.
 * - `port N`: the UDP port listened on. Default 3799, the IANA port of RFC 5176 §2.3 — a
 *   deliberate deviation from IOS, whose default is Cisco's older 1700: the dynamic
 *   authorization servers of today (FreeRADIUS's radclient, ISE) send to 3799 unless told
 *   otherwise; `port 1700` gives the IOS behaviour.
 * - `ignore server-key` is refused: it would take requests without checking their
 *   authenticators. `auth-type`, `domain`, `ignore session-key` are accepted and warned as not
 *   implemented.
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import { echoLine } from '../ios/echo.js';
import type { DynamicAuthorClient, DynamicAuthorConfig } from './types.js';
import type { ParseContext } from './context.js';
import { ignoreBlockSubLine } from './server-blocks.js';
import type { ServerBlock } from './server-blocks.js';
import type { WordSet } from './vocabulary.js';
import { expectEnd, ipv4At, keyAt, numberAt, parseIpv6Literal, wordAt } from './values.js';

/** Default UDP port of the listener (RFC 5176 §2.3). */
export const DYNAMIC_AUTHOR_PORT = 3799;

/** Sub-commands IOS has that portcullis accepts and does not implement (warned). */
const IGNORED: ReadonlySet<string> = new Set(['auth-type', 'domain', 'exit']);

/** The block's words: a typing slip of an implemented one is an error (`ignoreBlockSubLine`). */
const WORDS: WordSet = {
  what: 'a "dynamic-author" sub-command', implemented: ['client', 'server-key', 'port', 'ignore'], ios: IGNORED,
};

interface PendingClient {
  readonly tl: TokenLine;
  readonly address: string;
  readonly key: string | undefined;
}

/** The `aaa server radius dynamic-author` block (see the module comment). */
export class DynamicAuthorSection {
  private seen: TokenLine | null = null;
  private readonly clients: PendingClient[] = [];
  private serverKey: string | undefined;
  private port = DYNAMIC_AUTHOR_PORT;

  constructor(private readonly ctx: ParseContext) {}

  /** `aaa server radius dynamic-author` (the caller has checked the words): opens the block. */
  begin(tl: TokenLine): ServerBlock {
    expectEnd(tl, 4);
    this.seen ??= tl;
    return { subLine: (sub) => this.subLine(sub) };
  }

  private subLine(tl: TokenLine): boolean {
    const w0 = wordAt(tl, 0)!;
    if (w0 === 'client') {
      const address = addressAt(tl, 1);
      let key: string | undefined;
      if (tl.tokens.length > 2) {
        if (wordAt(tl, 2) === 'vrf') throw expectedAt(tl, 2, '"server-key" or end of line', 'VRFs are not implemented');
        if (wordAt(tl, 2) !== 'server-key') throw expectedAt(tl, 2, '"server-key" or end of line');
        key = keyAt(tl, 3).key;
      }
      const i = this.clients.findIndex((c) => c.address === address);
      if (i >= 0) this.clients.splice(i, 1);
      this.clients.push({ tl, address, key });
      return true;
    }
    if (w0 === 'server-key') {
      this.serverKey = keyAt(tl, 1).key;
      return true;
    }
    if (w0 === 'port') {
      this.port = numberAt(tl, 1, 1, 65535);
      expectEnd(tl, 2);
      return true;
    }
    if (w0 === 'ignore') {
      const what = wordAt(tl, 1);
      if (what === 'server-key') {
        throw expectedAt(tl, 1, '"session-key"', 'portcullis never takes a request without checking its authenticators');
      }
      if (what !== 'session-key') throw expectedAt(tl, 1, '"session-key"');
      expectEnd(tl, 2);
      this.ctx.warn(tl, 0, `ignored "${echoLine(tl)}": not implemented by portcullis`);
      return true;
    }
    return ignoreBlockSubLine(this.ctx, tl, WORDS);
  }

  /** The block's Config part, or undefined without a block. Throws for a client without a key. */
  result(): DynamicAuthorConfig | undefined {
    if (this.seen === null) return undefined;
    const clients: DynamicAuthorClient[] = this.clients.map((c) => {
      const key = c.key ?? this.serverKey;
      if (key === undefined) {
        throw expectedAt(c.tl, 2, '"server-key KEY"', 'this client has no key and the block gives no "server-key"');
      }
      return { address: c.address, key, source: this.ctx.source(c.tl) };
    });
    if (clients.length === 0) this.ctx.warn(this.seen, 0, 'no "client" in "aaa server radius dynamic-author": every request is dropped');
    return { port: this.port, clients };
  }
}

/** An IPv4 or IPv6 address at token `index` (its text, IPv6 in lower case). */
function addressAt(tl: TokenLine, index: number): string {
  const expected = 'an IPv4 or IPv6 address';
  const text = tl.tokens[index]?.text;
  if (text === undefined) throw expectedAt(tl, index, expected);
  if (text.includes(':')) {
    if (parseIpv6Literal(text) === undefined) throw expectedAt(tl, index, expected);
    return text.toLowerCase();
  }
  ipv4At(tl, index, expected);
  return text;
}
