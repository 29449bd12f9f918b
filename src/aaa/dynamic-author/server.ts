/**
 * The RFC 5176 Dynamic Authorization listener of a running gateway (`aaa server radius
 * dynamic-author`): a UDP socket that takes Disconnect-Request and CoA-Request from the
 * configured clients and answers Disconnect-ACK/-NAK and CoA-ACK/-NAK.
 *
 * A datagram is carried out only when every check passes, in this order; any other is dropped
 * silently and counted ({@link DynamicAuthorCounters}), as RFC 5176 §2.3, §3.4, §6.1 and §6.3 ask:
 * 1. it comes from the address of a configured `client` (others: `unknownClient`);
 * 2. it decodes (the bounded codec of src/aaa/radius/packet.ts) and is a Disconnect-Request or
 *    CoA-Request;
 * 3. its Request Authenticator is the MD5 of RFC 2866 §3 under the client's key (RFC 5176 §2.3);
 * 4. it carries a Message-Authenticator (RFC 5176 §3.4, computed as for an Accounting-Request)
 *    and it verifies — required, whatever the client: without it the request's only protection
 *    is MD5, the weakness Blast-RADIUS (CVE-2024-3596) exploits;
 * 5. a retransmission (same client address, Identifier and Request Authenticator, from any
 *    port) is answered again with the answer already given, and not carried out twice (RFC 5176
 *    §2.3, RFC 5080 §2.2.2; the answers are kept in each client's own part of a bounded cache, see replay.ts:
 *    a client whose part is full gets NAK 506, and the others do not);
 * 6. it carries an Event-Timestamp within the window (default 300 s) of the gateway's clock
 *    (RFC 5176 §6.3: replay protection; a request without one is discarded, the option §6.3
 *    says implementations should offer, taken as the only behaviour).
 * Then {@link readDynamicRequest} says what it asks, and the sessions it names are found among
 * the authorized hosts: none → NAK 503 Session Context Not Found. A Disconnect-Request removes
 * every session it names (`Engine.disconnectHost`: the entry and its downloaded entries go; the
 * accounting Stop carries the request's Acct-Terminate-Cause, or Admin-Reset); a CoA-Request
 * must name exactly one (else 508 Multiple Session Selection Unsupported) and replaces its
 * downloaded entries (`Engine.replaceHostEntries`; entries that do not parse change nothing:
 * 407 Invalid Attribute Value). Answers copy the request's Proxy-State attributes (§3.1),
 * carry a Message-Authenticator first and the Response Authenticator of RFC 2865 §3.
 *
 * Nothing a datagram holds can throw out of here; no key is ever put in a message.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { DynamicAuthorListenError, errnoOf } from '../../errors.js';
import type { DynamicAuthorConfig } from '../../config/types.js';
import type { GatewayContext } from '../../gateway/context.js';
import { formatIp, formatIpIos, parseIp } from '../../wire/addr.js';
import { ERROR_CAUSE, RADIUS_ATTR, RADIUS_AUTH_LEN, RADIUS_CODE, RADIUS_MIN_PACKET } from '../radius/dictionary.js';
import { attributeInteger, decodePacket, encodePacket, findAttribute, integerAttribute } from '../radius/packet.js';
import type { RadiusAttribute, RadiusPacket } from '../radius/packet.js';
import { signReply, verifyRequestAuthenticator, verifyRequestMessageAuthenticator } from '../radius/authenticators.js';
import { readDynamicRequest, sameWords } from './request.js';
import type { NasIdentity, SessionSelector } from './request.js';
import { EVENT_TIMESTAMP_WINDOW_SEC, REPLAY_CACHE_SIZE, ReplayCache } from './replay.js';

/** What the listener saw and did. Every dropped datagram is counted once. */
export interface DynamicAuthorCounters {
  /** Datagrams received. */
  datagrams: number;
  disconnectRequests: number;
  coaRequests: number;
  disconnectAcks: number;
  disconnectNaks: number;
  coaAcks: number;
  coaNaks: number;
  /** Dropped: from an address no `client` line names. */
  unknownClient: number;
  /** Dropped: not a RADIUS packet. */
  malformed: number;
  /** Dropped: a code other than Disconnect-Request or CoA-Request. */
  unexpectedCode: number;
  /** Dropped: the Request Authenticator is wrong. */
  badAuthenticator: number;
  /** Dropped: no Message-Authenticator. */
  missingMessageAuthenticator: number;
  /** Dropped: the Message-Authenticator is wrong. */
  badMessageAuthenticator: number;
  /** Dropped: no Event-Timestamp. */
  missingTimestamp: number;
  /** Dropped: an Event-Timestamp outside the window. */
  staleTimestamp: number;
  /** Retransmissions answered again without being carried out. */
  duplicates: number;
  /** Answers the system refused to send. */
  sendErrors: number;
}

