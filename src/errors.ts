/**
 * The catalogue of control-plane errors, in the manner of undici's `lib/core/errors.js`: one
 * class per failure, each a subclass of {@link PortcullisError} with a stable literal `code` and
 * the structured fields a caller needs to act on it (file, line, byte offset, errno …). The
 * message is one line, ready for the CLI to print after `portcullis: `; the CLI maps codes to
 * exit statuses (`src/cli/main.ts`). The hot path never throws: it reports numeric fault codes
 * and counters instead.
 *
 * Every class is reached from here, so that the codes can be read in one place and no two
 * failures share one: the base class in `errors/base.ts`, the replay and engine errors below, the
 * live gateway's in `errors/live.ts`. This module is a pure leaf: every layer may import it.
 */
import { PortcullisError, describeErrno, expectedFound } from './errors/base.js';

export * from './errors/base.js';
export * from './errors/live.js';
// ---------------------------------------------------------------------------------------------
// Command line and options

/** Wrong command-line usage (exit status 2). */
export class UsageError extends PortcullisError {
  declare readonly code: 'ERR_USAGE';
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/** A component was constructed with an invalid option (a programming or tuning error). */
export class InvalidOptionError extends PortcullisError {
  declare readonly code: 'ERR_INVALID_OPTION';
  /** The component, e.g. `flow table`. */
  readonly component: string;
  /** Name of the offending option, e.g. `capacity` or `timeouts.tcpEstablished`. */
  readonly option: string;
  constructor(component: string, option: string, message: string) {
    super('ERR_INVALID_OPTION', `${component}: ${option}: ${message}`);
    this.component = component;
    this.option = option;
  }
}

/** The installation is incomplete: a file portcullis ships with is missing or unreadable. */
export class InstallationError extends PortcullisError {
  declare readonly code: 'ERR_INSTALLATION';
  /** What is missing, e.g. `package.json`. */
  readonly missing: string;
  constructor(missing: string, where: string) {
    super('ERR_INSTALLATION', `incomplete installation: ${missing} not found above ${where}`);
    this.missing = missing;
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration

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
  /** Why what it found does not do, when the grammar says more than what it expected. */
  readonly detail: string | undefined;
  constructor(file: string, line: number, column: number, expected: string, found: string, detail?: string) {
    super('ERR_CONFIG_INVALID', `${file}:${line}:${column}: ${expectedFound(expected, found, detail)}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.expected = expected;
    this.found = found;
    this.detail = detail;
  }
}


/** The configuration file could not be read. */
export class ConfigFileError extends PortcullisError {
  declare readonly code: 'ERR_CONFIG_FILE';
  /** The path as given. */
  readonly path: string;
  /** The system error (`ENOENT` …), when one caused it. */
  readonly errno: string | undefined;
  constructor(path: string, what: string, errno?: string) {
    super('ERR_CONFIG_FILE', `${path}: ${what}`);
    this.path = path;
    this.errno = errno;
  }
}

/** The configuration file is larger than a running-config can sensibly be. */
export class ConfigTooLargeError extends PortcullisError {
  declare readonly code: 'ERR_CONFIG_TOO_LARGE';
  readonly path: string;
  /** The limit, in bytes. */
  readonly limitBytes: number;
  constructor(path: string, limitBytes: number) {
    super('ERR_CONFIG_TOO_LARGE', `${path}: larger than ${limitBytes} bytes; not a running-config`);
    this.path = path;
    this.limitBytes = limitBytes;
  }
}

/** A configuration line is longer than any configuration command. */
export class ConfigLineTooLongError extends PortcullisError {
  declare readonly code: 'ERR_CONFIG_LINE_TOO_LONG';
  readonly path: string;
  /** 1-based number of the line. */
  readonly line: number;
  /** The limit, in bytes. */
  readonly limitBytes: number;
  constructor(path: string, line: number, limitBytes: number) {
    super('ERR_CONFIG_LINE_TOO_LONG', `${path}:${line}: line longer than ${limitBytes} bytes; not a running-config`);
    this.path = path;
    this.line = line;
    this.limitBytes = limitBytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Captures and output files

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

/** A capture file could not be opened or read (a system error, not its content). */
export class CaptureFileError extends PortcullisError {
  declare readonly code: 'ERR_CAPTURE_FILE';
  /** The path as given (`-` for standard input). */
  readonly path: string;
  /** The system error, e.g. `ENOENT`. */
  readonly errno: string;
  constructor(path: string, errno: string, doing: 'opening' | 'reading') {
    super('ERR_CAPTURE_FILE', `${path}: ${doing} the capture: ${describeErrno(errno)}`);
    this.path = path;
    this.errno = errno;
  }
}

/** An output file (`--out`, `--dropped`) could not be created or written. */
export class OutputFileError extends PortcullisError {
  declare readonly code: 'ERR_OUTPUT_FILE';
  /** The path as given. */
  readonly path: string;
  /** The system error, e.g. `ENOSPC`. */
  readonly errno: string;
  constructor(path: string, errno: string, doing: 'creating' | 'writing') {
    super('ERR_OUTPUT_FILE', `${path}: ${doing} the output: ${describeErrno(errno)}`);
    this.path = path;
    this.errno = errno;
  }
}

/**
 * Standard output was closed by its reader (`EPIPE`: `portcullis replay … | head`). Not a
 * failure to report: the CLI ends quietly with status 141, as a filter killed by SIGPIPE does.
 */
export class StdoutClosedError extends PortcullisError {
  declare readonly code: 'ERR_STDOUT_CLOSED';
  constructor() {
    super('ERR_STDOUT_CLOSED', 'standard output was closed by its reader');
  }
}

/** An output file names an input (or another output) of the same run: it would be overwritten. */
export class OutputIsInputError extends PortcullisError {
  declare readonly code: 'ERR_OUTPUT_IS_INPUT';
  /** The option naming the output, e.g. `--out`. */
  readonly option: string;
  /** The output path as given. */
  readonly path: string;
  /** What it is the same file as, e.g. `the capture FILE`. */
  readonly same: string;
  constructor(option: string, path: string, same: string) {
    super('ERR_OUTPUT_IS_INPUT', `${option} ${path} is the same file as ${same}; refusing to overwrite it`);
    this.option = option;
    this.path = path;
    this.same = same;
  }
}

// ---------------------------------------------------------------------------------------------
// Access lists and authorization

/** An `AclSet` was not produced by the ACL module's config builder. */
export class AclSetError extends PortcullisError {
  declare readonly code: 'ERR_ACL_SET';
  constructor(message: string) {
    super('ERR_ACL_SET', message);
  }
}

/**
 * A downloaded `proxyacl#N` entry cannot be installed: the login is rejected and nothing of the
 * download is installed. The message names the entry as the attribute reads, e.g.
 * `proxyacl#2="permit tcp any host 192.168.105.216 eq telnt": column 40: expected a TCP port
 * number or name, found "telnt"`.
 */
export class DownloadedAclError extends PortcullisError {
  declare readonly code: 'ERR_PROXYACL_INVALID';
  /** N of `proxyacl#N`. */
  readonly entry: number;
  /** The entry text after `=`. */
  readonly text: string;
  /**
   * `syntax`: the ACL grammar refused a token; `sequence`: the entry gives a sequence number
   * (the downloaded list is ordered by N); `source`: the source is not `any` (it becomes the
   * client's address).
   */
  readonly problem: 'syntax' | 'sequence' | 'source';
  /** 1-based column in `text` of the refused token (of its end when a token is missing); syntax only. */
  readonly column: number | undefined;
  /** What the grammar expected there, e.g. `a TCP port number or name`; syntax only. */
  readonly expected: string | undefined;
  /** What it found there (`end of line` when nothing); syntax only. */
  readonly found: string | undefined;
  /** `syntax` with the grammar's error (its file is `proxyacl#N`, its line 1), or the other problem. */
  constructor(entry: number, text: string, problem: ConfigError | 'sequence' | 'source') {
    const head = `proxyacl#${entry}="${text}": `;
    if (problem instanceof ConfigError) {
      super('ERR_PROXYACL_INVALID',
        `${head}column ${problem.column}: ${expectedFound(problem.expected, problem.found, problem.detail)}`,
        { cause: problem });
    } else {
      super('ERR_PROXYACL_INVALID', head + (problem === 'sequence'
        ? '"sequence" is not allowed in a downloaded entry'
        : 'the source must be "any" (it becomes the client\'s address)'));
    }
    this.entry = entry;
    this.text = text;
    this.problem = problem instanceof ConfigError ? 'syntax' : problem;
    this.column = problem instanceof ConfigError ? problem.column : undefined;
    this.expected = problem instanceof ConfigError ? problem.expected : undefined;
    this.found = problem instanceof ConfigError ? problem.found : undefined;
  }
}

/**
 * Dynamic entries were addressed to no list, or to a list of the other address family than the
 * host's (a caller's mistake, not the download's).
 */
export class DynamicAclTargetError extends PortcullisError {
  declare readonly code: 'ERR_DYNAMIC_ACL_TARGET';
  /** The list index given. */
  readonly index: number;
  /** The list's name, when there is a list with that index. */
  readonly list: string | undefined;
  /**
   * `no-list`: no list has that index; `host-words`: the host is not four 32-bit words;
   * `ipv6-host` / `ipv4-host`: the host's family is not the list's.
   */
  readonly problem: 'no-list' | 'host-words' | 'ipv6-host' | 'ipv4-host';
  constructor(index: number, list: string | undefined, problem: 'no-list' | 'host-words' | 'ipv6-host' | 'ipv4-host') {
    super('ERR_DYNAMIC_ACL_TARGET',
      problem === 'no-list' ? `no access list with index ${index}`
        : problem === 'host-words' ? 'host address must be four 32-bit words'
          : problem === 'ipv6-host' ? `IPv6 host on IPv4 access list ${list}`
            : `IPv4 host on IPv6 access list ${list}`);
    this.index = index;
    this.list = list;
    this.problem = problem;
  }
}

/** A login from a host on no connected interface: there is no inbound list to authorize it on. */
export class HostNotConnectedError extends PortcullisError {
  declare readonly code: 'ERR_HOST_NOT_CONNECTED';
  /** The host's address as IOS prints it. */
  readonly host: string;
  constructor(host: string) {
    super('ERR_HOST_NOT_CONNECTED', 'the host is on no connected interface');
    this.host = host;
  }
}

/**
 * A change of an authorized session (a RADIUS CoA-Request's new entries, RFC 5176) for a host
 * that has none: no entry, or one that never logged in.
 */
export class NoHostSessionError extends PortcullisError {
  declare readonly code: 'ERR_NO_HOST_SESSION';
  /** The host's address as IOS prints it. */
  readonly host: string;
  constructor(host: string) {
    super('ERR_NO_HOST_SESSION', `no authorized session for ${host}`);
    this.host = host;
  }
}

/** A login when the auth-proxy cache holds as many hosts as it may. */
export class AuthCacheFullError extends PortcullisError {
  declare readonly code: 'ERR_AUTH_CACHE_FULL';
  /** The host whose login was refused, as IOS prints it. */
  readonly host: string;
  /** The cache's capacity, in hosts. */
  readonly capacity: number;
  constructor(host: string, capacity: number) {
    super('ERR_AUTH_CACHE_FULL', 'the auth-proxy cache is full');
    this.host = host;
    this.capacity = capacity;
  }
}

// ---------------------------------------------------------------------------------------------
// Intercepted connections

/** A write to an intercepted connection that has closed or that the endpoint released. */
export class ConnectionClosedError extends PortcullisError {
  declare readonly code: 'ERR_CONNECTION_CLOSED';
  /** True when the endpoint released the connection while a write was waiting for send space. */
  readonly released: boolean;
  constructor(released: boolean) {
    super('ERR_CONNECTION_CLOSED', released ? 'connection released with a write pending' : 'write after the connection closed');
    this.released = released;
  }
}

// ---------------------------------------------------------------------------------------------
// The HTTPS login service (src/login)

/** The login service could not listen on one of its addresses (taken, not the host's, no permission). */
export class LoginListenError extends PortcullisError {
  declare readonly code: 'ERR_LOGIN_LISTEN';
  /** The address and port, e.g. `10.1.0.1:443` or `[2001:db8::1]:443`. */
  readonly endpoint: string;
  /** The system error, e.g. `EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`. */
  readonly errno: string | undefined;
  constructor(endpoint: string, errno: string | undefined, options?: { cause?: unknown }) {
    super('ERR_LOGIN_LISTEN', `login service: cannot listen on ${endpoint}${errno === undefined ? '' : ` (${errno})`}`, options);
    this.endpoint = endpoint;
    this.errno = errno;
  }
}
