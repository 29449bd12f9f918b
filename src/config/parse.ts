/**
 * The IOS running-config parser: turns the text `show running-config` prints into a typed,
 * validated {@link Config}. It implements the subset the auth-proxy needs (hostname, `aaa`,
 * `ip auth-proxy`, `ip http`, interfaces, RADIUS/TACACS+ servers, local users) and hands
 * access-list lines to the ACL engine's builder (`src/acl/config-lines.ts`).
 *
 * How lines are grouped follows IOS's own configuration parser rather than indentation alone:
 * a line is tried in the current sub-mode (interface, ACL block) first and, if it is not a
 * command of that mode, at the top level, which ends the sub-mode. Indentation only decides
 * what an unknown line belongs to: an indented unknown line is a sub-line of the block above it,
 * an unindented one is a top-level line. `!` lines are comments and never change the mode.
 *
 * Lines portcullis does not implement (`voice …`, `crypto ca …` blocks with their certificates,
 * `line …` blocks, interface sub-lines such as `duplex half`) produce one warning each; a line
 * that starts like an implemented command but is malformed is a {@link ConfigError} naming
 * file, line, column and the expected token, and the parse stops there ("nothing starts").
 */
import { readFileSync } from 'node:fs';
import { ConfigError, ConfigFileError, errnoOf } from '../errors.js';
import { createAclConfigBuilder } from '../acl/config-lines.js';
import type { AclConfigBuilder, AclSet } from '../acl/api.js';
import { expectedAt, tokenizeConfig } from './tokens.js';
import type { ConfigWarning, TokenLine } from './tokens.js';
import {
  AP_PROTO_FTP, AP_PROTO_HTTP, AP_PROTO_HTTPS, AP_PROTO_TELNET,
} from './types.js';
import type {
  AuthProxyProtocolRule, AuthProxyRule, Config, InterfaceConfig, Ipv4InterfaceAddress, Ipv6InterfaceAddress,
  LocalUser, RadiusServer, SourceRef, StaticRoute, TacacsServer,
} from './types.js';
import { readDelimitedText } from './banner.js';
import { parseStaticRoute, resolveRoutes } from './routes.js';
import type { PendingRoute } from './routes.js';
import {
  expectEnd, hostAt, ipv4At, ipv4MaskAt, ipv6PrefixAt, keyAt, numberAt, restOfLine, wordAt,
} from './values.js';

/** Defaults IOS (and portcullis, for its extensions) use when a setting is not configured. */
export const CONFIG_DEFAULTS = {
  hostname: 'Router',
  authCacheTimeMin: 60,
  absoluteTimeMin: 0,
  maxNodataConns: 3,
  maxLoginAttempts: 5,
  watchListExpiryMin: 30,
  halfOpenLimit: 1024,
  httpPort: 80,
  httpSecurePort: 443,
  radiusAuthPort: 1645,
  radiusAcctPort: 1646,
  radiusRetransmit: 3,
  radiusTimeoutSec: 5,
  tacacsPort: 49,
  tacacsTimeoutSec: 5,
  userPrivilege: 1,
} as const;

/** Largest value IOS accepts for its 32-bit signed minute and count settings. */
const INT32_MAX = 2147483647;

/** `ip auth-proxy name N <proto>` keywords and their AP_PROTO_* bits (spec §2). */
const AP_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['http', AP_PROTO_HTTP], ['ftp', AP_PROTO_FTP], ['telnet', AP_PROTO_TELNET], ['https', AP_PROTO_HTTPS],
]);

/** Keywords of the global `ip auth-proxy …` command (anything else after `ip auth-proxy` in an interface is a rule name). */
const AP_GLOBAL_KEYWORDS = new Set([
  'auth-cache-time', 'inactivity-timer', 'absolute-timer', 'auth-proxy-banner', 'name', 'max-nodata-conns',
  'max-login-attempts', 'watch-list', 'half-open-limit',
]);

/** `ip http …` keywords IOS has and portcullis accepts without implementing. */
const HTTP_IGNORED = new Set([
  'access-class', 'path', 'max-connections', 'timeout-policy', 'secure-ciphersuite', 'secure-client-auth', 'client',
  'active-session-modules', 'secure-active-session-modules', 'session-module-list', 'help-path', 'digest',
]);

/** First words of interface sub-commands portcullis accepts without implementing. */
const INTERFACE_IGNORED = new Set([
  'duplex', 'speed', 'cdp', 'atm', 'keepalive', 'mtu', 'bandwidth', 'encapsulation', 'negotiation', 'media-type',
  'full-duplex', 'half-duplex', 'load-interval', 'delay', 'standby', 'vrrp', 'pvc', 'frame-relay', 'ppp', 'dialer',
  'tunnel', 'switchport', 'spanning-tree', 'channel-group', 'crypto', 'service-policy', 'carrier-delay', 'clock',
  'hold-queue', 'logging', 'snmp', 'arp', 'mac-address', 'fair-queue', 'random-detect', 'priority-queue',
  'auto', 'mdix', 'flowcontrol', 'storm-control', 'nameif', 'security-level', 'vrf', 'zone-member',
]);

/** Second words of `ip …` interface sub-commands portcullis accepts without implementing. */
const INTERFACE_IP_IGNORED = new Set([
  'route-cache', 'mtu', 'helper-address', 'directed-broadcast', 'redirects', 'unreachables', 'proxy-arp',
  'virtual-reassembly', 'inspect', 'tcp', 'policy', 'ospf', 'igmp', 'verify', 'mroute-cache', 'admission', 'flow',
  'split-horizon', 'summary-address', 'authentication', 'hello-interval', 'hold-time', 'accounting', 'load-sharing',
  'mask-reply', 'irdp', 'local-proxy-arp', 'sap', 'vrf', 'wccp', 'dhcp', 'unnumbered', 'rip',
]);

