/**
 * Where the installed package is: the directory of the package.json named `portcullis` above
 * this module (the bundle sits in dist/, the compiled module in dist/src/cli/). The CLI finds
 * its version there, and the demo the seed capture it replays.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstallationError, errnoOf } from '../errors.js';

/** The package's root directory and its package.json. */
export interface PackageRoot {
  readonly dir: string;
  readonly version: string;
}

/** Finds the package root; throws {@link InstallationError} when there is none above. */
export function packageRoot(): PackageRoot {
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'portcullis' && typeof pkg.version === 'string') return { dir, version: pkg.version };
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
    }
    dir = dirname(dir);
  }
  throw new InstallationError('package.json', start);
}
