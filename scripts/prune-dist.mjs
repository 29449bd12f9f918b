// Removes compiled files under dist/ whose TypeScript source no longer exists. tsc builds
// incrementally and never deletes an output, so a test file deleted or renamed in test/ would
// otherwise keep running from dist/test (scripts/run-tests.mjs runs every compiled test found).
import { readdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
// The directories tsconfig.json compiles (its "include"), mirrored under dist/.
const TREES = ['src', 'test', 'bench', 'captures'];

let removed = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      walk(p);
      continue;
    }
    const m = /^(.*)\.js(\.map)?$/.exec(name);
    if (m === null) continue;
    const source = join(root, relative(dist, dir), `${m[1]}.ts`);
    if (!existsSync(source)) {
      rmSync(p);
      removed++;
    }
  }
}
for (const t of TREES) if (existsSync(join(dist, t))) walk(join(dist, t));
if (removed > 0) process.stderr.write(`prune-dist: removed ${removed} compiled file(s) whose source is gone\n`);
