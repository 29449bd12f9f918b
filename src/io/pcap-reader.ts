/**
 * Capture file reader for classic pcap and pcapng, built for replaying millions of packets.
 *
 * The file is read with synchronous, sequential `fs.readSync` calls in chunks (512 KiB by
 * default) into ONE buffer that is reused for the whole file: `next()` creates no object, closure or event per
 * packet. After `next()` returns true, the reader's public fields describe the current record
 * and `buf[offset … offset + capturedLength)` holds its bytes, valid until the following
 * `next()` call. A record that straddles the end of the buffered chunk is moved, with the rest
 * of the chunk, to the start of the buffer before the next read; the buffer grows only for a
 * record (or a parsed block) larger than it. Reads never name a file position and the reader
 * never seeks, so a pipe, a FIFO or standard input (`-`) reads like a file (`tcpdump -w - … |
 * portcullis replay -`); byte offsets in errors count the bytes consumed from the start.
 *
 * Formats:
 * - classic pcap (draft-ietf-opsawg-pcap §4 file header, §5 packet record), either byte order,
 *   microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic, plus the 24-byte records of
 *   the "modified" libpcap format (0xa1b2cd34);
 * - pcapng (draft-ietf-opsawg-pcapng): Section Header Blocks (§4.1, either byte order, several
 *   sections), Interface Description Blocks (§4.2, with `if_tsresol` and `if_tsoffset`),
 *   Enhanced Packet Blocks (§4.3), Simple Packet Blocks (§4.4) and the obsolete Packet Block
 *   (Appendix A). Every other block is skipped by its length, and options are skipped.
 *
 * A truncated or corrupt record raises a {@link CaptureError} naming its byte offset and the
 * number of packets read before it; it is raised from `next()` only when that record is
 * reached, so the packets before it stay valid. Only the file header is checked by `open()`.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CaptureError, CaptureFileError, errnoOf } from '../errors.js';
import {
  PCAP_FILE_HEADER_BYTES, PCAP_MAGIC_MICROSECONDS, PCAP_MAGIC_MODIFIED, PCAP_MAGIC_NANOSECONDS, PCAP_RECORD_HEADER_BYTES,
  PCAPNG_BLOCK_EPB, PCAPNG_BLOCK_IDB, PCAPNG_BLOCK_SHB, PCAPNG_BYTE_ORDER_MAGIC, pad4,
} from './pcap-format.js';


/** pcapng obsolete Packet Block type (Appendix A). */
export const PCAPNG_BLOCK_OPB = 0x00000002;
/** pcapng Simple Packet Block type (§4.4). */
export const PCAPNG_BLOCK_SPB = 0x00000003;
/** pcapng Name Resolution Block type (§4.5), skipped. */
export const PCAPNG_BLOCK_NRB = 0x00000004;
/** pcapng Interface Statistics Block type (§4.6), skipped. */
export const PCAPNG_BLOCK_ISB = 0x00000005;
/** pcapng Decryption Secrets Block type (§4.7), skipped. */
export const PCAPNG_BLOCK_DSB = 0x0000000a;
/** pcapng Custom Block types (§4.8), skipped. */
export const PCAPNG_BLOCK_CUSTOM = 0x00000bad;
export const PCAPNG_BLOCK_CUSTOM_NOCOPY = 0x40000bad;
/** pcapng option codes (§3.5, §4.2). */
export const PCAPNG_OPT_ENDOFOPT = 0;
export const PCAPNG_OPT_IF_TSRESOL = 9;
export const PCAPNG_OPT_IF_TSOFFSET = 14;

/**
 * Default read chunk: 512 KiB. Reading and walking the 2 M-packet replay benchmark's records
 * (198 MiB) takes the same time with 256 KiB, 1 MiB and 2 MiB chunks (65-75 ms, medians of six
 * interleaved runs; 16 MiB chunks are slower: the chunk has left the CPU's caches before its
 * packets are parsed). Two things pull in opposite directions. A bigger buffer costs more first
 * touches: on the project machines a page fault costs ~10 µs, and a replay with 2 MiB chunks
 * takes ~850 more faults than with 512 KiB (the process's CPU time is 20-40 ms higher). More reads
 * cost garbage: each `fs.readSync` call leaves ~490 bytes in the young generation (Node's argument
 * checks and binding call, measured with `getHeapSpaceStatistics`), ~190 KiB over the benchmark's
 * 400 reads, far from what a scavenge needs.
 */
