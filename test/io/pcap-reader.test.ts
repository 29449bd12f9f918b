import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { CaptureError } from '../../src/errors.js';
import { PcapReader } from '../../src/io/pcap-reader.js';
import {
  buildClassic, buildPcapng, packetBytes,
  type BlockSpec, type BuiltCapture, type ClassicRecordSpec, type SectionSpec,
} from './capture-builder.js';
import { assertCaptureError, assertRecords, readAll, TempDir } from './read-helpers.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'io', 'fixtures');
const tmp = new TempDir();
after(() => tmp.dispose());

const CHUNKS = [64, 100, 256, undefined];
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function classicRecords(nanosecond: boolean): ClassicRecordSpec[] {
  const lens = [60, 0, 1, 3, 1514, 97, 64];
  return lens.map((len, i) => ({
    sec: 1_700_000_000 + i * 37,
    sub: nanosecond ? (i * 123_456_789 + 999) % 1_000_000_000 : (i * 271_828 + 1) % 1_000_000,
    data: packetBytes(len, i + 1),
    ...(i === 4 ? { originalLength: 9000 } : {}),
  }));
}

/** A pcapng file with three sections in both byte orders and every block kind. */
function fullPcapng(): BuiltCapture {
  const s1: BlockSpec[] = [
    { kind: 'idb', linkType: 1, snapLen: 0, options: [{ code: 2, value: utf8('eth0') }] },
    { kind: 'idb', linkType: 101, snapLen: 128, tsresol: 9 },
    { kind: 'epb', ifc: 0, ts: 1_700_000_000_123_456n, data: packetBytes(60, 1),
      options: [{ code: 1, value: utf8('a comment') }, { code: 2, value: [0, 0, 0, 1] }] },
    { kind: 'raw', type: 4, body: Uint8Array.from([1, 0, 8, 0, 192, 0, 2, 1, 104, 0, 0, 0, 0, 0, 0, 0]) },
    { kind: 'epb', ifc: 1, ts: 1_700_000_000_987_654_321n, data: packetBytes(33, 2), originalLength: 1500 },
    { kind: 'spb', packet: packetBytes(70, 3) },
    { kind: 'raw', type: 5, body: packetBytes(24, 4) },
    { kind: 'raw', type: 0x0a, body: packetBytes(40, 5) },
    { kind: 'raw', type: 0x0bad, body: packetBytes(12, 6) },
    { kind: 'raw', type: 0x12345678, body: packetBytes(300, 7) },
    { kind: 'opb', ifc: 1, ts: 1_700_000_001_000_000_007n, data: packetBytes(20, 8) },
    { kind: 'epb', ifc: 0, ts: 1_700_000_002_000_000n, data: new Uint8Array(0) },
    { kind: 'idb', linkType: 276, snapLen: 65535, tsresol: 0x8a, tsoffsetSec: 1000 },
    { kind: 'epb', ifc: 2, ts: (1_700_000_003n << 10n) + 513n, data: packetBytes(90, 9) },
  ];
  const s2: BlockSpec[] = [
    { kind: 'idb', linkType: 228, snapLen: 64, tsresol: 3, tsoffsetSec: -100 },
    { kind: 'spb', packet: packetBytes(100, 10) },
    { kind: 'epb', ifc: 0, ts: 1_700_000_004_321n, data: packetBytes(64, 11), originalLength: 100 },
    { kind: 'idb', linkType: 0, snapLen: 0, tsresol: 0xa0 },
    { kind: 'epb', ifc: 1, ts: (1_700_000_005n << 32n) + 0x80000000n, data: packetBytes(44, 12) },
    { kind: 'epb', ifc: 1, ts: (1_700_000_005n << 32n) + 0xffffffffn, data: packetBytes(45, 13) },
  ];
  const s3: BlockSpec[] = [
    { kind: 'idb', linkType: 113, snapLen: 262144, tsresol: 11 },
    { kind: 'epb', ifc: 0, ts: 10_000_000_612_345_678_901n, data: packetBytes(5, 14) },
  ];
  const sections: SectionSpec[] = [
    { le: true, shbOptions: [{ code: 1, value: utf8('section one') }, { code: 4, value: utf8('builder') }], blocks: s1 },
    { le: false, blocks: s2 },
    { le: true, blocks: s3 },
    { le: false, blocks: [] },
  ];
  return buildPcapng(sections);
}