/** Second words of `ipv6 …` interface sub-commands portcullis accepts without implementing. */
const INTERFACE_IPV6_IGNORED = new Set([
  'enable', 'nd', 'mtu', 'ospf', 'dhcp', 'redirects', 'unreachables', 'rip', 'eigrp', 'verify', 'mld', 'pim',
  'inspect', 'flow', 'policy', 'virtual-reassembly', 'traffic-shape',
]);

/** Methods `aaa authentication login` accepts besides `group NAME`. */
const AAA_LOGIN_METHODS = new Set(['local', 'local-case', 'none', 'enable', 'line', 'krb5']);
/** Methods `aaa authorization auth-proxy` accepts besides `group NAME`. */
const AAA_AUTHZ_METHODS = new Set(['local', 'none', 'if-authenticated']);
/** Methods `aaa accounting auth-proxy` accepts besides `group NAME`. */
const AAA_ACCT_METHODS: ReadonlySet<string> = new Set();

/** Top-level lines that start an ignored block whose sub-lines are certificates (up to `quit`). */
const CERT_CHAIN = /^crypto\s+(ca|pki)\s+certificate\s+chain\b/i;

/**
 * Reads and parses the running-config at `path`. A file that cannot be read is a
 * {@link ConfigFileError}; a malformed line a {@link ConfigError}.
 */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const what = code === 'ENOENT' ? 'configuration file not found'
      : code === 'EISDIR' ? 'is a directory, not a configuration file'
        : code === 'EACCES' ? 'permission denied reading the configuration file'
          : `cannot read the configuration file (${String(code ?? (e as Error).message)})`;
    throw new ConfigFileError(path, what, errnoOf(e));
  }
  return parseConfig(text, path);
}

/**
 * Parses running-config `text` (`file` names it in errors and warnings). Throws the first
 * {@link ConfigError}; non-fatal findings are in `Config.warnings`, sorted by line.
 */
export function parseConfig(text: string, file: string): Config {
  return new ConfigParser(text.replace(/^\uFEFF/, ''), file).run();
}

/** Where a name was referenced, for the cross-checks after parsing. */
interface Reference {
  readonly tl: TokenLine;
  readonly index: number;
  readonly name: string;
}

interface MutableInterface {
  name: string;
  source: SourceRef;
  ipv4: Ipv4InterfaceAddress[];
  ipv6: Ipv6InterfaceAddress[];
  shutdown: boolean;
  authProxy: Reference | undefined;
  accessGroupIn: Reference | undefined;
  accessGroupOut: Reference | undefined;
  ipv6FilterIn: Reference | undefined;
  ipv6FilterOut: Reference | undefined;
  description: string | undefined;
}

interface MutableRule {
  name: string;
  protocols: AuthProxyProtocolRule[];
  /** Where each protocol line's `list` was given. */
  listRefs: Reference[];
}

type Mode = 'top' | 'interface' | 'ignored' | 'cert-chain' | 'cert-data';

/** One parse of one text; not reusable. */
class ConfigParser {
  private readonly lines: TokenLine[];
  private readonly warnings: ConfigWarning[] = [];
  private readonly acl: AclConfigBuilder = createAclConfigBuilder();
  private index = 0;
  private mode: Mode = 'top';
  private itf: MutableInterface | null = null;
  /** The ignored block being skipped, and how many sub-lines it had so far. */
  private ignoredHead: TokenLine | null = null;
  private ignoredCount = 0;
  private endLine: TokenLine | null = null;
  private afterEnd: TokenLine | null = null;

  private hostname: string = CONFIG_DEFAULTS.hostname;
  private readonly aaa = {
    newModel: false,
    newModelSeen: false,
    firstAaaLine: null as TokenLine | null,
    authenticationLogin: new Map<string, readonly string[]>(),
    authorizationAuthProxy: new Map<string, readonly string[]>(),
    accountingAuthProxy: new Map<string, readonly string[]>(),
    sessionId: undefined as string | undefined,
  };
  private readonly ap = {
    authCacheTimeMin: CONFIG_DEFAULTS.authCacheTimeMin as number,
    absoluteTimeMin: CONFIG_DEFAULTS.absoluteTimeMin as number,
    bannerEnabled: false,
    bannerText: undefined as string | undefined,
    maxNodataConns: CONFIG_DEFAULTS.maxNodataConns as number,
    maxLoginAttempts: CONFIG_DEFAULTS.maxLoginAttempts as number,
    watchListExpiryMin: CONFIG_DEFAULTS.watchListExpiryMin as number,
    halfOpenLimit: CONFIG_DEFAULTS.halfOpenLimit as number,
  };
  private readonly rules = new Map<string, MutableRule>();
  private readonly http = {
    server: false,
    secureServer: false,
    authentication: undefined as string | undefined,
    secureTrustpoint: undefined as string | undefined,
    port: CONFIG_DEFAULTS.httpPort as number,
    securePort: CONFIG_DEFAULTS.httpSecurePort as number,
  };
  private readonly interfaces: MutableInterface[] = [];
  private readonly radius = {
    servers: [] as RadiusServer[],
    key: undefined as string | undefined,
    retransmit: CONFIG_DEFAULTS.radiusRetransmit as number,
    timeoutSec: CONFIG_DEFAULTS.radiusTimeoutSec as number,
    permitMissingServiceType: false,
  };
  private readonly tacacs = {
    servers: [] as TacacsServer[],
    key: undefined as string | undefined,
    timeoutSec: CONFIG_DEFAULTS.tacacsTimeoutSec as number,
  };
  private readonly users: LocalUser[] = [];
  private readonly routes: PendingRoute[] = [];

  constructor(text: string, private readonly file: string) {
    this.lines = tokenizeConfig(file, text);
  }

