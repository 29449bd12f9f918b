/**
 * The interface room: `interface NAME` opens interface mode, whose sub-commands set addresses,
 * the auth-proxy rule and the access lists of the interface. Sub-commands IOS has but
 * portcullis does not implement (`duplex`, `ip nat inside` …) are warned one by one.
 */
import { expectedAt } from '../ios/tokens.js';
import { clip, echoLine } from '../ios/echo.js';
import type { TokenLine } from '../ios/tokens.js';
import type { InterfaceConfig, Ipv4InterfaceAddress, Ipv6InterfaceAddress, SourceRef } from './types.js';
import type { ParseContext, Reference } from './context.js';
import { AP_GLOBAL_KEYWORDS } from './auth-proxy.js';
import { isTopLevelCommand } from './commands.js';
import { INTERFACE_IP_WORDS, INTERFACE_IPV6_WORDS, INTERFACE_WORDS, rejectMistyped } from './vocabulary.js';
import { expectEnd, ipv4At, ipv4MaskAt, ipv6PrefixAt, restOfLine, wordAt } from './values.js';

/** First words of interface sub-commands portcullis accepts without implementing. */
export const INTERFACE_IGNORED: ReadonlySet<string> = new Set([
  'duplex', 'speed', 'cdp', 'atm', 'keepalive', 'mtu', 'bandwidth', 'encapsulation', 'negotiation', 'media-type',
  'full-duplex', 'half-duplex', 'load-interval', 'delay', 'standby', 'vrrp', 'pvc', 'frame-relay', 'ppp', 'dialer',
  'tunnel', 'switchport', 'spanning-tree', 'channel-group', 'crypto', 'service-policy', 'carrier-delay', 'clock',
  'hold-queue', 'logging', 'snmp', 'arp', 'mac-address', 'fair-queue', 'random-detect', 'priority-queue',
  'auto', 'mdix', 'flowcontrol', 'storm-control', 'nameif', 'security-level', 'vrf', 'zone-member',
]);

/** Second words of `ip …` interface sub-commands portcullis accepts without implementing. */
export const INTERFACE_IP_IGNORED: ReadonlySet<string> = new Set([
  'route-cache', 'mtu', 'helper-address', 'directed-broadcast', 'redirects', 'unreachables', 'proxy-arp',
  'virtual-reassembly', 'inspect', 'tcp', 'policy', 'ospf', 'igmp', 'verify', 'mroute-cache', 'admission', 'flow',
  'split-horizon', 'summary-address', 'authentication', 'hello-interval', 'hold-time', 'accounting', 'load-sharing',
  'mask-reply', 'irdp', 'local-proxy-arp', 'sap', 'vrf', 'wccp', 'dhcp', 'unnumbered', 'rip',
]);

/** Second words of `ipv6 …` interface sub-commands portcullis accepts without implementing. */
export const INTERFACE_IPV6_IGNORED: ReadonlySet<string> = new Set([
  'enable', 'nd', 'mtu', 'ospf', 'dhcp', 'redirects', 'unreachables', 'rip', 'eigrp', 'verify', 'mld', 'pim',
  'inspect', 'flow', 'policy', 'virtual-reassembly', 'traffic-shape',
]);

/** An interface while its block is parsed; names it references are kept with their place. */
export interface MutableInterface {
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

/** Interfaces and interface mode. */
export class InterfaceSection {
  /** In config order; a repeated `interface NAME` reopens the first. */
  readonly interfaces: MutableInterface[] = [];
  private readonly byName = new Map<string, MutableInterface>();
  /** The interface whose block is open, or null outside interface mode. */
  private current: MutableInterface | null = null;

  constructor(private readonly ctx: ParseContext) {}

  /** True while an interface block is open. */
  get open(): boolean {
    return this.current !== null;
  }

  /** Leaves interface mode. */
  close(): void {
    this.current = null;
  }

  /** `interface NAME [point-to-point|multipoint]` opens interface mode (a repeated name reopens it). */
  begin(tl: TokenLine): void {
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
    let itf = this.byName.get(name);
    if (itf === undefined) {
      itf = {
        name, source: this.ctx.source(tl), ipv4: [], ipv6: [], shutdown: false, authProxy: undefined,
        accessGroupIn: undefined, accessGroupOut: undefined, ipv6FilterIn: undefined, ipv6FilterOut: undefined,
        description: undefined,
      };
      this.interfaces.push(itf);
      this.byName.set(name, itf);
    }
    this.current = itf;
  }

