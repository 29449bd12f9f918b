/**
 * The sequence state the flow table keeps per TCP flow so that the tracker can tell a reset
 * inside the connection's window from a blind one (RFC 5961 §3), after Linux conntrack's
 * `tcp_in_window` (net/netfilter/nf_conntrack_proto_tcp.c: `td_end`, `td_maxwin`, `td_scale`).
 *
 * Per direction the record holds:
 * - the end of the sequence space that direction has sent (conntrack's `td_end`): the highest
 *   `SEG.SEQ + SEG.LEN` seen, SYN and FIN counting one each (RFC 9293 §3.4), in one 32-bit word
 *   of the record (`ends[at + dir]`);
 * - its window scale shift (RFC 7323 §2.2: used only when both SYNs carried the option), 4 bits
 *   of the record's info word;
 * - whether the direction has sent a tracked segment at all (1 bit).
 *
 * A RST sent in direction `d` is inside the window when its sequence number is less than the
 * largest window the receiver can advertise away from `d`'s end, on either side:
 * `|SEG.SEQ − end[d]| < 65536 << scale[receiver]`. The receiver's RCV.NXT lies at or below
 * `end[d]` and its window above RCV.NXT, so this holds for every reset RFC 9293 §3.10.7.4 finds
 * acceptable.
 *
 * Deliberate deviations (all on the side of accepting, so a real reset is not refused):
 * - the window bound is the largest window the receiver's scale allows, not the largest it has
 *   advertised (conntrack's `td_maxwin`): learning that costs work on every segment, and a busy
 *   connection's window grows to near this bound anyway. The bound lies on both sides of the
 *   end, where conntrack's runs exactly from `td_end − td_maxwin` to `td_maxend`;
 * - a flow picked up mid-stream (its SYNs not seen) assumes the largest scale shift, 14
 *   (RFC 7323 §2.3), for both directions, and learns each direction's end from the first
 *   segments it sends, like conntrack's loose pickup (`tcp_in_window` initialising a sender
 *   whose `td_maxwin` is 0 from a non-SYN segment). Until both directions have sent a segment,
 *   a RST is accepted unchecked: nothing is known to check it against;
 * - a RST from the responder while the responder has sent nothing (the answer to the SYN) is
 *   accepted when it acknowledges the SYN (RFC 9293 §3.10.7.3, SYN-SENT: `SEG.ACK = ISS + 1`),
 *   as conntrack's "RST sent answering SYN" case.
 *
 * Pure functions on the info word and the record's words; nothing allocates or throws.
 */
import type { PacketMeta } from '../wire/packet.js';
import { TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_SYN } from '../wire/packet.js';
import { TCP_CT_SYN_SENT, TCP_SEG_RST, TCP_SEG_RST_OUT } from './tcp-tracker.js';

/** Info bit: direction 0 has sent a tracked segment (`<< dir` for direction 1). */
const SEEN = 1 << 8;
/** Info bits of the window scale shift of direction `dir`: `(info >>> (SCALE_SHIFT + 4 * dir)) & 0xf`. */
const SCALE_SHIFT = 20;
const SCALE_MASK = 0xf;
/** Info bit: the originator's SYN carried the window scale option. */
const SCALE_OFFERED = 1 << 28;
/** Largest window scale shift (RFC 7323 §2.3). */
const MAX_SCALE = 14;
/** Scale bits of both directions. */
const SCALES = (SCALE_MASK << SCALE_SHIFT) | (SCALE_MASK << (SCALE_SHIFT + 4));

/** The info-word bits this module owns (8, 9 and 20..28); the flow table keeps its own bits outside them. */
export const TCP_WINDOW_INFO_BITS = 0x1ff00300;

/** Info bits of a flow picked up mid-stream: both scale shifts unknown, so the largest is assumed. */
export function tcpWindowPickup(info: number): number {
  return (info & ~SCALES) | (MAX_SCALE << SCALE_SHIFT) | (MAX_SCALE << (SCALE_SHIFT + 4));
}

/**
 * Learns from a segment sent in direction `dir` that the tracker accepted (not a RST): moves
 * `ends[at + dir]` to the segment's end if it is later (or if nothing was known; a SYN restarts
 * the direction's sequence space) and takes the window scale from SYN options. Returns the new
 * info word.
 */
export function learnTcpSegment(info: number, dir: number, meta: PacketMeta, ends: Uint32Array, at: number): number {
  const flags = meta.tcpFlags;
  const i = at + dir;
  const seen = SEEN << dir;
  if ((flags & TCP_FLAG_SYN) === 0) {
    // The common case, kept short: it runs for every tracked segment.
    const end = (meta.seq + meta.payloadLength + (flags & TCP_FLAG_FIN)) >>> 0;
    if ((info & seen) === 0 || ((end - ends[i]!) | 0) > 0) ends[i] = end;
    return info | seen;
  }
  const ws = meta.tcpWindowScale;
  const s = ws > MAX_SCALE ? MAX_SCALE : ws;
  if (dir === 0) {
    // A (re)opening SYN starts the flow's sequence state afresh.
    info = (info & ~TCP_WINDOW_INFO_BITS) | (ws >= 0 ? SCALE_OFFERED | (s << SCALE_SHIFT) : 0);
  } else if (ws >= 0 && (info & SCALE_OFFERED) !== 0) {
    info = (info & ~(SCALE_MASK << (SCALE_SHIFT + 4))) | (s << (SCALE_SHIFT + 4));
  } else {
    info &= ~SCALES;
  }
  ends[i] = (meta.seq + meta.payloadLength + (flags & TCP_FLAG_FIN) + 1) >>> 0;
  return info | seen;
}

/**
 * Classifies a RST sent in direction `dir` on a flow in tracker state `state`: `TCP_SEG_RST`
 * when it is inside the tracked window (or nothing is known to check it against, see the
 * module comment), else `TCP_SEG_RST_OUT`.
 */
export function classifyTcpReset(info: number, dir: number, state: number, meta: PacketMeta,
  ends: Uint32Array, at: number): number {
  if ((info & (SEEN << dir)) === 0) {
    // The responder answering the originator's SYN: it must acknowledge the SYN.
    if (dir === 1 && state === TCP_CT_SYN_SENT && (info & SEEN) !== 0) {
      return (meta.tcpFlags & TCP_FLAG_ACK) !== 0 && meta.ack === ends[at] ? TCP_SEG_RST : TCP_SEG_RST_OUT;
    }
    return TCP_SEG_RST;
  }
  const r = dir ^ 1;
  if ((info & (SEEN << r)) === 0) return TCP_SEG_RST;
  const diff = (meta.seq - ends[at + dir]!) | 0;
  const exp = 16 + ((info >>> (SCALE_SHIFT + 4 * r)) & SCALE_MASK);
  return (diff < 0 ? -diff : diff) < (1 << exp) ? TCP_SEG_RST : TCP_SEG_RST_OUT;
}
