/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624). All functions work
 * on byte indexes of a Uint8Array and allocate nothing.
 */

/**
 * Adds the 16-bit big-endian words of `buf[off, off+len)` to `sum` (an odd trailing byte is
 * padded with zero) and returns the unfolded 32-bit-ish sum. Fold with {@link foldChecksum}.
 */
export function sumWords(buf: Uint8Array, off: number, len: number, sum: number): number {
  let i = off;
  // Eight bytes per iteration (measured about twice as fast as two per iteration here).
  const end8 = off + (len & ~7);
  while (i < end8) {
    sum += ((buf[i]! << 8) | buf[i + 1]!) + ((buf[i + 2]! << 8) | buf[i + 3]!)
      + ((buf[i + 4]! << 8) | buf[i + 5]!) + ((buf[i + 6]! << 8) | buf[i + 7]!);
    i += 8;
    // Keep the accumulator well inside double precision's exact-integer range.
    if (sum > 0x3fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  const end = off + (len & ~1);
  while (i < end) {
    sum += (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
  }
  if (len & 1) sum += buf[end]! << 8;
  return sum;
}

/** Folds a sum to 16 bits and returns its one's complement (the value to store in the header). */
export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Checksum of `buf[off, off+len)` (e.g. an IPv4 header with its checksum field zeroed). */
export function internetChecksum(buf: Uint8Array, off: number, len: number): number {
  return foldChecksum(sumWords(buf, off, len, 0));
}

/** Pseudo-header sum for IPv4 (RFC 9293 §3.1): addresses, protocol, transport length. */
export function pseudoHeaderSum4(src: number, dst: number, proto: number, l4Length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4Length;
}

/** Pseudo-header sum for IPv6 (RFC 8200 §8.1); addresses as four 32-bit words. */
export function pseudoHeaderSum6(src: Uint32Array, dst: Uint32Array, proto: number, l4Length: number): number {
  let s = proto + (l4Length >>> 16) + (l4Length & 0xffff);
  for (let i = 0; i < 4; i++) {
    const a = src[i]!, b = dst[i]!;
    s += (a >>> 16) + (a & 0xffff) + (b >>> 16) + (b & 0xffff);
  }
  return s;
}

/**
 * Incrementally updates checksum `hc` for a 16-bit field changing from `oldWord` to `newWord`
 * (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
 */
export function updateChecksum16(hc: number, oldWord: number, newWord: number): number {
  let s = (~hc & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Incremental update for a 32-bit field (two 16-bit words), e.g. an IPv4 address. */
export function updateChecksum32(hc: number, oldValue: number, newValue: number): number {
  hc = updateChecksum16(hc, oldValue >>> 16, newValue >>> 16);
  return updateChecksum16(hc, oldValue & 0xffff, newValue & 0xffff);
}

/**
 * Incremental update for a 128-bit field given as four 32-bit words, e.g. an IPv6 address in
 * a transport checksum's pseudo-header (RFC 1624 eqn. 3 applied word by word).
 */
export function updateChecksum128(hc: number, oldWords: Uint32Array, newWords: Uint32Array): number {
  for (let i = 0; i < 4; i++) hc = updateChecksum32(hc, oldWords[i]!, newWords[i]!);
  return hc;
}
