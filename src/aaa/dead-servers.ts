/**
 * Dead-time, as IOS applies it to RADIUS and TACACS+ servers alike (`radius-server deadtime`,
 * `tacacs-server deadtime`, a server group's `deadtime`): a server that gave no answer is marked
 * dead for its dead-time and skipped while it is dead; an answer makes it alive at once. With a
 * dead-time of 0 a server is never marked. The one implementation of the policy: the RADIUS
 * client (src/aaa/radius/client.ts) and the TACACS+ client (src/aaa/tacacs/client.ts) each keep
 * one, keyed by their own server identity.
 */

/** See the module comment. */
export class DeadServers {
  /** Monotonic time until which each server is dead, by key. */
  readonly #until = new Map<string, number>();

  /** `nowMs`: a monotonic clock in ms. */
  constructor(private readonly nowMs: () => number) {}

  /** True while the server of `key` is marked dead. */
  isDead(key: string): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (this.nowMs() < until) return true;
    this.#until.delete(key);
    return false;
  }

  /** The server of `key` gave no answer: marked dead for `deadtimeMs` (true), or not when it is 0 (false). */
  noAnswer(key: string, deadtimeMs: number): boolean {
    if (deadtimeMs <= 0) return false;
    this.#until.set(key, this.nowMs() + deadtimeMs);
    return true;
  }

  /** The server of `key` answered: alive. */
  answered(key: string): void {
    this.#until.delete(key);
  }
}
