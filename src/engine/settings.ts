/**
 * What the engine needs to know of a gateway's configuration, as plain data: the auth-proxy
 * rules, the interfaces (addresses, rule, ACL names) and the auth-proxy globals, with times
 * already in milliseconds. Adapters build it from the parsed running-config
 * (`engineSettingsOf` in src/config/engine-settings.ts); the engine never sees the `Config`.
 */

/** One protocol line of an auth-proxy rule (`ip auth-proxy name N http [list A] [auth-cache-time M]`). */
export interface EngineRuleProtocol {
  /** One of the AP_PROTO_* bits. */
  readonly proto: number;
  /** Name or number of the ACL that limits which traffic triggers the proxy, if any. */
  readonly list: string | undefined;
  /** This protocol's inactivity time in ms, if the line overrides the global one. */
  readonly cacheTimeMs: number | undefined;
}

/** A named auth-proxy rule. */
export interface EngineRule {
  readonly name: string;
  /** OR of the protocol bits configured (the debug output's `proto_flag`). */
  readonly protoFlags: number;
  readonly protocols: readonly EngineRuleProtocol[];
}

/** An address of an interface: four big-endian words (IPv4-mapped for IPv4) and the prefix length over 128 bits. */
export interface EngineAddress {
  readonly words: Uint32Array;
  readonly prefixLength: number;
}

/** An interface as the data plane sees it. */
export interface EngineInterface {
  readonly name: string;
  /** Name of the auth-proxy rule applied to it, if any. */
  readonly rule: string | undefined;
  /** ACL names bound inbound and outbound, IPv4 (`ip access-group`) and IPv6 (`ipv6 traffic-filter`). */
  readonly aclIn4: string | undefined;
  readonly aclOut4: string | undefined;
  readonly aclIn6: string | undefined;
  readonly aclOut6: string | undefined;
  /** Its addresses; each also defines a connected prefix. */
  readonly addresses: readonly EngineAddress[];
}

/**
 * A static route (`ip route`, `ipv6 route`), in the 128-bit form of {@link EngineAddress}
 * (IPv4-mapped for IPv4: prefix length 96 + the IPv4 length). It places packets by reverse-path
 * lookup (src/engine/interfaces.ts): over the interface it names, else the one whose connected
 * prefix holds its next hop.
 */
export interface EngineRoute {
  readonly words: Uint32Array;
  readonly prefixLength: number;
  /** The interface named, if any (`Null0` names none of the gateway's: the route discards). */
  readonly interface: string | undefined;
  /** The next hop (four words), if any. */
  readonly nextHop: Uint32Array | undefined;
  /** Administrative distance (1-255). */
  readonly distance: number;
}

/** The engine's settings. */
export interface EngineSettings {
  readonly rules: readonly EngineRule[];
  readonly interfaces: readonly EngineInterface[];
  /** Static routes, in config order. */
  readonly routes: readonly EngineRoute[];
  /** `ip auth-proxy auth-cache-time` in ms: the inactivity time of rules that set none. */
  readonly authCacheTimeMs: number;
  /** `ip auth-proxy absolute-timer` in ms (0: none). */
  readonly absoluteTimeMs: number;
  /** `ip auth-proxy max-nodata-conns`: a host's intercepted connections that have not sent data. */
  readonly maxNodataConns: number;
  /** `ip auth-proxy half-open-limit` (extension): half-open intercepted connections, all hosts together. */
  readonly halfOpenLimit: number;
  /** `ip auth-proxy max-login-attempts`: failed logins in a row that put a host on the watch list. */
  readonly maxLoginAttempts: number;
  /** `ip auth-proxy watch-list enable`. */
  readonly watchListEnabled: boolean;
  /** `ip auth-proxy watch-list expiry-time` in ms (0: listed hosts stay until cleared). */
  readonly watchListExpiryMs: number;
  /** `ip auth-proxy watch-list add-item`: hosts listed from the start (four words each). */
  readonly watchListItems: readonly Uint32Array[];
}
