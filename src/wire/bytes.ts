/**
 * Big-endian byte-indexed reads and writes shared by the wire views (network byte order,
 * RFC 791 Appendix B). Byte indexing needs no DataView per buffer and allocates nothing.
 */

/** Reads a big-endian uint16 at `b[p]`. */
export function readU16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

/** Reads a big-endian uint32 at `b[p]`. */
export function readU32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Writes the low 16 bits of `v` big-endian at `b[p]`. */
export function writeU16(b: Uint8Array, p: number, v: number): void {
  b[p] = (v >>> 8) & 0xff;
  b[p + 1] = v & 0xff;
}

/** Writes `v` as a big-endian uint32 at `b[p]`. */
export function writeU32(b: Uint8Array, p: number, v: number): void {
  b[p] = (v >>> 24) & 0xff;
  b[p + 1] = (v >>> 16) & 0xff;
  b[p + 2] = (v >>> 8) & 0xff;
  b[p + 3] = v & 0xff;
}