  /** Handles a line in interface mode; false if it is not an interface sub-command (the mode ends). */
  subLine(tl: TokenLine): boolean {
    const itf = this.current!;
    const w0 = wordAt(tl, 0)!;
    const w1 = wordAt(tl, 1);
    if (w0 === 'ip') {
      if (w1 === 'address') {
        this.parseIpAddress(tl, itf);
        return true;
      }
      if (w1 === 'access-group') {
        const [name, dir] = nameAndDirection(tl, 'an access list name or number');
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
      if (w1 !== undefined && INTERFACE_IP_IGNORED.has(w1)) return this.ignoreLine(tl, itf);
      // `ip nat inside|outside` is an interface command; `ip nat inside source …` a global one.
      if (w1 === 'nat' && tl.tokens.length === 3) return this.ignoreLine(tl, itf);
    } else if (w0 === 'ipv6') {
      if (w1 === 'address') {
        this.parseIpv6Address(tl, itf);
        return true;
      }
      if (w1 === 'traffic-filter') {
        const [name, dir] = nameAndDirection(tl, 'an IPv6 access list name');
        if (dir === 'in') itf.ipv6FilterIn = name;
        else itf.ipv6FilterOut = name;
        return true;
      }
      if (w1 !== undefined && INTERFACE_IPV6_IGNORED.has(w1)) return this.ignoreLine(tl, itf);
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
      if (w1 !== undefined && INTERFACE_IGNORED.has(w1)) return this.ignoreLine(tl, itf);
      if (w1 === 'ip' && w2 !== undefined && INTERFACE_IP_IGNORED.has(w2)) return this.ignoreLine(tl, itf);
      if (w1 === 'ipv6' && w2 !== undefined && INTERFACE_IPV6_IGNORED.has(w2)) return this.ignoreLine(tl, itf);
    } else if (INTERFACE_IGNORED.has(w0)) {
      return this.ignoreLine(tl, itf);
    }
    if (tl.indent > 0 && !isTopLevelCommand(tl)) {
      rejectMistypedInterfaceLine(tl);
      return this.ignoreLine(tl, itf);
    }
    return false;
  }

  private ignoreLine(tl: TokenLine, itf: MutableInterface): true {
    this.ctx.warn(tl, 0, `ignored "${echoLine(tl)}" in interface ${clip(itf.name)}: not implemented by portcullis`);
    return true;
  }

  /** `ip address A M [secondary]` (a new primary replaces the old one, as in IOS). */
  private parseIpAddress(tl: TokenLine, itf: MutableInterface): void {
    const w2 = wordAt(tl, 2);
    if (w2 === 'dhcp' || w2 === 'negotiated' || w2 === 'pool') {
      this.ignoreLine(tl, itf);
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
    const entry: Ipv4InterfaceAddress = { address, mask, prefixLength, secondary, source: this.ctx.source(tl) };
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
      this.ignoreLine(tl, itf);
      return;
    }
    const prefix = ipv6PrefixAt(tl, 2);
    const w3 = wordAt(tl, 3);
    if (w3 === 'eui-64') {
      expectEnd(tl, 4);
      this.ctx.warn(tl, 3, `ignored "${echoLine(tl)}" in interface ${clip(itf.name)}: EUI-64 addresses are not implemented by portcullis`);
      return;
    }
    if (w3 !== undefined && w3 !== 'link-local' && w3 !== 'anycast') throw expectedAt(tl, 3, '"link-local", "anycast", "eui-64" or end of line');
    expectEnd(tl, w3 === undefined ? 3 : 4);
    itf.ipv6.push({ address: prefix.address, prefixLength: prefix.prefixLength, source: this.ctx.source(tl) });
  }

  /** The interfaces of the Config, names resolved to strings. */
  result(): InterfaceConfig[] {
    return this.interfaces.map((i) => ({
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
  }
}

/** Throws the "did you mean" error for an interface sub-line whose command words are a slip of implemented ones. */
function rejectMistypedInterfaceLine(tl: TokenLine): void {
  const start = wordAt(tl, 0) === 'no' ? 1 : 0;
  rejectMistyped(tl, start, INTERFACE_WORDS);
  const w = wordAt(tl, start);
  if (w === 'ip') rejectMistyped(tl, start + 1, INTERFACE_IP_WORDS);
  else if (w === 'ipv6') rejectMistyped(tl, start + 1, INTERFACE_IPV6_WORDS);
}

/** `ip access-group NAME in|out`, `ipv6 traffic-filter NAME in|out`. */
function nameAndDirection(tl: TokenLine, expectedName: string): [Reference, 'in' | 'out'] {
  const name = tl.tokens[2]?.text;
  if (name === undefined) throw expectedAt(tl, 2, expectedName);
  const dir = wordAt(tl, 3);
  if (dir !== 'in' && dir !== 'out') throw expectedAt(tl, 3, '"in" or "out"');
  expectEnd(tl, 4);
  return [{ tl, index: 2, name }, dir];
}