/** Writes a 32-bit value into a byte array in the given byte order. */
function put32(b: Uint8Array, at: number, v: number, le: boolean): void {
  new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, le);
}

describe('PcapReader: classic pcap', () => {
  for (const le of [true, false]) {
    for (const nanosecond of [false, true]) {
      it(`reads ${le ? 'little' : 'big'}-endian ${nanosecond ? 'ns' : 'µs'} files, every field, any chunk size`, () => {
        const built = buildClassic({ le, nanosecond, linkType: 113, records: classicRecords(nanosecond) });
        const path = tmp.file(built.bytes);
        for (const chunkBytes of CHUNKS) {
          const run = readAll(path, chunkBytes === undefined ? {} : { chunkBytes });
          assert.equal(run.error, undefined, String(run.error));
          assertRecords(run.records, built.expected, `chunk ${chunkBytes}`);
          assert.equal(run.bytesRead, built.bytes.length);
          assert.equal(run.fileSize, built.bytes.length);
        }
      });
    }
  }

  it('reports the format, the lower 16 bits of the link-type field, and progress', () => {
    const built = buildClassic({
      le: true, nanosecond: false, linkType: 1, linkTypeHighBits: 0x14000000,
      records: classicRecords(false).slice(0, 2),
    });
    const r = PcapReader.open(tmp.file(built.bytes));
    try {
      assert.equal(r.format, 'pcap');
      assert.equal(r.bytesRead, 24);
      assert.ok(r.next());
      assert.equal(r.linkType, 1);
      assert.equal(r.bytesRead, built.extents[1]!.end);
      assert.ok(r.next());
      assert.equal(r.next(), false);
      assert.equal(r.packets, 2);
      assert.equal(r.bytesRead, r.fileSize);
    } finally {
      r.close();
    }
  });

  it('reads the modified-libpcap format (24-byte records)', () => {
    const built = buildClassic({ le: true, nanosecond: false, modified: true, linkType: 1, records: classicRecords(false) });
    const run = readAll(tmp.file(built.bytes), { chunkBytes: 64 });
    assert.equal(run.error, undefined, String(run.error));
    assertRecords(run.records, built.expected, 'modified');
  });

  it('normalises a sub-second field of a second or more into the seconds', () => {
    const built = buildClassic({ le: true, nanosecond: false, linkType: 1, records: [{ sec: 10, sub: 2_500_000, data: packetBytes(4, 1) }] });
    const run = readAll(tmp.file(built.bytes));
    assert.equal(run.records[0]!.sec, 12);
    assert.equal(run.records[0]!.ns, 500_000_000);
    assert.equal(run.records[0]!.timestampMs, 12_500);
  });

  it('refuses an unknown magic, an empty file and an unsupported version when opened', () => {
    const bad = new Uint8Array(24).fill(0x5a);
    for (const [bytes, label] of [[bad, 'magic'], [new Uint8Array(0), 'empty'], [Uint8Array.of(0xd4, 0xc3), 'short']] as const) {
      const run = readAll(tmp.file(bytes));
      assert.ok(run.openFailed, label);
      assertCaptureError(run.error, 0, 0, label);
    }
    const v3 = buildClassic({ le: false, nanosecond: false, linkType: 1, records: [] }).bytes;
    v3[5] = 3;
    v3[4] = 0;
    const run = readAll(tmp.file(v3));
    assert.ok(run.openFailed);
    assertCaptureError(run.error, 0, 0, 'version');
    assert.match((run.error as Error).message, /unsupported pcap version 3\.4/);
  });

  it('refuses a record above the length limit when it reaches it, keeping the packets before', () => {
    const recs: ClassicRecordSpec[] = [
      { sec: 1, sub: 0, data: packetBytes(10, 1) },
      { sec: 2, sub: 0, data: packetBytes(300 * 1024, 2) },
    ];
    const built = buildClassic({ le: true, nanosecond: false, linkType: 1, records: recs });
    const path = tmp.file(built.bytes);
    const run = readAll(path);
    assertRecords(run.records, built.expected.slice(0, 1), 'before the limit');
    assertCaptureError(run.error, built.extents[2]!.start, 1, 'limit');
    assert.match((run.error as Error).message, /captured length 307200 above the limit of 262144 bytes/);
    // A snap length above the default raises the limit.
    const big = buildClassic({ le: true, nanosecond: false, linkType: 1, snapLen: 1 << 20, records: recs });
    const ok = readAll(tmp.file(big.bytes), { chunkBytes: 4096 });
    assert.equal(ok.error, undefined, String(ok.error));
    assertRecords(ok.records, big.expected, 'raised limit');
    // And the option lowers it.
    const low = readAll(tmp.file(buildClassic({ le: true, nanosecond: false, linkType: 1, snapLen: 4, records: recs.slice(0, 1) }).bytes), { maxRecordBytes: 8 });
    assertCaptureError(low.error, 24, 0, 'maxRecordBytes');
  });

  it('keeps failing with the same error once it has failed', () => {
    const built = buildClassic({ le: true, nanosecond: false, linkType: 1, records: classicRecords(false) });
    const r = PcapReader.open(tmp.file(built.bytes.slice(0, built.bytes.length - 1)));
    try {
      let n = 0;
      let first: unknown;
      try { while (r.next()) n++; } catch (e) { first = e; }
      assert.equal(n, built.expected.length - 1);
      assertCaptureError(first, built.extents.at(-1)!.start, n, 'first');
      assert.throws(() => r.next(), (e) => e === first);
    } finally {
      r.close();
    }
  });
});

