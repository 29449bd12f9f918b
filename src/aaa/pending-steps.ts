/**
 * Second steps of logins waiting for their answer (an `AuthChallenge`): each under a random,
 * unguessable state handle, for one user, until it expires; answerable once. Bounded: past
 * the bound the oldest goes; and past {@link PENDING_STEPS_PER_USER} steps of one user, that
 * user's oldest goes first — so one user's password (a stolen one, say) cannot push every other
 * user's second step out by starting first steps without end. The method lists keep their
 * challenges here (src/aaa/methods.ts), and so do local TOTP users' code prompts
 * (src/aaa/local.ts).
 */
import { randomBytes } from 'node:crypto';

/** Steps one user may have waiting at once (a few browsers or tabs); past it that user's oldest goes. */
export const PENDING_STEPS_PER_USER = 8;

/** What every pending step holds: whose it is and until when (monotonic ms). */
export interface PendingStep {
  readonly user: string;
  readonly expiresMs: number;
}

/** See the module comment. */
export class PendingSteps<T extends PendingStep> {
  readonly #steps = new Map<string, T>();

  /** `max`: most steps kept at once. */
  constructor(private readonly max: number) {}

  /** Steps kept (expired ones included until the next {@link add}). */
  get size(): number {
    return this.#steps.size;
  }

  /** Keeps `step` under a new random state (expired steps, the user's oldest past its bound and, past the bound, the oldest go). */
  add(step: T, nowMs: number): string {
    let oldestOfUser: string | undefined;
    let ofUser = 0;
    for (const [k, v] of this.#steps) {
      if (v.expiresMs <= nowMs) this.#steps.delete(k);
      else if (v.user === step.user && ofUser++ === 0) oldestOfUser = k;
    }
    if (ofUser >= PENDING_STEPS_PER_USER) this.#steps.delete(oldestOfUser!);
    while (this.#steps.size >= this.max) this.#steps.delete(this.#steps.keys().next().value!);
    const state = randomBytes(18).toString('base64url');
    this.#steps.set(state, step);
    return state;
  }

  /**
   * The step of `state` if it is `user`'s and has not expired; undefined otherwise. Either way a
   * known state is used up.
   */
  take(state: string, user: string, nowMs: number): T | undefined {
    const step = this.#steps.get(state);
    if (step === undefined) return undefined;
    this.#steps.delete(state);
    return step.user === user && step.expiresMs > nowMs ? step : undefined;
  }

  clear(): void {
    this.#steps.clear();
  }
}