export const PCAP_DEFAULT_CHUNK_BYTES = 512 * 1024;
/**
 * Default limit on a record's captured length: 256 KiB (libpcap's largest default snap
 * length). A file or interface whose snap length is larger raises the limit up to
 * {@link PCAP_SNAPLEN_CEILING_BYTES}.
 */
export const PCAP_DEFAULT_MAX_RECORD_BYTES = 256 * 1024;
/** A declared snap length above this does not raise the record limit (it is no real bound). */
export const PCAP_SNAPLEN_CEILING_BYTES = 64 * 1024 * 1024;
/** Room allowed for options after a pcapng packet's data. */
export const PCAPNG_MAX_PACKET_OPTIONS_BYTES = 64 * 1024;
/** Largest Section Header or Interface Description Block the reader parses. */
export const PCAPNG_MAX_HEADER_BLOCK_BYTES = 1024 * 1024;

/**
 * Latest capture time accepted: 9999-12-31 23:59:59 UTC, in seconds. Spec §1: a timestamp
 * outside the years 1970–9999 is a capture fault, never printed (IOS's clock and the debug
 * timestamp format hold no other years, and JavaScript dates end in 275760).
 */
export const PCAP_MAX_TIMESTAMP_SEC = 253402300799;

/** Which of the two container formats a capture file uses. */
export type CaptureFormat = 'pcap' | 'pcapng';

/** Tuning knobs of {@link PcapReader.open}. */
export interface PcapReaderOptions {
  /** Size of the read buffer and of each read, in bytes (default 2 MiB; minimum 64). */
  readonly chunkBytes?: number;
  /** Largest captured length accepted for one record, in bytes (default 256 KiB). */
  readonly maxRecordBytes?: number;
}

const MIN_CHUNK_BYTES = 64;
const TWO_POW_32 = 4294967296;
const US_PER_S = 1e6;
const NS_PER_S = 1e9;

/** Renders a 32-bit value as 0x-prefixed hex, for error messages. */
function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

/** Reads a capture file record by record into one reused buffer; see the module comment. */
export class PcapReader {
  /** File name as given to {@link PcapReader.open}, used in error messages (`-` is standard input). */
  readonly path: string;
  /** Container format, known from the magic number. */
  readonly format: CaptureFormat;
  /** Size of the file when it was opened, in bytes; 0 for a pipe, a FIFO or a device. */
  readonly fileSize: number;

  /** The reused buffer holding the current record (replaced only when it has to grow). */
  buf: Uint8Array;
  /** Offset of the current record's first captured byte in `buf`. */
  offset = 0;
  /** Bytes of the current record present in the file. */
  capturedLength = 0;
  /** Length of the packet on the wire, as the record states it. */
  originalLength = 0;
  /** Capture time in milliseconds since the epoch, with a sub-ms fraction (exact to the µs). */
  timestampMs = 0;
  /** Capture time, whole seconds since the epoch. */
  timestampSec = 0;
  /** Capture time, nanoseconds within the second (0 … 999 999 999). */
  timestampNs = 0;
  /** Link type of the current record (LINKTYPE_* value, lower 16 bits of the header field). */
  linkType = 0;
  /** pcapng interface the record was captured on (index within its section); 0 for classic pcap. */
  interfaceId = 0;
  /** Byte offset in the file of the current record (classic) or block (pcapng). */
  recordOffset = 0;
  /** Packets returned so far. */
  packets = 0;
  /** pcapng sections seen so far (0 for classic pcap). */
  sections = 0;
  /**
   * Packet records skipped because their timestamp lies outside 1970–9999 (pcapng only: a
   * classic record's unsigned 32-bit seconds always fall inside).
   */
  timestampFaults = 0;

