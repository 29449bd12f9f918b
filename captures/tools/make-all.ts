/**
 * Regenerates every golden capture in `captures/` (`npm run captures`). The expected outputs
 * beside them are written by hand from the spec and are not touched here.
 */
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOLDEN_CAPTURES } from './catalog.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');
for (const g of GOLDEN_CAPTURES) {
  g.build().write(join(dir, g.file));
  process.stdout.write(`wrote captures/${g.file}\n`);
}
