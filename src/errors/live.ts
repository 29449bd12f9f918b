/**
 * The error catalogue's part for the live gateway (src/errors.ts re-exports it): TUN devices and
 * the login tap, AAA codecs and configuration, local users and the login certificate, the
 * gateway's host network, the control socket.
 */
import { PortcullisError, expectedFound, describeErrno } from './base.js';
// ---------------------------------------------------------------------------------------------
// TUN devices (src/io/tun.ts)

/**
 * A TUN device could not be opened and set up: not root, no `/dev/net/tun`, the name taken by
 * another process or by a device of another kind, an MTU the kernel refuses.
 */
export class TunOpenError extends PortcullisError {
  declare readonly code: 'ERR_TUN_OPEN';
  /** The interface name asked for, e.g. `tun0`. */
  readonly device: string;
  /** The step that failed: `interface name`, `open /dev/net/tun`, `TUNSETIFF`, `SIOCSIFMTU` … */
  readonly step: string;
  /** The system error, e.g. `EPERM`, `ENOENT`, `EBUSY`. */
  readonly errno: string;
  constructor(device: string, step: string, errno: string, reason: string) {
    super('ERR_TUN_OPEN', `TUN device ${device}: ${step}: ${errno}, ${reason}`);
    this.device = device;
    this.step = step;
    this.errno = errno;
  }
}

/** Reading from or writing to an open TUN device failed as a whole (not one packet). */
export class TunIoError extends PortcullisError {
  declare readonly code: 'ERR_TUN_IO';
  /** The interface name, e.g. `tun0`. */
  readonly device: string;
  /** `read`, `write` or `poll`. */
  readonly step: string;
  /** The system error, e.g. `EBADFD`. */
  readonly errno: string;
  constructor(device: string, step: string, errno: string) {
    const text = describeErrno(errno);
    super('ERR_TUN_IO', `TUN device ${device}: ${step} failed: ${text === errno ? errno : `${errno}, ${text}`}`);
    this.device = device;
    this.step = step;
    this.errno = errno;
  }
}

// ---------------------------------------------------------------------------------------------
// RADIUS (src/aaa/radius)

/**
 * A RADIUS request cannot be encoded: an attribute value longer than the 253 octets an
 * attribute holds, a User-Password longer than 128 octets (RFC 2865 §5.2), or a packet past
 * 4096 octets (RFC 2865 §3). Names the attribute and the size, never the value.
 */
export class RadiusEncodeError extends PortcullisError {
  declare readonly code: 'ERR_RADIUS_ENCODE';
  /** The attribute's name, e.g. `User-Name`, or `packet`. */
  readonly attribute: string;
  /** Its length in octets. */
  readonly length: number;
  /** The largest length allowed. */
  readonly limit: number;
  constructor(attribute: string, length: number, limit: number) {
    super('ERR_RADIUS_ENCODE', `RADIUS ${attribute} of ${length} octets is longer than ${limit}`);
    this.attribute = attribute;
    this.length = length;
    this.limit = limit;
  }
}

// ---------------------------------------------------------------------------------------------
// TACACS+ (src/aaa/tacacs)

/**
 * A TACACS+ packet cannot be encoded: a field longer than its length field holds (a user name,
 * password or argument past 255 octets, RFC 8907 §5.1, §6.1). Names the field and the size,
 * never the value.
 */
export class TacacsEncodeError extends PortcullisError {
  declare readonly code: 'ERR_TACACS_ENCODE';
  /** The field's name in RFC 8907, e.g. `user`, `data`, `arg`. */
  readonly field: string;
  /** Its length in octets. */
  readonly length: number;
  /** The largest length allowed. */
  readonly limit: number;
  constructor(field: string, length: number, limit: number) {
    super('ERR_TACACS_ENCODE', `TACACS+ ${field} of ${length} octets is longer than ${limit}`);
    this.field = field;
    this.length = length;
    this.limit = limit;
  }
}

// ---------------------------------------------------------------------------------------------
// Local users (src/aaa/local.ts)

/**
 * A local user's stored secret cannot be used: a hash that is not in its type's form (`secret 5`
 * that is not `$1$salt$hash`, `secret 8|9` that is not `$8|9$salt$hash` in Cisco's base64), or
 * a clear-text password already taken by another authenticator. Names the user and the line,
 * never the secret.
 */
export class LocalUserSecretError extends PortcullisError {
  declare readonly code: 'ERR_LOCAL_USER_SECRET';
  /** The config file and line of the `username` command. */
  readonly file: string;
  readonly line: number;
  /** The user's name. */
  readonly user: string;
  constructor(file: string, line: number, user: string, problem: string) {
    super('ERR_LOCAL_USER_SECRET', `${file}:${line}: username ${user}: ${problem}`);
    this.file = file;
    this.line = line;
    this.user = user;
  }
}

