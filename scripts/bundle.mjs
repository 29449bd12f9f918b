// Bundles the compiled CLI (dist/src/cli/main.js and everything it imports, ip-num included)
// into one CommonJS module, dist/portcullis.cjs, which bin/portcullis.js runs, and then writes
// its V8 code cache (scripts/code-cache.mjs; bin/bundle-loader.js explains both).
//
// Why: Node 20 loads an ES module graph file by file through asynchronous reads, one level of
// imports at a time; for the CLI's ~70 modules that cost about 50 ms of every start-up on the
// project machines (measured with --cpu-prof: idle time waiting for reads, module resolution
// and per-module compilation). One file loads in one read. tsc stays the compiler and type
// checker; esbuild only concatenates its output (no minification, names and lines kept readable).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/bundle-entry.js'],
  outfile: 'dist/portcullis.cjs',
  bundle: true,
  platform: 'node',
  // CommonJS, so that bin/bundle-loader.js can compile it as a vm.Script with a code cache.
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // The one `import.meta.url` in the sources (createRequire in src/login) becomes the bundle's URL.
  define: { 'import.meta.url': '__portcullisBundleUrl' },
  banner: { js: 'const __portcullisBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  // ip-num is CommonJS; its modules call `require` only for each other, which esbuild resolves.
});

// The cache must come from this very node binary with no extra V8 flags, as the CLI runs.
const trained = spawnSync(process.execPath, ['scripts/code-cache.mjs'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, NODE_OPTIONS: '' },
});
if (trained.status !== 0) {
  process.stderr.write(trained.stderr ?? '');
  process.stderr.write(`bundle: writing the code cache failed (${trained.error ?? `exit ${trained.status}`})\n`);
  process.exit(1);
}
