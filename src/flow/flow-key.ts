/**
 * Flow keys: a direction-independent 10-word key and its 32-bit hash, computed straight from
 * the decoded {@link PacketMeta} fields without allocating.
 *
 * The key is the flow's two endpoints in canonical order — the numerically lower
 * (address, port) endpoint first — so that both directions of a flow produce the same words
 * and therefore the same hash and the same bucket. The function that writes a key also reports
 * whether it had to swap the packet's source and destination to reach canonical order; the flow
 * table stores that bit for the packet that opened the flow and compares it on lookup to tell
 * the original direction from the reply.
 *
 * Key layout (32-bit words):
 * - 0..3  endpoint A address (IPv4-mapped `::ffff:a.b.c.d` for IPv4, as `PacketMeta` holds it)
 * - 4..7  endpoint B address
 * - 8     `portA << 16 | portB`
 * - 9     IP protocol number
 *
 * An IPv4 key (both addresses IPv4-mapped) hashes by its four variable words only; see
 * {@link hashFlowKey}. The hash is keyed by the process's secret key.
 *
 * Ports are the TCP/UDP ports. For ICMP echo request/reply (RFC 792, types 8/0) and ICMPv6
 * echo request/reply (RFC 4443 §4.1–4.2, types 128/129) the echo identifier stands in for both
 * ports, so that concurrent pings between the same hosts are separate flows and a reply finds
 * its request. Other ICMP messages and other protocols key on the address pair alone (ports 0);
 * so do non-first IP fragments, which carry no transport header.
 */
import type { PacketMeta } from '../wire/packet.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../wire/packet.js';
import { hashWordArray, hashWords3Byte, type HashKey } from '../table/keyed-hash.js';

/** Number of 32-bit words in a flow key. */
export const FLOW_KEY_WORDS = 10;

/** ICMP echo reply / echo request types (RFC 792). */
const ICMP_ECHO_REPLY = 0;
const ICMP_ECHO_REQUEST = 8;
/** ICMPv6 echo request / echo reply types (RFC 4443 §4.1, §4.2). */
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;

/**
 * Reads the ICMP / ICMPv6 echo identifier of `meta`, or returns 0 when the packet is not an
 * echo request/reply or its identifier is not in the captured bytes.
 */
export function readEchoId(meta: PacketMeta): number {
  const t = meta.icmpType;
  const proto = meta.proto;
  const echo = proto === IPPROTO_ICMP
    ? (t === ICMP_ECHO_REQUEST || t === ICMP_ECHO_REPLY)
    : proto === IPPROTO_ICMPV6 && (t === ICMPV6_ECHO_REQUEST || t === ICMPV6_ECHO_REPLY);
  if (!echo) return 0;
  // Echo header: type, code, checksum (4 bytes), then identifier and sequence number.
  const at = meta.l4Offset + 4;
  const buf = meta.buf;
  if (meta.l4Length < 8 || at + 2 > buf.length) return 0;
  return (buf[at]! << 8) | buf[at + 1]!;
}

/**
 * Writes the canonical flow key of `meta` into `out[off .. off + 10)`.
 *
 * Returns 0 when the packet's source is endpoint A (no swap), 1 when its source is endpoint B
 * (source and destination were swapped), or -1 when the packet is not IPv4/IPv6 (nothing is
 * written). A flow whose two endpoints are identical keys as "not swapped" in both directions.
 */
export function writeFlowKey(meta: PacketMeta, out: Uint32Array, off: number): number {
  const v = meta.ipVersion;
  if (v !== 4 && v !== 6) return -1;
  const s = meta.srcAddr;
  const d = meta.dstAddr;
  let sp = meta.srcPort;
  let dp = meta.dstPort;
  const proto = meta.proto;
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    sp = readEchoId(meta);
    dp = sp;
  }
  // Canonical order: compare addresses word by word (unsigned), then ports.
  let swap = 0;
  let decided = false;
  for (let i = 0; i < 4; i++) {
    const a = s[i]!;
    const b = d[i]!;
    if (a !== b) {
      swap = a > b ? 1 : 0;
      decided = true;
      break;
    }
  }
  if (!decided && sp > dp) swap = 1;
  if (swap === 0) {
    out[off] = s[0]!; out[off + 1] = s[1]!; out[off + 2] = s[2]!; out[off + 3] = s[3]!;
    out[off + 4] = d[0]!; out[off + 5] = d[1]!; out[off + 6] = d[2]!; out[off + 7] = d[3]!;
    out[off + 8] = ((sp & 0xffff) << 16 | (dp & 0xffff)) >>> 0;
  } else {
    out[off] = d[0]!; out[off + 1] = d[1]!; out[off + 2] = d[2]!; out[off + 3] = d[3]!;
    out[off + 4] = s[0]!; out[off + 5] = s[1]!; out[off + 6] = s[2]!; out[off + 7] = s[3]!;
    out[off + 8] = ((dp & 0xffff) << 16 | (sp & 0xffff)) >>> 0;
  }
  out[off + 9] = proto & 0xff;
  return swap;
}

/**
 * True when the 10-word key at `key[off ..]` pairs two IPv4-mapped addresses (words 0–2 and
 * 4–6 are `0, 0, 0xffff`): an IPv4 flow, told apart from others by words 3, 7, 8 and 9 alone.
 */
export function isFlowKey4(key: Uint32Array, off: number): boolean {
  return key[off + 2] === 0xffff && key[off + 6] === 0xffff && (key[off] | key[off + 1] | key[off + 4] | key[off + 5]) === 0;
}

/**
 * Hashes the 10-word key at `key[off ..]` with the keyed hash (HalfSipHash-1-3, `keyed-hash.ts`)
 * under the key (`k0`, `k1`), as an int32: a remote host chooses its flows' keys, and without
 * the secret it cannot aim them at one bucket. An IPv4 key ({@link isFlowKey4}) hashes as
 * {@link hashFlowKey4} of its four distinguishing words, which the packet path computes without
 * writing a key at all; any other key as its forty bytes.
 */
export function hashFlowKey(key: Uint32Array, off: number, k0: number, k1: number): number {
  if (isFlowKey4(key, off)) return hashFlowKey4(key[off + 3]!, key[off + 7]!, key[off + 8]!, key[off + 9]!, k0, k1);
  return hashWordArray(key, off, FLOW_KEY_WORDS, k0, k1);
}

/**
 * Hashes an IPv4 flow key given by its four distinguishing words — endpoint A's address,
 * endpoint B's address, `portA << 16 | portB` and the protocol — as the 13-byte message of the
 * three words and the protocol byte (int32; equals {@link hashFlowKey} of the full IPv4 key).
 * Seven rounds; the packet path inlines it.
 */
export function hashFlowKey4(addrA: number, addrB: number, ports: number, proto: number, k0: number, k1: number): number {
  return hashWords3Byte(addrA, addrB, ports, proto, k0, k1);
}

/** Scratch key for {@link hashFlowMeta}; one per module, never handed out. */
const SCRATCH_KEY = new Uint32Array(FLOW_KEY_WORDS);

/**
 * Computes the direction-independent hash of the flow `meta` belongs to under `key` (int32), or
 * null when the packet is not IPv4/IPv6. Both directions of a flow give the same value.
 */
export function hashFlowMeta(meta: PacketMeta, key: HashKey): number | null {
  if (writeFlowKey(meta, SCRATCH_KEY, 0) < 0) return null;
  return hashFlowKey(SCRATCH_KEY, 0, key.k0, key.k1);
}