describe('PcapReader: pcapng', () => {
  it('reads sections in both byte orders, several interfaces, resolutions, offsets, SPB, OPB, skipped blocks', () => {
    const built = fullPcapng();
    const path = tmp.file(built.bytes, '.pcapng');
    for (const chunkBytes of CHUNKS) {
      const run = readAll(path, chunkBytes === undefined ? {} : { chunkBytes });
      assert.equal(run.error, undefined, String(run.error));
      assertRecords(run.records, built.expected, `chunk ${chunkBytes}`);
      assert.equal(run.bytesRead, built.bytes.length);
    }
  });

  it('reports what the spec says for the tricky records (hand-checked values)', () => {
    const run = readAll(tmp.file(fullPcapng().bytes, '.pcapng'));
    const r = run.records;
    // EPB on a µs interface.
    assert.equal(r[0]!.sec, 1_700_000_000);
    assert.equal(r[0]!.ns, 123_456_000);
    assert.equal(r[0]!.timestampMs, 1_700_000_000_123.456);
    // EPB on an ns interface: captured 33 of 1500.
    assert.equal(r[1]!.ns, 987_654_321);
    assert.equal(r[1]!.data.length, 33);
    assert.equal(r[1]!.originalLength, 1500);
    assert.equal(r[1]!.linkType, 101);
    assert.equal(r[1]!.interfaceId, 1);
    // SPB: interface 0, whole packet (snap length 0), previous timestamp kept.
    assert.equal(r[2]!.interfaceId, 0);
    assert.equal(r[2]!.data.length, 70);
    assert.equal(r[2]!.sec, 1_700_000_000);
    assert.equal(r[2]!.ns, 987_654_321);
    // OPB after four skipped blocks.
    assert.equal(r[3]!.ns, 7);
    assert.equal(r[3]!.sec, 1_700_000_001);
    // Empty EPB.
    assert.equal(r[4]!.data.length, 0);
    // 2^-10 resolution with a 1000 s offset: 513/1024 s = 500 976 562.5 ns, truncated.
    assert.equal(r[5]!.sec, 1_700_001_003);
    assert.equal(r[5]!.ns, 500_976_562);
    assert.equal(r[5]!.linkType, 276);
    // Second section (big-endian): SPB cut to the snap length of 64; interface IDs restart.
    assert.equal(r[6]!.data.length, 64);
    assert.equal(r[6]!.originalLength, 100);
    assert.equal(r[6]!.interfaceId, 0);
    assert.equal(r[6]!.linkType, 228);
    // ms resolution, -100 s offset.
    assert.equal(r[7]!.sec, 1_699_999_904);
    assert.equal(r[7]!.ns, 321_000_000);
    // 2^-32 resolution.
    assert.equal(r[8]!.ns, 500_000_000);
    assert.equal(r[9]!.ns, 999_999_999);
    assert.equal(r[9]!.linkType, 0);
    // 10^-11 resolution.
    assert.equal(r[10]!.sec, 100_000_006);
    assert.equal(r[10]!.ns, 123_456_789);
    assert.equal(r.length, 11);
  });

  it('counts sections and reports the format', () => {
    const r = PcapReader.open(tmp.file(fullPcapng().bytes, '.pcapng'));
    try {
      assert.equal(r.format, 'pcapng');
      while (r.next()) { /* read to the end */ }
      assert.equal(r.sections, 4);
    } finally {
      r.close();
    }
  });

  it('skips a block larger than the read buffer without reading it', () => {
    const built = buildPcapng([{
      le: true,
      blocks: [
        { kind: 'idb', linkType: 1, snapLen: 0 },
        { kind: 'epb', ifc: 0, ts: 1n, data: packetBytes(10, 1) },
        { kind: 'raw', type: 0x40000bad, body: packetBytes(5000, 2) },
        { kind: 'epb', ifc: 0, ts: 2n, data: packetBytes(10, 3) },
      ],
    }]);
    const run = readAll(tmp.file(built.bytes, '.pcapng'), { chunkBytes: 64 });
    assert.equal(run.error, undefined, String(run.error));
    assertRecords(run.records, built.expected, 'skip');
  });

  describe('corrupt input: a CaptureError naming the block and the packets before it', () => {
    const base = (): BuiltCapture => buildPcapng([{
      le: false,
      blocks: [
        { kind: 'idb', linkType: 1, snapLen: 0 },
        { kind: 'epb', ifc: 0, ts: 1n, data: packetBytes(10, 1) },
        { kind: 'epb', ifc: 0, ts: 2n, data: packetBytes(10, 2) },
        { kind: 'epb', ifc: 0, ts: 3n, data: packetBytes(10, 3) },
      ],
    }]);
    // Extents: 0 SHB, 1 IDB, 2..4 EPBs. Corrupt the third EPB (extent 4) unless said otherwise.
    const cases: [string, (b: Uint8Array, e: BuiltCapture) => number, RegExp][] = [
      ['block length below 12', (b, e) => { put32(b, e.extents[4]!.start + 4, 8, false); return 4; }, /block length 8 is too small/],
      ['block length not a multiple of 4', (b, e) => { put32(b, e.extents[4]!.start + 4, 46, false); return 4; }, /not a multiple of 4/],
      ['trailing length mismatch', (b, e) => { put32(b, e.extents[4]!.end - 4, 48, false); return 4; }, /trailing length 48 does not match its length 44/],
      ['EPB naming an undefined interface', (b, e) => { put32(b, e.extents[4]!.start + 8, 5, false); return 4; }, /interface 5, but the section defines 1/],
      ['captured length past the block', (b, e) => { put32(b, e.extents[4]!.start + 20, 17, false); return 4; }, /runs past the end/],
      ['captured length above the limit', (b, e) => { put32(b, e.extents[4]!.start + 20, 1 << 20, false); return 4; }, /above the limit of 262144/],
      ['unsupported version', (b) => { b[13] = 2; return 0; }, /unsupported pcapng version 2\.0/],
      ['bad byte-order magic', (b) => { put32(b, 8, 0x11223344, false); return 0; }, /bad byte-order magic 0x11223344/],
      ['truncated final block', () => -1, /truncated/],
      ['unknown block running past the end of the file', (b, e) => { put32(b, e.extents[4]!.start, 0x77, false); put32(b, e.extents[4]!.start + 4, 1 << 24, false); return 4; }, /truncated block \(type 0x00000077/],
    ];
    for (const [label, corrupt, message] of cases) {
      it(label, () => {
        const e = base();
        let bytes = e.bytes.slice();
        let idx = corrupt(bytes, e);
        if (idx === -1) { bytes = bytes.slice(0, bytes.length - 3); idx = 4; }
        for (const chunkBytes of [64, undefined]) {
          const run = readAll(tmp.file(bytes, '.pcapng'), chunkBytes === undefined ? {} : { chunkBytes });
          const packetsBefore = e.extents.slice(0, idx).filter((x) => x.packet).length;
          assertRecords(run.records, e.expected.slice(0, packetsBefore), label);
          assertCaptureError(run.error, e.extents[idx]!.start, packetsBefore, label);
          assert.match((run.error as Error).message, message);
          assert.ok((run.error as Error).message.includes(`at byte offset ${e.extents[idx]!.start} (after ${packetsBefore} packets)`));
        }
      });
    }

    it('SPB without an interface, unsupported if_tsresol, IDB option past its block', () => {
      // The builder needs an interface for an SPB's expectations, so this SPB is laid down raw.
      const noIf = buildPcapng([{ le: true, blocks: [{ kind: 'raw', type: 3, body: Uint8Array.of(4, 0, 0, 0, 1, 2, 3, 4) }] }]);
      let run = readAll(tmp.file(noIf.bytes, '.pcapng'));
      assertCaptureError(run.error, noIf.extents[1]!.start, 0, 'spb');
      assert.match((run.error as Error).message, /defines no interface/);

      const fine = buildPcapng([{ le: true, blocks: [{ kind: 'idb', linkType: 1, snapLen: 0, tsresol: 12 }] }]);
      run = readAll(tmp.file(fine.bytes, '.pcapng'));
      assertCaptureError(run.error, fine.extents[1]!.start, 0, 'tsresol');
      assert.match((run.error as Error).message, /unsupported timestamp resolution 10\^-12/);
      const bin = buildPcapng([{ le: true, blocks: [{ kind: 'idb', linkType: 1, snapLen: 0, tsresol: 0x80 | 33 }] }]);
      run = readAll(tmp.file(bin.bytes, '.pcapng'));
      assert.match((run.error as Error).message, /unsupported timestamp resolution 2\^-33/);

      const opt = buildPcapng([{ le: true, blocks: [{ kind: 'idb', linkType: 1, snapLen: 0, options: [{ code: 2, value: utf8('eth0') }] }] }]);
      const b = opt.bytes.slice();
      // The option's length field sits at IDB + 16 + 2.
      new DataView(b.buffer).setUint16(opt.extents[1]!.start + 18, 200, true);
      run = readAll(tmp.file(b, '.pcapng'));
      assertCaptureError(run.error, opt.extents[1]!.start, 0, 'option');
      assert.match((run.error as Error).message, /option 2 runs past the end/);
    });
  });
});

describe('PcapReader: every truncated prefix', () => {
  /** What a reader must do with the first `len` bytes of `built`. */
  function checkPrefix(built: BuiltCapture, len: number, headerBytes: number, chunkBytes: number | undefined, label: string): void {
    const run = readAll(tmp.file(built.bytes.subarray(0, len)), chunkBytes === undefined ? {} : { chunkBytes });
    const packets = built.extents.filter((x) => x.packet && x.end <= len).length;
    if (len < headerBytes) {
      assert.ok(run.openFailed, `${label}: open fails below the file header`);
      assertCaptureError(run.error, 0, 0, label);
      return;
    }
    assertRecords(run.records, built.expected.slice(0, packets), label);
    const clean = built.extents.some((x) => x.end === len);
    if (clean) {
      assert.equal(run.error, undefined, `${label}: clean end at a boundary (${String(run.error)})`);
    } else {
      const cut = built.extents.find((x) => x.start < len && len < x.end)!;
      assertCaptureError(run.error, cut.start, packets, label);
    }
  }

  it('classic pcap: clean packets, then a CaptureError at the cut record (or a clean end at a boundary)', () => {
    const built = buildClassic({ le: false, nanosecond: true, linkType: 1, records: classicRecords(true).filter((r) => r.data.length < 200) });
    for (let len = 0; len <= built.bytes.length; len++) {
      checkPrefix(built, len, 24, len % 2 === 0 ? 64 : undefined, `prefix ${len}`);
    }
  });

  it('pcapng: clean packets, then a CaptureError at the cut block (or a clean end at a boundary)', () => {
    const built = fullPcapng();
    for (let len = 0; len <= built.bytes.length; len++) {
      checkPrefix(built, len, 4, len % 2 === 0 ? 64 : undefined, `prefix ${len}`);
    }
  });
});

describe('PcapReader: properties', () => {
  const recordArb = (nanosecond: boolean): fc.Arbitrary<ClassicRecordSpec> => fc.record({
    sec: fc.integer({ min: 0, max: 0xffffffff }),
    sub: fc.integer({ min: 0, max: nanosecond ? 999_999_999 : 999_999 }),
    len: fc.integer({ min: 0, max: 300 }),
    extra: fc.integer({ min: 0, max: 2000 }),
    seed: fc.integer(),
  }).map((r) => ({ sec: r.sec, sub: r.sub, data: packetBytes(r.len, r.seed), originalLength: r.len + r.extra }));

  it('classic files of random records read back exactly, whatever the chunk size', () => {
    fc.assert(fc.property(
      fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 64, max: 700 }),
      fc.array(recordArb(false), { maxLength: 12 }), fc.array(recordArb(true), { maxLength: 12 }),
      (le, nanosecond, linkType, chunkBytes, us, ns) => {
        const built = buildClassic({ le, nanosecond, linkType, records: nanosecond ? ns : us });
        const run = readAll(tmp.file(built.bytes), { chunkBytes });
        assert.equal(run.error, undefined);
        assertRecords(run.records, built.expected, 'property');
      }), { numRuns: 60 });
  });

  it('pcapng files of random blocks read back exactly, whatever the chunk size', () => {
    const resolutions = [6, 9, 3, 0, 11, 0x80 | 10, 0x80 | 20, 0x80 | 32, 0x80];
    const blockArb: fc.Arbitrary<(ifs: number) => BlockSpec> = fc.oneof(
      fc.record({ ifc: fc.nat(), ts: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), len: fc.integer({ min: 0, max: 200 }), seed: fc.integer(), opt: fc.boolean() })
        .map((b) => (ifs: number): BlockSpec => ({
          kind: 'epb', ifc: b.ifc % ifs, ts: b.ts, data: packetBytes(b.len, b.seed),
          ...(b.opt ? { options: [{ code: 1, value: packetBytes(b.len % 7, b.seed) }] } : {}),
        })),
      fc.record({ len: fc.integer({ min: 0, max: 200 }), seed: fc.integer() })
        .map((b) => (): BlockSpec => ({ kind: 'spb', packet: packetBytes(b.len, b.seed) })),
      fc.record({ type: fc.constantFrom(4, 5, 0x0a, 0x0bad, 0x40000bad, 0x7fff0001), len: fc.integer({ min: 0, max: 150 }), seed: fc.integer() })
        .map((b) => (): BlockSpec => ({ kind: 'raw', type: b.type, body: packetBytes(b.len, b.seed) })),
    );
    const sectionArb = fc.record({
      le: fc.boolean(),
      ifs: fc.array(fc.record({
        linkType: fc.integer({ min: 0, max: 300 }), snapLen: fc.constantFrom(0, 50, 65535),
        tsresol: fc.constantFrom(...resolutions), offset: fc.integer({ min: -1000, max: 1000 }),
      }), { minLength: 1, maxLength: 3 }),
      blocks: fc.array(blockArb, { maxLength: 8 }),
    }).map((s): SectionSpec => ({
      le: s.le,
      blocks: [
        ...s.ifs.map((i): BlockSpec => ({ kind: 'idb', linkType: i.linkType, snapLen: i.snapLen, tsresol: i.tsresol, tsoffsetSec: i.offset })),
        ...s.blocks.map((f) => f(s.ifs.length)),
      ],
    }));
    fc.assert(fc.property(fc.array(sectionArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 64, max: 600 }), (sections, chunkBytes) => {
      // Keep the timestamps where seconds stay exact integers (the reader's documented domain).
      const built = buildPcapng(sections);
      if (built.expected.some((r) => !Number.isSafeInteger(r.sec) || r.sec < 0)) return;
      const run = readAll(tmp.file(built.bytes, '.pcapng'), { chunkBytes });
      assert.equal(run.error, undefined, String(run.error));
      assertRecords(run.records, built.expected, 'property');
    }), { numRuns: 60 });
  });

  it('corrupted files end in clean packets then a CaptureError, never another exception', () => {
    const files = [fullPcapng().bytes, buildClassic({ le: true, nanosecond: false, linkType: 1, records: classicRecords(false).slice(0, 4) }).bytes];
    fc.assert(fc.property(
      fc.constantFrom(0, 1), fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 64, max: 300 }),
      (which, edits, chunkBytes) => {
        const b = files[which]!.slice();
        for (const e of edits) b[e.at % b.length] = e.value;
        const run = readAll(tmp.file(b), { chunkBytes });
        if (run.error !== undefined) {
          assert.ok(run.error instanceof CaptureError, `not a CaptureError: ${String(run.error)}`);
          assert.equal(run.error.packets, run.records.length);
          assert.ok(run.error.offset >= 0 && run.error.offset <= b.length);
        }
      }), { numRuns: 300 });
  });
});

