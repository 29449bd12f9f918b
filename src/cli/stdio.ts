/**
 * The CLI's writes to standard output and standard error: synchronous (so that a run's output
 * is complete when it exits), whole (a partial write is continued), and aware of a reader that
 * went away. When stdout's reader closes the pipe (`portcullis replay … | head`), the first
 * write that fails throws {@link StdoutClosedError} and every later one is dropped: the run ends
 * quietly, as a Unix filter killed by SIGPIPE would (Node ignores SIGPIPE, so the write fails
 * with EPIPE instead). A closed stderr drops what was meant for it.
 */
import { writeSync } from 'node:fs';
import { StdoutClosedError, errnoOf } from '../errors.js';

let stdoutClosed = false;
let stderrClosed = false;
let waitArray: Int32Array | null = null;

/**
 * Writes all of `text` to descriptor `fd`; returns false if the reader has gone (EPIPE). A
 * descriptor left non-blocking by whoever started the process (`EAGAIN`) is waited on.
 */
function writeWhole(fd: number, text: string): boolean {
  let bytes: Buffer | null = null;
  let done = 0;
  for (;;) {
    try {
      if (bytes === null) {
        const n = writeSync(fd, text);
        // A string written whole is the common case: no Buffer is made for it.
        if (n === Buffer.byteLength(text)) return true;
        bytes = Buffer.from(text);
        done = n;
      } else {
        done += writeSync(fd, bytes, done, bytes.length - done);
      }
      if (done >= bytes.length) return true;
    } catch (e) {
      const errno = errnoOf(e);
      if (errno === 'EPIPE') return false;
      if (errno !== 'EAGAIN') throw e;
      Atomics.wait(waitArray ??= new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      if (bytes === null) bytes = Buffer.from(text);
    }
  }
}

/** Writes to standard output; throws {@link StdoutClosedError} once if its reader has gone. */
export function writeStdout(text: string): void {
  if (stdoutClosed) return;
  if (!writeWhole(1, text)) {
    stdoutClosed = true;
    throw new StdoutClosedError();
  }
}

/** Writes to standard error; drops the text if its reader has gone. */
export function writeStderr(text: string): void {
  if (stderrClosed) return;
  if (!writeWhole(2, text)) stderrClosed = true;
}
