/**
 * The gateway's state directory (`run --state-dir`, default /var/lib/portcullis): what the
 * gateway keeps across restarts — the login service's self-signed certificate
 * (src/login/certificate.ts) and the last accepted TOTP time steps (src/state/totp-steps.ts).
 *
 * The directory is made 0700; each file is written to a temporary file, synced, given its mode
 * and renamed into place, so that a crash leaves the old file or the new one, never a part.
 * Faults are {@link StateDirError}s naming the directory or file.
 */
import { chmod, mkdir, open, rename, unlink } from 'node:fs/promises';
import { StateDirError, describeErrno, errnoOf } from '../errors.js';

/** Makes the state directory `dir` (0700, parents as needed) if it is missing. */
export async function makeStateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw stateDirError(dir, 'cannot create the state directory', e);
  }
}

/** Writes `text` to `path` with `mode` through a temporary file, synced and renamed into place. */
export async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw stateDirError(path, 'cannot write', e);
  }
}

/** A {@link StateDirError} for `path`: `what`, then the system error of `e`. */
export function stateDirError(path: string, what: string, e: unknown): StateDirError {
  const errno = errnoOf(e);
  return new StateDirError(path, `${what}: ${errno === undefined ? String(e) : describeErrno(errno)}`, errno);
}
