/**
 * Reads a running-config file, bounded: a file larger than {@link CONFIG_MAX_FILE_BYTES} or a
 * line longer than {@link CONFIG_MAX_LINE_BYTES} is refused as soon as the limit is passed, so
 * that `/dev/zero`, a FIFO that never ends or a capture given by mistake fails at once with a
 * clear error instead of filling memory. The file is read sequentially, so a pipe or FIFO
 * (`--config /dev/stdin`) works.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ConfigFileError, ConfigLineTooLongError, ConfigTooLargeError, errnoOf } from '../errors.js';

/**
 * Largest configuration file: 64 MiB. The largest running-configs seen in practice are a few
 * MiB (100,000 `username` lines are ~3 MiB); this leaves an order of magnitude more.
 */
export const CONFIG_MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * Longest configuration line: 4,096 bytes. IOS's own command line takes far less; certificate
 * and banner lines are under 100 characters.
 */
export const CONFIG_MAX_LINE_BYTES = 4096;

const CHUNK_BYTES = 64 * 1024;

/** Why a file could not be read, in words (ConfigFileError's message). */
function reason(errno: string | undefined, e: unknown): string {
  return errno === 'ENOENT' ? 'configuration file not found'
    : errno === 'EISDIR' ? 'is a directory, not a configuration file'
      : errno === 'EACCES' ? 'permission denied reading the configuration file'
        : `cannot read the configuration file (${errno ?? (e as Error).message})`;
}

/**
 * Reads the configuration file at `path` as UTF-8 text. Throws {@link ConfigFileError} when it
 * cannot be read, {@link ConfigTooLargeError} or {@link ConfigLineTooLongError} past a limit.
 */
export function readConfigFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const errno = errnoOf(e);
    throw new ConfigFileError(path, reason(errno, e), errno);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    let line = 1;
    let lineBytes = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      let got: number;
      try {
        got = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      } catch (e) {
        const errno = errnoOf(e);
        throw new ConfigFileError(path, reason(errno, e), errno);
      }
      if (got === 0) break;
      total += got;
      if (total > CONFIG_MAX_FILE_BYTES) throw new ConfigTooLargeError(path, CONFIG_MAX_FILE_BYTES);
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(10, from);
        const end = nl < 0 || nl >= got ? got : nl;
        lineBytes += end - from;
        if (lineBytes > CONFIG_MAX_LINE_BYTES) throw new ConfigLineTooLongError(path, line, CONFIG_MAX_LINE_BYTES);
        if (end === got) break;
        line++;
        lineBytes = 0;
        from = end + 1;
      }
      chunks.push(got === CHUNK_BYTES ? chunk : chunk.subarray(0, got));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
