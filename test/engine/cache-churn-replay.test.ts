/**
 * Host churn through a whole replay: the state that made the auth cache's old index hang the
 * packet path, reached through `portcullis replay` (the real binary, so every packet goes
 * through `Engine.handle` and every timer through `Engine.poll`), with a watchdog.
 *
 * The old index (before the one open-addressing table) marked removed hosts with tombstones
 * and rebuilt itself only when the cache's arrays grew. With ~1,000 hosts live in its 2,048
 * cells — 1,024 slots, not outgrown, because freed slots are reused — every host created and
 * expired in random hash order turned empty cells into tombstones until none was left; the next
 * lookup of an unknown address (the SYN of a new host, on the packet path) then probed forever.
 * Here 20,000 hosts each send one SYN to port 80, one every 60 ms, under `ip auth-proxy
 * inactivity-timer 1`: every SYN creates its host's entry and the entry expires a minute later,
 * so ~1,000 are live at any time and 19,000 create/remove cycles pass through the cache. The old
 * code stopped for good at the 12,611th host's SYN; the replay must end (in seconds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter } from '../../src/io/pcap-writer.js';
import { TcpSegmentSpec, writeTcpSegment } from '../../src/wire/emit-tcp.js';
import { LINKTYPE_RAW, TCP_FLAG_SYN } from '../../src/wire/packet.js';
import { bin, inTempDir } from '../cli/run-cli.js';

/** Hosts, each sending one SYN. */
const HOSTS = 20_000;
/** Time between two hosts' SYNs: 60 s of inactivity timer / 60 ms ≈ 1,000 entries live. */
const SPACING_MS = 60;
/** The watchdog: how long the child may run. A hang detector, not a speed limit (the replay takes seconds). */
const WATCHDOG_MS = 120_000;
const SERVER = 0xac100050; // 172.16.0.80

const CONFIG = `hostname churn
!
ip auth-proxy inactivity-timer 1
ip auth-proxy half-open-limit 4096
ip auth-proxy name churn http
!
interface GigabitEthernet0/0
 ip address 10.0.0.1 255.0.0.0
 ip auth-proxy churn
!
interface GigabitEthernet0/1
 ip address 172.16.0.1 255.255.0.0
!
end
`;

/**
 * Writes the capture: `HOSTS` SYNs from distinct addresses spread over 10.0.0.0/8 (xorshift32,
 * so the order in which the cache hashes them is as random as real clients'), `SPACING_MS` apart.
 */
function writeChurnCapture(path: string): void {
  const w = new PcapWriter(path, LINKTYPE_RAW);
  const spec = new TcpSegmentSpec();
  const buf = new Uint8Array(128);
  const used = new Set<number>();
  let x = 0x2545f491;
  try {
    for (let i = 0; i < HOSTS; i++) {
      let src: number;
      do {
        x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
        src = (0x0a000000 | (x & 0xffffff)) >>> 0;
      } while (used.has(src) || (src & 0xffffff) < 2 || (src & 0xffffff) === 0xffffff);
      used.add(src);
      spec.clearOptions();
      spec.setAddresses4(src, SERVER);
      spec.srcPort = 1024 + (i % 60000);
      spec.dstPort = 80;
      spec.seq = Math.imul(i + 1, 0x9e3779b1) >>> 0;
      spec.ack = 0;
      spec.flags = TCP_FLAG_SYN;
      spec.window = 64240;
      spec.mss = 1460;
      const len = writeTcpSegment(buf, 0, spec);
      w.write(buf, 0, len, 1_700_000_000_000 + i * SPACING_MS);
    }
  } finally {
    w.close();
  }
}

test('regression: a replay in which 20,000 hosts come and go, ~1,000 at a time, ends (the old auth-cache index hung in it)', () => {
  inTempDir((dir) => {
    const capture = join(dir, 'churn.pcap');
    const config = join(dir, 'churn.cfg');
    writeChurnCapture(capture);
    writeFileSync(config, CONFIG);
    const r = spawnSync(process.execPath, [bin, 'replay', capture, '--config', config, '--debug', 'object-creation,object-deletion'],
      { encoding: 'utf8', timeout: WATCHDOG_MS, killSignal: 'SIGKILL', maxBuffer: 256 * 2 ** 20 });
    assert.notEqual(r.error?.message.includes('ETIMEDOUT'), true,
      `replay still running after ${WATCHDOG_MS / 1000} s: it hangs (an auth-cache lookup that never ends?)`);
    assert.equal(r.status, 0, r.stderr);
    // Every SYN came from a new host: each made an entry, and each entry expired.
    assert.match(r.stderr, new RegExp(`intercepted\\s+${HOSTS}\\n`));
    let live = 0;
    let most = 0;
    let created = 0;
    let removed = 0;
    for (const line of r.stdout.split('\n')) {
      if (line.includes('AUTH-PROXY OBJ_CREATE:')) {
        created++;
        if (++live > most) most = live;
      } else if (line.includes('AUTH-PROXY OBJ_DELETE:')) {
        removed++;
        live--;
      }
    }
    assert.equal(created, HOSTS);
    // Entries expire a minute after their SYN; the last minute's are still live when the capture ends.
    assert.equal(removed, HOSTS - live);
    assert.ok(live >= 990 && live <= 1024, `entries live at the end: ${live}`);
    // Near the old index's 1,024 slots, never past them: its arrays never grew, so nothing but
    // an empty cell could end a probe.
    assert.ok(most >= 990 && most <= 1024, `most entries live at once: ${most}`);
  });
});
