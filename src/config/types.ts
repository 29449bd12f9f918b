/**
 * The typed, validated configuration produced by `parseConfig` (see `parse.ts`). Everything the
 * engine and adapters read from a running-config is here; addresses are already integers.
 */
import type { AclSet, DynamicAclText } from '../acl/api.js';
import type { ClearText } from './clear-text.js';
import type { ConfigWarning } from '../ios/tokens.js';


/** Where a setting came from, for messages. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** One protocol line of a named auth-proxy rule (`ip auth-proxy name N http [list A] [auth-cache-time M]`). */
export interface AuthProxyProtocolRule {
  /** One of the AP_PROTO_* bits (src/authproxy/protocols.ts). */
  readonly proto: number;
  /** Name/number of the ACL that limits which traffic triggers the proxy, if any. */
  readonly list: string | undefined;
  /** Per-rule inactivity time in minutes, overriding the global one, if given. */
  readonly authCacheTimeMin: number | undefined;
  readonly source: SourceRef;
}

/** A named auth-proxy rule: all protocol lines sharing the name, in config order. */
export interface AuthProxyRule {
  readonly name: string;
  /** OR of the protocol bits configured (the debug output's `proto_flag`). */
  readonly protoFlags: number;
  readonly protocols: readonly AuthProxyProtocolRule[];
}

/** An IPv4 interface address. */
export interface Ipv4InterfaceAddress {
  /** Address as uint32. */
  readonly address: number;
  /** Netmask as uint32. */
  readonly mask: number;
  readonly prefixLength: number;
  readonly secondary: boolean;
  /** The `ip address` line (absent in configurations built by hand). */
  readonly source?: SourceRef;
}

/** An IPv6 interface address (`ipv6 address X/len`). */
export interface Ipv6InterfaceAddress {
  /** Address as four big-endian 32-bit words. */
  readonly address: Uint32Array;
  readonly prefixLength: number;
  /** The `ipv6 address` line (absent in configurations built by hand). */
  readonly source?: SourceRef;
}

export interface InterfaceConfig {
  readonly name: string;
  readonly source: SourceRef;
  readonly ipv4: readonly Ipv4InterfaceAddress[];
  readonly ipv6: readonly Ipv6InterfaceAddress[];
  readonly shutdown: boolean;
  /** Name of the auth-proxy rule applied (`ip auth-proxy NAME`). */
  readonly authProxy: string | undefined;
  /** `ip access-group N in|out`. */
  readonly accessGroupIn: string | undefined;
  readonly accessGroupOut: string | undefined;
  /** `ipv6 traffic-filter NAME in|out`. */
  readonly ipv6FilterIn: string | undefined;
  readonly ipv6FilterOut: string | undefined;
  readonly description: string | undefined;
}

export interface AuthProxyGlobals {
  /** `ip auth-proxy auth-cache-time N` (inactivity timer, minutes). Default 60. */
  readonly authCacheTimeMin: number;
  /** `ip auth-proxy absolute-timer N` (minutes, 0 = off). Default 0. */
  readonly absoluteTimeMin: number;
  /** `ip auth-proxy auth-proxy-banner [http] [^C text ^C]`. */
  readonly bannerEnabled: boolean;
  /** Banner text, if given; undefined means the default banner (hostname). */
  readonly bannerText: string | undefined;
  /** `ip auth-proxy max-nodata-conns N` (per host). Default 3. */
  readonly maxNodataConns: number;
  /** `ip auth-proxy max-login-attempts N`. Default 5. */
  readonly maxLoginAttempts: number;
  /** `ip auth-proxy watch-list expiry-time N` (minutes; 0: listed hosts stay until cleared). Default 30. */
  readonly watchListExpiryMin: number;
  /** `ip auth-proxy watch-list enable`. Default off, as in IOS. */
  readonly watchListEnabled: boolean;
  /**
   * `ip auth-proxy watch-list add-item ADDRESS`: hosts listed by the config (four words each,
   * IPv4-mapped for IPv4), in config order, without repeats.
   */
  readonly watchListItems: readonly Uint32Array[];
  /** Global limit on half-open intercepted connections (`ip auth-proxy half-open-limit N`, portcullis extension). Default 1024. */
  readonly halfOpenLimit: number;
}

