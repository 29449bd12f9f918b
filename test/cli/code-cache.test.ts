/**
 * The CLI's start-up path (bin/bundle-loader.cjs): the bundle is strict, pure ASCII CommonJS in
 * Node's module wrapper; the build leaves a code cache that V8 accepts in a plain `node`; and the
 * command's output is the same whether the cache is accepted, rejected as stale (different V8
 * flags) or turned off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const loader = pathToFileURL(join(root, 'bin', 'bundle-loader.cjs')).href;
const seedPcap = join(root, 'captures', 'seed-https-authproxy.pcap');
const seedCfg = join(root, 'captures', 'seed-https-authproxy.cfg');
const expected = readFileSync(join(root, 'captures', 'seed-https-authproxy.expected'), 'utf8');
const bundle = join(root, 'dist', 'portcullis.bundle.js');

test('the bundle is Node\'s CommonJS wrapper with "use strict" as its first statement, and pure ASCII', () => {
  const bytes = readFileSync(bundle);
  assert.ok(bytes.toString('latin1').startsWith('(function (exports, require, module, __filename, __dirname) {"use strict";\n'));
  const nonAscii = bytes.findIndex((b) => b > 0x7f);
  assert.equal(nonAscii, -1, `non-ASCII byte at offset ${nonAscii}`);
});

/**
 * Runs the seed replay in a fresh `node` with the given V8 flags and environment, through the
 * loader; returns what became of the cache (first stdout line) and the debug output (the rest).
 */
function replaySeed(flags: string[], env: Record<string, string>): { cache: string; debug: string } {
  const script = `
    const { loadBundle } = await import(${JSON.stringify(loader)});
    const { exports, cache } = loadBundle();
    process.stdout.write(cache + '\\n');
    const code = await exports.main(['replay', ${JSON.stringify(seedPcap)}, '--config', ${JSON.stringify(seedCfg)},
      '--debug', 'detailed', '--no-summary']);
    process.exit(code);`;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  const nl = r.stdout.indexOf('\n');
  return { cache: r.stdout.slice(0, nl), debug: r.stdout.slice(nl + 1) };
}

test('a plain node accepts the code cache the build wrote, and the replay is the golden', () => {
  const r = replaySeed([], {});
  assert.equal(r.cache, 'accepted');
  assert.equal(r.debug, expected);
});

test('a cache V8 finds stale (other flags) is rejected, and the replay is the same', () => {
  const r = replaySeed(['--expose-gc'], {});
  assert.equal(r.cache, 'rejected');
  assert.equal(r.debug, expected);
});

test('PORTCULLIS_CODE_CACHE=off compiles without the cache, and the replay is the same', () => {
  const r = replaySeed([], { PORTCULLIS_CODE_CACHE: 'off' });
  assert.equal(r.cache, 'off');
  assert.equal(r.debug, expected);
});
