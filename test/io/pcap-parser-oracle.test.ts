/**
 * Oracle test: the npm `pcap-parser` package (an independent, event-per-packet reader named in
 * the design card) reads every classic pcap file in `captures/`, in `test/io/fixtures/` and a
 * set built here, and every record must match what `PcapReader` returns: timestamps, lengths,
 * bytes. `pcap-parser` knows only the microsecond magic, so a nanosecond file is handed to it
 * as a copy with the microsecond magic, whose "microseconds" field then carries the raw ns.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventEmitter } from 'node:events';
import { PcapWriter } from '../../src/io/pcap-writer.js';
import { buildClassic, packetBytes } from './capture-builder.js';
import { readAll, TempDir } from './read-helpers.js';

interface ParserGlobalHeader { magicNumber: number; linkLayerType: number }
interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
interface PcapParserModule { parse(input: string): EventEmitter }

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as PcapParserModule;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tmp = new TempDir();
after(() => tmp.dispose());

/** Every `.pcap` file under `dir`, recursively (none if the directory does not exist). */
function findPcaps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findPcaps(p));
    else if (name.endsWith('.pcap')) out.push(p);
  }
  return out;
}

/** Files built here, so that both byte orders and both resolutions are always compared. */
function builtFiles(): string[] {
  const files: string[] = [];
  const save = (bytes: Uint8Array, name: string): string => {
    const p = join(tmp.path, name);
    writeFileSync(p, bytes);
    return p;
  };
  for (const le of [true, false]) {
    for (const nanosecond of [false, true]) {
      const records = [0, 1, 60, 1514, 333].map((len, i) => ({
        sec: 1_234_567_890 + i, sub: nanosecond ? 999_999_999 - i * 7 : 999_999 - i * 7,
        data: packetBytes(len, i), originalLength: len + i,
      }));
      const built = buildClassic({ le, nanosecond, linkType: le ? 101 : 228, records });
      files.push(save(built.bytes, `built-${le ? 'le' : 'be'}-${nanosecond ? 'ns' : 'us'}.pcap`));
    }
  }
  const w = new PcapWriter(join(tmp.path, 'writer.pcap'), 1, { snapLength: 100, bufferBytes: 200 });
  for (let i = 0; i < 30; i++) w.write(packetBytes(i * 7, i), 0, i * 7, 1_700_000_000_000 + i * 0.001);
  w.close();
  files.push(join(tmp.path, 'writer.pcap'));
  return files;
}

/** Reads a file with pcap-parser; resolves with its header and every packet. */
function parseWithOracle(path: string): Promise<{ header: ParserGlobalHeader; packets: ParserPacket[] }> {
  return new Promise((resolve, reject) => {
    const packets: ParserPacket[] = [];
    let header: ParserGlobalHeader | undefined;
    let failed = false;
    const parser = pcapParser.parse(path);
    parser.on('globalHeader', (h: ParserGlobalHeader) => { header = h; });
    parser.on('packet', (p: ParserPacket) => { packets.push(p); });
    parser.on('error', (e: Error) => { failed = true; reject(e); });
    parser.on('end', () => {
      if (failed) return;
      if (header === undefined) reject(new Error(`pcap-parser read no header from ${path}`));
      else resolve({ header, packets });
    });
  });
}

/** The first four bytes of a file read big-endian (0 when shorter). */
function magicOf(bytes: Uint8Array): number {
  return bytes.length < 4 ? 0 : new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, false);
}

const NS_MAGIC_BE = 0xa1b23c4d;
const NS_MAGIC_LE = 0x4d3cb2a1;
const US_MAGIC_BE = 0xa1b2c3d4;
const US_MAGIC_LE = 0xd4c3b2a1;

const sources = [
  ...findPcaps(join(ROOT, 'captures')),
  ...findPcaps(join(ROOT, 'test', 'io', 'fixtures')),
];
let compared = 0;
let comparedRecords = 0;

