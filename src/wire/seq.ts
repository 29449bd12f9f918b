/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): comparisons hold while the two
 * numbers are less than 2^31 apart. All arguments and results are uint32 numbers.
 */

/** Returns the signed distance `a − b` in (−2^31, 2^31] (RFC 9293 §3.4 modular arithmetic). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** True when sequence number `a` comes before `b`. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** True when `a` comes before or equals `b`. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** True when `a` comes after `b`. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** True when `a` comes after or equals `b`. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** Returns `a + n` modulo 2^32 (`n` may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
