// Bundles the compiled CLI (dist/src/cli/main.js and everything it imports, ip-num included)
// into one ES module, dist/portcullis.mjs, which bin/portcullis.js runs.
//
// Why: Node 20 loads an ES module graph file by file through asynchronous reads, one level of
// imports at a time; for the CLI's ~70 modules that cost about 50 ms of every start-up on the
// project machines (measured with --cpu-prof: idle time waiting for reads, module resolution
// and per-module compilation). One file loads in one read. tsc stays the compiler and type
// checker; esbuild only concatenates its output (no minification, names and lines kept readable).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/bundle-entry.js'],
  outfile: 'dist/portcullis.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // ip-num is CommonJS; its modules call `require` only for each other, which esbuild resolves.
});