describe('PcapReader: captures written by other tools', () => {
  it('reads dumpcap\'s two-interface pcapng exactly as tshark reports it', () => {
    const run = readAll(join(FIXTURES, 'two-if-http.pcapng'), { chunkBytes: 256 });
    assert.equal(run.error, undefined, String(run.error));
    const lines = readFileSync(join(FIXTURES, 'two-if-http.tsv'), 'utf8').trim().split('\n');
    assert.equal(run.records.length, lines.length);
    assert.ok(lines.length >= 20);
    lines.forEach((line, i) => {
      const [ifc, epoch, len, caplen] = line.split('\t');
      const r = run.records[i]!;
      assert.equal(r.interfaceId, Number(ifc), `record ${i}: interface`);
      assert.equal(`${r.sec}.${String(r.ns).padStart(9, '0')}`, epoch, `record ${i}: timestamp`);
      assert.equal(r.originalLength, Number(len), `record ${i}: length`);
      assert.equal(r.data.length, Number(caplen), `record ${i}: captured length`);
      assert.equal(r.linkType, r.interfaceId === 0 ? 1 : 113, `record ${i}: link type`);
    });
  });

  it('returns the same packets from the pcapng as from its per-interface classic conversions', () => {
    const ng = readAll(join(FIXTURES, 'two-if-http.pcapng'));
    for (const ifc of [0, 1]) {
      const classic = readAll(join(FIXTURES, `two-if-http.if${ifc}.pcap`), { chunkBytes: 100 });
      assert.equal(classic.error, undefined);
      const mine = ng.records.filter((r) => r.interfaceId === ifc);
      assert.equal(mine.length, classic.records.length);
      assert.ok(mine.length > 0);
      mine.forEach((r, i) => {
        const c = classic.records[i]!;
        assert.deepEqual(r.data, c.data);
        assert.equal(r.sec, c.sec);
        assert.equal(r.ns, c.ns);
        assert.equal(r.timestampMs, c.timestampMs);
        assert.equal(r.originalLength, c.originalLength);
        assert.equal(r.linkType, c.linkType);
      });
    }
  });

  it('reads tcpdump\'s captures: link types, snapped records, nanoseconds', () => {
    const us = readAll(join(FIXTURES, 'lo-http-us.pcap'));
    const ns = readAll(join(FIXTURES, 'lo-http-ns.pcap'));
    const sll2 = readAll(join(FIXTURES, 'any-http-sll2.pcap'));
    for (const run of [us, ns, sll2]) {
      assert.equal(run.error, undefined);
      assert.equal(run.records.length, 20);
      for (let i = 1; i < run.records.length; i++) assert.ok(run.records[i]!.timestampMs >= run.records[i - 1]!.timestampMs);
    }
    assert.ok(us.records.every((r) => r.linkType === 1 && r.ns % 1000 === 0));
    assert.ok(ns.records.some((r) => r.ns % 1000 !== 0));
    assert.ok(sll2.records.every((r) => r.linkType === 276 && r.data.length <= 96));
    assert.ok(sll2.records.some((r) => r.data.length === 96 && r.originalLength > 96));
    // Ethernet + IPv4 + TCP SYN from 127.0.0.1 to port 18080.
    const syn = us.records[0]!.data;
    assert.equal((syn[12]! << 8) | syn[13]!, 0x0800);
    assert.equal((syn[36]! << 8) | syn[37]!, 18080);
  });
});