/** portcullis's login modes beyond IOS (`src/config/login-modes.ts`, README "Login modes"). */
export interface LoginModesConfig {
  /**
   * `ip auth-proxy login-redirect [URL]`: intercepted requests get a 307 to the login site with
   * the URL asked for; `url` undefined: the gateway's own login service.
   */
  readonly redirect: { readonly url: string | undefined; readonly source: SourceRef } | undefined;
  /** `ip auth-proxy status-511`: clients whose `Accept` takes no HTML get 511 (RFC 6585 §6). */
  readonly status511: boolean;
  /** `ip auth-proxy captive-portal-api`: the RFC 8908 API on the login service. */
  readonly captivePortalApi: { readonly source: SourceRef } | undefined;
  /**
   * `ip auth-proxy consent attribute-list NAME [^C terms ^C]`: the login page asks acceptance of
   * the terms instead of credentials; an acceptance authorizes with the list's entries.
   */
  readonly consent: { readonly attributeList: string; readonly text: string | undefined; readonly source: SourceRef } | undefined;
  /** `ip auth-proxy proxy-listener port N [realm WORD|"TEXT"]`: the explicit proxy (407 / Proxy-Authorization). */
  readonly proxyListener: { readonly port: number; readonly realm: string | undefined; readonly source: SourceRef } | undefined;
}

export interface HttpServerConfig {
  /** `ip http server`. */
  readonly server: boolean;
  /** `ip http secure-server`. */
  readonly secureServer: boolean;
  /** `ip http authentication aaa` (or local/enable). */
  readonly authentication: string | undefined;
  /** `ip http secure-trustpoint NAME`. */
  readonly secureTrustpoint: string | undefined;
  /** `ip http port N`, default 80. */
  readonly port: number;
  /** `ip http secure-port N`, default 443. */
  readonly securePort: number;
  /**
   * `ip http secure-certificate CERT-FILE key KEY-FILE` (portcullis's own line, standing for
   * IOS's trustpoint): the login service's certificate and key, resolved against the config
   * file's directory. Undefined: a self-signed certificate is made (src/login/certificate.ts).
   */
  readonly secureCertificate: HttpsCertificateFiles | undefined;
}

/** Certificate and key files for the HTTPS login service (`ip http secure-certificate`). */
export interface HttpsCertificateFiles {
  /** The certificate (chain) file, PEM, as resolved. */
  readonly certFile: string;
  /** The private key file, PEM, as resolved. */
  readonly keyFile: string;
  readonly source: SourceRef;
}

/** `aaa …` lines. Method lists are kept as given (`group radius`, `local`, …). */
export interface AaaConfig {
  readonly newModel: boolean;
  /** `aaa authentication login LIST METHOD…`: list name → methods. */
  readonly authenticationLogin: ReadonlyMap<string, readonly string[]>;
  /** `aaa authorization auth-proxy LIST METHOD…`. */
  readonly authorizationAuthProxy: ReadonlyMap<string, readonly string[]>;
  /** `aaa accounting auth-proxy LIST start-stop|stop-only METHOD…`. */
  readonly accountingAuthProxy: ReadonlyMap<string, readonly string[]>;
  /** The accounting lists configured `stop-only`: a Stop record at a session's end, no Start, no Interim-Update. */
  readonly accountingStopOnly?: ReadonlySet<string>;
  /** `aaa session-id common|unique`. */
  readonly sessionId: string | undefined;
  /** `aaa accounting update periodic N`: minutes between Interim-Update records; undefined: none. */
  readonly accountingUpdatePeriodicMin?: number | undefined;
}

export interface RadiusServer {
  /** The name of its `radius server NAME` block; undefined for a `radius-server host` line. */
  readonly name?: string | undefined;
  readonly host: string;
  readonly authPort: number;
  readonly acctPort: number;
  /** Per-host key, or undefined to use the global `radius-server key`. */
  readonly key: string | undefined;
  /** `timeout N` of a `radius server` block (seconds); undefined: the global `radius-server timeout`. */
  readonly timeoutSec?: number | undefined;
  /** `retransmit N` of a `radius server` block; undefined: the global `radius-server retransmit`. */
  readonly retransmit?: number | undefined;
  readonly source: SourceRef;
}

