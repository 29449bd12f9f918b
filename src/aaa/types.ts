/**
 * The login service's view of authentication and authorization (DESIGN.md §2 step 2): one
 * `authenticate` call per login, answered with the user's privilege and downloaded ACL entries,
 * a reject, no answer, or a challenge (a second step). Local users implement it (`local.ts`);
 * the method lists (`methods.ts`: RADIUS, local, later TACACS+) implement the same interface.
 */
import type { DynamicAclText } from '../acl/api.js';

export interface AuthRequest {
  /** The name typed into the login form. */
  readonly user: string;
  /** The password typed into the login form. Never logged, echoed or kept. */
  readonly password: string;
  /** The client's address as text (for messages and RADIUS Calling-Station-Id). */
  readonly client: string;
  /**
   * Set when this request answers an {@link AuthChallenge}: the challenge's `state`, as it was
   * returned. `user` is the same user and `password` is then the answer typed (the one-time
   * password). A state answers once; an unknown or expired one is a reject.
   */
  readonly state?: string | undefined;
}

/** Authenticated and authorized: the host may be let through with these entries. */
export interface AuthAccept {
  readonly kind: 'accept';
  /** The user name as the server knows it. */
  readonly user: string;
  /** `priv-lvl` from the user's authorization (15 is required to be let through, as in IOS). */
  readonly privilege: number;
  /** The user's downloaded `proxyacl#N` entries, in N order. */
  readonly entries: readonly DynamicAclText[];
  /**
   * How the user was authenticated, as RFC 2866 §5.6 Acct-Authentic says it (`ACCT_AUTHENTIC`:
   * 1 RADIUS, 2 Local — the local users —, 3 Remote — TACACS+); the method list sets it, and the
   * session's accounting records carry it. Absent when not known.
   */
  readonly authentic?: number | undefined;
}

/** Refused (wrong password, unknown user, not authorized). `reason` is shown to the user; it names no secret. */
export interface AuthReject {
  readonly kind: 'reject';
  readonly reason: string;
}

/** No answer (no method reachable, server error): not a failed attempt of the user's. */
export interface AuthError {
  readonly kind: 'error';
  readonly reason: string;
}

/**
 * The server wants one more answer before it decides (RADIUS Access-Challenge, RFC 2865 §4.4: a
 * one-time password): show `prompt` and call `authenticate` again with the same user, the
 * answer as `password` and this `state`.
 */
export interface AuthChallenge {
  readonly kind: 'challenge';
  /** Opaque handle of the pending exchange (names no secret; unguessable; valid once, for a few minutes). */
  readonly state: string;
  /** What to ask the user (the server's Reply-Message), e.g. `Enter the code from your token`. */
  readonly prompt: string;
}

export type AuthOutcome = AuthAccept | AuthReject | AuthError | AuthChallenge;

export interface Authenticator {
  authenticate(req: AuthRequest): Promise<AuthOutcome>;
}