  run(): Config {
    for (this.index = 0; this.index < this.lines.length; this.index++) {
      const tl = this.lines[this.index]!;
      const first = tl.tokens[0];
      if (first === undefined || first.text.startsWith('!')) continue;
      if (this.endLine !== null) {
        if (this.afterEnd === null) this.afterEnd = tl;
        continue;
      }
      this.line(tl);
    }
    this.closeIgnored();
    if (this.afterEnd !== null) {
      this.warn(this.afterEnd, 0, `lines after "end" (line ${this.endLine!.line}) ignored`);
    }
    const acls = this.acl.finish(this.warnings);
    return this.finish(acls);
  }

  private warn(tl: TokenLine, tokenIndex: number, message: string): void {
    this.warnings.push({ file: tl.file, line: tl.line, column: tl.tokens[tokenIndex]?.column ?? 1, message });
  }

  private source(tl: TokenLine): SourceRef {
    return { file: tl.file, line: tl.line };
  }

  /** Routes one non-comment line to the current mode, falling back to the top level. */
  private line(tl: TokenLine): void {
    if (this.acl.inBlock() && this.acl.subLine(tl)) return;
    const w0 = wordAt(tl, 0)!;
    switch (this.mode) {
      case 'interface':
        if (this.interfaceLine(tl)) return;
        this.itf = null;
        break;
      case 'cert-data':
        this.ignoredCount++;
        if (w0 === 'quit') this.mode = 'cert-chain';
        return;
      case 'cert-chain':
        if (w0 === 'certificate') {
          this.ignoredCount++;
          this.mode = 'cert-data';
          return;
        }
        if (tl.indent > 0 && !isTopLevelCommand(tl)) {
          this.ignoredCount++;
          return;
        }
        this.closeIgnored();
        break;
      case 'ignored':
        if (tl.indent > 0 && !isTopLevelCommand(tl)) {
          this.ignoredCount++;
          return;
        }
        this.closeIgnored();
        break;
      case 'top':
        break;
    }
    this.mode = 'top';
    this.topLevel(tl);
  }

  /** Starts skipping an unimplemented line and the indented sub-lines that follow it. */
  private ignore(tl: TokenLine): void {
    this.ignoredHead = tl;
    this.ignoredCount = 0;
    this.mode = CERT_CHAIN.test(restOfLine(tl, 0)) ? 'cert-chain' : 'ignored';
  }

  private closeIgnored(): void {
    const head = this.ignoredHead;
    if (head === null) return;
    const text = restOfLine(head, 0);
    const n = this.ignoredCount;
    this.warn(head, 0, n === 0
      ? `ignored "${text}": not implemented by portcullis`
      : `ignored "${text}" and its ${n} sub-line${n === 1 ? '' : 's'}: not implemented by portcullis`);
    this.ignoredHead = null;
    this.ignoredCount = 0;
    if (this.mode === 'ignored' || this.mode === 'cert-chain' || this.mode === 'cert-data') this.mode = 'top';
  }

  private topLevel(tl: TokenLine): void {
    if (this.acl.topLevel(tl)) return;
    const w0 = wordAt(tl, 0)!;
    const w1 = wordAt(tl, 1);
    switch (w0) {
      case 'hostname': return this.parseHostname(tl);
      case 'interface': return this.parseInterface(tl);
      case 'aaa': return this.parseAaa(tl);
      case 'radius-server': return this.parseRadius(tl);
      case 'tacacs-server': return this.parseTacacs(tl);
      case 'username': return this.parseUsername(tl);
      case 'banner': return this.parseIgnoredBanner(tl);
      case 'end':
        expectEnd(tl, 1);
        this.endLine = tl;
        return;
      case 'ip':
        if (w1 === 'auth-proxy') return this.parseAuthProxy(tl);
        if (w1 === 'http') return this.parseHttp(tl);
        if (w1 === 'route') return this.parseRoute(tl, 4);
        if (w1 === 'address' || w1 === 'access-group') throw notInInterface(tl, `ip ${w1}`);
        break;
      case 'ipv6':
        if (w1 === 'route') return this.parseRoute(tl, 6);
        if (w1 === 'address' || w1 === 'traffic-filter') throw notInInterface(tl, `ipv6 ${w1}`);
        break;
      case 'no':
        if (this.parseNo(tl)) return;
        break;
      case 'building':
        // `show running-config` prints "Building configuration..." before the config itself.
        if (w1 === 'configuration...' && tl.tokens.length === 2) return;
        break;
      case 'current':
        // …and "Current configuration : N bytes".
        if (w1 === 'configuration' && tl.tokens[2]?.text === ':') return;
        break;
      default:
        break;
    }
    this.ignore(tl);
  }

  // ---- global commands --------------------------------------------------------------------

  private parseHostname(tl: TokenLine): void {
    const name = tl.tokens[1]?.text;
    if (name === undefined) throw expectedAt(tl, 1, 'a host name');
    expectEnd(tl, 2);
    this.hostname = name;
  }

  /** `no …` lines portcullis implements; false for the others (ignored with a warning). */
  private parseNo(tl: TokenLine): boolean {
    const w1 = wordAt(tl, 1);
    const w2 = wordAt(tl, 2);
    if (w1 === 'aaa' && w2 === 'new-model') {
      expectEnd(tl, 3);
      this.aaa.newModel = false;
      return true;
    }
    if (w1 === 'ip' && w2 === 'http') {
      const w3 = wordAt(tl, 3);
      if (w3 === 'server' || w3 === 'secure-server') {
        expectEnd(tl, 4);
        if (w3 === 'server') this.http.server = false;
        else this.http.secureServer = false;
        return true;
      }
    }
    return false;
  }

  /** `banner motd|login|exec|… ^C … ^C`: ignored, but its text (possibly many lines) is skipped. */
  private parseIgnoredBanner(tl: TokenLine): void {
    if (tl.tokens.length < 3) {
      this.ignore(tl);
      return;
    }
    const d = readDelimitedText(this.lines, this.index, 2);
    this.index = d.lastLine;
    this.warn(tl, 0, `ignored "banner ${tl.tokens[1]!.text}": not implemented by portcullis`);
  }