// ---------------------------------------------------------------------------------------------
// The login service's certificate (src/login/certificate.ts)

/**
 * The certificate or key named by `ip http secure-certificate` cannot be used: unreadable, not
 * PEM, or a key that does not belong to the certificate. Names the config line and the file.
 */
export class CertificateFileError extends PortcullisError {
  declare readonly code: 'ERR_CERTIFICATE_FILE';
  /** The config file and line naming the files. */
  readonly file: string;
  readonly line: number;
  /** The certificate or key file, as resolved. */
  readonly path: string;
  /** `unreadable`, `not-pem`, `key-mismatch`. */
  readonly problem: 'unreadable' | 'not-pem' | 'key-mismatch';
  /** The system error when the file could not be read. */
  readonly errno: string | undefined;
  constructor(file: string, line: number, path: string, problem: 'unreadable' | 'not-pem' | 'key-mismatch', what: string,
    errno?: string) {
    super('ERR_CERTIFICATE_FILE', `${file}:${line}: ${path}: ${what}`);
    this.file = file;
    this.line = line;
    this.path = path;
    this.problem = problem;
    this.errno = errno;
  }
}

/**
 * The state directory that keeps the generated certificate cannot be used: not creatable or
 * writable, or its private key file readable by others than its owner (refused, as sshd refuses
 * an unprotected host key).
 */
export class StateDirError extends PortcullisError {
  declare readonly code: 'ERR_STATE_DIR';
  /** The directory or file concerned. */
  readonly path: string;
  /** The system error, when one caused it. */
  readonly errno: string | undefined;
  constructor(path: string, what: string, errno?: string) {
    super('ERR_STATE_DIR', `${path}: ${what}`);
    this.path = path;
    this.errno = errno;
  }
}

// ---------------------------------------------------------------------------------------------
// The live gateway's host (src/gateway): devices, addresses, policy routing

/** A configured `interface NAME` names no Linux network device. Nothing starts. */
export class InterfaceMissingError extends PortcullisError {
  declare readonly code: 'ERR_INTERFACE_MISSING';
  /** The interface name as the config spells it. */
  readonly interfaceName: string;
  readonly file: string;
  readonly line: number;
  /** The devices that do exist. */
  readonly devices: readonly string[];
  constructor(interfaceName: string, file: string, line: number, devices: readonly string[]) {
    super('ERR_INTERFACE_MISSING', `${file}:${line}: interface ${interfaceName}: no such Linux network device ` +
      `(devices here: ${devices.length === 0 ? 'none' : devices.join(', ')})`);
    this.interfaceName = interfaceName;
    this.file = file;
    this.line = line;
    this.devices = devices;
  }
}

/**
 * A configured interface address (`ip address`, `ipv6 address`) is not an address its Linux
 * device has, with that prefix length. The gateway would answer for, and place packets by,
 * addresses the host does not have. Nothing starts.
 */
export class InterfaceAddressError extends PortcullisError {
  declare readonly code: 'ERR_INTERFACE_ADDRESS';
  readonly interfaceName: string;
  readonly file: string;
  /** The `interface` line of the block whose address does not match. */
  readonly line: number;
  /** The configured address, e.g. `10.0.0.1/24`. */
  readonly configured: string;
  /** The device's addresses (`ip address` form, link-local ones left out). */
  readonly actual: readonly string[];
  constructor(interfaceName: string, file: string, line: number, configured: string, actual: readonly string[]) {
    super('ERR_INTERFACE_ADDRESS', `${file}:${line}: interface ${interfaceName}: address ${configured} is not an address of ` +
      `the device (it has ${actual.length === 0 ? 'none' : actual.join(', ')})`);
    this.interfaceName = interfaceName;
    this.file = file;
    this.line = line;
    this.configured = configured;
    this.actual = actual;
  }
}

/**
 * A configured interface names a device the gateway cannot stand on: the loopback device, whose
 * `iif` rules would take the host's own traffic (and, failing closed, refuse it). Nothing starts.
 */
export class InterfaceUnusableError extends PortcullisError {
  declare readonly code: 'ERR_INTERFACE_UNUSABLE';
  readonly interfaceName: string;
  readonly file: string;
  readonly line: number;
  constructor(interfaceName: string, file: string, line: number, why: string) {
    super('ERR_INTERFACE_UNUSABLE', `${file}:${line}: interface ${interfaceName}: ${why}`);
    this.interfaceName = interfaceName;
    this.file = file;
    this.line = line;
  }
}

