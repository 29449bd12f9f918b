/**
 * The on-disk encoding of capture files, in one place: the classic pcap file header and packet
 * record header (draft-ietf-opsawg-pcap §4, §5) and the pcapng block frame, Section Header,
 * Interface Description and Enhanced Packet Blocks and options (draft-ietf-opsawg-pcapng §3,
 * §4.1–§4.3). `PcapWriter`, the golden-capture builder, the benchmark's capture generator and
 * the test builder all write through these functions; `PcapReader` reads what they describe.
 *
 * Each function writes fixed-size fields into a DataView at an offset, in the byte order asked
 * for, and returns the number of bytes written; none allocates, so the writers can use them per
 * packet.
 */

/** Classic pcap magic, microsecond timestamps (draft-ietf-opsawg-pcap §4). */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
/** Classic pcap magic, nanosecond timestamps (draft-ietf-opsawg-pcap §4). */
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
/** Magic of the "modified" (Kuznetzov) libpcap format, whose packet records are 24 bytes. */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
/** Classic pcap file header length in bytes. */
export const PCAP_FILE_HEADER_BYTES = 24;
/** Classic pcap packet record header length in bytes. */
export const PCAP_RECORD_HEADER_BYTES = 16;

/** pcapng Section Header Block type; a palindrome, so it reads the same in both byte orders (§4.1). */
export const PCAPNG_BLOCK_SHB = 0x0a0d0d0a;
/** pcapng Interface Description Block type (§4.2). */
export const PCAPNG_BLOCK_IDB = 0x00000001;
/** pcapng Enhanced Packet Block type (§4.3). */
export const PCAPNG_BLOCK_EPB = 0x00000006;
/** pcapng byte-order magic in the Section Header Block (§4.1). */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Bytes of a pcapng block's frame: type and length before the body, length again after it (§3.1). */
export const PCAPNG_BLOCK_FRAME_BYTES = 12;
/** Body bytes of a Section Header Block without options (§4.1). */
export const PCAPNG_SHB_BODY_BYTES = 16;
/** Body bytes of an Interface Description Block without options (§4.2). */
export const PCAPNG_IDB_BODY_BYTES = 8;
/** Body bytes of an Enhanced Packet Block before the packet data (§4.3). */
export const PCAPNG_EPB_HEADER_BYTES = 20;

/** Rounds a length up to the next multiple of 4 (pcapng pads to 32 bits, §3.1). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Writes a classic file header (§4): magic, version 2.4, zero reserved fields, snap length and
 * the link-type field (its upper bits carry FCS information, §4).
 */
export function writePcapFileHeader(dv: DataView, at: number, le: boolean, magic: number, snapLength: number, linkTypeField: number): number {
  dv.setUint32(at, magic, le);
  dv.setUint16(at + 4, 2, le);
  dv.setUint16(at + 6, 4, le);
  dv.setUint32(at + 8, 0, le);
  dv.setUint32(at + 12, 0, le);
  dv.setUint32(at + 16, snapLength >>> 0, le);
  dv.setUint32(at + 20, linkTypeField >>> 0, le);
  return PCAP_FILE_HEADER_BYTES;
}

/**
 * Writes a classic packet record header (§5) with the fields exactly as given: seconds, the
 * sub-second field (µs or ns by the file's magic), captured and original length. A writer
 * normalises the time first ({@link normalizePcapTime}): readers differ on a sub-second field
 * of a whole second or more (ours carries it, tcpdump prints it as it is).
 */
export function writePcapRecordHeader(dv: DataView, at: number, le: boolean, sec: number, sub: number, captured: number, original: number): number {
  dv.setUint32(at, sec >>> 0, le);
  dv.setUint32(at + 4, sub >>> 0, le);
  dv.setUint32(at + 8, captured >>> 0, le);
  dv.setUint32(at + 12, original >>> 0, le);
  return PCAP_RECORD_HEADER_BYTES;
}

