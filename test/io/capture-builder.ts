/**
 * Test helper: builds classic pcap and pcapng files, and lists what a reader must report for
 * each record (timestamps computed with BigInt, offsets counted as the bytes are laid down),
 * independently of the reader under test. Headers are laid down by the project's one encoder
 * (src/io/pcap-format.ts), which tcpdump and pcap-parser check independently.
 */
import {
  PCAP_FILE_HEADER_BYTES, PCAP_MAGIC_MICROSECONDS, PCAP_MAGIC_MODIFIED, PCAP_MAGIC_NANOSECONDS, PCAP_RECORD_HEADER_BYTES,
  PCAPNG_BLOCK_EPB, PCAPNG_BLOCK_IDB, PCAPNG_BLOCK_SHB, PCAPNG_EPB_HEADER_BYTES, PCAPNG_IDB_BODY_BYTES, PCAPNG_SHB_BODY_BYTES,
  writePcapFileHeader, writePcapngInterfaceBody, writePcapngOptionHeader, writePcapngPacketHeader,
  writePcapngSectionHeaderBody, writePcapRecordHeader,
} from '../../src/io/pcap-format.js';

/** What a reader must report for one packet record. */
export interface ExpectedRecord {
  readonly data: Uint8Array;
  readonly originalLength: number;
  readonly sec: number;
  readonly ns: number;
  readonly linkType: number;
  readonly interfaceId: number;
  readonly recordOffset: number;
}

/** A block or record laid down in the file: where it starts and ends, and whether it is a packet. */
export interface Extent {
  readonly start: number;
  readonly end: number;
  readonly packet: boolean;
}

/** A built capture: its bytes, the records a reader must return, and every block's extent. */
export interface BuiltCapture {
  readonly bytes: Uint8Array;
  readonly expected: ExpectedRecord[];
  /** Extents in file order; the file header (classic) counts as a non-packet extent. */
  readonly extents: Extent[];
}

/** Growable byte sink with explicit byte order. */
class Sink {
  private readonly out: number[] = [];
  constructor(public le: boolean) {}
  get length(): number { return this.out.length; }
  u8(v: number): void { this.out.push(v & 0xff); }
  u16(v: number): void {
    if (this.le) this.out.push(v & 0xff, (v >>> 8) & 0xff);
    else this.out.push((v >>> 8) & 0xff, v & 0xff);
  }
  u32(v: number): void {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    if (this.le) b.reverse();
    this.out.push(...b);
  }
  u64(v: bigint): void {
    const hi = Number((v >> 32n) & 0xffffffffn);
    const lo = Number(v & 0xffffffffn);
    if (this.le) { this.u32(lo); this.u32(hi); } else { this.u32(hi); this.u32(lo); }
  }
  bytes(b: Uint8Array | readonly number[]): void { for (const x of b) this.out.push(x & 0xff); }
  pad4(fill = 0): void { while (this.out.length % 4 !== 0) this.out.push(fill); }
  /** Overwrites a 32-bit field at `at` (for lengths known only after the body). */
  patch32(at: number, v: number): void {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    if (this.le) b.reverse();
    for (let i = 0; i < 4; i++) this.out[at + i] = b[i]!;
  }
  toBytes(): Uint8Array { return Uint8Array.from(this.out); }
  /** Appends `n` bytes laid down by one of the shared encoders (src/io/pcap-format.ts). */
  encode(n: number, write: (dv: DataView, at: number, le: boolean) => void): void {
    const b = new Uint8Array(n);
    write(new DataView(b.buffer), 0, this.le);
    this.bytes(b);
  }
}

