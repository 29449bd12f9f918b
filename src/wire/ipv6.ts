/**
 * IPv6 (RFC 8200): a rebindable zero-copy {@link Ipv6View} that walks the extension-header
 * chain, and an {@link Ipv6Repr} for emit, tests and the control plane.
 */

/** Length of the IPv6 fixed header (RFC 8200 §3). */
export const IPV6_HEADER_LENGTH = 40;
