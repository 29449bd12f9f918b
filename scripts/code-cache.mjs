// Writes V8's code cache of the bundled CLI (dist/portcullis.bundle.js.cache; bin/bundle-loader.cjs
// explains why). The cache holds the bytecode of every function compiled so far, so it is taken
// after a training run: the seed capture replayed with all debug output, which goes through
// config parsing, ACL compilation, the engine, the login app and the debug formatter. Its
// output is not wanted: scripts/bundle.mjs runs this with stdout discarded.
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CODE_CACHE_PATH, loadBundle } from '../bin/bundle-loader.cjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { exports, script } = loadBundle({ useCache: false });
const code = await exports.main([
  'replay', `${root}captures/seed-https-authproxy.pcap`,
  '--config', `${root}captures/seed-https-authproxy.cfg`,
  '--debug', 'all', '--no-summary',
]);
if (code !== 0) {
  process.stderr.write(`code-cache: the training replay exited with ${code}; no cache written\n`);
  process.exit(1);
}
const tmp = `${CODE_CACHE_PATH}.${process.pid}.tmp`;
writeFileSync(tmp, script.createCachedData());
renameSync(tmp, CODE_CACHE_PATH);
process.exit(0);
