/**
 * IPv4 (RFC 791): a rebindable zero-copy {@link Ipv4View} over a buffer and an {@link Ipv4Repr}
 * for emit, tests and the control plane.
 */

/** Length of an IPv4 header without options (RFC 791 §3.1). */
export const IPV4_HEADER_LENGTH = 20;
/** Largest IPv4 header: IHL 15 (RFC 791 §3.1). */
export const IPV4_MAX_HEADER_LENGTH = 60;
/** Flags/fragment-offset word: Don't Fragment bit. */
export const IPV4_FLAG_DF = 0x4000;
/** Flags/fragment-offset word: More Fragments bit. */
export const IPV4_FLAG_MF = 0x2000;
/** Flags/fragment-offset word: fragment offset mask (units of 8 bytes). */
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;
