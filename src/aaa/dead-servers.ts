/**
 * Dead-time, as IOS applies it to RADIUS and TACACS+ servers alike (`radius-server deadtime`,
 * `tacacs-server deadtime`, a server group's `deadtime`): a server that gave no answer is marked
 * dead for its dead-time and skipped while it is dead; an answer makes it alive at once. With a
 * dead-time of 0 a server is never marked. The one implementation of the policy: the RADIUS
 * client (src/aaa/radius/client.ts) and the TACACS+ client (src/aaa/tacacs/client.ts) each keep
 * one, keyed by their own server identity.
 *
 * It also keeps each server's state history as `show aaa servers` prints it (IOS's `State:
 * current UP, duration …, previous duration …` and `Dead: total time …, count …`, the
 * CISCO-AAA-SERVER-MIB's casState, casCurrentStateDuration, casPreviousStateDuration,
 * casTotalDeadTime and casDeadCount): every server is UP from the client's start; a dead-time
 * that runs out makes it UP at the moment it ran out.
 */

/** A server's state as `show aaa servers` prints it (durations in ms). */
export interface ServerState {
  readonly dead: boolean;
  /** Time in the current state. */
  readonly durationMs: number;
  /** Time the previous state lasted (0 if the state never changed). */
  readonly previousMs: number;
  /** Time spent dead in all, the current dead period included. */
  readonly deadTotalMs: number;
  /** Times the server went from UP to DEAD. */
  readonly deadCount: number;
}

interface Track {
  /** Dead until this monotonic time; undefined while UP. */
  until: number | undefined;
  /** When the current state began. */
  since: number;
  previous: number;
  deadTotal: number;
  deadCount: number;
}

/** See the module comment. */
export class DeadServers {
  readonly #tracks = new Map<string, Track>();
  readonly #start: number;

  /** `nowMs`: a monotonic clock in ms. */
  constructor(private readonly nowMs: () => number) {
    this.#start = nowMs();
  }

  /** True while the server of `key` is marked dead. */
  isDead(key: string): boolean {
    return this.#settle(key)?.until !== undefined;
  }

  /** The server of `key` gave no answer: marked dead for `deadtimeMs` (true), or not when it is 0 (false). */
  noAnswer(key: string, deadtimeMs: number): boolean {
    if (deadtimeMs <= 0) return false;
    const now = this.nowMs();
    let t = this.#settle(key);
    if (t === undefined) {
      t = { until: undefined, since: this.#start, previous: 0, deadTotal: 0, deadCount: 0 };
      this.#tracks.set(key, t);
    }
    if (t.until === undefined) {
      t.previous = now - t.since;
      t.since = now;
      t.deadCount++;
    }
    t.until = now + deadtimeMs;
    return true;
  }

  /** The server of `key` answered: alive. */
  answered(key: string): void {
    const t = this.#settle(key);
    if (t?.until !== undefined) this.#up(t, this.nowMs());
  }

  /** The state of the server of `key` now. */
  state(key: string): ServerState {
    const now = this.nowMs();
    const t = this.#settle(key);
    if (t === undefined) return { dead: false, durationMs: now - this.#start, previousMs: 0, deadTotalMs: 0, deadCount: 0 };
    const dead = t.until !== undefined;
    return {
      dead, durationMs: now - t.since, previousMs: t.previous,
      deadTotalMs: t.deadTotal + (dead ? now - t.since : 0), deadCount: t.deadCount,
    };
  }

  /** The track of `key` with a dead-time that ran out turned UP at the moment it ran out. */
  #settle(key: string): Track | undefined {
    const t = this.#tracks.get(key);
    if (t?.until !== undefined && this.nowMs() >= t.until) this.#up(t, t.until);
    return t;
  }

  #up(t: Track, at: number): void {
    t.deadTotal += at - t.since;
    t.previous = at - t.since;
    t.since = at;
    t.until = undefined;
  }
}
