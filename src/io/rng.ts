/**
 * Seeded uint32 generators for the engine's injected randomness. Replay uses a fixed seed so
 * the same capture always gives the same output; live mode seeds from the OS.
 */
import { randomBytes } from 'node:crypto';

/** A deterministic generator (splitmix32) from `seed`. */
export function seededRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A generator drawing from the OS's CSPRNG in batches (live ISNs must not be predictable). */
export function systemRng(): () => number {
  const pool = new Uint32Array(256);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      const b = randomBytes(pool.length * 4);
      pool.set(new Uint32Array(b.buffer, b.byteOffset, pool.length));
      next = 0;
    }
    return pool[next++]!;
  };
}