describe('PcapReader: timestamps outside 1970-9999 (spec §1)', () => {
  it('skips and counts packets whose time is past 9999 or before 1970; a Simple Packet Block keeps the last good time', () => {
    const d = (i: number): Uint8Array => packetBytes(60, i);
    const built = buildPcapng([{ le: true, blocks: [
      { kind: 'idb', linkType: 1, snapLen: 0 },
      { kind: 'idb', linkType: 1, snapLen: 0, tsoffsetSec: -2_000_000_000 },
      { kind: 'epb', ifc: 0, ts: 1_700_000_000_000_000n, data: d(1) },
      { kind: 'epb', ifc: 0, ts: 253_402_300_800_000_000n, data: d(2) }, // 10000-01-01T00:00:00Z
      { kind: 'epb', ifc: 0, ts: 253_402_300_799_999_999n, data: d(3) }, // the last µs of 9999: kept
      { kind: 'epb', ifc: 1, ts: 1_000_000_000_000_000n, data: d(4) }, // 1e9 s - 2e9 s: before 1970
      { kind: 'epb', ifc: 0, ts: 0xffffffffffffffffn, data: d(5) },
      { kind: 'spb', packet: d(6) },
      { kind: 'epb', ifc: 1, ts: 2_000_000_000_000_000n, data: d(7) }, // exactly 1970-01-01T00:00:00Z
    ] }]);
    const r = PcapReader.open(tmp.file(built.bytes, '.pcapng'), { chunkBytes: 64 });
    const got: [Uint8Array, number, number][] = [];
    try {
      while (r.next()) got.push([r.buf.slice(r.offset, r.offset + r.capturedLength), r.timestampSec, r.timestampNs]);
      assert.equal(r.timestampFaults, 3);
      assert.equal(r.packets, 4);
    } finally {
      r.close();
    }
    assert.deepEqual(got, [
      [d(1), 1_700_000_000, 0],
      [d(3), 253_402_300_799, 999_999_000],
      [d(6), 253_402_300_799, 999_999_000],
      [d(7), 0, 0],
    ]);
  });
});