/** Deterministic packet bytes: `len` bytes derived from `seed`. */
export function packetBytes(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** One classic record to lay down. `sub` is µs or ns according to the file. */
export interface ClassicRecordSpec {
  readonly sec: number;
  readonly sub: number;
  readonly data: Uint8Array;
  readonly originalLength?: number;
}

/** Builds a classic pcap file (draft-ietf-opsawg-pcap §4–§5). */
export function buildClassic(o: {
  le: boolean; nanosecond: boolean; linkType: number; snapLen?: number; modified?: boolean;
  linkTypeHighBits?: number; records: readonly ClassicRecordSpec[];
}): BuiltCapture {
  const s = new Sink(o.le);
  const magic = o.modified === true ? PCAP_MAGIC_MODIFIED : o.nanosecond ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS;
  s.encode(PCAP_FILE_HEADER_BYTES, (dv, at, le) =>
    writePcapFileHeader(dv, at, le, magic, o.snapLen ?? 262144, ((o.linkTypeHighBits ?? 0) | o.linkType) >>> 0));
  const expected: ExpectedRecord[] = [];
  const extents: Extent[] = [{ start: 0, end: 24, packet: false }];
  for (const r of o.records) {
    const start = s.length;
    // The fields as given (no normalisation): reader tests lay down exactly what they test.
    s.encode(PCAP_RECORD_HEADER_BYTES, (dv, at, le) =>
      writePcapRecordHeader(dv, at, le, r.sec, r.sub, r.data.length, r.originalLength ?? r.data.length));
    if (o.modified === true) { s.u32(7); s.u16(0x0800); s.u8(0); s.u8(0); }
    s.bytes(r.data);
    const nsTotal = BigInt(r.sub) * (o.nanosecond && o.modified !== true ? 1n : 1000n);
    expected.push({
      data: r.data, originalLength: r.originalLength ?? r.data.length,
      sec: r.sec + Number(nsTotal / 1_000_000_000n), ns: Number(nsTotal % 1_000_000_000n),
      linkType: o.linkType, interfaceId: 0, recordOffset: start,
    });
    extents.push({ start, end: s.length, packet: true });
  }
  return { bytes: s.toBytes(), expected, extents };
}

/** A pcapng option: code and raw value (padded by the builder). */
export interface OptionSpec { readonly code: number; readonly value: Uint8Array | readonly number[] }

/** A pcapng block to lay down inside a section. */
export type BlockSpec =
  | { kind: 'idb'; linkType: number; snapLen: number; tsresol?: number; tsoffsetSec?: number; options?: OptionSpec[] }
  | { kind: 'epb'; ifc: number; ts: bigint; data: Uint8Array; originalLength?: number; options?: OptionSpec[] }
  | { kind: 'opb'; ifc: number; ts: bigint; data: Uint8Array; originalLength?: number }
  | { kind: 'spb'; packet: Uint8Array }
  | { kind: 'raw'; type: number; body: Uint8Array };

/** A pcapng section: byte order, SHB options, blocks. */
export interface SectionSpec {
  readonly le: boolean;
  readonly shbOptions?: OptionSpec[];
  readonly blocks: readonly BlockSpec[];
}

/** 9999-12-31T23:59:59Z in seconds since the epoch. */
const LAST_SECOND_OF_9999 = BigInt(Date.UTC(9999, 11, 31, 23, 59, 59) / 1000);

interface IfState { linkType: number; snapLen: number; unitsPerSec: bigint; offsetSec: bigint }

function writeOptions(s: Sink, opts: readonly OptionSpec[] | undefined): void {
  if (opts === undefined || opts.length === 0) return;
  for (const o of opts) {
    s.encode(4, (dv, at, le) => writePcapngOptionHeader(dv, at, le, o.code, o.value.length));
    s.bytes(o.value); s.pad4();
  }
  s.u16(0); s.u16(0);
}

/** Builds a pcapng file (draft-ietf-opsawg-pcapng §3–§4) from sections of blocks. */
export function buildPcapng(sections: readonly SectionSpec[]): BuiltCapture {
  // Sections may differ in byte order, so each is laid down in its own sink and concatenated.
  const parts: Uint8Array[] = [];
  const expected: ExpectedRecord[] = [];
  const extents: Extent[] = [];
  let base = 0;
  let lastSec = 0;
  let lastNs = 0;
  for (const sec of sections) {
    const s = new Sink(sec.le);
    const ifs: IfState[] = [];
    const block = (type: number, body: (s: Sink) => void, packet: boolean): number => {
      const start = s.length;
      s.u32(type); s.u32(0);
      body(s);
      s.pad4();
      const len = s.length - start + 4;
      s.u32(len);
      s.patch32(start + 4, len);
      extents.push({ start: base + start, end: base + s.length, packet });
      return base + start;
    };
    block(PCAPNG_BLOCK_SHB, (t) => {
      t.encode(PCAPNG_SHB_BODY_BYTES, writePcapngSectionHeaderBody);
      writeOptions(t, sec.shbOptions);
    }, false);
    for (const b of sec.blocks) {
      switch (b.kind) {
        case 'idb': {
          const opts: OptionSpec[] = [...(b.options ?? [])];
          if (b.tsresol !== undefined) opts.push({ code: 9, value: [b.tsresol] });
          if (b.tsoffsetSec !== undefined) {
            const t = new Sink(sec.le); t.u64(BigInt.asUintN(64, BigInt(b.tsoffsetSec)));
            opts.push({ code: 14, value: t.toBytes() });
          }
          block(PCAPNG_BLOCK_IDB, (t) => {
            t.encode(PCAPNG_IDB_BODY_BYTES, (dv, at, le) => writePcapngInterfaceBody(dv, at, le, b.linkType, b.snapLen));
            writeOptions(t, opts);
          }, false);
          const r = b.tsresol ?? 6;
          ifs.push({
            linkType: b.linkType, snapLen: b.snapLen,
            unitsPerSec: (r & 0x80) !== 0 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r),
            offsetSec: BigInt(b.tsoffsetSec ?? 0),
          });
          break;
        }
        case 'epb':
        case 'opb': {
          const at = block(b.kind === 'epb' ? PCAPNG_BLOCK_EPB : 2, (t) => {
            // The obsolete Packet Block (Appendix A) has a 16-bit interface ID and drop count where
            // the Enhanced Packet Block has its 32-bit interface ID; the rest is laid out alike.
            const ifc = b.kind === 'epb' ? b.ifc : (t.le ? b.ifc & 0xffff : (b.ifc & 0xffff) * 65536);
            t.encode(PCAPNG_EPB_HEADER_BYTES, (dv, at, le) => writePcapngPacketHeader(dv, at, le, ifc,
              Number(b.ts >> 32n), Number(b.ts & 0xffffffffn), b.data.length, b.originalLength ?? b.data.length));
            t.bytes(b.data); t.pad4();
            if (b.kind === 'epb') writeOptions(t, b.options);
          }, true);
          const itf = ifs[b.ifc]!;
          const secs = b.ts / itf.unitsPerSec + itf.offsetSec;
          const ns = (b.ts % itf.unitsPerSec) * 1_000_000_000n / itf.unitsPerSec;
          // Spec §1: a time outside the years 1970-9999 is a capture fault; the reader skips it.
          if (secs < 0n || secs > LAST_SECOND_OF_9999) break;
          lastSec = Number(secs); lastNs = Number(ns);
          expected.push({
            data: b.data, originalLength: b.originalLength ?? b.data.length, sec: lastSec, ns: lastNs,
            linkType: itf.linkType, interfaceId: b.ifc, recordOffset: at,
          });
          break;
        }
        case 'spb': {
          const itf = ifs[0]!;
          const cap = itf.snapLen !== 0 && itf.snapLen < b.packet.length ? itf.snapLen : b.packet.length;
          const data = b.packet.slice(0, cap);
          const at = block(3, (t) => { t.u32(b.packet.length); t.bytes(data); }, true);
          expected.push({
            data, originalLength: b.packet.length, sec: lastSec, ns: lastNs,
            linkType: itf.linkType, interfaceId: 0, recordOffset: at,
          });
          break;
        }
        case 'raw':
          block(b.type, (t) => t.bytes(b.body), false);
          break;
      }
    }
    const bytes = s.toBytes();
    parts.push(bytes);
    base += bytes.length;
  }
  const all = new Uint8Array(base);
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return { bytes: all, expected, extents };
}