  /** `interface NAME [point-to-point|multipoint]` opens interface mode (a repeated name reopens it). */
  private parseInterface(tl: TokenLine): void {
    let name = tl.tokens[1]?.text;
    if (name === undefined) throw expectedAt(tl, 1, 'an interface name');
    let next = 2;
    const t2 = tl.tokens[2]?.text;
    // IOS also accepts the type and number apart (`interface FastEthernet 0/0`) and prints them joined.
    if (t2 !== undefined && /^[A-Za-z-]+$/.test(name) && /^[0-9]/.test(t2)) {
      name += t2;
      next = 3;
    }
    const w = wordAt(tl, next);
    if (w === 'point-to-point' || w === 'multipoint') next++;
    expectEnd(tl, next);
    let itf = this.interfaces.find((i) => i.name === name);
    if (itf === undefined) {
      itf = {
        name, source: this.source(tl), ipv4: [], ipv6: [], shutdown: false, authProxy: undefined,
        accessGroupIn: undefined, accessGroupOut: undefined, ipv6FilterIn: undefined, ipv6FilterOut: undefined,
        description: undefined,
      };
      this.interfaces.push(itf);
    }
    this.itf = itf;
    this.mode = 'interface';
  }

  // ---- interface mode ---------------------------------------------------------------------

  /** Handles a line in interface mode; false if it is not an interface sub-command (mode ends). */
  private interfaceLine(tl: TokenLine): boolean {
    const itf = this.itf!;
    const w0 = wordAt(tl, 0)!;
    const w1 = wordAt(tl, 1);
    if (w0 === 'ip') {
      if (w1 === 'address') {
        this.parseIpAddress(tl, itf);
        return true;
      }
      if (w1 === 'access-group') {
        const [name, dir] = this.nameAndDirection(tl, 'an access list name or number');
        if (dir === 'in') itf.accessGroupIn = name;
        else itf.accessGroupOut = name;
        return true;
      }
      if (w1 === 'auth-proxy' && !AP_GLOBAL_KEYWORDS.has(wordAt(tl, 2) ?? '')) {
        const name = tl.tokens[2]?.text;
        if (name === undefined) throw expectedAt(tl, 2, 'an auth-proxy rule name');
        expectEnd(tl, 3);
        itf.authProxy = { tl, index: 2, name };
        return true;
      }
      if (w1 !== undefined && INTERFACE_IP_IGNORED.has(w1)) return this.ignoreInterfaceLine(tl, itf);
      // `ip nat inside|outside` is an interface command; `ip nat inside source …` a global one.
      if (w1 === 'nat' && tl.tokens.length === 3) return this.ignoreInterfaceLine(tl, itf);
    } else if (w0 === 'ipv6') {
      if (w1 === 'address') {
        this.parseIpv6Address(tl, itf);
        return true;
      }
      if (w1 === 'traffic-filter') {
        const [name, dir] = this.nameAndDirection(tl, 'an IPv6 access list name');
        if (dir === 'in') itf.ipv6FilterIn = name;
        else itf.ipv6FilterOut = name;
        return true;
      }
      if (w1 !== undefined && INTERFACE_IPV6_IGNORED.has(w1)) return this.ignoreInterfaceLine(tl, itf);
    } else if (w0 === 'description') {
      itf.description = restOfLine(tl, 1);
      return true;
    } else if (w0 === 'shutdown') {
      expectEnd(tl, 1);
      itf.shutdown = true;
      return true;
    } else if (w0 === 'no') {
      if (w1 === 'shutdown') {
        expectEnd(tl, 2);
        itf.shutdown = false;
        return true;
      }
      if (w1 === 'ip' && wordAt(tl, 2) === 'address') {
        expectEnd(tl, 3);
        itf.ipv4.length = 0;
        return true;
      }
      const w2 = wordAt(tl, 2);
      if (w1 !== undefined && INTERFACE_IGNORED.has(w1)) return this.ignoreInterfaceLine(tl, itf);
      if (w1 === 'ip' && w2 !== undefined && INTERFACE_IP_IGNORED.has(w2)) return this.ignoreInterfaceLine(tl, itf);
      if (w1 === 'ipv6' && w2 !== undefined && INTERFACE_IPV6_IGNORED.has(w2)) return this.ignoreInterfaceLine(tl, itf);
    } else if (INTERFACE_IGNORED.has(w0)) {
      return this.ignoreInterfaceLine(tl, itf);
    }
    if (tl.indent > 0 && !isTopLevelCommand(tl)) return this.ignoreInterfaceLine(tl, itf);
    return false;
  }

  private ignoreInterfaceLine(tl: TokenLine, itf: MutableInterface): true {
    this.warn(tl, 0, `ignored "${restOfLine(tl, 0)}" in interface ${itf.name}: not implemented by portcullis`);
    return true;
  }

  /** `ip access-group NAME in|out`, `ipv6 traffic-filter NAME in|out`. */
  private nameAndDirection(tl: TokenLine, expectedName: string): [Reference, 'in' | 'out'] {
    const name = tl.tokens[2]?.text;
    if (name === undefined) throw expectedAt(tl, 2, expectedName);
    const dir = wordAt(tl, 3);
    if (dir !== 'in' && dir !== 'out') throw expectedAt(tl, 3, '"in" or "out"');
    expectEnd(tl, 4);
    return [{ tl, index: 2, name }, dir];
  }

