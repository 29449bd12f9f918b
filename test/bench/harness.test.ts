import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliReplayWallMs, interleave, median, replayWallMs, tcpdumpWallMs, wallOf, REPO_ROOT } from '../../bench/lib/harness.js';
import { generateCapture, newCaptureTally } from '../../bench/lib/gen-capture.js';
import { parseBenchArgs, markdownTable, formatRunnerResult, BENCH_NAMES } from '../../bench/run.js';
import { UsageError } from '../../src/errors.js';

test('median: odd, even, unsorted input left untouched, empty', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const xs = [9, 7, 8];
  median(xs);
  assert.deepEqual(xs, [9, 7, 8]);
  assert.ok(Number.isNaN(median([])));
});

test('interleave runs A B A B … after one warm-up pair and reports the median of per-round ratios', async () => {
  const calls: string[] = [];
  // Anchor and subject drift together: per-round ratios 2, 3, 2.5, 4, 1.5 — median 2.5,
  // while the ratio of the medians (subject 40 / anchor 10) would be 4.
  const anchors = [999, 10, 20, 10, 5, 40];
  const subjects = [999, 20, 60, 25, 20, 60];
  let ai = 0;
  let si = 0;
  const r = await interleave({
    rounds: 5,
    anchor: () => { calls.push('A'); return anchors[ai++]!; },
    subject: async () => { calls.push('S'); return { wallMs: subjects[si++]!, tag: si }; },
  });
  assert.deepEqual(calls, ['A', 'S', 'A', 'S', 'A', 'S', 'A', 'S', 'A', 'S', 'A', 'S']);
  assert.deepEqual(r.ratios, [2, 3, 2.5, 4, 1.5]);
  assert.equal(r.ratio, 2.5);
  assert.equal(r.anchorMs, 10);
  assert.equal(r.subjectMs, 25);
  assert.equal(r.subjectRuns.length, 5);
  assert.equal(r.subjectRuns[0]!.tag, 2, 'the warm-up run is not counted');
});

test('interleave without warm-up, round callback, and rejected round counts', async () => {
  const seen: Array<[number, number, number]> = [];
  let n = 0;
  const r = await interleave({
    rounds: 3, warmup: false,
    anchor: () => 10,
    subject: () => 10 * ++n,
    onRound: (i, a, s) => seen.push([i, a, s]),
  });
  assert.deepEqual(seen, [[0, 10, 10], [1, 10, 20], [2, 10, 30]]);
  assert.equal(r.ratio, 2);
  await assert.rejects(interleave({ rounds: 0, anchor: () => 1, subject: () => 1 }), RangeError);
  assert.equal(wallOf(7), 7);
  assert.equal(wallOf({ wallMs: 8 }), 8);
});

test('replayWallMs runs the child in a fresh process and reads its measurements; tcpdump is timed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-harness-'));
  try {
    const path = join(dir, 'c.pcap');
    const tally = newCaptureTally();
    generateCapture({ path, packets: 20_000, flows: 300, snaplen: 96, seed: 5 }, tally);
    const r = await replayWallMs(path, '/nonexistent.cfg', { mode: 'scan', warmupPackets: 5000 });
    assert.equal(r.mode, 'scan');
    assert.equal(r.packets, 20_000);
    assert.equal(r.matched, tally.tcpDstPort80);
    assert.equal(r.steadyPackets, 15_000);
    assert.ok(r.wallMs > r.loopMs, 'process wall time includes the loop');
    assert.ok(Math.abs(r.nsPerPacket - (r.loopMs * 1e6) / r.packets) < 1e-6);
    assert.ok(r.scavengesSteady <= r.scavenges);
    // With --expose-gc the child empties the young generation at the end of the warm-up and
    // measures what the steady state allocates; the scan loop allocates (almost) nothing.
    const g = await replayWallMs(path, '/nonexistent.cfg', { mode: 'scan', warmupPackets: 5000, exposeGc: true });
    assert.equal(g.scavengesSteady, 0);
    assert.ok(g.steadyYoungBytes >= 0 && g.steadyYoungBytes < 64 * 1024, `steady young allocation ${g.steadyYoungBytes} B`);
    // The CLI as users run it, timed; a bad config is the CLI's error, reported.
    const cli = await cliReplayWallMs(path, join(REPO_ROOT, 'bench', 'configs', 'replay.cfg'));
    assert.ok(cli > 0);
    await assert.rejects(cliReplayWallMs(path, '/nonexistent.cfg'),
      (e: Error & { code?: string }) => e.code === 'ERR_BENCH_CHILD' && /nonexistent\.cfg/.test(e.message));
    const t = await tcpdumpWallMs(path);
    assert.ok(t > 0);
    await assert.rejects(replayWallMs(join(dir, 'missing.pcap'), '/nonexistent.cfg', { mode: 'scan' }),
      (e: Error & { code?: string }) => e.code === 'ERR_BENCH_CHILD' && /missing\.pcap/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench runner flags: --only lists, --quick, --json; unknown names are usage errors', () => {
  assert.deepEqual(parseBenchArgs([]), { only: [...BENCH_NAMES], quick: false, jsonPath: undefined });
  assert.deepEqual(parseBenchArgs(['--only', 'micro,replay-hdr', '--only', 'flow-scale', '--quick', '--json', 'o.json']),
    { only: ['micro', 'replay-hdr', 'flow-scale'], quick: true, jsonPath: 'o.json' });
  assert.throws(() => parseBenchArgs(['--only', 'nope']), UsageError);
  assert.throws(() => parseBenchArgs(['--json']), UsageError);
  assert.throws(() => parseBenchArgs(['--fast']), UsageError);
  assert.equal(markdownTable(['a', 'b'], [['1', '2']]), '| a | b |\n| --- | --- |\n| 1 | 2 |\n');
  assert.equal(formatRunnerResult({ markdown: 'x\n' }), 'x\n');
  assert.equal(formatRunnerResult([{ flows: 10, ns: 73.858, samples: [1, 2] }, { flows: 100, ns: 160.5, samples: [3] }]),
    '| flows | ns |\n| --- | --- |\n| 10 | 73.86 |\n| 100 | 160.50 |\n');
  assert.match(formatRunnerResult({ a: 1 }), /^```\n\{/);
});
