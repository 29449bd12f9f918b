/**
 * Replay goldens (HOUSE-STYLE.md "Engine: replay goldens … diffed byte for byte"): every
 * capture in the catalog is rebuilt by its generator and must equal the committed file, then
 * replayed through the real CLI; stdout must equal the hand-derived expected file exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOLDEN_CAPTURES } from '../../captures/tools/catalog.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const captures = join(root, 'captures');

test('the catalog is not empty', () => {
  assert.ok(GOLDEN_CAPTURES.length >= 1);
});

for (const g of GOLDEN_CAPTURES) {
  test(`${g.file}: the committed capture is what its generator builds`, () => {
    const built = g.file.endsWith('.pcapng') ? g.build().toPcapng() : g.build().toPcap();
    const committed = readFileSync(join(captures, g.file));
    assert.equal(Buffer.compare(Buffer.from(built), committed), 0, 'run `npm run captures` and review the diff');
  });

  test(`${g.file}: replay --debug ${g.debug} prints exactly ${g.expected}`, () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'portcullis.cjs'), 'replay', join(captures, g.file),
      '--config', join(captures, g.config), '--debug', g.debug], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const expected = readFileSync(join(captures, g.expected), 'utf8');
    assert.equal(r.stdout, expected);
    assert.match(r.stderr, /replay summary/);
  });

  test(`${g.file}: another --seed (another hash key for every table) prints the same ${g.expected}`, () => {
    // The seed decides the tables' secret hash key: no output may depend on where keys land.
    const r = spawnSync(process.execPath, [join(root, 'bin', 'portcullis.cjs'), 'replay', join(captures, g.file),
      '--config', join(captures, g.config), '--debug', g.debug, '--seed', '3735928559'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(captures, g.expected), 'utf8'));
  });
}