/** Options of {@link startDynamicAuthor}. */
export interface DynamicAuthorOptions {
  /** The gateway whose engine the requests act on. */
  readonly ctx: GatewayContext;
  readonly config: DynamicAuthorConfig;
  /** Address to listen on (default `::`, both families; `0.0.0.0` where the host has no IPv6). */
  readonly address?: string;
  /** Port (default the config's `port`; 0 lets the kernel choose, for tests). */
  readonly port?: number;
  /** Event-Timestamp window in seconds (default 300, RFC 5176 §6.3). */
  readonly windowSec?: number;
  /** Answers kept for retransmissions, shared out equally among the clients (default {@link REPLAY_CACHE_SIZE}). */
  readonly replayCacheSize?: number;
  /** Wall clock in ms (default `Date.now()`), against which Event-Timestamp is checked. */
  readonly nowWallMs?: () => number;
  /**
   * Called for each session a Disconnect-Request removes, before it is removed, with its session
   * id and the request's Acct-Terminate-Cause (undefined when it gave none): the accounting's
   * cue for the Stop record's cause.
   */
  readonly onDisconnect?: (sessionId: number, terminateCause: number | undefined) => void;
  /** One line per request carried out or refused (never a key). */
  readonly messages?: (line: string) => void;
}

/** A running listener. */
export interface DynamicAuthorServer {
  readonly counters: DynamicAuthorCounters;
  /** The UDP port listened on. */
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the listener (see the module comment); throws {@link DynamicAuthorListenError} when the port cannot be had. */
export async function startDynamicAuthor(opts: DynamicAuthorOptions): Promise<DynamicAuthorServer> {
  const port = opts.port ?? opts.config.port;
  const address = opts.address ?? '::';
  let socket: Socket;
  try {
    socket = await bind(address, port);
  } catch (e) {
    if (opts.address === undefined && (errnoOf(e) === 'EAFNOSUPPORT' || errnoOf(e) === 'EADDRNOTAVAIL')) {
      try {
        socket = await bind('0.0.0.0', port);
      } catch (e2) {
        throw new DynamicAuthorListenError('0.0.0.0', port, errnoOf(e2) ?? 'EINVAL');
      }
    } else {
      throw new DynamicAuthorListenError(address, port, errnoOf(e) ?? 'EINVAL');
    }
  }
  const listener = new Listener(opts, socket);
  return {
    counters: listener.counters,
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP socket bound to `address`:`port` (dual-stack for `::`). */
function bind(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', ipv6Only: false });
    const onError = (e: Error): void => {
      socket.close();
      reject(e);
    };
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** Offset of the value of the first attribute (the Message-Authenticator of an answer). */
const FIRST_VALUE = RADIUS_MIN_PACKET + 2;

class Listener {
  readonly counters: DynamicAuthorCounters = {
    datagrams: 0, disconnectRequests: 0, coaRequests: 0, disconnectAcks: 0, disconnectNaks: 0, coaAcks: 0, coaNaks: 0,
    unknownClient: 0, malformed: 0, unexpectedCode: 0, badAuthenticator: 0, missingMessageAuthenticator: 0,
    badMessageAuthenticator: 0, missingTimestamp: 0, staleTimestamp: 0, duplicates: 0, sendErrors: 0,
  };
  /** Client address (normalized text) → its key. */
  private readonly keys = new Map<string, Uint8Array>();
  private readonly replay: ReplayCache;
  private readonly windowMs: number;
  private readonly nowWall: () => number;
  private readonly nas: NasIdentity;

  constructor(private readonly o: DynamicAuthorOptions, private readonly socket: Socket) {
    for (const c of o.config.clients) this.keys.set(normalize(c.address), new TextEncoder().encode(c.key));
    this.replay = new ReplayCache(this.keys.size, o.replayCacheSize ?? REPLAY_CACHE_SIZE);
    this.windowMs = (o.windowSec ?? EVENT_TIMESTAMP_WINDOW_SEC) * 1000;
    this.nowWall = o.nowWallMs ?? (() => Date.now());
    const cfg = o.ctx.config;
    this.nas = {
      identifier: cfg.hostname,
      addresses: cfg.interfaces.flatMap((i) => [...i.ipv4.map((a) => Uint32Array.of(0, 0, 0xffff, a.address >>> 0)),
        ...i.ipv6.map((a) => a.address)]),
    };
    socket.on('message', (msg, rinfo) => {
      try {
        this.onMessage(msg, rinfo);
      } catch (e) {
        // Nothing a datagram holds may stop the gateway; a fault here is a bug, said once per datagram.
        this.o.messages?.(`portcullis: dynamic-author: request from ${rinfo.address} not handled: ${(e as Error).message}`);
      }
    });
    socket.on('error', () => { this.counters.sendErrors++; });
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const c = this.counters;
    c.datagrams++;
    const from = normalize(rinfo.address);
    const secret = this.keys.get(from);
    if (secret === undefined) {
      c.unknownClient++;
      return;
    }
    const d = decodePacket(msg);
    if (!d.ok) {
      c.malformed++;
      return;
    }
    const p = d.packet;
    if (p.code !== RADIUS_CODE.DISCONNECT_REQUEST && p.code !== RADIUS_CODE.COA_REQUEST) {
      c.unexpectedCode++;
      return;
    }
    if (!verifyRequestAuthenticator(p, secret)) {
      c.badAuthenticator++;
      return;
    }
    if (p.messageAuthenticatorOffset < 0) {
      c.missingMessageAuthenticator++;
      return;
    }
    if (!verifyRequestMessageAuthenticator(p, secret, true)) {
      c.badMessageAuthenticator++;
      return;
    }
    const now = this.nowWall();
    const key = ReplayCache.key(p.identifier, p.authenticator);
    const seen = this.replay.check(from, key, now);
    if (seen.kind === 'duplicate') {
      c.duplicates++;
      this.send(seen.answer, rinfo);
      return;
    }
    const ts = findAttribute(p, RADIUS_ATTR.EVENT_TIMESTAMP);
    const tsSec = ts === undefined ? undefined : attributeInteger(ts);
    if (tsSec === undefined) {
      c.missingTimestamp++;
      return;
    }
    if (Math.abs(now - tsSec * 1000) > this.windowMs) {
      c.staleTimestamp++;
      return;
    }
    const disconnect = p.code === RADIUS_CODE.DISCONNECT_REQUEST;
    if (disconnect) c.disconnectRequests++;
    else c.coaRequests++;
    const outcome = seen.kind === 'full'
      ? { cause: ERROR_CAUSE.RESOURCES_UNAVAILABLE, text: 'too many recent requests from this client to remember' }
      : this.carryOut(p);
    const ack = outcome.cause === 0;
    if (disconnect) {
      if (ack) c.disconnectAcks++;
      else c.disconnectNaks++;
    } else if (ack) c.coaAcks++;
    else c.coaNaks++;
    const code = disconnect ? (ack ? RADIUS_CODE.DISCONNECT_ACK : RADIUS_CODE.DISCONNECT_NAK)
      : (ack ? RADIUS_CODE.COA_ACK : RADIUS_CODE.COA_NAK);
    const answer = this.answer(p, code, outcome.cause, secret);
    if (seen.kind === 'new') this.replay.remember(from, key, answer, tsSec * 1000 + this.windowMs + 1000);
    this.o.messages?.(`portcullis: dynamic-author: ${disconnect ? 'Disconnect' : 'CoA'}-Request from ${from}: `
      + `${ack ? 'ACK' : 'NAK'} (${outcome.text})`);
    this.send(answer, rinfo);
  }

  /** Carries out a checked request: Error-Cause 0 for an ACK, else the NAK's, with what happened. */
  private carryOut(p: RadiusPacket): { readonly cause: number; readonly text: string } {
    const r = readDynamicRequest(p, this.nas);
    if (r.kind === 'nak') return { cause: r.cause, text: r.reason };
    const ctx = this.o.ctx;
    const engine = ctx.engine;
    const slots = this.sessionsOf(r.select);
    if (slots.length === 0) return { cause: ERROR_CAUSE.SESSION_CONTEXT_NOT_FOUND, text: 'no session matches' };
    const hosts = slots.map((s) => engine.cache.addr.slice(s * 4, s * 4 + 4));
    const names = hosts.map((w) => formatIpIos(w)).join(', ');
    if (r.kind === 'disconnect') {
      slots.forEach((slot, i) => {
        this.o.onDisconnect?.(engine.sessionId(slot), r.terminateCause);
        engine.disconnectHost(hosts[i]!, ctx.nowMs());
      });
      ctx.kick();
      return { cause: 0, text: `disconnected ${names}` };
    }
    if (slots.length > 1) {
      return { cause: ERROR_CAUSE.MULTIPLE_SESSION_SELECTION_UNSUPPORTED, text: `${slots.length} sessions match` };
    }
    const done = engine.replaceHostEntries(hosts[0]!, r.entries);
    ctx.kick();
    if (!done.ok) return { cause: ERROR_CAUSE.INVALID_ATTRIBUTE_VALUE, text: `entries for ${names} not installed: ${done.error.message}` };
    return { cause: 0, text: `${names} now has ${r.entries.length} downloaded ${r.entries.length === 1 ? 'entry' : 'entries'}` };
  }

  /** Cache slots of the authorized sessions `select` names (all its fields must match). */
  private sessionsOf(select: SessionSelector): number[] {
    const engine = this.o.ctx.engine;
    const cache = engine.cache;
    const out: number[] = [];
    const consider = (slot: number): void => {
      if (!engine.hasSession(slot)) return;
      const words = cache.addr.subarray(slot * 4, slot * 4 + 4);
      if (select.address !== undefined && !sameWords(select.address, words)) return;
      if (select.user !== undefined && cache.userOf(slot) !== select.user) return;
      if (select.acctSessionId !== undefined && String(engine.sessionId(slot)) !== select.acctSessionId) return;
      if (select.callingStationId !== undefined) {
        const asked = parseIp(select.callingStationId.trim());
        if (asked === undefined || !sameWords(asked, words)) return;
      }
      out.push(slot);
    };
    if (select.address !== undefined) {
      const slot = cache.lookup(select.address);
      if (slot >= 0) consider(slot);
    } else {
      cache.forEach(consider);
    }
    return out;
  }

  /** An answer to `p`: Message-Authenticator, Proxy-State copies, Error-Cause (a NAK); signed. */
  private answer(p: RadiusPacket, code: number, cause: number, secret: Uint8Array): Uint8Array {
    const attributes: RadiusAttribute[] = [{ type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(RADIUS_AUTH_LEN) }];
    for (const a of p.attributes) if (a.type === RADIUS_ATTR.PROXY_STATE) attributes.push(a);
    if (cause !== 0) attributes.push(integerAttribute(RADIUS_ATTR.ERROR_CAUSE, cause));
    const bytes = encodePacket(code, p.identifier, p.authenticator, attributes);
    signReply(bytes, FIRST_VALUE, p.authenticator, secret);
    return bytes;
  }

  private send(answer: Uint8Array, to: RemoteInfo): void {
    this.socket.send(answer, to.port, to.address, (err) => {
      if (err) this.counters.sendErrors++;
    });
  }
}

/** An address's text as clients are keyed: IPv4-mapped IPv6 as IPv4, IPv6 in RFC 5952 form. */
function normalize(address: string): string {
  const words = parseIp(address.replace(/^::ffff:(?=[0-9]+\.)/i, ''));
  return words === undefined ? address.toLowerCase() : formatIp(words);
}