  /** `ip address A M [secondary]` (a new primary replaces the old one, as in IOS). */
  private parseIpAddress(tl: TokenLine, itf: MutableInterface): void {
    const w2 = wordAt(tl, 2);
    if (w2 === 'dhcp' || w2 === 'negotiated' || w2 === 'pool') {
      this.ignoreInterfaceLine(tl, itf);
      return;
    }
    const address = ipv4At(tl, 2);
    const { mask, prefixLength } = ipv4MaskAt(tl, 3);
    let secondary = false;
    if (tl.tokens.length > 4) {
      if (wordAt(tl, 4) !== 'secondary') throw expectedAt(tl, 4, '"secondary" or end of line');
      secondary = true;
      expectEnd(tl, 5);
    }
    if (prefixLength === 0) throw expectedAt(tl, 3, 'a netmask of /1 to /32', 'a zero mask covers every address');
    const host = (address & ~mask) >>> 0;
    if (prefixLength <= 30 && (host === 0 || host === (~mask >>> 0))) {
      throw expectedAt(tl, 2, 'a host address of its subnet', `the ${host === 0 ? 'network' : 'broadcast'} address is not usable (RFC 1122 §3.2.1.3)`);
    }
    const entry: Ipv4InterfaceAddress = { address, mask, prefixLength, secondary };
    if (secondary) {
      itf.ipv4.push(entry);
    } else {
      const k = itf.ipv4.findIndex((a) => !a.secondary);
      if (k >= 0) itf.ipv4.splice(k, 1);
      itf.ipv4.unshift(entry);
    }
  }

  /** `ipv6 address X/len [link-local|anycast]`; `autoconfig`, `dhcp` and `eui-64` forms are ignored. */
  private parseIpv6Address(tl: TokenLine, itf: MutableInterface): void {
    const w2 = wordAt(tl, 2);
    if (w2 === 'autoconfig' || w2 === 'dhcp') {
      this.ignoreInterfaceLine(tl, itf);
      return;
    }
    const prefix = ipv6PrefixAt(tl, 2);
    const w3 = wordAt(tl, 3);
    if (w3 === 'eui-64') {
      expectEnd(tl, 4);
      this.warn(tl, 3, `ignored "${restOfLine(tl, 0)}" in interface ${itf.name}: EUI-64 addresses are not implemented by portcullis`);
      return;
    }
    if (w3 !== undefined && w3 !== 'link-local' && w3 !== 'anycast') throw expectedAt(tl, 3, '"link-local", "anycast", "eui-64" or end of line');
    expectEnd(tl, w3 === undefined ? 3 : 4);
    itf.ipv6.push({ address: prefix.address, prefixLength: prefix.prefixLength });
  }

  // ---- ip auth-proxy ----------------------------------------------------------------------

  private parseAuthProxy(tl: TokenLine): void {
    const w2 = wordAt(tl, 2);
    switch (w2) {
      case 'auth-cache-time':
      case 'inactivity-timer':
        this.ap.authCacheTimeMin = numberAt(tl, 3, 1, INT32_MAX);
        return expectEnd(tl, 4);
      case 'absolute-timer':
        // IOS: 1-35791 minutes; 0 (the default) turns the absolute timer off.
        this.ap.absoluteTimeMin = numberAt(tl, 3, 0, 35791);
        return expectEnd(tl, 4);
      case 'max-nodata-conns':
        this.ap.maxNodataConns = numberAt(tl, 3, 1, 255);
        return expectEnd(tl, 4);
      case 'max-login-attempts':
        this.ap.maxLoginAttempts = numberAt(tl, 3, 1, INT32_MAX);
        return expectEnd(tl, 4);
      case 'half-open-limit':
        this.ap.halfOpenLimit = numberAt(tl, 3, 1, 1048576);
        return expectEnd(tl, 4);
      case 'watch-list': {
        const w3 = wordAt(tl, 3);
        if (w3 === 'expiry-time') {
          this.ap.watchListExpiryMin = numberAt(tl, 4, 0, INT32_MAX);
          return expectEnd(tl, 5);
        }
        if (w3 === 'enable' || w3 === 'add-item') {
          this.warn(tl, 3, `ignored "${restOfLine(tl, 0)}": not implemented by portcullis (the watch list is always on)`);
          return;
        }
        throw expectedAt(tl, 3, '"expiry-time", "enable" or "add-item"');
      }
      case 'auth-proxy-banner':
        return this.parseApBanner(tl);
      case 'name':
        return this.parseApRule(tl);
      default:
        throw expectedAt(tl, 2, '"name", "auth-cache-time", "absolute-timer", "auth-proxy-banner", "max-nodata-conns", '
          + '"max-login-attempts", "watch-list" or "half-open-limit"');
    }
  }

  /** `ip auth-proxy auth-proxy-banner [http|ftp|telnet] [DELIM text DELIM]` */
  private parseApBanner(tl: TokenLine): void {
    const w3 = wordAt(tl, 3);
    const proto = w3 === 'http' || w3 === 'ftp' || w3 === 'telnet' ? w3 : undefined;
    const textIndex = proto === undefined ? 3 : 4;
    let text: string | undefined;
    if (tl.tokens.length > textIndex) {
      const d = readDelimitedText(this.lines, this.index, textIndex);
      this.index = d.lastLine;
      text = d.text;
    }
    if (proto === 'ftp' || proto === 'telnet') {
      this.warn(tl, 3, `ignored the ${proto} auth-proxy banner: portcullis serves its login page over HTTP only`);
      return;
    }
    this.ap.bannerEnabled = true;
    this.ap.bannerText = text;
  }