/** The normalised time {@link normalizePcapTime} leaves: whole seconds and the sub-second field. */
export const pcapTime = { sec: 0, sub: 0 };

/**
 * Normalises a record time into {@link pcapTime}: a sub-second field of `unitsPerSec` or more
 * carries into the seconds, so that it stays below 1,000,000 (µs) or 1,000,000,000 (ns) as §5
 * requires; a time before 1970 becomes 0 and one past 2106 the last second the 32-bit field
 * holds (with a sub-second field of 0 and of `unitsPerSec - 1`); NaN becomes 0.
 */
export function normalizePcapTime(sec: number, sub: number, unitsPerSec: number): void {
  sec = Math.floor(sec);
  sub = Math.floor(sub);
  if (!(sub >= 0)) sub = 0;
  if (sub >= unitsPerSec) {
    const carry = Math.floor(sub / unitsPerSec);
    sec += carry;
    sub -= carry * unitsPerSec;
  }
  if (!(sec >= 0)) { sec = 0; sub = 0; } else if (sec > 0xffffffff) { sec = 0xffffffff; sub = unitsPerSec - 1; }
  pcapTime.sec = sec;
  pcapTime.sub = sub;
}

/**
 * Writes a pcapng block's frame around a body of `bodyLength` bytes already at `at + 8` (or
 * written after): block type, total length, and the total length again after the body padded to
 * 32 bits (§3.1). The padding bytes are not written. Returns the block's total length.
 */
export function writePcapngBlockFrame(dv: DataView, at: number, le: boolean, type: number, bodyLength: number): number {
  const total = PCAPNG_BLOCK_FRAME_BYTES + pad4(bodyLength);
  dv.setUint32(at, type >>> 0, le);
  dv.setUint32(at + 4, total, le);
  dv.setUint32(at + total - 4, total, le);
  return total;
}

/** Writes a Section Header Block's fixed body (§4.1): byte-order magic, version 1.0, section length unknown (-1). */
export function writePcapngSectionHeaderBody(dv: DataView, at: number, le: boolean): number {
  dv.setUint32(at, PCAPNG_BYTE_ORDER_MAGIC, le);
  dv.setUint16(at + 4, 1, le);
  dv.setUint16(at + 6, 0, le);
  dv.setInt32(at + 8, -1, le);
  dv.setInt32(at + 12, -1, le);
  return PCAPNG_SHB_BODY_BYTES;
}

/** Writes an Interface Description Block's fixed body (§4.2): link type, reserved, snap length. */
export function writePcapngInterfaceBody(dv: DataView, at: number, le: boolean, linkType: number, snapLength: number): number {
  dv.setUint16(at, linkType & 0xffff, le);
  dv.setUint16(at + 2, 0, le);
  dv.setUint32(at + 4, snapLength >>> 0, le);
  return PCAPNG_IDB_BODY_BYTES;
}

/**
 * Writes the fixed part of an Enhanced Packet Block's body (§4.3): interface ID, the 64-bit
 * timestamp as two 32-bit words, upper first (each in the section's byte order), captured and
 * original length. The packet data follows at `at + 20`.
 */
export function writePcapngPacketHeader(
  dv: DataView, at: number, le: boolean, interfaceId: number, tsHigh: number, tsLow: number, captured: number, original: number,
): number {
  dv.setUint32(at, interfaceId >>> 0, le);
  dv.setUint32(at + 4, tsHigh >>> 0, le);
  dv.setUint32(at + 8, tsLow >>> 0, le);
  dv.setUint32(at + 12, captured >>> 0, le);
  dv.setUint32(at + 16, original >>> 0, le);
  return PCAPNG_EPB_HEADER_BYTES;
}

/** Writes an option's code and length (§3.5); its value follows at `at + 4`, padded to 32 bits. Returns 4. */
export function writePcapngOptionHeader(dv: DataView, at: number, le: boolean, code: number, length: number): number {
  dv.setUint16(at, code & 0xffff, le);
  dv.setUint16(at + 2, length & 0xffff, le);
  return 4;
}
