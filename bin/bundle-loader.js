// Loads the bundled CLI (dist/portcullis.cjs, scripts/bundle.mjs) with V8's code cache
// (dist/portcullis.cjs.cache, written at build time by scripts/code-cache.mjs).
//
// Why: compiling the bundle and the functions a run needs costs ~25 ms of every start-up on the
// project machines; with the cache V8 deserialises bytecode it compiled on an earlier run
// instead. Node 20 has no module compile cache of its own (module.enableCompileCache is Node 22),
// so the bundle is CommonJS, compiled here as a vm.Script with the cache as its cachedData.
// V8 checks the cache against the source and its own version and flags and rejects it when
// anything differs; the bundle is then compiled as if there were no cache. PORTCULLIS_CODE_CACHE=off
// ignores the cache (for comparisons, or to rule it out).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** Path of the bundled CLI. */
export const BUNDLE_PATH = fileURLToPath(new URL('../dist/portcullis.cjs', import.meta.url));
/** Path of its V8 code cache. */
export const CODE_CACHE_PATH = `${BUNDLE_PATH}.cache`;

/**
 * Compiles and runs the bundle; returns its exports, the compiled script (for
 * `createCachedData`) and what became of the code cache: 'accepted', 'rejected' (V8 found it
 * stale), 'absent' (no cache file) or 'off' (not used).
 */
export function loadBundle({ useCache = process.env.PORTCULLIS_CODE_CACHE !== 'off' } = {}) {
  const source = readFileSync(BUNDLE_PATH, 'utf8');
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(CODE_CACHE_PATH);
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  }
  // The same wrapper Node gives a CommonJS module.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE_PATH,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE_PATH), module, BUNDLE_PATH, dirname(BUNDLE_PATH));
  const cache = !useCache ? 'off' : cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted';
  return { exports: module.exports, script, cache };
}
