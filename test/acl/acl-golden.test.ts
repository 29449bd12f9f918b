/**
 * ACL replay golden: `captures/acl-interface.pcap` (rebuilt by `acl-golden.ts`) replayed through
 * the real CLI with `captures/acl-interface.cfg`; the packets written to `--out` and `--dropped`
 * must be exactly the hand-derived sets of `acl-interface.expected-permitted` / `-dropped`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAclGolden, ACL_GOLDEN_PACKETS } from './acl-golden.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const captures = join(root, 'captures');

/** IPv4 identification of every IPv4 packet in a classic pcap (raw IP or Ethernet). */
function ipIds(file: string): number[] {
  const b = readFileSync(file);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = dv.getUint32(0, true) === 0xa1b2c3d4;
  assert.ok(le || dv.getUint32(0, false) === 0xa1b2c3d4, `${file}: not a classic pcap`);
  const link = dv.getUint32(20, le);
  const ipAt = link === 1 ? 14 : link === 101 || link === 228 ? 0 : -1;
  assert.ok(ipAt >= 0, `${file}: link type ${link}`);
  const ids: number[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const len = dv.getUint32(o + 8, le);
    const ip = o + 16 + ipAt;
    if (b[ip]! >> 4 === 4) ids.push(dv.getUint16(ip + 4, false));
    o += 16 + len;
  }
  return ids;
}

function expectedIds(name: string): number[] {
  return readFileSync(join(captures, name), 'utf8').split('\n')
    .filter((l) => /^[0-9]/.test(l)).map((l) => Number(l.split(' ')[0]));
}

test('acl-interface.pcap is what its generator builds', () => {
  assert.equal(Buffer.compare(Buffer.from(buildAclGolden()), readFileSync(join(captures, 'acl-interface.pcap'))), 0,
    'run `node dist/test/acl/acl-golden.js` and review the diff');
});

test('the expected sets cover every packet exactly once', () => {
  const all = [...expectedIds('acl-interface.expected-permitted'), ...expectedIds('acl-interface.expected-dropped')].sort((a, b) => a - b);
  assert.deepEqual(all, ACL_GOLDEN_PACKETS.map((_, i) => i + 1));
});

test('replay permits and drops exactly the hand-derived packets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-acl-'));
  try {
    const out = join(dir, 'permitted.pcap');
    const dropped = join(dir, 'dropped.pcap');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'portcullis.cjs'), 'replay', join(captures, 'acl-interface.pcap'),
      '--config', join(captures, 'acl-interface.cfg'), '--out', out, '--dropped', dropped, '--no-summary'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(ipIds(out).sort((a, b) => a - b), expectedIds('acl-interface.expected-permitted'));
    assert.deepEqual(ipIds(dropped).sort((a, b) => a - b), expectedIds('acl-interface.expected-dropped'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
