/**
 * The TUN addon (native/tun.cc) through its adapter (src/io/tun.ts), on real TUN devices in a
 * network namespace this file creates and always deletes (stale ones of a killed run too). Each
 * scenario runs in a child process inside the namespace (test/io/tun-child.ts) and reports what
 * it saw; the assertions are here. Needs root, as the project's machines and CI run the tests.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TUN_OFFLOADS_ALL } from '../../src/io/tun.js';

const NS = `pctun-${process.pid}`;
const CHILD = fileURLToPath(new URL('./tun-child.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EINVAL = 22;

/** Whether this kernel lets a process use io_uring (kernel.io_uring_disabled absent or 0). */
function uringOffered(): boolean {
  try {
    return readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim() === '0';
  } catch {
    return true;
  }
}

type Result = Record<string, any>;

/** Deletes namespaces of earlier runs whose process is gone (killed before its `after`). */
function removeStale(): void {
  for (const line of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')) {
    const m = /^pctun-(\d+)\b/.exec(line);
    if (m === null) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      alive = false;
    }
    if (!alive) execFileSync('ip', ['netns', 'delete', `pctun-${m[1]}`]);
  }
}

before(() => {
  removeStale();
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
});

after(() => {
  execFileSync('ip', ['netns', 'delete', NS]);
});

/** Runs `node SCRIPT scenario offloads` in the namespace (behind `wrap`) and returns its report. */
function inNamespace(scenario: string, offloads: number, opts: { wrap?: string[]; env?: NodeJS.ProcessEnv; script?: string } = {}): Promise<Result> {
  const args = ['netns', 'exec', NS, ...(opts.wrap ?? []), process.execPath, opts.script ?? CHILD, scenario, String(offloads)];
  return new Promise((resolve, reject) => {
    execFile('ip', args, { env: { ...process.env, ...opts.env }, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let report: Result;
      try {
        report = JSON.parse(last) as Result;
      } catch {
        reject(new Error(`${scenario}: no report (${err?.message ?? 'exit 0'}); stderr: ${stderr}`));
        return;
      }
      if (report['failed'] !== undefined) reject(new Error(`${scenario} failed: ${JSON.stringify(report)}`));
      else resolve(report);
    });
  });
}