  private readonly fd: number;
  private readonly maxRecordBytes: number;
  private dv: DataView;
  /** File offset of `buf[0]`. */
  private bufFilePos = 0;
  /** Valid bytes in `buf`. */
  private bufLen = 0;
  /** Parse cursor in `buf`. */
  private pos = 0;
  /** The last read hit the end of the file. */
  private eof = false;
  /** Multi-byte fields are little-endian. */
  private le = false;
  private closed = false;
  private failure: CaptureError | null = null;
  private readonly scratch = new Uint8Array(4);
  private readonly scratchView = new DataView(this.scratch.buffer);

  // Classic pcap.
  private recordHeaderBytes = PCAP_RECORD_HEADER_BYTES;
  private nanosecond = false;
  private classicLinkType = 0;
  private classicRecordLimit = 0;

  // pcapng interfaces of the current section, as parallel typed arrays indexed by interface ID.
  private ifCount = 0;
  private ifLinkType: Uint32Array = new Uint32Array(4);
  private ifSnapLen: Uint32Array = new Uint32Array(4);
  private ifRecordLimit: Float64Array = new Float64Array(4);
  /** Timestamp units per second (10^k or 2^k, at most 2^37: see `parseInterface`). */
  private ifUnitsPerSec: Float64Array = new Float64Array(4);
  /** ns = floor(rem * ifNsMul / ifNsDiv), chosen so that the product stays exact. */
  private ifNsMul: Float64Array = new Float64Array(4);
  private ifNsDiv: Float64Array = new Float64Array(4);
  /** `if_tsoffset`: seconds added to every timestamp of the interface. */
  private ifOffsetSec: Float64Array = new Float64Array(4);

  private constructor(path: string, fd: number, options: PcapReaderOptions) {
    this.path = path;
    this.fd = fd;
    const st = fstatSync(fd);
    this.fileSize = st.isFile() ? st.size : 0;
    const chunk = Math.max(MIN_CHUNK_BYTES, Math.floor(options.chunkBytes ?? PCAP_DEFAULT_CHUNK_BYTES));
    this.maxRecordBytes = Math.max(1, Math.floor(options.maxRecordBytes ?? PCAP_DEFAULT_MAX_RECORD_BYTES));
    this.buf = new Uint8Array(chunk);
    this.dv = new DataView(this.buf.buffer);
    if (!this.ensure(4)) throw this.fail(0, 'file too short for a capture file header');
    const magic = this.dv.getUint32(0, false);
    if (magic === PCAPNG_BLOCK_SHB) {
      this.format = 'pcapng';
      return;
    }
    this.format = 'pcap';
    this.parseClassicHeader(magic);
  }

