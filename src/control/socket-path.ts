/**
 * Making the control socket's place safe before listening: its directory exists, is a real
 * directory (not a symbolic link), belongs to the gateway's user (root) and is writable by no
 * one else — so that nobody else can put a socket, a link or a file where the gateway listens,
 * nor replace the socket once it is there. A socket left by a gateway that died is removed, but
 * only when nothing answers on it (a running gateway's socket is never taken over), and nothing
 * that is not a socket is ever removed.
 *
 * Access control rests on the file modes: the directory is made 0700 and the socket 0600, and
 * connecting to a Unix socket needs write permission on it (unix(7)), so only root connects.
 * Node offers no `SO_PEERCRED` (unix(7)) to check the peer's uid as well; a listener cannot see
 * who connected, so the modes are the whole check.
 */
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { ControlPathError, ControlSocketInUseError, errnoOf } from '../errors.js';

/** Longest Unix socket path: `sun_path` holds 108 bytes, the last one a NUL (unix(7)). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** The user the directory and the socket must belong to: the gateway's own (root). */
function ownUid(): number {
  return process.geteuid?.() ?? 0;
}

/** `0755`-style text of a mode's permission bits. */
function modeText(mode: number): string {
  return '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return null;
    throw e;
  }
}

/** True if a server accepts connections on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ path });
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

/**
 * Checks and prepares the place of a control socket; returns the absolute path to listen on.
 * Creates the directory (mode 0700, one level) when it is missing; refuses a directory that is
 * not one, not the gateway user's, or writable by group or others; removes a stale socket; and
 * refuses a path taken by a listening socket or by anything but a socket.
 * Throws {@link ControlPathError} or {@link ControlSocketInUseError}.
 */
export async function prepareSocketPath(given: string): Promise<string> {
  const path = resolve(given);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ControlPathError(given, `longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket path may have`);
  }
  const dir = dirname(path);
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === 'ENOENT') throw new ControlPathError(given, `cannot create directory ${dir}: its parent does not exist`);
    if (errno !== 'EEXIST') throw new ControlPathError(given, `cannot create directory ${dir}: ${errno ?? String(e)}`);
  }
  const d = await lstat(dir);
  if (d.isSymbolicLink()) throw new ControlPathError(given, `refusing directory ${dir}: it is a symbolic link`);
  if (!d.isDirectory()) throw new ControlPathError(given, `refusing ${dir}: not a directory`);
  if (d.uid !== ownUid()) {
    throw new ControlPathError(given, `refusing directory ${dir}: owned by uid ${d.uid}, not by uid ${ownUid()}${ownUid() === 0 ? ' (root)' : ''}`);
  }
  if ((d.mode & 0o022) !== 0) {
    const who = (d.mode & 0o022) === 0o022 ? 'group and others' : (d.mode & 0o020) !== 0 ? 'group' : 'others';
    throw new ControlPathError(given, `refusing directory ${dir}: writable by ${who} (mode ${modeText(d.mode)})`);
  }
  const s = await lstatOrNull(path);
  if (s === null) return path;
  if (!s.isSocket()) throw new ControlPathError(given, 'exists and is not a socket; refusing to replace it');
  if (await answers(path)) throw new ControlSocketInUseError(given);
  await unlink(path);
  return path;
}
