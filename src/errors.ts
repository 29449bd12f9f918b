/**
 * Typed control-plane errors. Every failure the CLI can report is a subclass of
 * {@link PortcullisError} with a stable literal `code`; the hot path never throws and reports
 * numeric fault codes and counters instead.
 */
export class PortcullisError extends Error {
  /** Stable machine-readable code, e.g. `ERR_CONFIG_INVALID`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A configuration line could not be parsed or validated. Nothing starts. */
export class ConfigError extends PortcullisError {
  declare readonly code: 'ERR_CONFIG_INVALID';
  /** File name as given by the user (or `<string>`). */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column of the offending token (or of the end of the line if a token is missing). */
  readonly column: number;
  /** What the parser expected at that position, e.g. `"permit" or "deny"`. */
  readonly expected: string;
  /** What it found there (`end of line` when nothing). */
  readonly found: string;
  constructor(file: string, line: number, column: number, expected: string, found: string, detail?: string) {
    super('ERR_CONFIG_INVALID',
      `${file}:${line}:${column}: expected ${expected}, found ${found}${detail ? ` (${detail})` : ''}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.expected = expected;
    this.found = found;
  }
}

/** A capture file is truncated or corrupt at a byte offset. Packets before it stand. */
export class CaptureError extends PortcullisError {
  declare readonly code: 'ERR_CAPTURE_CORRUPT';
  readonly file: string;
  /** Byte offset in the file where the bad record or block starts. */
  readonly offset: number;
  /** Packets successfully read before the fault. */
  readonly packets: number;
  constructor(file: string, offset: number, packets: number, what: string) {
    super('ERR_CAPTURE_CORRUPT', `${file}: ${what} at byte offset ${offset} (after ${packets} packets)`);
    this.file = file;
    this.offset = offset;
    this.packets = packets;
  }
}

/** Wrong command-line usage. */
export class UsageError extends PortcullisError {
  declare readonly code: 'ERR_USAGE';
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}
