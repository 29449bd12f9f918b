'use strict';
// Loads the bundled CLI (dist/portcullis.bundle.js, scripts/bundle.mjs) with V8's code cache
// (dist/portcullis.bundle.js.cache, written at build time by scripts/code-cache.mjs).
//
// Why: compiling the bundle and the functions a run needs costs ~25 ms of every start-up on the
// project machines; with the cache V8 deserialises bytecode it compiled on an earlier run
// instead. Node 20 has no module compile cache of its own (module.enableCompileCache is Node 22),
// so the bundle is CommonJS in Node's module wrapper, compiled here as a vm.Script with the
// cache as its cachedData.
// V8 checks the cache against the source and its own version and flags and rejects it when
// anything differs; the bundle is then compiled as if there were no cache. PORTCULLIS_CODE_CACHE=off
// ignores the cache (for comparisons, or to rule it out).
//
// CommonJS too, like bin/portcullis.cjs: Node starts with its CommonJS loader ready, while the
// first ES module sets up the ESM loader (and the streams it reads files with), ~8 ms.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

/** Path of the bundled CLI. */
const BUNDLE_PATH = join(__dirname, '..', 'dist', 'portcullis.bundle.js');
/** Path of its V8 code cache. */
const CODE_CACHE_PATH = `${BUNDLE_PATH}.cache`;

/**
 * Compiles and runs the bundle; returns its exports, the compiled script (for
 * `createCachedData`) and what became of the code cache: 'accepted', 'rejected' (V8 found it
 * stale), 'absent' (no cache file) or 'off' (not used).
 */
function loadBundle({ useCache = process.env.PORTCULLIS_CODE_CACHE !== 'off' } = {}) {
  // Pure ASCII (scripts/bundle.mjs): read as one byte per character.
  const source = readFileSync(BUNDLE_PATH, 'latin1');
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(CODE_CACHE_PATH);
    } catch {
      // Missing or unreadable: the cache only saves time, so the bundle is compiled without it.
    }
  }
  // The file is already wrapped as Node wraps a CommonJS module, so no copy of it is made here.
  const script = new Script(source, { filename: BUNDLE_PATH, cachedData });
  const bundle = { exports: {} };
  script.runInThisContext()(bundle.exports, require, bundle, BUNDLE_PATH, dirname(BUNDLE_PATH));
  const cache = !useCache ? 'off' : cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted';
  return { exports: bundle.exports, script, cache };
}

module.exports = { BUNDLE_PATH, CODE_CACHE_PATH, loadBundle };