describe('PcapReader: pipes and FIFOs (no positional reads)', () => {
  /**
   * Reads `bytes` through a FIFO that a child `cat` fills, and waits for the child: the reader
   * sees what `tcpdump -w - | portcullis replay -` gives it.
   */
  async function readThroughFifo(bytes: Uint8Array, chunkBytes: number | undefined): Promise<ReturnType<typeof readAll>> {
    const file = tmp.file(bytes);
    const fifo = `${file}.fifo`;
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2" 2>/dev/null', 'sh', file, fifo], { stdio: 'ignore' });
    const done = new Promise<void>((resolve) => writer.on('exit', () => resolve()));
    const run = readAll(fifo, chunkBytes === undefined ? {} : { chunkBytes });
    await done;
    return run;
  }

  it('reads every block kind of pcapng and classic pcap through a FIFO as from the file, any chunk size', async () => {
    const captures = [fullPcapng(), buildClassic({ le: false, nanosecond: true, linkType: 1, records: classicRecords(true) })];
    for (const built of captures) {
      for (const chunkBytes of [64, 100, undefined]) {
        const run = await readThroughFifo(built.bytes, chunkBytes);
        assert.equal(run.error, undefined, String(run.error));
        assertRecords(run.records, built.expected, `fifo, chunk ${chunkBytes}`);
        assert.equal(run.bytesRead, built.bytes.length);
        assert.equal(run.fileSize, 0, 'a pipe has no size to show progress against');
      }
    }
  });

  it('skips a block larger than the buffer without seeking, and reports a truncated one at its offset', async () => {
    const big: BlockSpec[] = [
      { kind: 'idb', linkType: 1, snapLen: 0 },
      { kind: 'epb', ifc: 0, ts: 1_700_000_000_000_000n, data: packetBytes(60, 1) },
      { kind: 'raw', type: 0x0bad, body: packetBytes(5000, 2) },
      { kind: 'epb', ifc: 0, ts: 1_700_000_001_000_000n, data: packetBytes(70, 3) },
    ];
    const built = buildPcapng([{ le: true, blocks: big }]);
    const run = await readThroughFifo(built.bytes, 256);
    assert.equal(run.error, undefined, String(run.error));
    assertRecords(run.records, built.expected, 'skipped 5000-byte block');
    // Cut inside the big block, and inside its trailing length: the offset is the block's start.
    const blockStart = built.extents[3]!.start;
    for (const cut of [blockStart + 100, built.extents[3]!.end - 2]) {
      const cutRun = await readThroughFifo(built.bytes.subarray(0, cut), 256);
      assertRecords(cutRun.records, built.expected.slice(0, 1), `cut at ${cut}`);
      assertCaptureError(cutRun.error, blockStart, 1, `cut at ${cut}`);
    }
    // A truncated classic record through a pipe names the same offset as in the file.
    const classic = buildClassic({ le: true, nanosecond: false, linkType: 1, records: classicRecords(false) });
    const cut = classic.bytes.subarray(0, classic.extents[5]!.start + 20);
    const viaFifo = await readThroughFifo(cut, 64);
    assertCaptureError(viaFifo.error, classic.extents[5]!.start, 4, 'classic through a FIFO');
    assertCaptureError(readAll(tmp.file(cut), { chunkBytes: 64 }).error, classic.extents[5]!.start, 4, 'classic file');
  });
});
