/**
 * `npm run bench:instructions`: instructions per packet of the replay loop, counted by valgrind
 * (callgrind), which repeats to the instruction on a loaded machine where wall-clock figures
 * move by tens of percent. The figure is (instructions of a 600,000-packet replay − those of its
 * first 200,000 packets) / 400,000: start-up, config, table set-up and the JIT's warm-up cancel
 * out, the steady loop remains. The capture is the replay benchmark's generator (seed 1,
 * 10,000 flows, headers only) and the config `bench/configs/replay.cfg`.
 *
 * Flags: `--runs N` (default 1; valgrind is repeatable, more runs only show it),
 * `--json FILE`. Needs `valgrind` (Debian package).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, writeFileSync, writeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCapture, GEN_SNAPLEN_HEADERS, BENCH_OUT_DIR } from './lib/gen-capture.js';
import { REPO_ROOT } from './lib/harness.js';
import { REPLAY_BENCH_CONFIG } from './replay.js';

const LONG_PACKETS = 600_000;
const SHORT_PACKETS = 200_000;
/**
 * V8 compiles optimised code on background threads; under valgrind, which runs one thread at a
 * time, when that code arrives varies from run to run (two runs without this flag: 1,867 and
 * 2,200 instructions per packet). `--single-threaded` compiles on the main thread, so the
 * count repeats.
 */
const NODE_FLAGS = ['--single-threaded'];

/** Copies the classic-pcap global header and the first `count` records of `src` into `dst`. */
export function writePcapPrefix(src: string, dst: string, count: number): void {
  const fd = openSync(src, 'r');
  const size = fstatSync(fd).size;
  const buf = Buffer.alloc(size);
  let got = 0;
  while (got < size) {
    const n = readSync(fd, buf, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  closeSync(fd);
  const little = buf.readUInt32LE(0) === 0xa1b2c3d4;
  let off = 24;
  for (let i = 0; i < count; i++) {
    if (off + 16 > got) throw new RangeError(`${src} holds fewer than ${count} records`);
    const incl = little ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
    off += 16 + incl;
  }
  const out = openSync(dst, 'w');
  writeSync(out, buf, 0, off);
  closeSync(out);
}

/** Instructions (callgrind's "Collected") of one `portcullis replay` of `capture`. */
export function countInstructions(capture: string, config: string): number {
  const r = spawnSync('valgrind', [
    '--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file',
    process.execPath, ...NODE_FLAGS, join(REPO_ROOT, 'bin', 'portcullis.cjs'),
    'replay', capture, '--config', config, '--no-summary',
  ], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw r.error;
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`valgrind replay of ${capture} failed (status ${r.status}): ${r.stderr.slice(-400)}`);
  return Number(m[1]);
}

/** Result of one measurement. */
export interface InstructionsResult {
  readonly longInstructions: number;
  readonly shortInstructions: number;
  readonly perPacket: number;
}

/** Generates the captures (cached) and counts both replays. */
export function measureInstructionsPerPacket(config = REPLAY_BENCH_CONFIG): InstructionsResult {
  const capture = ensureCapture({ packets: LONG_PACKETS, flows: 10_000, snaplen: GEN_SNAPLEN_HEADERS, seed: 1 });
  const short = join(BENCH_OUT_DIR, `instructions-prefix-${SHORT_PACKETS}.pcap`);
  writePcapPrefix(capture.path, short, SHORT_PACKETS);
  const longInstructions = countInstructions(capture.path, config);
  const shortInstructions = countInstructions(short, config);
  return { longInstructions, shortInstructions, perPacket: (longInstructions - shortInstructions) / (LONG_PACKETS - SHORT_PACKETS) };
}

function main(): void {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
  const jsonAt = args.indexOf('--json');
  const results: InstructionsResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = measureInstructionsPerPacket();
    results.push(r);
    process.stdout.write(`replay loop: ${r.perPacket.toFixed(0)} instructions/packet `
      + `(${LONG_PACKETS.toLocaleString('en')}-packet replay ${r.longInstructions.toLocaleString('en')}, `
      + `${SHORT_PACKETS.toLocaleString('en')}-packet prefix ${r.shortInstructions.toLocaleString('en')})\n`);
  }
  if (jsonAt >= 0) writeFileSync(args[jsonAt + 1]!, JSON.stringify(results, null, 2) + '\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
