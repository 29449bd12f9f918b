/**
 * SYN cookies (RFC 4987 §3.6; the scheme of Linux's net/ipv4/syncookies.c in outline): under a
 * SYN flood the endpoint answers a SYN with a SYN-ACK whose sequence number encodes what it
 * would have kept, and keeps nothing; the client's ACK of that number brings it back, and only
 * then is a connection created.
 *
 * Our ISS is the cookie, a 32-bit word:
 *
 *     bits 31-30  the low two bits of a coarse clock, t = ⌊nowMs / 60 s⌋
 *     bits 29-28  the index of the client's MSS in a table of four (what is kept of its options)
 *     bits 27-0   a MAC: the project's keyed hash (src/table/keyed-hash.ts) of the 4-tuple, the
 *                 client's ISN, t and the MSS index, under a key derived from the process's key
 *
 * A cookie is accepted while t is the current or the previous minute (so for 60–120 s), with a
 * 28-bit MAC: a blind attacker guesses one in 2^28 tries. Everything else the SYN offered is
 * lost in cookie mode: window scaling (RFC 7323 §2), SACK-permitted (RFC 2018) and timestamps
 * (RFC 7323 §3) are not answered (Linux recovers them through the timestamp option's low bits;
 * this endpoint does not), our window is announced unscaled (at most 65,535 bytes) and the
 * client's MSS is rounded down to a table entry.
 */
import type { PacketMeta } from '../wire/packet.js';
import { hashWord, hashWordArray } from '../table/keyed-hash.js';
import type { HashKey } from '../table/keyed-hash.js';

/** Length of the cookie clock's tick. */
export const SYN_COOKIE_TICK_MS = 60_000;
/** Client MSS values a cookie can carry, IPv4 (Linux's table: the common values). */
export const SYN_COOKIE_MSS_V4: readonly number[] = [536, 1300, 1440, 1460];
/** Client MSS values a cookie can carry, IPv6 (the IPv4 values less 20 bytes of larger header, 1220 the minimum). */
export const SYN_COOKIE_MSS_V6: readonly number[] = [1220, 1280, 1420, 1440];

const MAC_MASK = 0x0fffffff;
/** Domain separation: the cookie key is the process key's hash of these words. */
const KEY_LABEL_0 = 0x636f6f6b; // 'cook'
const KEY_LABEL_1 = 0x69657321; // 'ies!'

/** Makes and checks SYN cookies; allocation-free per segment. */
export class SynCookies {
  private readonly k0: number;
  private readonly k1: number;
  private readonly words = new Uint32Array(12);

  constructor(key: HashKey) {
    this.k0 = hashWord(KEY_LABEL_0, key.k0, key.k1) >>> 0;
    this.k1 = hashWord(KEY_LABEL_1, key.k0, key.k1) >>> 0;
  }

  /** The index of the largest table MSS not above `mss` (0 when none is). */
  static mssIndex(mss: number, v6: boolean): number {
    const table = v6 ? SYN_COOKIE_MSS_V6 : SYN_COOKIE_MSS_V4;
    let i = 3;
    while (i > 0 && table[i]! > mss) i--;
    return i;
  }

  /** The MSS a cookie's index stands for. */
  static mssOf(index: number, v6: boolean): number {
    return (v6 ? SYN_COOKIE_MSS_V6 : SYN_COOKIE_MSS_V4)[index & 3]!;
  }

  /**
   * The cookie for the SYN `meta` (client = source) at `nowMs`, carrying MSS index `mssIndex`:
   * our ISS for the stateless SYN-ACK.
   */
  make(meta: PacketMeta, mssIndex: number, nowMs: number): number {
    const t = Math.floor(nowMs / SYN_COOKIE_TICK_MS);
    const mac = this.mac(meta, (meta.seq >>> 0), t, mssIndex);
    return (((t & 3) << 30) | ((mssIndex & 3) << 28) | (mac & MAC_MASK)) >>> 0;
  }

  /**
   * Checks the ACK `meta` (client = source) against the cookie it acknowledges (SEG.ACK − 1)
   * at `nowMs`: returns the MSS index the cookie carries, or -1 when it is no cookie of ours,
   * or one older than the previous clock tick.
   */
  check(meta: PacketMeta, nowMs: number): number {
    const cookie = ((meta.ack >>> 0) - 1) >>> 0;
    const clientIsn = ((meta.seq >>> 0) - 1) >>> 0;
    const tNow = Math.floor(nowMs / SYN_COOKIE_TICK_MS);
    const tBits = cookie >>> 30;
    const mssIndex = (cookie >>> 28) & 3;
    for (let age = 0; age < 2; age++) {
      const t = tNow - age;
      if ((t & 3) !== tBits) continue;
      if ((this.mac(meta, clientIsn, t, mssIndex) & MAC_MASK) === (cookie & MAC_MASK)) return mssIndex;
    }
    return -1;
  }

  private mac(meta: PacketMeta, clientIsn: number, t: number, mssIndex: number): number {
    const w = this.words;
    for (let i = 0; i < 4; i++) {
      w[i] = meta.srcAddr[i]!;
      w[4 + i] = meta.dstAddr[i]!;
    }
    w[8] = ((meta.srcPort << 16) | meta.dstPort) >>> 0;
    w[9] = clientIsn;
    w[10] = t >>> 0;
    w[11] = mssIndex;
    return hashWordArray(w, 0, 12, this.k0, this.k1);
  }
}
