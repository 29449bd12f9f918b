/**
 * Test helper: runs a `PcapReader` over a file and snapshots every record it returns, plus
 * the error it ended with, so that tests compare whole runs with what the builder expected.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError } from '../../src/errors.js';
import { PcapReader, type PcapReaderOptions } from '../../src/io/pcap-reader.js';
import type { ExpectedRecord } from './capture-builder.js';

/** One record as the reader reported it (copied out of the reused buffer). */
export interface ReadRecord {
  readonly data: Uint8Array;
  readonly originalLength: number;
  readonly sec: number;
  readonly ns: number;
  readonly timestampMs: number;
  readonly linkType: number;
  readonly interfaceId: number;
  readonly recordOffset: number;
}

/** A whole run: records, then either a clean end or the error. */
export interface ReadRun {
  readonly records: ReadRecord[];
  /** Error thrown by `open()` or `next()`, if any. */
  readonly error?: unknown;
  /** Whether the error came from `open()`. */
  readonly openFailed: boolean;
  readonly bytesRead: number;
  readonly fileSize: number;
}

/** Reads `path` to the end (or the first error) and snapshots every record. */
export function readAll(path: string, options: PcapReaderOptions = {}): ReadRun {
  let r: PcapReader;
  try {
    r = PcapReader.open(path, options);
  } catch (error) {
    return { records: [], error, openFailed: true, bytesRead: 0, fileSize: 0 };
  }
  const records: ReadRecord[] = [];
  try {
    while (r.next()) {
      records.push({
        data: r.buf.slice(r.offset, r.offset + r.capturedLength),
        originalLength: r.originalLength, sec: r.timestampSec, ns: r.timestampNs,
        timestampMs: r.timestampMs, linkType: r.linkType, interfaceId: r.interfaceId,
        recordOffset: r.recordOffset,
      });
      assert.equal(r.packets, records.length, 'packets counts the records returned');
    }
    // A clean end stays clean.
    assert.equal(r.next(), false);
    return { records, openFailed: false, bytesRead: r.bytesRead, fileSize: r.fileSize };
  } catch (error) {
    return { records, error, openFailed: false, bytesRead: r.bytesRead, fileSize: r.fileSize };
  } finally {
    r.close();
  }
}

/** The double a reader must report for (sec, ns): the nearest double to the true ms value for µs. */
export function expectedMs(sec: number, ns: number): number {
  const us = Math.floor(ns / 1000);
  const sub = ns - us * 1000;
  return (sec * 1e6 + us) / 1000 + (sub === 0 ? 0 : sub / 1e6);
}

/** Asserts that a run returned exactly the expected records, field by field. */
export function assertRecords(got: readonly ReadRecord[], want: readonly ExpectedRecord[], label: string): void {
  assert.equal(got.length, want.length, `${label}: record count`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const at = `${label}: record ${i}`;
    assert.deepEqual(g.data, w.data, `${at}: bytes`);
    assert.equal(g.originalLength, w.originalLength, `${at}: original length`);
    assert.equal(g.sec, w.sec, `${at}: seconds`);
    assert.equal(g.ns, w.ns, `${at}: nanoseconds`);
    assert.equal(g.timestampMs, expectedMs(w.sec, w.ns), `${at}: timestampMs`);
    // A double holds whole µs exactly only below 2^53 µs (year 2255); beyond it the sec/ns
    // fields (checked above) are the exact time and timestampMs is the nearest double.
    if (w.ns % 1000 === 0 && Number.isSafeInteger(w.sec * 1e6 + w.ns / 1000)) {
      assert.equal(Math.round(g.timestampMs * 1000), w.sec * 1e6 + w.ns / 1000, `${at}: timestampMs recovers the µs`);
    }
    assert.equal(g.linkType, w.linkType, `${at}: link type`);
    assert.equal(g.interfaceId, w.interfaceId, `${at}: interface`);
    assert.equal(g.recordOffset, w.recordOffset, `${at}: record offset`);
  }
}

/** Asserts that `e` is a CaptureError at `offset` after `packets` packets. */
export function assertCaptureError(e: unknown, offset: number, packets: number, label: string): asserts e is CaptureError {
  assert.ok(e instanceof CaptureError, `${label}: expected a CaptureError, got ${String(e)}`);
  assert.equal(e.code, 'ERR_CAPTURE_CORRUPT', `${label}: code`);
  assert.equal(e.offset, offset, `${label}: offset (${e.message})`);
  assert.equal(e.packets, packets, `${label}: packets (${e.message})`);
}

/** A scratch directory removed by `dispose()`. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'portcullis-io-'));
  private n = 0;
  /** Writes `bytes` to a fresh file in the directory and returns its path. */
  file(bytes: Uint8Array, ext = '.pcap'): string {
    const p = join(this.path, `f${this.n++}${ext}`);
    writeFileSync(p, bytes);
    return p;
  }
  dispose(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