/** A command that reads or changes the host's network set-up (`ip`, a sysctl) failed. */
export class HostNetworkError extends PortcullisError {
  declare readonly code: 'ERR_HOST_NETWORK';
  /** The command as an operator would type it, e.g. `ip rule add iif g1 lookup 7100 priority 7100`. */
  readonly command: string;
  /** What it said (its standard error, first line), or the system error. */
  readonly reason: string;
  constructor(command: string, reason: string) {
    super('ERR_HOST_NETWORK', `${command}: ${reason}`);
    this.command = command;
    this.reason = reason;
  }
}

/**
 * An observation tap (src/io/tap.ts: an AF_PACKET socket beside the kernel's path, for the
 * packets addressed to the gateway's own login service) could not be opened.
 */
export class PacketTapError extends PortcullisError {
  declare readonly code: 'ERR_PACKET_TAP';
  /** The interface observed, e.g. `g1`. */
  readonly device: string;
  /** The step that failed: `socket AF_PACKET`, `SO_ATTACH_FILTER`, `if_nametoindex`, `bind`, `BPF program`. */
  readonly step: string;
  /** The system error, e.g. `EPERM`. */
  readonly errno: string;
  constructor(device: string, step: string, errno: string) {
    const text = describeErrno(errno);
    super('ERR_PACKET_TAP', `packet tap on ${device}: ${step}: ${text === errno ? errno : `${errno}, ${text}`}`);
    this.device = device;
    this.step = step;
    this.errno = errno;
  }
}

// ---------------------------------------------------------------------------------------------
// The control socket (src/control) and the commands it takes

/**
 * An operator command (`show …`, `clear …`, `debug …`) that does not parse, in the manner of
 * IOS's `% Invalid input detected`, `% Incomplete command` and `% Ambiguous command`, with the
 * word it stopped at, what would have done there and, for a typing slip, the word meant.
 */
export class ControlInputError extends PortcullisError {
  declare readonly code: 'ERR_CONTROL_INPUT';
  /** The command as typed (words joined by one space). */
  readonly command: string;
  /** 1-based number of the offending word (one past the last word when a word is missing). */
  readonly word: number;
  /** `invalid`: a word that does not fit; `incomplete`: words missing; `ambiguous`: an abbreviation of several. */
  readonly problem: 'invalid' | 'incomplete' | 'ambiguous';
  /** What would have done there, e.g. `cache, configuration, statistics or watch-list`. */
  readonly expected: string;
  /** What was there (`end of line` when nothing). */
  readonly found: string;
  /** The word meant, for a typing slip of one; the candidates, for an ambiguous abbreviation. */
  readonly suggestion: string | undefined;
  constructor(command: string, word: number, problem: 'invalid' | 'incomplete' | 'ambiguous', expected: string, found: string,
    detail?: string) {
    super('ERR_CONTROL_INPUT', `${command}: ${problem === 'invalid' ? 'invalid input' : problem === 'incomplete'
      ? 'incomplete command' : 'ambiguous command'} at word ${word}: ${expectedFound(expected, found, detail)}`);
    this.command = command;
    this.word = word;
    this.problem = problem;
    this.expected = expected;
    this.found = found;
    this.suggestion = detail;
  }
}

/**
 * A command that cannot be answered where it was asked: a `show` of live state with
 * `--config` (no gateway to ask), or a table this gateway does not keep.
 */
export class ControlUnavailableError extends PortcullisError {
  declare readonly code: 'ERR_CONTROL_UNAVAILABLE';
  /** The command, in full words. */
  readonly command: string;
  constructor(command: string, why: string) {
    super('ERR_CONTROL_UNAVAILABLE', `${command}: ${why}`);
    this.command = command;
  }
}

/** `clear ip auth-proxy cache|watch-list ADDRESS` for a host the table does not hold. */
export class ControlNoEntryError extends PortcullisError {
  declare readonly code: 'ERR_CONTROL_NO_ENTRY';
  /** `cache` or `watch-list`. */
  readonly table: string;
  /** The host as IOS prints it. */
  readonly host: string;
  constructor(table: string, host: string) {
    super('ERR_CONTROL_NO_ENTRY', `no auth-proxy ${table} entry for ${host}`);
    this.table = table;
    this.host = host;
  }
}

/**
 * The control socket's path is unsafe or unusable: its directory is not the gateway user's,
 * is writable by group or others, is a symbolic link or no directory; the path is something
 * other than a socket; or it is too long for a Unix socket address.
 */