  /** `ip auth-proxy name NAME http|ftp|telnet|https [list ACL] [auth-cache-time N]` */
  private parseApRule(tl: TokenLine): void {
    const name = tl.tokens[3]?.text;
    if (name === undefined) throw expectedAt(tl, 3, 'an auth-proxy rule name');
    const proto = AP_PROTOCOLS.get(wordAt(tl, 4) ?? '');
    if (proto === undefined) throw expectedAt(tl, 4, '"http", "ftp", "telnet" or "https"');
    let list: Reference | undefined;
    let cacheMin: number | undefined;
    let i = 5;
    while (i < tl.tokens.length) {
      const w = wordAt(tl, i)!;
      if (w === 'list' && list === undefined) {
        const acl = tl.tokens[i + 1]?.text;
        if (acl === undefined) throw expectedAt(tl, i + 1, 'an access list name or number');
        list = { tl, index: i + 1, name: acl };
        i += 2;
      } else if ((w === 'auth-cache-time' || w === 'inactivity-time') && cacheMin === undefined) {
        cacheMin = numberAt(tl, i + 1, 1, INT32_MAX);
        i += 2;
      } else {
        throw expectedAt(tl, i, '"list", "auth-cache-time" or end of line');
      }
    }
    let rule = this.rules.get(name);
    if (rule === undefined) {
      rule = { name, protocols: [], listRefs: [] };
      this.rules.set(name, rule);
    }
    const entry: AuthProxyProtocolRule = { proto, list: list?.name, authCacheTimeMin: cacheMin, source: this.source(tl) };
    // A second line for the same protocol replaces the first, as in IOS.
    const k = rule.protocols.findIndex((p) => p.proto === proto);
    if (k >= 0) rule.protocols[k] = entry;
    else rule.protocols.push(entry);
    if (list !== undefined) rule.listRefs.push(list);
  }

  // ---- ip route / ipv6 route ------------------------------------------------------------

  private parseRoute(tl: TokenLine, family: 4 | 6): void {
    const route = parseStaticRoute(tl, family);
    if (route === undefined) this.ignore(tl);
    else this.routes.push(route);
  }

  /**
   * An inbound ACL filters only packets placed on its interface, and a packet is placed by
   * reverse-path lookup of its source over connected prefixes and static routes. Without a
   * default route, traffic from the internet (a source on no connected prefix or route) is
   * placed on no interface and passes no inbound ACL: warn once per address family.
   */
  private warnNoDefaultRoute(routes: readonly StaticRoute[]): void {
    for (const family of [4, 6] as const) {
      if (routes.some((r) => r.family === family && r.prefixLength === 0)) continue;
      const itf = this.interfaces.find((i) => (family === 4 ? i.accessGroupIn : i.ipv6FilterIn) !== undefined);
      if (itf === undefined) continue;
      const ref = (family === 4 ? itf.accessGroupIn : itf.ipv6FilterIn)!;
      const route = family === 4 ? 'ip route 0.0.0.0 0.0.0.0 …' : 'ipv6 route ::/0 …';
      this.warn(ref.tl, ref.index, `inbound access list "${ref.name}" on ${itf.name}, but no default route ("${route}"): `
        + 'packets from sources no connected prefix or route covers come in on no interface and pass no inbound list');
    }
  }

  // ---- ip http ----------------------------------------------------------------------------

  private parseHttp(tl: TokenLine): void {
    const w2 = wordAt(tl, 2);
    switch (w2) {
      case 'server':
        this.http.server = true;
        return expectEnd(tl, 3);
      case 'secure-server':
        this.http.secureServer = true;
        return expectEnd(tl, 3);
      case 'port':
        this.http.port = numberAt(tl, 3, 1, 65535);
        return expectEnd(tl, 4);
      case 'secure-port':
        this.http.securePort = numberAt(tl, 3, 1, 65535);
        return expectEnd(tl, 4);
      case 'secure-trustpoint': {
        const name = tl.tokens[3]?.text;
        if (name === undefined) throw expectedAt(tl, 3, 'a trustpoint name');
        this.http.secureTrustpoint = name;
        return expectEnd(tl, 4);
      }
      case 'authentication': {
        const w3 = wordAt(tl, 3);
        if (w3 !== 'aaa' && w3 !== 'local' && w3 !== 'enable') throw expectedAt(tl, 3, '"aaa", "local" or "enable"');
        if (w3 !== 'aaa') expectEnd(tl, 4);
        // `aaa` may name method lists (`aaa login-authentication LIST`); they are kept as written.
        this.http.authentication = tl.tokens.slice(3).map((t) => t.text).join(' ');
        return;
      }
      default:
        if (w2 !== undefined && HTTP_IGNORED.has(w2)) {
          this.warn(tl, 0, `ignored "${restOfLine(tl, 0)}": not implemented by portcullis`);
          return;
        }
        throw expectedAt(tl, 2, '"server", "secure-server", "authentication", "port", "secure-port" or "secure-trustpoint"');
    }
  }

  // ---- aaa --------------------------------------------------------------------------------

  private parseAaa(tl: TokenLine): void {
    if (this.aaa.firstAaaLine === null) this.aaa.firstAaaLine = tl;
    const w1 = wordAt(tl, 1);
    const w2 = wordAt(tl, 2);
    if (w1 === 'new-model') {
      expectEnd(tl, 2);
      this.aaa.newModel = true;
      this.aaa.newModelSeen = true;
      return;
    }
    if (w1 === 'session-id') {
      if (w2 !== 'common' && w2 !== 'unique') throw expectedAt(tl, 2, '"common" or "unique"');
      expectEnd(tl, 3);
      this.aaa.sessionId = w2;
      return;
    }
    if (w1 === 'authentication' && w2 === 'login') {
      const [list, methods] = this.methodList(tl, 3, AAA_LOGIN_METHODS);
      this.aaa.authenticationLogin.set(list, methods);
      return;
    }
    if (w1 === 'authorization' && w2 === 'auth-proxy') {
      const [list, methods] = this.methodList(tl, 3, AAA_AUTHZ_METHODS);
      this.aaa.authorizationAuthProxy.set(list, methods);
      return;
    }
    if (w1 === 'accounting' && w2 === 'auth-proxy') {
      const list = tl.tokens[3]?.text;
      if (list === undefined) throw expectedAt(tl, 3, 'a method list name ("default" or a name)');
      const kind = wordAt(tl, 4);
      if (kind !== 'start-stop' && kind !== 'stop-only') throw expectedAt(tl, 4, '"start-stop"');
      if (kind === 'stop-only') this.warn(tl, 4, 'accounting "stop-only" is sent as start-stop: portcullis records both ends of every session');
      this.aaa.accountingAuthProxy.set(list, this.methods(tl, 5, AAA_ACCT_METHODS));
      return;
    }
    this.ignore(tl);
  }

