/**
 * Static routes: `ip route` and `ipv6 route` lines in IOS syntax, parsed into
 * {@link StaticRoute}s. The data plane uses them, with the connected prefixes, to place a
 * packet by reverse-path lookup of its source (which interface it came in on).
 *
 * IOS forms (Cisco IOS IP Routing: Protocol-Independent Command Reference, `ip route` and
 * `ipv6 route`):
 *
 *     ip route PREFIX MASK {NEXTHOP | INTERFACE [NEXTHOP]} [DISTANCE] [tag N] [permanent] [name NAME]
 *     ipv6 route PREFIX/LEN {INTERFACE [NEXTHOP] | NEXTHOP} [DISTANCE] [tag N] [name NAME]
 *
 * The options after the gateway may come in any order, each at most once. `vrf` routes and the
 * IOS options that only steer routing-table maintenance (`track`, `dhcp`, `global`,
 * `multicast`, `unicast`) are not implemented: the line is ignored with a warning.
 */
import { expectedAt } from '../ios/tokens.js';
import { clip } from '../ios/echo.js';
import type { TokenLine } from '../ios/tokens.js';
import type { StaticRoute } from './types.js';
import { ipv4At, ipv4MaskAt, ipv6PrefixAt, ipv6Words, numberAt, parseIpv6Literal, wordAt } from './values.js';

/** IOS default administrative distance of a static route. */
export const STATIC_ROUTE_DISTANCE = 1;

/** A parsed route before its interface name is checked against the interface blocks. */
export interface PendingRoute {
  readonly route: StaticRoute;
  readonly tl: TokenLine;
  /** Token index of the interface name (-1 when the route names none). */
  readonly interfaceIndex: number;
}

/** Options after the gateway that portcullis does not implement; the whole line is ignored. */
const UNIMPLEMENTED_OPTIONS = new Set(['track', 'dhcp', 'global', 'multicast', 'unicast']);

/** The always-present discard interface of IOS: routes to it need no `interface` block. */
export const NULL_INTERFACE = 'Null0';

/**
 * Parses `ip route …` (family 4) or `ipv6 route …` (family 6). Returns undefined for a form
 * portcullis does not implement (`vrf`, `track` …), which the caller ignores with a warning;
 * throws a ConfigError at the offending token for a malformed line.
 */
export function parseStaticRoute(tl: TokenLine, family: 4 | 6): PendingRoute | undefined {
  const w2 = wordAt(tl, 2);
  if (w2 === 'vrf' || w2 === 'static' || w2 === 'profile') return undefined;
  let network: Uint32Array;
  let prefixLength: number;
  let i: number;
  if (family === 4) {
    const address = ipv4At(tl, 2, 'a destination prefix (A.B.C.D)');
    const m = ipv4MaskAt(tl, 3);
    if ((address & ~m.mask) !== 0) {
      throw expectedAt(tl, 2, 'a network address of its mask', 'the address has host bits set ("Inconsistent address and mask" in IOS)');
    }
    network = Uint32Array.of(address >>> 0);
    prefixLength = m.prefixLength;
    i = 4;
  } else {
    const p = ipv6PrefixAt(tl, 2);
    if (!hostBitsClear(p.address, p.prefixLength)) {
      throw expectedAt(tl, 2, 'a network prefix', 'the address has bits set beyond the prefix length');
    }
    network = p.address;
    prefixLength = p.prefixLength;
    i = 3;
  }
  let nextHop: Uint32Array | undefined;
  let interfaceName: string | undefined;
  let interfaceIndex = -1;
  const hopExpected = family === 4 ? 'a next-hop address or an interface name' : 'a next-hop IPv6 address or an interface name';
  const first = tl.tokens[i]?.text;
  if (first === undefined) throw expectedAt(tl, i, hopExpected);
  if (looksLikeAddress(first, family)) {
    nextHop = nextHopAt(tl, i, family);
    i++;
  } else {
    if (!/^[A-Za-z]/.test(first)) throw expectedAt(tl, i, hopExpected);
    interfaceName = first;
    interfaceIndex = i;
    i++;
    // IOS accepts the type and number apart (`FastEthernet 0/0`), as in `interface`.
    const t = tl.tokens[i]?.text;
    if (t !== undefined && /^[A-Za-z-]+$/.test(first) && /^[0-9]+(\/[0-9]+)*(\.[0-9]+)?$/.test(t)) {
      interfaceName += t;
      i++;
    }
    const h = tl.tokens[i]?.text;
    if (h !== undefined && looksLikeAddress(h, family)) {
      nextHop = nextHopAt(tl, i, family);
      i++;
    }
  }
  let distance: number | undefined;
  let name: string | undefined;
  let tag: number | undefined;
  let permanent = false;
  while (i < tl.tokens.length) {
    const w = wordAt(tl, i)!;
    if (/^[0-9]+$/.test(w) && distance === undefined) {
      distance = numberAt(tl, i, 1, 255);
      i++;
    } else if (w === 'name' && name === undefined) {
      name = tl.tokens[i + 1]?.text;
      if (name === undefined) throw expectedAt(tl, i + 1, 'a route name');
      i += 2;
    } else if (w === 'tag' && tag === undefined) {
      tag = numberAt(tl, i + 1, 1, 4294967295);
      i += 2;
    } else if (w === 'permanent' && !permanent && family === 4) {
      permanent = true;
      i++;
    } else if (UNIMPLEMENTED_OPTIONS.has(w)) {
      return undefined;
    } else {
      throw expectedAt(tl, i, family === 4
        ? 'a distance <1-255>, "name", "tag", "permanent" or end of line'
        : 'a distance <1-255>, "name", "tag" or end of line');
    }
  }
  const route: StaticRoute = {
    family, network, prefixLength, nextHop, interface: interfaceName, distance: distance ?? STATIC_ROUTE_DISTANCE,
    name, tag, permanent, source: { file: tl.file, line: tl.line },
  };
  return { route, tl, interfaceIndex };
}

