/**
 * The root of the error catalogue (src/errors.ts): the base class every error portcullis raises
 * on purpose derives from, and the errno helpers their messages use.
 */

/** Base class of every error portcullis raises on purpose. */
export class PortcullisError extends Error {
  /** Stable machine-readable code, e.g. `ERR_CONFIG_INVALID`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The symbolic errno (`ENOENT`, `ENOSPC` …) of a Node system error, or `undefined` when `e` is
 * not one.
 */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** Plain-words reasons for the errnos a file operation commonly meets (strerror's wording). */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a path component is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENXIO: 'no such device or address',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EPIPE: 'broken pipe',
};

/** strerror-style text for a symbolic errno (the errno itself when it is not a common one). */
export function describeErrno(errno: string): string {
  return ERRNO_TEXT[errno] ?? errno;
}

/** `expected X, found Y` (and ` (detail)`): how a grammar error reads after its position. */
export function expectedFound(expected: string, found: string, detail: string | undefined): string {
  return `expected ${expected}, found ${found}${detail ? ` (${detail})` : ''}`;
}
