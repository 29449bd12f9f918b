/**
 * The error catalogue: every class has its own stable code and name, extends PortcullisError,
 * carries its structured fields, and has a one-line message the CLI can print as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as errors from '../src/errors.js';

/** One instance of every class the catalogue exports, with its expected code. */
function samples(): [errors.PortcullisError, string][] {
  return [
    [new errors.UsageError('x'), 'ERR_USAGE'],
    [new errors.InvalidOptionError('flow table', 'capacity', 'must be positive'), 'ERR_INVALID_OPTION'],
    [new errors.InstallationError('package.json', '/opt/portcullis/dist'), 'ERR_INSTALLATION'],
    [new errors.ConfigError('r.cfg', 3, 7, '"permit"', '"pemit"'), 'ERR_CONFIG_INVALID'],
    [new errors.ConfigFileError('r.cfg', 'configuration file not found', 'ENOENT'), 'ERR_CONFIG_FILE'],
    [new errors.ConfigTooLargeError('r.cfg', 1024), 'ERR_CONFIG_TOO_LARGE'],
    [new errors.ConfigLineTooLongError('r.cfg', 1, 4096), 'ERR_CONFIG_LINE_TOO_LONG'],
    [new errors.CaptureError('c.pcap', 40, 1, 'truncated packet record'), 'ERR_CAPTURE_CORRUPT'],
    [new errors.CaptureFileError('c.pcap', 'ENOENT', 'opening'), 'ERR_CAPTURE_FILE'],
    [new errors.OutputFileError('/dev/full', 'ENOSPC', 'writing'), 'ERR_OUTPUT_FILE'],
    [new errors.OutputIsInputError('--out', 'c.pcap', 'the capture c.pcap'), 'ERR_OUTPUT_IS_INPUT'],
    [new errors.StdoutClosedError(), 'ERR_STDOUT_CLOSED'],
    [new errors.AclSetError('x'), 'ERR_ACL_SET'],
    [new errors.DownloadedAclError(2, 'permit ip host 1.2.3.4 any', 'source'), 'ERR_PROXYACL_INVALID'],
    [new errors.DynamicAclTargetError(7, undefined, 'no-list'), 'ERR_DYNAMIC_ACL_TARGET'],
    [new errors.HostNotConnectedError('10.9.9.9'), 'ERR_HOST_NOT_CONNECTED'],
    [new errors.LoginListenError('10.1.0.1:443', 'EADDRINUSE'), 'ERR_LOGIN_LISTEN'],
    [new errors.ProxyListenError('10.1.0.1:3128', 'EADDRINUSE'), 'ERR_PROXY_LISTEN'],
    [new errors.AuthCacheFullError('10.1.0.9', 1), 'ERR_AUTH_CACHE_FULL'],
    [new errors.ConnectionClosedError(true), 'ERR_CONNECTION_CLOSED'],
    [new errors.TunOpenError('tun0', 'TUNSETIFF', 'EBUSY', 'tun0 is taken'), 'ERR_TUN_OPEN'],
    [new errors.TunIoError('tun0', 'read', 'EBADFD'), 'ERR_TUN_IO'],
    [new errors.RadiusEncodeError('User-Name', 300, 253), 'ERR_RADIUS_ENCODE'],
    [new errors.TacacsEncodeError('user', 300, 255), 'ERR_TACACS_ENCODE'],
    [new errors.LocalUserSecretError('r.cfg', 9, 'alice', 'a type 5 secret is …'), 'ERR_LOCAL_USER_SECRET'],
    [new errors.CertificateFileError('r.cfg', 12, '/etc/gw.pem', 'not-pem', 'not a PEM certificate'), 'ERR_CERTIFICATE_FILE'],
    [new errors.StateDirError('/var/lib/portcullis', 'cannot create the state directory: permission denied', 'EACCES'), 'ERR_STATE_DIR'],
    [new errors.InterfaceMissingError('eth9', 'r.cfg', 9, ['lo', 'g1']), 'ERR_INTERFACE_MISSING'],
    [new errors.InterfaceAddressError('g1', 'r.cfg', 4, '10.0.0.9/24', ['10.0.0.1/24']), 'ERR_INTERFACE_ADDRESS'],
    [new errors.InterfaceUnusableError('lo', 'r.cfg', 3, 'the loopback device'), 'ERR_INTERFACE_UNUSABLE'],
    [new errors.PacketTapError('g1', 'bind', 'ENODEV'), 'ERR_PACKET_TAP'],
    [new errors.HostNetworkError('ip rule add iif g1 prohibit priority 7300', 'RTNETLINK answers: Operation not permitted'), 'ERR_HOST_NETWORK'],
    [new errors.ControlInputError('show ip x', 3, 'invalid', 'access-lists or auth-proxy', '"x"'), 'ERR_CONTROL_INPUT'],
    [new errors.ControlUnavailableError('show ip auth-proxy cache', 'needs the running gateway'), 'ERR_CONTROL_UNAVAILABLE'],
    [new errors.ControlNoEntryError('cache', '10.1.0.9'), 'ERR_CONTROL_NO_ENTRY'],
    [new errors.ControlPathError('/tmp/c.sock', 'directory /tmp is writable by others'), 'ERR_CONTROL_PATH'],
    [new errors.ControlSocketInUseError('/run/portcullis/control.sock'), 'ERR_CONTROL_SOCKET_IN_USE'],
    [new errors.ControlConnectError('/run/portcullis/control.sock', 'ENOENT'), 'ERR_CONTROL_CONNECT'],
    [new errors.ControlProtocolError('malformed', 'not JSON'), 'ERR_CONTROL_PROTOCOL'],
    [new errors.ControlCommandError('ERR_CONTROL_NO_ENTRY', 'no auth-proxy cache entry for 10.1.0.9'), 'ERR_CONTROL_COMMAND'],
    [new errors.AaaConfigError('aaa authentication login default', 'no server group "x"'), 'ERR_AAA_CONFIG'],
    [new errors.NoHostSessionError('10.1.0.9'), 'ERR_NO_HOST_SESSION'],
    [new errors.DynamicAuthorListenError('0.0.0.0', 3799, 'EADDRINUSE'), 'ERR_DYNAMIC_AUTHOR_LISTEN'],
  ];
}

test('every error class has its own code and name, and a one-line message', () => {
  const classes = Object.entries(errors).filter(([, v]) => typeof v === 'function' && v.prototype instanceof errors.PortcullisError);
  const s = samples();
  assert.equal(s.length, classes.length, 'a sample of every exported class');
  const codes = new Set<string>();
  for (const [e, code] of s) {
    assert.ok(e instanceof errors.PortcullisError && e instanceof Error);
    assert.equal(e.code, code);
    assert.equal(e.name, e.constructor.name);
    assert.ok(!codes.has(code), `${code} is used once`);
    codes.add(code);
    assert.doesNotMatch(e.message, /\n/);
  }
});

test('system errors keep their errno and read as strerror does', () => {
  const e = new errors.OutputFileError('/dev/full', 'ENOSPC', 'writing');
  assert.equal(e.errno, 'ENOSPC');
  assert.equal(e.message, '/dev/full: writing the output: no space left on device');
  assert.equal(errors.errnoOf(Object.assign(new Error('x'), { code: 'EPIPE' })), 'EPIPE');
  assert.equal(errors.errnoOf(new errors.UsageError('x')), undefined, 'an ERR_ code is no errno');
  assert.equal(errors.describeErrno('EWEIRD'), 'EWEIRD');
});