  /**
   * Opens a capture file (`-` or `/dev/stdin`: standard input) and reads its file header. Throws
   * `CaptureError` for an unknown magic or a truncated/unsupported file header, and
   * `CaptureFileError` (with the errno) when the file cannot be opened or read.
   */
  static open(path: string, options: PcapReaderOptions = {}): PcapReader {
    let fd: number;
    // Standard input is read from descriptor 0 itself: reopening /dev/stdin fails (ENXIO) when
    // it is a socket, as Node's own child processes get.
    if (path === STDIN_PATH || path === '/dev/stdin') fd = 0;
    else {
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        const errno = errnoOf(e);
        if (errno === undefined) throw e;
        throw new CaptureFileError(path, errno, 'opening');
      }
    }
    try {
      return new PcapReader(path, fd, options);
    } catch (e) {
      if (fd !== 0) closeSync(fd);
      throw e;
    }
  }

  /** File offset up to which records have been consumed (for progress bars). */
  get bytesRead(): number {
    return this.bufFilePos + this.pos;
  }

  /**
   * Advances to the next packet record. Returns false at a clean end of file; throws
   * `CaptureError` at a truncated or corrupt record (and again on every later call).
   */
  next(): boolean {
    if (this.failure !== null) throw this.failure;
    if (this.closed) return false;
    return this.format === 'pcap' ? this.nextClassic() : this.nextPcapng();
  }

  /** Closes the file (standard input stays open). Idempotent; `next()` returns false afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== 0) closeSync(this.fd);
  }

  // ---------------------------------------------------------------------------------------
  // Buffer management

  /**
   * Makes at least `n` bytes available from the parse cursor, moving the unread tail to the
   * start of the buffer and reading more of the file as needed. Returns false if the file
   * ends first (the bytes that are there stay buffered).
   */
  private ensure(n: number): boolean {
    if (this.bufLen - this.pos >= n) return true;
    if (this.eof) return false;
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.bufLen);
      this.bufFilePos += this.pos;
      this.bufLen -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) this.grow(n);
    while (this.bufLen < n) {
      const got = this.read(this.buf, this.bufLen, this.buf.length - this.bufLen);
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.bufLen += got;
    }
    return true;
  }

  /**
   * One sequential read into `dst[off … off + len)`; returns the bytes read (0 at the end of
   * the file). A descriptor left non-blocking by whoever started the process (`EAGAIN`) is
   * waited on, 1 ms at a time; any other failure is a {@link CaptureFileError}.
   */
  private read(dst: Uint8Array, off: number, len: number): number {
    for (;;) {
      try {
        return readSync(this.fd, dst, off, len, null);
      } catch (e) {
        const errno = errnoOf(e);
        if (errno === undefined) throw e;
        if (errno !== 'EAGAIN') throw new CaptureFileError(this.path, errno, 'reading');
        Atomics.wait(waitCell(), 0, 0, 1);
      }
    }
  }

  /** Replaces the buffer by one of at least `n` bytes (rounded up to 64 KiB), keeping its contents. */
  private grow(n: number): void {
    const size = (Math.ceil(n / 65536) * 65536);
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.bufLen));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  /** Records a sticky CaptureError for the record at file offset `at` and returns it. */
  private fail(at: number, what: string): CaptureError {
    this.failure = new CaptureError(this.path, at, this.packets, what);
    return this.failure;
  }

  /** Sets the timestamp fields from whole seconds and nanoseconds (normalising ns ≥ 1e9). */
  private setTimestamp(sec: number, ns: number): void {
    if (ns >= NS_PER_S) {
      const carry = Math.floor(ns / NS_PER_S);
      sec += carry;
      ns -= carry * NS_PER_S;
    }
    this.timestampSec = sec;
    this.timestampNs = ns;
    // sec·1e6 + µs is an exact integer below 2^53, so one division gives the double nearest
    // the true millisecond value; a sub-µs remainder is added only when there is one.
    const us = Math.floor(ns / 1000);
    const subUs = ns - us * 1000;
    this.timestampMs = (sec * US_PER_S + us) / 1000 + (subUs === 0 ? 0 : subUs / 1e6);
  }

  // ---------------------------------------------------------------------------------------
  // Classic pcap (draft-ietf-opsawg-pcap)

  /** Parses the 24-byte file header (§4); the magic's byte order gives the file's. */
  private parseClassicHeader(magic: number): void {
    const swapped = ((magic & 0xff) << 24 | (magic & 0xff00) << 8 | (magic >>> 8) & 0xff00 | magic >>> 24) >>> 0;
    let m: number;
    if (magic === PCAP_MAGIC_MICROSECONDS || magic === PCAP_MAGIC_NANOSECONDS || magic === PCAP_MAGIC_MODIFIED) {
      this.le = false;
      m = magic;
    } else if (swapped === PCAP_MAGIC_MICROSECONDS || swapped === PCAP_MAGIC_NANOSECONDS || swapped === PCAP_MAGIC_MODIFIED) {
      this.le = true;
      m = swapped;
    } else {
      throw this.fail(0, `unknown magic number ${hex32(magic)} (neither pcap nor pcapng)`);
    }
    this.nanosecond = m === PCAP_MAGIC_NANOSECONDS;
    this.recordHeaderBytes = m === PCAP_MAGIC_MODIFIED ? 24 : PCAP_RECORD_HEADER_BYTES;
    if (!this.ensure(PCAP_FILE_HEADER_BYTES)) throw this.fail(0, 'truncated pcap file header');
    const major = this.dv.getUint16(4, this.le);
    if (major !== 2) throw this.fail(0, `unsupported pcap version ${major}.${this.dv.getUint16(6, this.le)}`);
    const snapLen = this.dv.getUint32(16, this.le);
    // §4: the lower 16 bits are the link type; the upper bits carry FCS information.
    this.classicLinkType = this.dv.getUint32(20, this.le) & 0xffff;
    this.classicRecordLimit = this.recordLimitFor(snapLen);
    this.linkType = this.classicLinkType;
    this.pos = PCAP_FILE_HEADER_BYTES;
  }

  /** The largest captured length accepted on a file or interface with this snap length. */
  private recordLimitFor(snapLen: number): number {
    return snapLen > this.maxRecordBytes && snapLen <= PCAP_SNAPLEN_CEILING_BYTES ? snapLen : this.maxRecordBytes;
  }

  /** Reads one classic packet record (§5). */
  private nextClassic(): boolean {
    const hdr = this.recordHeaderBytes;
    const at = this.bufFilePos + this.pos;
    if (!this.ensure(hdr)) {
      if (this.bufLen === this.pos) return false;
      throw this.fail(at, 'truncated packet record header');
    }
    const dv = this.dv;
    const le = this.le;
    const p = this.pos;
    const sec = dv.getUint32(p, le);
    const sub = dv.getUint32(p + 4, le);
    const cap = dv.getUint32(p + 8, le);
    const orig = dv.getUint32(p + 12, le);
    if (cap > this.classicRecordLimit) {
      throw this.fail(at, `captured length ${cap} above the limit of ${this.classicRecordLimit} bytes`);
    }
    if (!this.ensure(hdr + cap)) throw this.fail(at, 'truncated packet record');
    this.recordOffset = at;
    this.offset = this.pos + hdr;
    this.capturedLength = cap;
    this.originalLength = orig;
    this.linkType = this.classicLinkType;
    this.interfaceId = 0;
    if (!this.nanosecond && sub < US_PER_S) {
      // setTimestamp(sec, sub * 1000), shortened: whole µs, nothing to carry, no sub-µs part.
      this.timestampSec = sec;
      this.timestampNs = sub * 1000;
      this.timestampMs = (sec * US_PER_S + sub) / 1000;
    } else {
      this.setTimestamp(sec, this.nanosecond ? sub : sub * 1000);
    }
    this.pos += hdr + cap;
    this.packets++;
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // pcapng (draft-ietf-opsawg-pcapng)

  /** Reads blocks until a packet block (returns true) or a clean end of file (false). */
  private nextPcapng(): boolean {
    for (;;) {
      const at = this.bufFilePos + this.pos;
      // §3.1: every block is at least type + length + trailing length.
      if (!this.ensure(12)) {
        if (this.bufLen === this.pos) return false;
        throw this.fail(at, 'truncated block header');
      }
      const p = this.pos;
      const type = this.dv.getUint32(p, this.le);
      if (type === PCAPNG_BLOCK_SHB) {
        // §4.1: the byte-order magic decides how this section, including this block's length, reads.
        const bom = this.dv.getUint32(p + 8, true);
        if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else throw this.fail(at, `bad byte-order magic ${hex32(this.dv.getUint32(p + 8, false))} in Section Header Block`);
      }
      const len = this.dv.getUint32(p + 4, this.le);
      if (len < 12 || (len & 3) !== 0) throw this.fail(at, `block length ${len} is too small or not a multiple of 4`);
      switch (type) {
        case PCAPNG_BLOCK_EPB:
        case PCAPNG_BLOCK_OPB:
          if (this.readPacketBlock(type, len, at)) return true;
          break;
        case PCAPNG_BLOCK_SPB:
          this.readSimplePacketBlock(len, at);
          return true;
        case PCAPNG_BLOCK_SHB:
          this.readSectionHeader(len, at);
          break;
        case PCAPNG_BLOCK_IDB:
          this.readInterfaceDescription(len, at);
          break;
        default:
          this.skipBlock(len, at);
          break;
      }
    }
  }

  /** Buffers a whole block of `len` bytes and checks its trailing length (§3.1). */
  private loadBlock(len: number, at: number, what: string): void {
    if (!this.ensure(len)) throw this.fail(at, `truncated ${what}`);
    const trailer = this.dv.getUint32(this.pos + len - 4, this.le);
    if (trailer !== len) throw this.fail(at, `${what} trailing length ${trailer} does not match its length ${len}`);
  }

  /** Section Header Block (§4.1): starts a new section, whose interfaces start again at 0. */
  private readSectionHeader(len: number, at: number): void {
    if (len < 28) throw this.fail(at, `block length ${len} too small for a Section Header Block`);
    if (len > PCAPNG_MAX_HEADER_BLOCK_BYTES) throw this.fail(at, `Section Header Block length ${len} above the limit`);
    this.loadBlock(len, at, 'Section Header Block');
    const major = this.dv.getUint16(this.pos + 12, this.le);
    if (major !== 1) {
      throw this.fail(at, `unsupported pcapng version ${major}.${this.dv.getUint16(this.pos + 14, this.le)}`);
    }
    this.ifCount = 0;
    this.sections++;
    this.pos += len;
  }

  /**
   * Interface Description Block (§4.2): link type, snap length and the `if_tsresol` /
   * `if_tsoffset` options. Resolutions are supported down to 10^-11 s and 2^-32 s, where the
   * conversion to seconds + nanoseconds is still exact in doubles; finer ones are refused.
   */
  private readInterfaceDescription(len: number, at: number): void {
    if (this.sections === 0) throw this.fail(at, 'Interface Description Block before any Section Header Block');
    if (len < 20) throw this.fail(at, `block length ${len} too small for an Interface Description Block`);
    if (len > PCAPNG_MAX_HEADER_BLOCK_BYTES) throw this.fail(at, `Interface Description Block length ${len} above the limit`);
    this.loadBlock(len, at, 'Interface Description Block');
    const dv = this.dv;
    const le = this.le;
    const p = this.pos;
    const linkType = dv.getUint16(p + 8, le);
    const snapLen = dv.getUint32(p + 12, le);
    let tsresol = 6;
    let offsetSec = 0;
    const end = p + len - 4;
    let o = p + 16;
    while (o + 4 <= end) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === PCAPNG_OPT_ENDOFOPT) break;
      const v = o + 4;
      if (v + olen > end) throw this.fail(at, `option ${code} runs past the end of the Interface Description Block`);
      if (code === PCAPNG_OPT_IF_TSRESOL && olen >= 1) tsresol = this.buf[v]!;
      else if (code === PCAPNG_OPT_IF_TSOFFSET && olen >= 8) {
        const hi = le ? dv.getInt32(v + 4, true) : dv.getInt32(v, false);
        const lo = le ? dv.getUint32(v, true) : dv.getUint32(v + 4, false);
        offsetSec = hi * TWO_POW_32 + lo;
      }
      o = v + pad4(olen);
    }
    // §4.2 if_tsresol: most significant bit clear → 10^-k, set → 2^-k.
    const k = tsresol & 0x7f;
    let units: number;
    let mul: number;
    let div: number;
    if ((tsresol & 0x80) === 0) {
      if (k > 11) throw this.fail(at, `unsupported timestamp resolution 10^-${k} (finest supported: 10^-11)`);
      units = 10 ** k;
      if (k <= 9) { mul = 10 ** (9 - k); div = 1; } else { mul = 1; div = 10 ** (k - 9); }
    } else {
      if (k > 32) throw this.fail(at, `unsupported timestamp resolution 2^-${k} (finest supported: 2^-32)`);
      units = 2 ** k;
      // rem < 2^k: rem·1e9 is exact up to k = 23; beyond, 1e9 = 2^9·1953125 keeps it below 2^53.
      if (k <= 23) { mul = 1e9; div = units; } else { mul = 1953125; div = 2 ** (k - 9); }
    }
    const i = this.ifCount;
    if (i === this.ifLinkType.length) this.growInterfaces();
    this.ifLinkType[i] = linkType;
    this.ifSnapLen[i] = snapLen;
    this.ifRecordLimit[i] = this.recordLimitFor(snapLen);
    this.ifUnitsPerSec[i] = units;
    this.ifNsMul[i] = mul;
    this.ifNsDiv[i] = div;
    this.ifOffsetSec[i] = offsetSec;
    this.ifCount = i + 1;
    this.pos += len;
  }

  /** Doubles the capacity of the per-interface arrays. */
  private growInterfaces(): void {
    const n = this.ifLinkType.length * 2;
    const u32 = (a: Uint32Array): Uint32Array => { const b = new Uint32Array(n); b.set(a); return b; };
    const f64 = (a: Float64Array): Float64Array => { const b = new Float64Array(n); b.set(a); return b; };
    this.ifLinkType = u32(this.ifLinkType);
    this.ifSnapLen = u32(this.ifSnapLen);
    this.ifRecordLimit = f64(this.ifRecordLimit);
    this.ifUnitsPerSec = f64(this.ifUnitsPerSec);
    this.ifNsMul = f64(this.ifNsMul);
    this.ifNsDiv = f64(this.ifNsDiv);
    this.ifOffsetSec = f64(this.ifOffsetSec);
  }

  /**
   * Enhanced Packet Block (§4.3) or obsolete Packet Block (Appendix A, 16-bit interface ID
   * and drop count): same timestamp and length fields at the same offsets. Returns false, and
   * counts `timestampFaults`, for a packet whose timestamp lies outside 1970–9999: the record is
   * skipped, not returned.
   */
  private readPacketBlock(type: number, len: number, at: number): boolean {
    const what = type === PCAPNG_BLOCK_EPB ? 'Enhanced Packet Block' : 'Packet Block';
    if (len < 32) throw this.fail(at, `block length ${len} too small for an ${what}`);
    if (!this.ensure(28)) throw this.fail(at, `truncated ${what}`);
    const dv = this.dv;
    const le = this.le;
    let p = this.pos;
    const ifc = type === PCAPNG_BLOCK_EPB ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
    if (ifc >= this.ifCount) throw this.fail(at, `${what} names interface ${ifc}, but the section defines ${this.ifCount}`);
    const hi = dv.getUint32(p + 12, le);
    const lo = dv.getUint32(p + 16, le);
    const cap = dv.getUint32(p + 20, le);
    const orig = dv.getUint32(p + 24, le);
    const limit = this.ifRecordLimit[ifc]!;
    if (cap > limit) throw this.fail(at, `captured length ${cap} above the limit of ${limit} bytes`);
    const minLen = 32 + pad4(cap);
    if (minLen > len) throw this.fail(at, `captured length ${cap} runs past the end of the ${what} (length ${len})`);
    if (len - minLen > PCAPNG_MAX_PACKET_OPTIONS_BYTES) throw this.fail(at, `${what} length ${len} above the limit`);
    this.loadBlock(len, at, what);
    p = this.pos;
    this.recordOffset = at;
    this.offset = p + 28;
    this.capturedLength = cap;
    this.originalLength = orig;
    this.pos = p + len;
    if (!this.setUnitsTimestamp(ifc, hi, lo)) {
      this.timestampFaults++;
      return false;
    }
    this.interfaceId = ifc;
    this.linkType = this.ifLinkType[ifc]!;
    this.packets++;
    return true;
  }

  /**
   * Simple Packet Block (§4.4): no interface ID (it is interface 0), no captured length
   * (it is min(original length, snap length)) and no timestamp. Deliberate deviation: the
   * record keeps the previous packet's timestamp instead of reporting 0, so that a replay
   * clock never runs backwards to 1970.
   */
  private readSimplePacketBlock(len: number, at: number): void {
    if (len < 16) throw this.fail(at, `block length ${len} too small for a Simple Packet Block`);
    if (this.ifCount === 0) throw this.fail(at, 'Simple Packet Block, but the section defines no interface');
    if (!this.ensure(12)) throw this.fail(at, 'truncated Simple Packet Block');
    const orig = this.dv.getUint32(this.pos + 8, this.le);
    const snap = this.ifSnapLen[0]!;
    const cap = snap !== 0 && snap < orig ? snap : orig;
    const limit = this.ifRecordLimit[0]!;
    if (cap > limit) throw this.fail(at, `captured length ${cap} above the limit of ${limit} bytes`);
    if (16 + pad4(cap) > len) throw this.fail(at, `packet of ${cap} bytes runs past the end of the Simple Packet Block (length ${len})`);
    if (len - 16 - pad4(cap) > PCAPNG_MAX_PACKET_OPTIONS_BYTES) throw this.fail(at, `Simple Packet Block length ${len} above the limit`);
    this.loadBlock(len, at, 'Simple Packet Block');
    this.recordOffset = at;
    this.offset = this.pos + 12;
    this.capturedLength = cap;
    this.originalLength = orig;
    this.interfaceId = 0;
    this.linkType = this.ifLinkType[0]!;
    this.pos += len;
    this.packets++;
  }

  /**
   * Converts a 64-bit timestamp in the interface's units to seconds + nanoseconds without
   * BigInt: long division of hi·2^32 + lo by the units per second, 16 bits at a time, which
   * keeps every intermediate below 2^53 for units up to 2^37. Returns false, setting nothing,
   * when the time lies outside 1970–9999 ({@link PCAP_MAX_TIMESTAMP_SEC}).
   */
  private setUnitsTimestamp(ifc: number, hi: number, lo: number): boolean {
    const u = this.ifUnitsPerSec[ifc]!;
    const qHi = Math.floor(hi / u);
    let r = hi - qHi * u;
    let t = r * 65536 + (lo >>> 16);
    let q1 = Math.floor(t / u);
    r = t - q1 * u;
    if (r < 0) { q1--; r += u; }
    t = r * 65536 + (lo & 0xffff);
    let q2 = Math.floor(t / u);
    r = t - q2 * u;
    if (r < 0) { q2--; r += u; }
    const sec = qHi * TWO_POW_32 + q1 * 65536 + q2 + this.ifOffsetSec[ifc]!;
    if (!(sec >= 0 && sec <= PCAP_MAX_TIMESTAMP_SEC)) return false;
    this.setTimestamp(sec, Math.floor(r * this.ifNsMul[ifc]! / this.ifNsDiv[ifc]!));
    return true;
  }

  /**
   * Skips a block the reader does not interpret (NRB, ISB, DSB, custom, unknown) by its length,
   * after checking its trailing length. A block larger than the buffered data is not kept:
   * the rest of its body is read through the buffer and dropped, and its trailing length is
   * read on its own (no seek, so that pipes work).
   */
  private skipBlock(len: number, at: number): void {
    const buffered = this.bufLen - this.pos;
    if (buffered >= len) {
      const trailer = this.dv.getUint32(this.pos + len - 4, this.le);
      if (trailer !== len) throw this.fail(at, `block trailing length ${trailer} does not match its length ${len}`);
      this.pos += len;
      return;
    }
    const truncated = (): CaptureError =>
      this.fail(at, `truncated block (type ${hex32(this.dv.getUint32(this.pos, this.le))}, length ${len})`);
    // The trailing length's bytes that are already buffered (the block's last four, if any).
    let have = Math.max(0, buffered - (len - 4));
    this.scratch.set(this.buf.subarray(this.pos + buffered - have, this.pos + buffered), 0);
    let discard = len - 4 - (buffered - have);
    while (discard > 0) {
      const got = this.read(this.buf, 0, Math.min(discard, this.buf.length));
      if (got === 0) throw truncated();
      discard -= got;
    }
    while (have < 4) {
      const got = this.read(this.scratch, have, 4 - have);
      if (got === 0) throw truncated();
      have += got;
    }
    const trailer = this.scratchView.getUint32(0, this.le);
    if (trailer !== len) throw this.fail(at, `block trailing length ${trailer} does not match its length ${len}`);
    this.bufFilePos = at + len;
    this.bufLen = 0;
    this.pos = 0;
  }
}

/** The path that names standard input. */
export const STDIN_PATH = '-';

let waitArray: Int32Array | null = null;
/** A cell for `Atomics.wait` to sleep on (made on first use: only a non-blocking input needs it). */
function waitCell(): Int32Array {
  return waitArray ??= new Int32Array(new SharedArrayBuffer(4));
}
