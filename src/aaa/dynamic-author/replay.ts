/**
 * Replay protection of the RFC 5176 listener: the Event-Timestamp window (RFC 5176 §6.3: a
 * request whose Event-Timestamp is missing or not within the window of the NAS's clock is
 * silently discarded; the default window is 300 s) and a bounded cache of the answers given
 * (RFC 5176 §2.3 requires duplicate detection, RFC 5080 §2.2.2: a retransmission — same client
 * address, Identifier and Request Authenticator — gets the same answer again and is not carried
 * out twice; §6.3: for the same window as the Event-Timestamp's). The client's port is not part
 * of the key, a deliberate deviation from §2.3 (source address, port and Identifier): the
 * Request Authenticator is a digest of the whole request under the client's key, so the same
 * one from another port is the same request again — a client that retransmits from a new
 * socket, or a captured request replayed from the client's address — and must not be carried
 * out again while its Event-Timestamp is current.
 *
 * Only requests whose authenticators verified enter the cache, so nobody without a client's key
 * can fill it. An answer is kept until its request's Event-Timestamp leaves the window, so a
 * request replayed while its timestamp is still current finds it; when a client's part of the
 * cache is full of answers still in the window, that client's new request is refused (NAK 506
 * Resources Unavailable) rather than an old answer dropped, which would let that old request be
 * carried out again.
 *
 * The cache is shared out equally among the configured clients (each holds at most
 * `size / clients` answers, at least one): a client — or anyone holding its key — that sends
 * requests as fast as it can fills only its own part and is refused alone, while every other
 * client's requests are still taken. However the requests of the clients interleave, the cache
 * never holds more than `size` answers (or one per client, when there are more clients than that).
 */

/** Default Event-Timestamp window, seconds (RFC 5176 §6.3). */
export const EVENT_TIMESTAMP_WINDOW_SEC = 300;
/** Default number of answers kept, all clients together. */
export const REPLAY_CACHE_SIZE = 4096;

/** What {@link ReplayCache.check} found. */
export type ReplayCheck =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate'; readonly answer: Uint8Array }
  | { readonly kind: 'full' };

interface Kept {
  readonly answer: Uint8Array;
  /** When it leaves (ms, the caller's clock). */
  readonly untilMs: number;
}

/** The answers given, by client and request (see the module comment). */
export class ReplayCache {
  /** Client address → request key → answer. */
  private readonly byClient = new Map<string, Map<string, Kept>>();
  /** Answers each client may have kept at once. */
  readonly share: number;

  /**
   * @param clients number of configured clients, among whom `size` is shared out
   * @param size answers kept, all clients together
   */
  constructor(clients: number, size = REPLAY_CACHE_SIZE) {
    this.share = Math.max(1, Math.floor(size / Math.max(1, clients)));
  }

  /** Number of answers kept now, all clients together. */
  get count(): number {
    let n = 0;
    for (const answers of this.byClient.values()) n += answers.size;
    return n;
  }

  /** The key of a request within its client's part: Identifier and Request Authenticator (not the port: see the module comment). */
  static key(identifier: number, authenticator: Uint8Array): string {
    return `${identifier}|${Buffer.from(authenticator).toString('hex')}`;
  }

  /** Whether the request `key` of `client` was answered (and with what), is new, or cannot be taken now. */
  check(client: string, key: string, nowMs: number): ReplayCheck {
    this.expire(nowMs);
    const answers = this.byClient.get(client);
    const hit = answers?.get(key);
    if (hit !== undefined) return { kind: 'duplicate', answer: hit.answer };
    return (answers?.size ?? 0) >= this.share ? { kind: 'full' } : { kind: 'new' };
  }

  /** Remembers the answer to the request `key` of `client` until `untilMs` (when its timestamp stops being current). */
  remember(client: string, key: string, answer: Uint8Array, untilMs: number): void {
    let answers = this.byClient.get(client);
    if (answers === undefined) {
      answers = new Map();
      this.byClient.set(client, answers);
    }
    if (answers.size >= this.share) return;
    answers.set(key, { answer, untilMs });
  }

  private expire(nowMs: number): void {
    for (const [client, answers] of this.byClient) {
      for (const [k, v] of answers) if (v.untilMs <= nowMs) answers.delete(k);
      if (answers.size === 0) this.byClient.delete(client);
    }
  }
}
