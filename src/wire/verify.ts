/**
 * Checksum verification helpers (RFC 1071) for the places that ask for it — the replay
 * summary, tests, and traffic the gateway terminates itself. The forwarding path does not
 * verify checksums: the end hosts do.
 */
import type { Ipv4View } from './ipv4.js';
import type { PacketMeta } from './packet.js';
import { FRAG_NONE, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from './packet.js';
import { foldChecksum, pseudoHeaderSum4, pseudoHeaderSum6, sumWords } from './checksum.js';
import { readU16 } from './bytes.js';

/** True when the bound IPv4 header's checksum is correct (RFC 791 §3.1: the header sums to 0xffff). */
export function verifyIpv4HeaderChecksum(view: Ipv4View): boolean {
  return foldChecksum(sumWords(view.buf, view.off, view.headerLength, 0)) === 0;
}

/**
 * True when the transport checksum of the decoded packet `meta` is correct: TCP (RFC 9293
 * §3.1), UDP (RFC 768; over IPv4 a zero checksum means "none" and passes, over IPv6 it is
 * mandatory, RFC 8200 §8.1), ICMP (RFC 792) and ICMPv6 (RFC 4443 §2.3, with pseudo-header).
 *
 * Returns false when the checksum cannot be verified: other protocols, fragments (the sum
 * covers the reassembled datagram) and snapped packets (bytes missing). Allocation-free.
 */
export function verifyTransportChecksum(meta: PacketMeta): boolean {
  if (meta.fragment !== FRAG_NONE || meta.snapped || meta.ipVersion === 0) return false;
  const proto = meta.proto;
  const buf = meta.buf;
  const l4 = meta.l4Offset;
  let len = meta.l4Length;
  if (l4 + len > buf.length) return false;
  if (proto === IPPROTO_UDP) {
    if (readU16(buf, l4 + 6) === 0) return meta.ipVersion === 4;
    // The sum covers the UDP length, which may be shorter than the IP payload.
    len = readU16(buf, l4 + 4);
  } else if (proto === IPPROTO_ICMP && meta.ipVersion === 4) {
    return foldChecksum(sumWords(buf, l4, len, 0)) === 0;
  } else if (!(proto === IPPROTO_TCP || (proto === IPPROTO_ICMPV6 && meta.ipVersion === 6))) {
    return false;
  }
  const ph = meta.ipVersion === 4
    ? pseudoHeaderSum4(meta.src4, meta.dst4, proto, len)
    : pseudoHeaderSum6(meta.srcAddr, meta.dstAddr, proto, len);
  return foldChecksum(sumWords(buf, l4, len, ph)) === 0;
}