for (const [mode, offloads] of [['plain', 0], ['offloads', TUN_OFFLOADS_ALL]] as const) {
  test(`${mode}: opens a named device with its MTU and up; close removes it`, async () => {
    const r = await inNamespace('open-close', offloads);
    assert.equal(r['open'].name, 'pct0');
    assert.equal(r['open'].mtu, 1400);
    assert.equal(r['open'].up, true);
    assert.equal(r['open'].vnetHdr, offloads !== 0);
    assert.equal(r['open'].frameMax, offloads !== 0 ? 65535 : 1400);
    assert.equal(r['goneAfterClose'], true);
    assert.equal(r['numberedName'], 'pcn0');
  });

  test(`${mode}: a taken name, a device of another kind, a long name and a bad MTU fail with their errno`, async () => {
    const r = await inNamespace('errors', offloads);
    assert.deepEqual([r['taken'].name, r['taken'].code, r['taken'].errno, r['taken'].step],
      ['TunOpenError', 'ERR_TUN_OPEN', 'EBUSY', 'TUNSETIFF']);
    assert.match(r['taken'].message, /pct1 is taken: another process holds/);
    assert.deepEqual([r['notTun'].code, r['notTun'].errno, r['notTun'].step], ['ERR_TUN_OPEN', 'EINVAL', 'TUNSETIFF']);
    assert.match(r['notTun'].message, /not a TUN device/);
    assert.deepEqual([r['longName'].code, r['longName'].errno, r['longName'].step], ['ERR_TUN_OPEN', 'EINVAL', 'interface name']);
    assert.deepEqual([r['badMtu'].code, r['badMtu'].errno, r['badMtu'].step], ['ERR_TUN_OPEN', 'EINVAL', 'MTU']);
    assert.equal(r['freedAfterClose'], true);
  });

  test(`${mode}: where the ring's reads find nothing on a readable device, one plain read finds out and plain reads take over`, async () => {
    // Fault injection: every ring read completes with EAGAIN, as on a kernel that refused them.
    const r = await inNamespace('read-udp', offloads, { env: { PORTCULLIS_TUN_FAULT: 'ring-reads-empty' } });
    assert.deepEqual(r['payloads'], Array.from({ length: 40 }, (_, i) => `udp-${i}`));
    if (r['uring']) assert.ok(r['readSyscalls'] > r['readPackets'], `${r['readSyscalls']} calls, ${r['readPackets']} packets`);
  });

  for (const [reads, env] of [
    ['io_uring', {}], ['read(2)', { PORTCULLIS_TUN_URING: '0' }], ['read(2), ring writes', { PORTCULLIS_TUN_URING: 'writes' }],
  ] as const) {
  test(`${mode}, ${reads}: datagrams sent into the device are read in batches, in order`, async () => {
    const r = await inNamespace('read-udp', offloads, { env });
    assert.deepEqual(r['payloads'], Array.from({ length: 40 }, (_, i) => `udp-${i}`));
    // 40 datagrams queued before the first read: far fewer reads than packets.
    assert.ok(r['batches'][0] > 1 && r['batches'].length < 40, `batches ${JSON.stringify(r['batches'])}`);
    // The byte counter: the packets' lengths, whatever the buffer's layout.
    assert.equal(r['readBytes'], r['bytesSeen']);
    if (reads === 'io_uring') {
      // Rounds of reads, one system call each: far fewer calls than packets.
      assert.equal(r['uring'], uringOffered());
      if (r['uring']) assert.ok(r['readSyscalls'] < r['readPackets'] / 2, `${r['readSyscalls']} calls, ${r['readPackets']} packets`);
    } else {
      // One read per packet, and one per batch that found the device empty.
      assert.equal(r['uring'], reads === 'read(2)' ? false : uringOffered());
      assert.ok(r['readSyscalls'] > r['readPackets'], `${r['readSyscalls']} calls, ${r['readPackets']} packets`);
    }
    if (offloads !== 0) {
      // Locally sent UDP leaves its checksum partial (NEEDS_CSUM at 20 + 6), no segmentation.
      for (const m of r['metas']) assert.deepEqual([m[0], m[1], m[3], m[4], m[5]], [1, 0, 0, 20, 6]);
      assert.equal(r['metas'].length, 40);
    }
  });

  test(`${mode}, ${reads}: the gateway's port drains the device in one wake-up, a batch of 64 at a time`, async () => {
    const r = await inNamespace('port-drain', offloads, { env });
    // The kernel may have sent some of the namespace's own packets (IPv6 router solicitations…)
    // into the device too: at least the 300 datagrams, all in the first wake-up.
    assert.ok(r['handled'] >= 300, `handled ${r['handled']}`);
    assert.equal(r['perWakeup'][0], r['handled'], `per wake-up ${JSON.stringify(r['perWakeup'])}`);
    // Four full batches, then one that ended on EAGAIN (the device drained).
    assert.equal(r['readBatches'], Math.ceil(r['handled'] / 64) + (r['handled'] % 64 === 0 ? 1 : 0));
    assert.equal(r['drained'], 1);
  });
  }

  for (const [writes, env] of [['io_uring', {}], ['write(2)', { PORTCULLIS_TUN_URING: '0' }]] as const) {
    test(`${mode}, ${writes}: one written batch reaches a socket; runts are refused, counted and skipped; bad arguments throw`, async () => {
      const r = await inNamespace('write-udp', offloads, { env });
      // The ring where the kernel offers io_uring (this project's machines do), plain writes when asked.
      if (writes === 'io_uring') assert.equal(r['uring'], uringOffered());
      else assert.equal(r['uring'], false);
      assert.deepEqual(r['received'], Array.from({ length: 20 }, (_, i) => `w${i}`));
      // 24 packets: the empty one and versions 0 and 5 are refused (EINVAL); the short IPv4 one
      // is taken by the TUN and dropped by IP.
      assert.equal(r['total'], 24);
      assert.equal(r['written'], 21);
      assert.equal(r['refused'], 3);
      assert.equal(r['lastWriteErrno'], EINVAL);
      assert.equal(r['outside'].name, 'RangeError');
      assert.equal(r['writtenByOutside'], 0);
      assert.equal(r['shortRead'].name, 'RangeError');
      assert.equal(r['wrongType'].name, 'TypeError');
    });
  }
}

