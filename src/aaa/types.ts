/**
 * The login service's view of authentication and authorization (DESIGN.md §2 step 2): one
 * `authenticate` call per login, answered with the user's privilege and downloaded ACL entries,
 * a reject, or no answer. Local users implement it today (`local.ts`); RADIUS and TACACS+
 * method lists implement the same interface.
 */
import type { DynamicAclText } from '../acl/api.js';

export interface AuthRequest {
  /** The name typed into the login form. */
  readonly user: string;
  /** The password typed into the login form. Never logged, echoed or kept. */
  readonly password: string;
  /** The client's address as text (for messages and, later, RADIUS Calling-Station-Id). */
  readonly client: string;
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

export type AuthOutcome = AuthAccept | AuthReject | AuthError;

export interface Authenticator {
  authenticate(req: AuthRequest): Promise<AuthOutcome>;
}
