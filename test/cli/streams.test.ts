/**
 * The command in pipelines and against odd files, with the real binary: captures read from
 * pipes, FIFOs and `-`; a reader that stops early (`| head`); a full disk; an output naming an
 * input; unbounded config files; `--version`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import { inTempDir, root, run, runShell, seedCfg, seedPcap } from './run-cli.js';

const seedExpected = readFileSync(join(root, 'captures', 'seed-https-authproxy.expected'), 'utf8');
const twoHostsCfg = join(root, 'captures', 'two-hosts-interleaved.cfg');
/** A path quoted for the shell. */
const q = (s: string): string => `'${s}'`;

test('replay reads a capture from a pipe: `-`, /dev/stdin, and tcpdump -w - | portcullis replay -', () => {
  const bytes = readFileSync(seedPcap);
  for (const name of ['-', '/dev/stdin']) {
    const r = run(['replay', name, '--config', seedCfg, '--debug', 'detailed', '--no-summary'], bytes);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, seedExpected, name);
  }
  const viaCat = runShell(`cat ${q(seedPcap)} | $PORTCULLIS replay /dev/stdin --config ${q(seedCfg)} --debug detailed --no-summary`);
  assert.equal(viaCat.status, 0, viaCat.stderr);
  assert.equal(viaCat.stdout, seedExpected);
  const viaTcpdump = runShell(`tcpdump -r ${q(seedPcap)} -w - 2>/dev/null | $PORTCULLIS replay - --config ${q(seedCfg)} --debug detailed --no-summary`);
  assert.equal(viaTcpdump.status, 0, viaTcpdump.stderr);
  assert.equal(viaTcpdump.stdout, seedExpected);
  const pcapng = join(root, 'captures', 'ipv6-sll2.pcapng');
  const ng = run(['replay', '-', '--config', join(root, 'captures', 'ipv6-sll2.cfg'), '--debug', 'detailed', '--no-summary'], readFileSync(pcapng));
  assert.equal(ng.status, 0, ng.stderr);
  assert.equal(ng.stdout, run(['replay', pcapng, '--config', join(root, 'captures', 'ipv6-sll2.cfg'), '--debug', 'detailed', '--no-summary']).stdout);
});

test('replay reads a FIFO, and a capture cut short in a pipe names the same offset as in a file', () => {
  inTempDir((dir) => {
    const fifo = join(dir, 'capture.fifo');
    const r = runShell(`mkfifo ${q(fifo)} && (cat ${q(seedPcap)} > ${q(fifo)} &) && $PORTCULLIS replay ${q(fifo)} --config ${q(seedCfg)} --debug detailed --no-summary`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, seedExpected);
    const whole = readFileSync(seedPcap);
    const cut = whole.subarray(0, 24 + 16 + whole.readUInt32LE(24 + 8) + 7);
    const cutFile = join(dir, 'cut.pcap');
    writeFileSync(cutFile, cut);
    const fromFile = run(['replay', cutFile, '--config', seedCfg, '--no-summary']);
    const fromPipe = run(['replay', '-', '--config', seedCfg, '--no-summary'], cut);
    assert.equal(fromPipe.status, 1);
    assert.match(fromFile.stderr, /truncated packet record header at byte offset 102 \(after 1 packets\)/);
    assert.equal(fromPipe.stderr.replace(/^.*warning.*\n/gm, ''), fromFile.stderr.replace(/^.*warning.*\n/gm, '').replace(cutFile, '-'));
  });
});

/** A capture of `n` SYNs from a client to port 22 (two debug lines each with the two-hosts config). */
function manySyns(dir: string, n: number): string {
  const b = new CaptureBuilder({ kind: 'ethernet' });
  const t0 = Date.UTC(1993, 2, 1, 10, 0, 0);
  for (let i = 0; i < n; i++) {
    b.tcp({ timeMs: t0 + i, src: '192.0.2.10', dst: '198.51.100.80', sport: 10000 + (i % 50000), dport: 22, flags: 'SYN', seq: i });
  }
  const path = join(dir, 'syns.pcap');
  b.write(path);
  return path;
}