test('plain: a TCP stream through the device comes in MTU-sized packets', async () => {
  const r = await inNamespace('tcp', 0);
  assert.equal(r['vnetHdr'], false);
  assert.ok(r['received'] >= 256 * 1024);
  assert.equal(r['maxLen'], 1500);
  assert.equal(r['superPackets'], 0);
});

test('offloads: a TCP stream comes in TSO super-packets with their virtio header; a written one arrives whole', async () => {
  const r = await inNamespace('tcp', TUN_OFFLOADS_ALL);
  assert.equal(r['vnetHdr'], true);
  assert.match(r['offloads'], /^csum tso4 tso6/);
  assert.ok(r['received'] >= 256 * 1024);
  assert.ok(r['superPackets'] > 0 && r['maxLen'] > 1500, `largest packet ${r['maxLen']}`);
  const s = r['firstSuper'];
  // GSO_TCPV4, MSS-sized segments, checksum partial from the TCP header (20 + 16).
  assert.deepEqual([s.flags, s.gsoType, s.gsoSize, s.csumStart, s.csumOffset], [1, 1, 1460, 20, 16]);
  assert.equal(s.hdrLen, s.tcpHeaderEnd);
  assert.deepEqual(r['superWrite'], { written: 1, bytes: 4000, same: true });
});

test('offloads: refused masks fall back to fewer flags, then to no header', async () => {
  const r = await inNamespace('fallback', 0);
  assert.deepEqual(r['fewer'], { vnetHdr: true, offloads: 'csum tso4', frameMax: 65535 });
  assert.deepEqual(r['none'], { vnetHdr: false, offloads: 'none', frameMax: 1500 });
});

test('without CAP_NET_ADMIN the open fails with EPERM; without /dev/net/tun with ENOENT', async () => {
  const eperm = await inNamespace('open-only', 0, { wrap: ['setpriv', '--bounding-set=-net_admin', '--inh-caps=-net_admin'] });
  assert.deepEqual([eperm['code'], eperm['errno'], eperm['step']], ['ERR_TUN_OPEN', 'EPERM', 'TUNSETIFF']);
  assert.match(eperm['message'], /needs root \(CAP_NET_ADMIN\)/);
  // An empty /dev/net in a private mount namespace of the child only.
  const enoent = await inNamespace('open-only', 0, {
    wrap: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /dev/net && exec "$@"', 'sh'],
  });
  assert.deepEqual([enoent['code'], enoent['errno'], enoent['step']], ['ERR_TUN_OPEN', 'ENOENT', 'open /dev/net/tun']);
});

test('reading needs no thread-pool thread: packets are read while the only one is blocked', async () => {
  const r = await inNamespace('threadpool', 0, { env: { UV_THREADPOOL_SIZE: '1' } });
  assert.deepEqual(r['whileBlocked'], { seen: 10, openDone: false, statDone: false });
  assert.deepEqual(r['afterRelease'], { openDone: true, statDone: true });
});

test('bundled as the CLI is (esbuild, CommonJS), the adapter loads the .node file from disk', async () => {
  // Same depth and loading as dist/portcullis.bundle.js (scripts/bundle.mjs): import.meta.url is
  // the bundle's own URL and the addon is found from there.
  const outfile = `${ROOT}dist/tun-child.bundle.cjs`;
  try {
    await build({
      absWorkingDir: ROOT, entryPoints: [CHILD], outfile, bundle: true, platform: 'node', format: 'cjs',
      target: 'node20', logLevel: 'error', define: { 'import.meta.url': '__portcullisBundleUrl' },
      banner: { js: 'const __portcullisBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
      external: ['*.node'],
    });
    const text = readFileSync(outfile, 'utf8');
    // node-gyp-build's own code (it looks for prebuilds) is not in the bundle: it loads at run time.
    assert.doesNotMatch(text, /prebuilds/);
    const r = await inNamespace('open-close', TUN_OFFLOADS_ALL, { script: outfile });
    assert.equal(r['open'].up, true);
    assert.equal(r['goneAfterClose'], true);
  } finally {
    rmSync(outfile, { force: true });
  }
});