export class ControlPathError extends PortcullisError {
  declare readonly code: 'ERR_CONTROL_PATH';
  /** The socket path as given. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super('ERR_CONTROL_PATH', `control socket ${path}: ${problem}`);
    this.path = path;
  }
}

/** Another process (a second gateway) is listening on the control socket's path. */
export class ControlSocketInUseError extends PortcullisError {
  declare readonly code: 'ERR_CONTROL_SOCKET_IN_USE';
  readonly path: string;
  constructor(path: string) {
    super('ERR_CONTROL_SOCKET_IN_USE', `control socket ${path}: another gateway is listening on it`);
    this.path = path;
  }
}

/** The client could not reach a gateway's control socket (`ENOENT`, `ECONNREFUSED`: none runs). */
export class ControlConnectError extends PortcullisError {
  declare readonly code: 'ERR_CONTROL_CONNECT';
  readonly path: string;
  /** The system error, e.g. `ENOENT`. */
  readonly errno: string;
  constructor(path: string, errno: string) {
    const none = errno === 'ENOENT' || errno === 'ECONNREFUSED';
    super('ERR_CONTROL_CONNECT', none
      ? `no gateway is running: cannot connect to ${path}: ${errno}`
      : `cannot connect to ${path}: ${errno}, ${describeErrno(errno)}${errno === 'EACCES' ? ' (the control socket is root\'s)' : ''}`);
    this.path = path;
    this.errno = errno;
  }
}

/**
 * A control-socket request or answer that breaks the protocol (`src/control/protocol.ts`): not
 * one JSON object per line, no command, a line longer than the limit, too many clients at once,
 * or a connection that ended before its answer.
 */
export class ControlProtocolError extends PortcullisError {
  declare readonly code: 'ERR_CONTROL_PROTOCOL';
  /** `malformed`, `too-large`, `busy`, `idle` or `closed`. */
  readonly problem: 'malformed' | 'too-large' | 'busy' | 'idle' | 'closed';
  constructor(problem: 'malformed' | 'too-large' | 'busy' | 'idle' | 'closed', message: string) {
    super('ERR_CONTROL_PROTOCOL', message);
    this.problem = problem;
  }
}

/** The gateway answered a command with an error (its code and message as the gateway gave them). */
export class ControlCommandError extends PortcullisError {
  declare readonly code: 'ERR_CONTROL_COMMAND';
  /** The gateway's error code, e.g. `ERR_CONTROL_NO_ENTRY`. */
  readonly remoteCode: string;
  constructor(remoteCode: string, message: string) {
    super('ERR_CONTROL_COMMAND', message);
    this.remoteCode = remoteCode;
  }
}

// ---------------------------------------------------------------------------------------------
// AAA method lists (src/aaa/methods.ts)

/**
 * The AAA method lists cannot be built from the config: a list names a server group no
 * `aaa group server` defines, a RADIUS server has no key (neither its own nor `radius-server
 * key`), `local` is listed but no local users are available. Names the list or server, never a key.
 */
export class AaaConfigError extends PortcullisError {
  declare readonly code: 'ERR_AAA_CONFIG';
  /** Where in the config, e.g. `aaa authentication login default`. */
  readonly where: string;
  constructor(where: string, problem: string) {
    super('ERR_AAA_CONFIG', `${where}: ${problem}`);
    this.where = where;
  }
}

/**
 * The RFC 5176 listener (`aaa server radius dynamic-author`) could not open its UDP port (taken,
 * or a privileged port without the right). Names the address, port and errno; never a key.
 */
export class DynamicAuthorListenError extends PortcullisError {
  declare readonly code: 'ERR_DYNAMIC_AUTHOR_LISTEN';
  readonly address: string;
  readonly port: number;
  readonly errno: string;
  constructor(address: string, port: number, errno: string) {
    const text = describeErrno(errno);
    super('ERR_DYNAMIC_AUTHOR_LISTEN', `aaa server radius dynamic-author: cannot listen on ${address} port ${port}: `
      + `${text === errno ? errno : `${errno}, ${text}`}`);
    this.address = address;
    this.port = port;
    this.errno = errno;
  }
}

// ---------------------------------------------------------------------------------------------
// The explicit proxy (src/login/explicit-proxy.ts)

/** The explicit proxy (`ip auth-proxy proxy-listener port N`) could not listen on an inside address. */
export class ProxyListenError extends PortcullisError {
  declare readonly code: 'ERR_PROXY_LISTEN';
  /** The address and port, e.g. `10.1.0.1:3128` or `[2001:db8::1]:3128`. */
  readonly endpoint: string;
  /** The system error, e.g. `EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`. */
  readonly errno: string | undefined;
  constructor(endpoint: string, errno: string | undefined, options?: { cause?: unknown }) {
    super('ERR_PROXY_LISTEN', `explicit proxy: cannot listen on ${endpoint}${errno === undefined ? '' : ` (${errno})`}`, options);
    this.endpoint = endpoint;
    this.errno = errno;
  }
}
