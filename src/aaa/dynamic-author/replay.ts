/**
 * Replay protection of the RFC 5176 listener: the Event-Timestamp window (RFC 5176 §6.4: a
 * request whose Event-Timestamp is missing or not within the window of the NAS's clock is
 * silently discarded; the default window is 300 s) and a bounded cache of the answers given
 * (RFC 5080 §2.2.2: a retransmission — same client address, Identifier and Request
 * Authenticator — gets the same answer again and is not carried out twice). The client's port is
 * not part of the key: the Request Authenticator is a digest of the whole request under the
 * client's key, so the same one from another port is the same request again — a client that
 * retransmits from a new socket, or a captured request replayed from the client's address — and
 * must not be carried out again while its Event-Timestamp is current.
 *
 * Only requests whose authenticators verified enter the cache, so nobody without a client's key
 * can fill it. An answer is kept until its request's Event-Timestamp leaves the window, so a
 * request replayed while its timestamp is still current finds it; when the cache is full of answers still in the window,
 * a new request is refused (NAK 506 Resources Unavailable) rather than an old answer dropped,
 * which would let that old request be carried out again.
 */

/** Default Event-Timestamp window, seconds (RFC 5176 §6.4). */
export const EVENT_TIMESTAMP_WINDOW_SEC = 300;
/** Default number of answers kept. */
export const REPLAY_CACHE_SIZE = 4096;

/** What {@link ReplayCache.check} found. */
export type ReplayCheck =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate'; readonly answer: Uint8Array }
  | { readonly kind: 'full' };

/** The answers given, by request (see the module comment). */
export class ReplayCache {
  /** Request key → answer and when it leaves (ms, the caller's clock). */
  private readonly answers = new Map<string, { readonly answer: Uint8Array; readonly untilMs: number }>();

  constructor(private readonly size = REPLAY_CACHE_SIZE) {}

  /** Number of answers kept now. */
  get count(): number {
    return this.answers.size;
  }

  /** The key of a request: client address, Identifier, Request Authenticator (not the port: see the module comment). */
  static key(address: string, identifier: number, authenticator: Uint8Array): string {
    return `${address}|${identifier}|${Buffer.from(authenticator).toString('hex')}`;
  }

  /** Whether the request `key` was answered (and with what), is new, or cannot be taken now. */
  check(key: string, nowMs: number): ReplayCheck {
    this.expire(nowMs);
    const hit = this.answers.get(key);
    if (hit !== undefined) return { kind: 'duplicate', answer: hit.answer };
    return this.answers.size >= this.size ? { kind: 'full' } : { kind: 'new' };
  }

  /** Remembers the answer to the request `key` until `untilMs` (when its timestamp stops being current). */
  remember(key: string, answer: Uint8Array, untilMs: number): void {
    if (this.answers.size >= this.size) return;
    this.answers.set(key, { answer, untilMs });
  }

  private expire(nowMs: number): void {
    for (const [k, v] of this.answers) if (v.untilMs <= nowMs) this.answers.delete(k);
  }
}