  /** `LIST METHOD…` from token `i`. */
  private methodList(tl: TokenLine, i: number, allowed: ReadonlySet<string>): [string, readonly string[]] {
    const list = tl.tokens[i]?.text;
    if (list === undefined) throw expectedAt(tl, i, 'a method list name ("default" or a name)');
    return [list, this.methods(tl, i + 1, allowed)];
  }

  /** One or more methods from token `i`: `group NAME` or a keyword from `allowed`. */
  private methods(tl: TokenLine, i: number, allowed: ReadonlySet<string>): readonly string[] {
    const expected = ['"group NAME"', ...[...allowed].map((m) => `"${m}"`)].join(', ');
    const out: string[] = [];
    if (i >= tl.tokens.length) throw expectedAt(tl, i, `a method (${expected})`);
    while (i < tl.tokens.length) {
      const w = wordAt(tl, i)!;
      if (w === 'group') {
        const g = tl.tokens[i + 1]?.text;
        if (g === undefined) throw expectedAt(tl, i + 1, 'a server group name ("radius", "tacacs+" or a name)');
        out.push(`group ${g}`);
        i += 2;
      } else if (allowed.has(w)) {
        out.push(w);
        i++;
      } else {
        throw expectedAt(tl, i, `a method (${expected})`);
      }
    }
    return out;
  }

  // ---- radius-server / tacacs-server ------------------------------------------------------

  private parseRadius(tl: TokenLine): void {
    const w1 = wordAt(tl, 1);
    switch (w1) {
      case 'host': {
        const host = hostAt(tl, 2);
        let authPort: number = CONFIG_DEFAULTS.radiusAuthPort;
        let acctPort: number = CONFIG_DEFAULTS.radiusAcctPort;
        let key: string | undefined;
        let i = 3;
        while (i < tl.tokens.length) {
          const w = wordAt(tl, i)!;
          if (w === 'auth-port') authPort = numberAt(tl, i + 1, 0, 65535);
          else if (w === 'acct-port') acctPort = numberAt(tl, i + 1, 0, 65535);
          else if (w === 'timeout' || w === 'retransmit') {
            numberAt(tl, i + 1, w === 'timeout' ? 1 : 0, w === 'timeout' ? 1000 : 100);
            this.warn(tl, i, `per-host "${w}" ignored: the global radius-server ${w} applies`);
          } else if (w === 'key') {
            key = keyAt(tl, i + 1).key;
            break;
          } else {
            throw expectedAt(tl, i, '"auth-port", "acct-port", "timeout", "retransmit", "key" or end of line');
          }
          i += 2;
        }
        const server: RadiusServer = { host, authPort, acctPort, key, source: this.source(tl) };
        // IOS identifies a RADIUS server by host and ports; the same triple again replaces it.
        const k = this.radius.servers.findIndex((s) => s.host === host && s.authPort === authPort && s.acctPort === acctPort);
        if (k >= 0) this.radius.servers[k] = server;
        else this.radius.servers.push(server);
        return;
      }
      case 'key':
        this.radius.key = keyAt(tl, 2).key;
        return;
      case 'retransmit':
        this.radius.retransmit = numberAt(tl, 2, 0, 100);
        return expectEnd(tl, 3);
      case 'timeout':
        this.radius.timeoutSec = numberAt(tl, 2, 1, 1000);
        return expectEnd(tl, 3);
      case 'authorization':
        if (wordAt(tl, 2) === 'permit') {
          if (wordAt(tl, 3) !== 'missing') throw expectedAt(tl, 3, '"missing"');
          if (wordAt(tl, 4) !== 'service-type') throw expectedAt(tl, 4, '"Service-Type"');
          expectEnd(tl, 5);
          this.radius.permitMissingServiceType = true;
          return;
        }
        break;
      default:
        break;
    }
    this.ignore(tl);
  }

  private parseTacacs(tl: TokenLine): void {
    const w1 = wordAt(tl, 1);
    switch (w1) {
      case 'host': {
        const host = hostAt(tl, 2);
        let port: number = CONFIG_DEFAULTS.tacacsPort;
        let key: string | undefined;
        let i = 3;
        while (i < tl.tokens.length) {
          const w = wordAt(tl, i)!;
          if (w === 'port') {
            port = numberAt(tl, i + 1, 1, 65535);
            i += 2;
          } else if (w === 'timeout') {
            numberAt(tl, i + 1, 1, 1000);
            this.warn(tl, i, 'per-host "timeout" ignored: the global tacacs-server timeout applies');
            i += 2;
          } else if (w === 'single-connection') {
            this.warn(tl, i, '"single-connection" ignored: portcullis opens one TCP connection per session (RFC 8907 §4.3)');
            i++;
          } else if (w === 'key') {
            key = keyAt(tl, i + 1).key;
            break;
          } else {
            throw expectedAt(tl, i, '"port", "timeout", "single-connection", "key" or end of line');
          }
        }
        const server: TacacsServer = { host, port, key, source: this.source(tl) };
        const k = this.tacacs.servers.findIndex((s) => s.host === host && s.port === port);
        if (k >= 0) this.tacacs.servers[k] = server;
        else this.tacacs.servers.push(server);
        return;
      }
      case 'key':
        this.tacacs.key = keyAt(tl, 2).key;
        return;
      case 'timeout':
        this.tacacs.timeoutSec = numberAt(tl, 2, 1, 1000);
        return expectEnd(tl, 3);
      default:
        this.ignore(tl);
    }
  }

  // ---- username ---------------------------------------------------------------------------