/**
 * A server group block (`aaa group server radius|tacacs+ NAME`) and its `server …` lines,
 * resolved to the servers `S` they name.
 */
export interface ServerGroup<S> {
  readonly name: string;
  /** In the order of the group's `server` lines. */
  readonly servers: readonly S[];
  /** The group's `deadtime N` (minutes), or undefined for the protocol's global one. */
  readonly deadtimeMin: number | undefined;
  readonly source: SourceRef;
}

/** `aaa group server radius NAME`, resolved. */
export type RadiusGroup = ServerGroup<RadiusServer>;

export interface RadiusGlobals {
  readonly servers: readonly RadiusServer[];
  readonly key: string | undefined;
  /** `radius-server retransmit N`, default 3. */
  readonly retransmit: number;
  /** `radius-server timeout N` (seconds), default 5. */
  readonly timeoutSec: number;
  /** `radius-server authorization permit missing Service-Type`. */
  readonly permitMissingServiceType: boolean;
  /** `radius-server deadtime N` (minutes a server that did not answer is skipped), default 0 (never). */
  readonly deadtimeMin: number;
  /** Named server groups (`aaa group server radius NAME`) by name. */
  readonly groups: ReadonlyMap<string, RadiusGroup>;
}

export interface TacacsServer {
  /** The name of its `tacacs server NAME` block; undefined for a `tacacs-server host` line. */
  readonly name?: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly key: string | undefined;
  readonly source: SourceRef;
  /** `timeout T` on the host line (seconds), overriding `tacacs-server timeout`. */
  readonly timeoutSec: number | undefined;
  /** `single-connection`: one TCP connection kept open and shared by the sessions (RFC 8907 §4.3). */
  readonly singleConnection: boolean;
}

/** `aaa group server tacacs+ NAME`, resolved. */
export type TacacsGroup = ServerGroup<TacacsServer>;

export interface TacacsGlobals {
  /** `tacacs-server host` lines and `tacacs server NAME` blocks with an address, in config order. */
  readonly servers: readonly TacacsServer[];
  readonly key: string | undefined;
  readonly timeoutSec: number;
  /** `tacacs-server deadtime N` (minutes a server that did not answer is skipped), default 0 (never). */
  readonly deadtimeMin: number;
  /** Named server groups (`aaa group server tacacs+ NAME`) by name. */
  readonly groups: ReadonlyMap<string, TacacsGroup>;
}

/**
 * A local user: `username NAME [privilege P] (password [0|7] TEXT | secret [0|5|8|9] TEXT |
 * nopassword)`, or `username NAME algorithm-type md5|sha256|scrypt secret TEXT`, `username
 * NAME aaa attribute list LIST` and `username NAME otp totp … secret BASE32` (the lines of one name add up, a later credential line replacing
 * the earlier one, as in IOS).
 */
export interface LocalUser {
  readonly name: string;
  /** `privilege P` (default 1). */
  readonly privilege: number;
  /** Kind of credential: `password` (clear text or type 7), `secret` (hashed, or clear text to hash), `none` (`nopassword`). */
  readonly credentialKind: 'password' | 'secret' | 'none';
  /** Encryption type digit as written (0 clear text, 5 md5-crypt, 7 Cisco type 7, 8 PBKDF2, 9 scrypt). */
  readonly encryptionType: number;
  /** The hash as written for `secret 5|8|9` (checked for its type's form); '' for clear text and `nopassword`. */
  readonly credential: string;
  /**
   * The clear text of `password 0|7` (type 7 decoded) and `secret 0`, until the local
   * authenticator hashes it and drops it (src/aaa/local.ts); undefined for hashes and `nopassword`.
   */
  readonly clearText: ClearText | undefined;
  /** `username NAME aaa attribute list LIST`: the list (defined, checked at parse). */
  readonly attributeList: string | undefined;
  /** `username NAME otp totp …`: the second factor (src/aaa/totp.ts), if any. */
  readonly otp?: LocalUserTotp | undefined;
  readonly source: SourceRef;
}

/**
 * `username NAME otp totp [algorithm sha1|sha256|sha512] [digits 6|7|8] [period S] secret
 * BASE32`: a TOTP second factor (RFC 6238). The secret (checked to be base32 of at least 128
 * bits at parse) is held like a clear-text password: the local authenticator takes it, and
 * nothing prints it.
 */