/** True if `text` is written like an address of `family` (so it is a next hop, not an interface). */
function looksLikeAddress(text: string, family: 4 | 6): boolean {
  return family === 4 ? /^[0-9.]+$/.test(text) && text.includes('.') : text.includes(':');
}

/** The next-hop address at token `i`; neither unspecified nor (IPv4) a broadcast address. */
function nextHopAt(tl: TokenLine, i: number, family: 4 | 6): Uint32Array {
  if (family === 4) {
    const a = ipv4At(tl, i, 'a next-hop address');
    if (a === 0 || a === 0xffffffff) throw expectedAt(tl, i, 'a next-hop address', 'not a usable host address');
    return Uint32Array.of(a >>> 0);
  }
  const v = parseIpv6Literal(tl.tokens[i]!.text);
  if (v === undefined) throw expectedAt(tl, i, 'a next-hop IPv6 address');
  if (v === 0n) throw expectedAt(tl, i, 'a next-hop IPv6 address', 'the unspecified address :: is not a usable next hop');
  return ipv6Words(v);
}

/** True if every bit of `words` past `prefixLength` is zero. */
function hostBitsClear(words: Uint32Array, prefixLength: number): boolean {
  for (let w = 0; w < words.length; w++) {
    const bits = Math.max(0, Math.min(32, prefixLength - w * 32));
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if (((words[w]! & ~mask) >>> 0) !== 0) return false;
  }
  return true;
}

/**
 * Checks each pending route's interface against the interfaces the config defines (compared
 * without regard to case, as IOS does) and returns the routes in config order, each naming its
 * interface as the `interface` block spells it. A route over an undefined interface is a
 * ConfigError at its name; `Null0` always exists.
 */
export function resolveRoutes(pending: readonly PendingRoute[], interfaceNames: readonly string[]): StaticRoute[] {
  const byLower = new Map<string, string>();
  for (const n of interfaceNames) byLower.set(n.toLowerCase(), n);
  const out: StaticRoute[] = [];
  for (const p of pending) {
    const given = p.route.interface;
    if (given === undefined) {
      out.push(p.route);
      continue;
    }
    const lower = given.toLowerCase();
    const defined = byLower.get(lower) ?? (lower === NULL_INTERFACE.toLowerCase() ? NULL_INTERFACE : undefined);
    if (defined === undefined) {
      throw expectedAt(p.tl, p.interfaceIndex, 'the name of a configured interface or a next-hop address',
        `no "interface ${clip(given)}" block defines it`);
    }
    out.push(defined === given ? p.route : { ...p.route, interface: defined });
  }
  return out;
}
