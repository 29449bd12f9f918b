import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { PcapReader } from '../../src/io/pcap-reader.js';
import { PcapWriter } from '../../src/io/pcap-writer.js';
import { buildClassic, packetBytes } from './capture-builder.js';
import { expectedMs, readAll, TempDir } from './read-helpers.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'io', 'fixtures');
const tmp = new TempDir();
after(() => tmp.dispose());

/** A fresh path in the scratch directory. */
function outPath(name: string): string {
  return join(tmp.path, name);
}

describe('PcapWriter', () => {
  it('writes the little-endian µs and ns file headers byte for byte', () => {
    const cases = [
      [false, [0xd4, 0xc3, 0xb2, 0xa1]],
      [true, [0x4d, 0x3c, 0xb2, 0xa1]],
    ] as const;
    for (const [nanosecond, magic] of cases) {
      const p = outPath(`header-${nanosecond}.pcap`);
      new PcapWriter(p, 276, { snapLength: 0x01020304, nanosecond }).close();
      assert.deepEqual(readFileSync(p), Buffer.from([
        ...magic, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x04, 0x03, 0x02, 0x01, 0x14, 0x01, 0, 0,
      ]));
    }
  });

  it('writes a record byte for byte, taking only the given slice of the source', () => {
    const p = outPath('record.pcap');
    const w = new PcapWriter(p, 101, { bufferBytes: 64 });
    const src = new Uint8Array(16).fill(0xa5);
    src.set([1, 2, 3, 4, 5], 3);
    w.write(src, 3, 5, 1_700_000_000_123.457, 60);
    w.close();
    const b = readFileSync(p);
    assert.equal(b.length, 24 + 16 + 5);
    assert.deepEqual(b.subarray(24), Buffer.from([
      0x00, 0xf1, 0x53, 0x65, // 1 700 000 000 s
      0x41, 0xe2, 0x01, 0x00, // 123 457 µs
      5, 0, 0, 0, 60, 0, 0, 0, 1, 2, 3, 4, 5,
    ]));
    assert.equal(w.packets, 1);
    assert.equal(w.bytesWritten, b.length);
  });

  it('copies from views with an offset into their buffer, alternating between sources', () => {
    const p = outPath('views.pcap');
    const w = new PcapWriter(p, 1, { bufferBytes: 100 });
    const a = packetBytes(300, 1).subarray(7);
    const b = packetBytes(300, 2).subarray(13, 250);
    const c = packetBytes(300, 3);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) {
      const src = [a, b, c][i % 3]!;
      const off = i * 5;
      const len = 31 + i * 9;
      w.write(src, off, len, i);
      sent.push(src.slice(off, off + len));
    }
    w.close();
    const run = readAll(p);
    assert.equal(run.error, undefined);
    assert.deepEqual(run.records.map((r) => r.data), sent);
  });

  it('round-trips through PcapReader: snap length, original length, buffer flushes, a record larger than the buffer', () => {
    for (const nanosecond of [false, true]) {
      const p = outPath(`rt-${nanosecond}.pcap`);
      const w = new PcapWriter(p, 1, { snapLength: 1000, nanosecond, bufferBytes: 256 });
      const lens = [60, 0, 255, 240, 1000, 1400, 7];
      const sent = lens.map((len, i) => ({ data: packetBytes(len, i + 1), ms: 1_600_000_000_000 + i * 1111.111 }));
      sent.forEach((s, i) => w.write(s.data, 0, s.data.length, s.ms, i === 6 ? 2 : undefined));
      w.close();
      const run = readAll(p, { chunkBytes: 100 });
      assert.equal(run.error, undefined);
      assert.equal(run.records.length, lens.length);
      run.records.forEach((r, i) => {
        const s = sent[i]!;
        const cap = Math.min(s.data.length, 1000);
        assert.deepEqual(r.data, s.data.subarray(0, cap), `record ${i}: bytes`);
        // The original length is the caller's, never below the captured length.
        assert.equal(r.originalLength, s.data.length, `record ${i}: original length`);
        assert.equal(r.linkType, 1);
        if (nanosecond) {
          // The nearest ns to the given double: the time read back is within half an ns of it
          // (plus the double's own rounding at this magnitude).
          assert.ok(Math.abs(r.timestampMs - s.ms) <= 0.5e-6 + 2 ** -12, `record ${i}: timestamp to the ns`);
        } else {
          assert.equal(r.sec * 1e6 + r.ns / 1000, Math.round(s.ms * 1000), `record ${i}: timestamp to the µs`);
        }
        assert.equal(r.timestampMs, expectedMs(r.sec, r.ns));
      });
    }
  });

  it('reproduces tcpdump\'s files byte for byte from what PcapReader read', () => {
    for (const [name, nanosecond] of [['lo-http-us.pcap', false], ['lo-http-ns.pcap', true]] as const) {
      const src = join(FIXTURES, name);
      const p = outPath(`copy-${name}`);
      const r = PcapReader.open(src, { chunkBytes: 128 });
      const w = new PcapWriter(p, r.linkType, { nanosecond, bufferBytes: 300 });
      while (r.next()) {
        if (nanosecond) w.writeExact(r.buf, r.offset, r.capturedLength, r.timestampSec, r.timestampNs, r.originalLength);
        else w.write(r.buf, r.offset, r.capturedLength, r.timestampMs, r.originalLength);
      }
      r.close();
      w.close();
      assert.deepEqual(readFileSync(p), readFileSync(src), name);
    }
  });

  it('is read by tcpdump (an independent reader) with the same timestamps', () => {
    const p = outPath('tcpdump.pcap');
    const run = readAll(join(FIXTURES, 'lo-http-ns.pcap'));
    const w = new PcapWriter(p, 1, { nanosecond: true });
    for (const r of run.records) w.writeExact(r.data, 0, r.data.length, r.sec, r.ns, r.originalLength);
    w.close();
    const out = spawnSync('tcpdump', ['-r', p, '-nn', '-tt', '--time-stamp-precision=nano'], { encoding: 'utf8' });
    assert.equal(out.error, undefined, 'tcpdump must be installed (scripts/ensure-debian-packages.sh)');
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, run.records.length);
    lines.forEach((line, i) => {
      const r = run.records[i]!;
      assert.ok(line.startsWith(`${r.sec}.${String(r.ns).padStart(9, '0')} IP 127.0.0.1.`), line);
    });
  });

  it('keeps every µs timestamp exact through write(timestampMs) and the reader (property)', () => {
    const p = outPath('prop.pcap');
    fc.assert(fc.property(
      fc.array(fc.record({ sec: fc.integer({ min: 0, max: 0xffffffff }), us: fc.integer({ min: 0, max: 999_999 }), len: fc.integer({ min: 0, max: 80 }) }), { maxLength: 20 }),
      fc.integer({ min: 64, max: 400 }),
      (recs, bufferBytes) => {
        const w = new PcapWriter(p, 113, { bufferBytes });
        for (const r of recs) w.write(packetBytes(r.len, r.us), 0, r.len, (r.sec * 1e6 + r.us) / 1000);
        w.close();
        const run = readAll(p, { chunkBytes: bufferBytes });
        assert.equal(run.error, undefined);
        assert.equal(run.records.length, recs.length);
        recs.forEach((r, i) => {
          const got = run.records[i]!;
          assert.equal(got.sec, r.sec);
          assert.equal(got.ns, r.us * 1000);
          assert.equal(got.timestampMs, (r.sec * 1e6 + r.us) / 1000);
          assert.deepEqual(got.data, packetBytes(r.len, r.us));
        });
      }), { numRuns: 50 });
  });

  it('matches the independent test builder\'s bytes for the same records', () => {
    const recs = [0, 5, 64, 300].map((len, i) => ({ sec: 1_000_000 + i, sub: i * 999_999 % 1_000_000_000, data: packetBytes(len, i) }));
    for (const nanosecond of [false, true]) {
      const built = buildClassic({ le: true, nanosecond, linkType: 228, records: recs.map((r) => ({ ...r, sub: nanosecond ? r.sub : r.sub % 1_000_000 })) });
      const p = outPath(`builder-${nanosecond}.pcap`);
      const w = new PcapWriter(p, 228, { nanosecond, bufferBytes: 128 });
      for (const e of built.expected) w.writeExact(e.data, 0, e.data.length, e.sec, e.ns);
      w.close();
      assert.deepEqual(new Uint8Array(readFileSync(p)), built.bytes);
    }
  });

  it('never throws on odd arguments: clamps timestamps, clips slices, ignores writes after close', () => {
    const p = outPath('odd.pcap');
    const w = new PcapWriter(p, 1, { snapLength: 8 });
    const src = packetBytes(20, 1);
    w.write(src, 0, 20, -5, 3);                 // before 1970 → 0; cut to 8; original ≥ captured
    w.write(src, 15, 100, Number.NaN);          // slice past the end → 5 bytes; NaN time → 0
    w.write(src, 0, 4, 1e13 * 1000);            // after 2106 → the largest second
    w.write(src, 0, 4, 999.9996);               // rounds up into the next second
    w.close();
    w.close();
    w.write(src, 0, 4, 0);
    const run = readAll(p);
    assert.equal(run.error, undefined);
    assert.equal(run.records.length, 4);
    const [a, b, c, d] = run.records as [typeof run.records[0], typeof run.records[0], typeof run.records[0], typeof run.records[0]];
    assert.deepEqual([a.sec, a.ns, a.data.length, a.originalLength], [0, 0, 8, 8]);
    assert.deepEqual(a.data, src.subarray(0, 8));
    assert.deepEqual([b.sec, b.data.length, b.originalLength], [0, 5, 100]);
    assert.deepEqual(b.data, src.subarray(15, 20));
    assert.equal(c.sec, 0xffffffff);
    assert.deepEqual([d.sec, d.ns], [1, 0]);
  });
});