export interface LocalUserTotp {
  readonly kind: 'totp';
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  readonly digits: number;
  readonly periodSec: number;
  /** The base32 secret, until the local authenticator takes it. */
  readonly secret: ClearText;
  readonly source: SourceRef;
}

/**
 * `aaa attribute list NAME` with its `attribute type …` lines: a local user's authorization for
 * the auth-proxy (IOS's local AAA attributes), bound by `username NAME aaa attribute list NAME`.
 */
export interface AttributeList {
  readonly name: string;
  /** `attribute type priv-lvl N`, if given. */
  readonly privLvl: number | undefined;
  /** `attribute type proxyacl#N "ENTRY"`, in N order (each checked with the ACL grammar at parse). */
  readonly proxyAcl: readonly DynamicAclText[];
  readonly source: SourceRef;
}

/**
 * One static route.
 *
 * Addresses are big-endian 32-bit words: one word for IPv4 (`family` 4), four for IPv6
 * (`family` 6), the same layout the engine's prefix tables use. `network` has its host bits
 * clear (a route whose prefix has host bits set is a config error, as in IOS). At least one of
 * `nextHop` and `interface` is set: `ip route P M 10.0.0.1` has a next hop only, `ip route P M
 * FastEthernet0/0` an interface only, `ip route P M FastEthernet0/0 10.0.0.1` both. The default
 * route is `prefixLength` 0.
 */
export interface StaticRoute {
  readonly family: 4 | 6;
  /** Network address, host bits zero: 1 word (IPv4) or 4 words (IPv6). */
  readonly network: Uint32Array;
  /** 0-32 (IPv4) or 0-128 (IPv6); 0 is the default route. */
  readonly prefixLength: number;
  /** The next-hop address (same word layout as `network`), or undefined for an interface route. */
  readonly nextHop: Uint32Array | undefined;
  /** The outgoing interface, spelt as its `interface` block names it, or undefined. */
  readonly interface: string | undefined;
  /** Administrative distance 1-255, default 1 (IOS's default for static routes). */
  readonly distance: number;
  /** `name NAME`, if given. */
  readonly name: string | undefined;
  /** `tag N`, if given. */
  readonly tag: number | undefined;
  /** `permanent`: IOS keeps the route even when its interface is down. */
  readonly permanent: boolean;
  readonly source: SourceRef;
}

export interface Config {
  readonly file: string;
  readonly hostname: string;
  readonly aaa: AaaConfig;
  readonly authProxy: AuthProxyGlobals;
  /** Named auth-proxy rules by name. */
  readonly authProxyRules: ReadonlyMap<string, AuthProxyRule>;
  readonly http: HttpServerConfig;
  /** The login modes beyond IOS. */
  readonly loginModes: LoginModesConfig;
  readonly interfaces: readonly InterfaceConfig[];
  readonly acls: AclSet;
  readonly radius: RadiusGlobals;
  readonly tacacs: TacacsGlobals;
  readonly users: readonly LocalUser[];
  /** `aaa attribute list` blocks by name. */
  readonly attributeLists: ReadonlyMap<string, AttributeList>;
  /** `ip route` and `ipv6 route` statics, in config order (see {@link StaticRoute}). */
  readonly routes: readonly StaticRoute[];
  /** `aaa server radius dynamic-author` (RFC 5176), or undefined when the block is absent. */
  readonly dynamicAuthor?: DynamicAuthorConfig | undefined;
  /** Lines accepted but not implemented, and other non-fatal findings. */
  readonly warnings: readonly ConfigWarning[];
}

/** One `client A server-key K` of `aaa server radius dynamic-author`. */
export interface DynamicAuthorClient {
  /** Its address as written (IPv6 in lower case). */
  readonly address: string;
  /** Its shared secret (the line's, or the block's `server-key`). Never logged. */
  readonly key: string;
  readonly source: SourceRef;
}

/** `aaa server radius dynamic-author`: where Disconnect-Request and CoA-Request are taken (RFC 5176). */
export interface DynamicAuthorConfig {
  /** UDP port (`port N`; default 3799). */
  readonly port: number;
  readonly clients: readonly DynamicAuthorClient[];
}
