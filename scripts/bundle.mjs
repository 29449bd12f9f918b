// Bundles the compiled CLI (dist/src/cli/main.js and everything it imports, ip-num included)
// into one file, dist/portcullis.bundle.js, which bin/portcullis.cjs runs, and then writes its
// V8 code cache (scripts/code-cache.mjs; bin/bundle-loader.cjs explains both).
//
// Why one file: Node 20 loads an ES module graph file by file through asynchronous reads, one
// level of imports at a time; for the CLI's ~70 modules that cost about 50 ms of every start-up
// on the project machines (measured with --cpu-prof: idle time waiting for reads, module
// resolution and per-module compilation). One file loads in one read. tsc stays the compiler and
// type checker; esbuild only concatenates its output (no minification, names and lines kept
// readable).
//
// The file is CommonJS already wrapped in the function Node would wrap it in, strict, so the
// loader compiles it as it is (a vm.Script, which can take a code cache). It is pure ASCII, so
// the loader reads it as a one-byte string: a UTF-8 file with one non-ASCII character becomes a
// two-byte string of twice the size, decoded and then copied again (~350 first-touched pages,
// ~3.5 ms on the project machines, where a page fault costs ~10 µs).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/portcullis.bundle.js`;

/** The head of the bundle: Node's CommonJS wrapper, then the strict-mode directive. */
const BUNDLE_HEAD = '(function (exports, require, module, __filename, __dirname) {"use strict";';

await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/bundle-entry.js'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Strings, templates and regular expressions get \u escapes; only comments keep non-ASCII.
  charset: 'ascii',
  // `import.meta.url` in the sources (createRequire in src/login and src/io/tun.ts) becomes the
  // bundle's URL.
  define: { 'import.meta.url': '__portcullisBundleUrl' },
  banner: { js: `${BUNDLE_HEAD}\nconst __portcullisBundleUrl = require("node:url").pathToFileURL(__filename).href;` },
  footer: { js: '})' },
  // ip-num is CommonJS; its modules call `require` only for each other, which esbuild resolves.
  // The TUN addon (native/build/Release/tun.node) stays a file loaded at run time: src/io/tun.ts
  // loads it through node-gyp-build with a createRequire'd require, which esbuild leaves alone;
  // a `.node` file reached any other way stays external too rather than being inlined.
  // @peculiar/x509 (with its ASN.1 modules and tsyringe, ~750 KB) is only imported, dynamically,
  // when the login service makes a self-signed certificate (src/login/certificate.ts): it stays a
  // package loaded from node_modules then, instead of more than doubling what every command reads.
  // otpauth (TOTP, src/aaa/totp.ts) likewise: loaded when a local user has a second factor or
  // `totp enroll` runs.
  external: ['*.node', '@peculiar/x509', 'otpauth'],
  // The bundle runs as a vm.Script (bin/bundle-loader.cjs), which has no dynamic import() ("A
  // dynamic import callback was not specified"): esbuild turns `import('x')` of an external
  // package into a require of it.
  supported: { 'dynamic-import': false },
});

// With charset 'ascii' a non-ASCII code unit can only sit in a comment: each becomes '?', one
// unit for one, so that no column the source map records moves.
const text = readFileSync(outfile, 'utf8');
writeFileSync(outfile, text.replace(/[^\x00-\x7f]/g, '?'), 'latin1');

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