/** `portcullis ARGS 2>err | head -N` in bash, then `status <portcullis's exit status>`. */
function headOf(args: string, n: number, dir: string): ReturnType<typeof runShell> {
  return runShell(`bash -c '$PORTCULLIS ${args.replace(/'/g, `'"'"'`)} 2>err | head -${n}; echo "status \${PIPESTATUS[0]}"'`, dir);
}

test('a reader that stops early (| head) ends the run quietly, as a filter killed by SIGPIPE (status 141)', () => {
  inTempDir((dir) => {
    const cap = manySyns(dir, 20000);
    const b = headOf(`replay ${q(cap)} --config ${q(twoHostsCfg)} --debug detailed --out ${q(join(dir, 'out.pcap'))}`, 3, dir);
    const lines = b.stdout.split('\n');
    assert.equal(lines.length, 5, b.stdout);
    assert.match(lines[0]!, /AUTH-PROXY:proto_flag=1, dstport_index=0$/);
    assert.equal(lines[3], 'status 141');
    assert.equal(readFileSync(join(dir, 'err'), 'utf8'), '', 'nothing on stderr: no "internal error: EPIPE", no summary');
    // show output too.
    const cfg = join(dir, 'big.cfg');
    writeFileSync(cfg, Array.from({ length: 20000 }, (_, i) => `access-list 101 permit tcp any host 10.0.${i >> 8}.${i & 255} eq 80\n`).join(''));
    const s = headOf(`show ip access-lists --config ${q(cfg)}`, 1, dir);
    assert.equal(s.stdout, 'Extended IP access list 101\nstatus 141\n');
    assert.equal(readFileSync(join(dir, 'err'), 'utf8'), '');
  });
});

test('a full disk is a reported error naming the file (exit 1), not an internal one', () => {
  const r = run(['replay', seedPcap, '--config', seedCfg, '--out', '/dev/full', '--no-summary']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^portcullis: \/dev\/full: writing the output: no space left on device\n$/m);
  assert.doesNotMatch(r.stderr, /internal error/);
  const d = run(['replay', join(root, 'captures', 'two-hosts-interleaved.pcap'), '--config', twoHostsCfg, '--dropped', '/dev/full', '--no-summary']);
  assert.equal(d.status, 1, d.stderr);
  assert.match(d.stderr, /^portcullis: \/dev\/full: writing the output: no space left on device\n$/m);
});

test('--out or --dropped naming an input of the run, by any path, is refused and nothing is written', () => {
  inTempDir((dir) => {
    const cap = join(dir, 'in.pcap');
    const cfg = join(dir, 'r.cfg');
    writeFileSync(cap, readFileSync(seedPcap));
    writeFileSync(cfg, readFileSync(seedCfg));
    const link = join(dir, 'hard-link.pcap');
    linkSync(cap, link);
    const before = readFileSync(cap);
    const cases: [string[], RegExp][] = [
      [['--out', cap], /--out .*in\.pcap is the same file as the capture/],
      [['--dropped', join(dir, '.', 'in.pcap')], /--dropped .*in\.pcap is the same file as the capture/],
      [['--out', link], /--out .*hard-link\.pcap is the same file as the capture/],
      [['--out', cfg], /--out .*r\.cfg is the same file as the config/],
      [['--out', join(dir, 'o.pcap'), '--dropped', join(dir, 'o.pcap')], /--dropped .*o\.pcap is the same file as --out/],
    ];
    for (const [args, message] of cases) {
      const r = run(['replay', cap, '--config', cfg, '--no-summary', ...args]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(readFileSync(cap), before, 'the capture is untouched');
    }
    assert.equal(statSync(cfg).size, readFileSync(seedCfg).length, 'the config is untouched');
    // The same device twice is fine (nothing is overwritten).
    const ok = run(['replay', cap, '--config', cfg, '--no-summary', '--out', '/dev/null', '--dropped', '/dev/null']);
    assert.equal(ok.status, 0, ok.stderr);
  });
});

test('check-config and --config refuse endless or huge files with a clear error', () => {
  for (const args of [['check-config', '/dev/zero'], ['show', 'ip', 'access-lists', '--config', '/dev/zero']]) {
    const r = run(args);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^portcullis: \/dev\/zero:1: line longer than \d+ bytes; not a running-config\n$/);
  }
  inTempDir((dir) => {
    const long = join(dir, 'long.cfg');
    writeFileSync(long, `hostname a\n${'x'.repeat(5000)}\n`);
    assert.match(run(['check-config', long]).stderr, /long\.cfg:2: line longer than 4096 bytes/);
    const huge = join(dir, 'huge.cfg');
    writeFileSync(huge, 'username u password 0 p\n'.repeat(Math.ceil((65 << 20) / 24)));
    const h = run(['check-config', huge]);
    assert.equal(h.status, 1);
    assert.match(h.stderr, /huge\.cfg: larger than 67108864 bytes; not a running-config/);
  });
});

test('--version and -V print the version from package.json', () => {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  for (const flag of ['--version', '-V']) {
    const r = run([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `portcullis ${version}\n`);
  }
});