  /** `username NAME [privilege P] (password [0|7] TEXT | secret [0|4|5|8|9] HASH | nopassword)` */
  private parseUsername(tl: TokenLine): void {
    const name = tl.tokens[1]?.text;
    if (name === undefined) throw expectedAt(tl, 1, 'a user name');
    let i = 2;
    let privilege: number = CONFIG_DEFAULTS.userPrivilege;
    if (wordAt(tl, i) === 'privilege') {
      privilege = numberAt(tl, i + 1, 0, 15);
      i += 2;
    }
    const kind = wordAt(tl, i);
    let credentialKind: LocalUser['credentialKind'];
    let encryptionType = 0;
    let credential = '';
    if (kind === 'nopassword') {
      expectEnd(tl, i + 1);
      credentialKind = 'none';
    } else if (kind === 'password' || kind === 'secret') {
      credentialKind = kind;
      i++;
      const t = tl.tokens[i]?.text;
      if (t === undefined) throw expectedAt(tl, i, `the ${kind}`);
      if (/^[0-9]$/.test(t) && tl.tokens.length > i + 1) {
        const allowed = kind === 'password' ? ['0', '7'] : ['0', '4', '5', '8', '9'];
        if (!allowed.includes(t)) throw expectedAt(tl, i, `an encryption type (${allowed.join(', ')})`);
        encryptionType = Number(t);
        i++;
      }
      if (kind === 'password') {
        // IOS keeps blanks inside clear-text passwords: the rest of the line is the password.
        credential = restOfLine(tl, i);
      } else {
        credential = tl.tokens[i]!.text;
        expectEnd(tl, i + 1);
      }
    } else {
      throw expectedAt(tl, i, privilege === CONFIG_DEFAULTS.userPrivilege && i === 2
        ? '"privilege", "password", "secret" or "nopassword"' : '"password", "secret" or "nopassword"');
    }
    const user: LocalUser = { name, privilege, credentialKind, encryptionType, credential, source: this.source(tl) };
    const k = this.users.findIndex((u) => u.name === name);
    if (k >= 0) this.users[k] = user;
    else this.users.push(user);
  }

  // ---- cross-checks and result ------------------------------------------------------------

  private finish(acls: AclSet): Config {
    for (const itf of this.interfaces) {
      const ref = itf.authProxy;
      if (ref !== undefined && !this.rules.has(ref.name)) {
        throw expectedAt(ref.tl, ref.index, 'the name of a defined auth-proxy rule',
          `no "ip auth-proxy name ${ref.name} …" line defines it`);
      }
    }
    const undefinedAcl = (ref: Reference | undefined, what: string): void => {
      if (ref !== undefined && !acls.has(ref.name)) {
        this.warn(ref.tl, ref.index, `access list "${ref.name}" is not defined: as in IOS, ${what}`);
      }
    };
    for (const rule of this.rules.values()) {
      for (const ref of rule.listRefs) undefinedAcl(ref, 'the rule then applies to all traffic');
    }
    for (const itf of this.interfaces) {
      undefinedAcl(itf.accessGroupIn, 'the interface then permits all traffic');
      undefinedAcl(itf.accessGroupOut, 'the interface then permits all traffic');
      undefinedAcl(itf.ipv6FilterIn, 'the interface then permits all traffic');
      undefinedAcl(itf.ipv6FilterOut, 'the interface then permits all traffic');
    }
    if (!this.aaa.newModelSeen && this.aaa.firstAaaLine !== null) {
      this.warn(this.aaa.firstAaaLine, 0, '"aaa" commands without "aaa new-model": IOS would reject them; portcullis applies them');
    }
    const routes = resolveRoutes(this.routes, this.interfaces.map((i) => i.name));
    this.warnNoDefaultRoute(routes);
    this.warnings.sort((a, b) => a.line - b.line || a.column - b.column);

    const rules = new Map<string, AuthProxyRule>();
    for (const r of this.rules.values()) {
      let protoFlags = 0;
      for (const p of r.protocols) protoFlags |= p.proto;
      rules.set(r.name, { name: r.name, protoFlags, protocols: r.protocols });
    }
    const interfaces: InterfaceConfig[] = this.interfaces.map((i) => ({
      name: i.name,
      source: i.source,
      ipv4: i.ipv4,
      ipv6: i.ipv6,
      shutdown: i.shutdown,
      authProxy: i.authProxy?.name,
      accessGroupIn: i.accessGroupIn?.name,
      accessGroupOut: i.accessGroupOut?.name,
      ipv6FilterIn: i.ipv6FilterIn?.name,
      ipv6FilterOut: i.ipv6FilterOut?.name,
      description: i.description,
    }));
    const a = this.aaa;
    const aaa = {
      newModel: a.newModel,
      authenticationLogin: a.authenticationLogin,
      authorizationAuthProxy: a.authorizationAuthProxy,
      accountingAuthProxy: a.accountingAuthProxy,
      sessionId: a.sessionId,
    };
    return {
      file: this.file,
      hostname: this.hostname,
      aaa,
      authProxy: { ...this.ap },
      authProxyRules: rules,
      http: { ...this.http },
      interfaces,
      acls,
      radius: { ...this.radius },
      tacacs: { ...this.tacacs },
      users: this.users,
      routes,
      warnings: this.warnings,
    };
  }
}

/** True if the line is a top-level command portcullis implements (so it ends any sub-mode). */
function isTopLevelCommand(tl: TokenLine): boolean {
  const w0 = wordAt(tl, 0);
  const w1 = wordAt(tl, 1);
  switch (w0) {
    case 'hostname': case 'interface': case 'aaa': case 'access-list': case 'username':
    case 'radius-server': case 'tacacs-server': case 'end': case 'banner':
      return true;
    case 'ip':
      return w1 === 'auth-proxy' || w1 === 'http' || w1 === 'access-list' || w1 === 'route';
    case 'ipv6':
      return w1 === 'access-list' || w1 === 'route';
    default:
      return false;
  }
}

/** The error for an interface sub-command found outside any interface block. */
function notInInterface(tl: TokenLine, command: string): ConfigError {
  return expectedAt(tl, 0, 'a global configuration command', `"${command}" belongs in an interface block`);
}