describe('pcap-parser oracle: every classic capture reads the same through PcapReader', () => {
  const files = [...sources, ...builtFiles()];
  for (const file of files) {
    it(file.startsWith(tmp.path) ? file.slice(tmp.path.length + 1) : relative(ROOT, file), async () => {
      const bytes = new Uint8Array(readFileSync(file));
      const magic = magicOf(bytes);
      let oracleFile = file;
      let nanosecond = false;
      if (magic === NS_MAGIC_BE || magic === NS_MAGIC_LE) {
        nanosecond = true;
        const copy = bytes.slice();
        new DataView(copy.buffer).setUint32(0, magic === NS_MAGIC_BE ? US_MAGIC_BE : US_MAGIC_LE, false);
        oracleFile = join(tmp.path, `oracle-${compared}-${file.split('/').pop()!}`);
        writeFileSync(oracleFile, copy);
      } else if (magic !== US_MAGIC_BE && magic !== US_MAGIC_LE) {
        // A pcapng (or modified-pcap) file named .pcap: outside what pcap-parser reads.
        assert.ok(!file.startsWith(join(ROOT, 'test')), `${file}: own fixtures must be classic pcap`);
        return;
      }
      const mine = readAll(file, { chunkBytes: 4096 });
      const oracle = await parseWithOracle(oracleFile);
      assert.ok(oracle.packets.length >= mine.records.length, 'pcap-parser read at least as many records');
      if (mine.error === undefined) assert.equal(mine.records.length, oracle.packets.length, 'record count');
      mine.records.forEach((r, i) => {
        const o = oracle.packets[i]!;
        const at = `record ${i}`;
        assert.equal(r.linkType, oracle.header.linkLayerType & 0xffff, `${at}: link type`);
        assert.equal(r.sec, o.header.timestampSeconds, `${at}: seconds`);
        assert.equal(r.ns, nanosecond ? o.header.timestampMicroseconds : o.header.timestampMicroseconds * 1000, `${at}: sub-second`);
        assert.equal(r.data.length, o.header.capturedLength, `${at}: captured length`);
        assert.equal(r.originalLength, o.header.originalLength, `${at}: original length`);
        assert.deepEqual(Buffer.from(r.data), o.data, `${at}: bytes`);
      });
      compared++;
      comparedRecords += mine.records.length;
    });
  }

  it('compared real captures, not nothing', () => {
    const fixtures = findPcaps(join(ROOT, 'test', 'io', 'fixtures'));
    assert.ok(fixtures.length >= 5, `fixtures found: ${fixtures.length}`);
    assert.ok(compared >= fixtures.length + 5, `files compared: ${compared}`);
    assert.ok(comparedRecords >= 100, `records compared: ${comparedRecords}`);
  });
});

describe('PcapWriter read by independent readers (pcap-parser, tcpdump)', () => {
  it('never writes a sub-second field of a whole second: a fraction rounding up, or nanoseconds past 1e9, carry into the seconds', async () => {
    const path = join(tmp.path, 'carry.pcap');
    const w = new PcapWriter(path, 101);
    const data = packetBytes(40, 1);
    // 999.9996 ms rounds to 1,000,000 µs: the record must say 1,700,000,001 s and 0 µs.
    w.write(data, 0, 40, 1_700_000_000_999.9996);
    // Exact times whose nanoseconds were not normalised by the caller.
    w.writeExact(data, 0, 40, 1_700_000_000, 1_000_000_000);
    w.writeExact(data, 0, 40, 1_700_000_000, 2_345_678_999);
    w.close();
    const got = (await parseWithOracle(path)).packets.map((p) => [p.header.timestampSeconds, p.header.timestampMicroseconds]);
    assert.deepEqual(got, [[1_700_000_001, 0], [1_700_000_001, 0], [1_700_000_002, 345_678]]);
    const td = spawnSync('tcpdump', ['-r', path, '-tt', '-nn', '-q'], { encoding: 'utf8' });
    assert.equal(td.status, 0, td.stderr);
    assert.deepEqual(td.stdout.trim().split('\n').map((l) => l.split(' ')[0]), ['1700000001.000000', '1700000001.000000', '1700000002.345678']);
  });
});
