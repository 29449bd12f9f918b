/**
 * Test helper of the TOTP login tests: local user tina's password and TOTP secret, a fixed Unix
 * time, and the RFC 6238 code the user's authenticator app would show (computed here
 * independently of the `otpauth` package the verifier uses).
 */
import { createHmac } from 'node:crypto';

export const PASSWORD = 'c0rrect-h0rse,battery';
export const SECRET = Buffer.from('totp-secret-of-tina!'); // 20 bytes
export const SECRET_B32 = 'ORXXI4BNONSWG4TFOQWW6ZRNORUW4YJB'; // base32 of SECRET (RFC 4648 §6)
/** The tests' Unix time (ms) at start. */
export const T0 = 1_765_000_000_000;

/** RFC 6238 §4 / RFC 4226 §5.3 code (sha1, 6 digits, 30 s) of {@link SECRET} at Unix ms `t`. */
export function code(t: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30_000)));
  const mac = createHmac('sha1', SECRET).update(counter).digest();
  const off = mac[19]! & 0xf;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
