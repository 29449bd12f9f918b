/**
 * The keyword tables of the IOS access-list language: protocol names, TCP and UDP port names,
 * ICMP and ICMPv6 message names. IOS accepts these on input and prints them on output
 * (`show ip access-lists` prints `eq www`, not `eq 80`), so each table works both ways.
 */

/** Protocol keywords of IPv4 extended lists (`access-list 101 permit ?`), by number. `ip` is "any". */
export const ACL_PROTOCOLS_V4: ReadonlyMap<string, number> = new Map([
  ['ahp', 51], ['eigrp', 88], ['esp', 50], ['gre', 47], ['icmp', 1], ['igmp', 2],
  ['ipinip', 94], ['nos', 4], ['ospf', 89], ['pcp', 108], ['pim', 103], ['tcp', 6], ['udp', 17],
]);

/** Protocol keywords of IPv6 lists (`ipv6 access-list X` → `permit ?`). `ipv6` is "any"; `icmp` means ICMPv6. */
export const ACL_PROTOCOLS_V6: ReadonlyMap<string, number> = new Map([
  ['ahp', 51], ['esp', 50], ['icmp', 58], ['pcp', 108], ['sctp', 132], ['tcp', 6], ['udp', 17],
]);

/** TCP port keywords IOS accepts after `eq|neq|lt|gt|range` and prints in `show`. */
export const ACL_TCP_PORTS: ReadonlyMap<string, number> = new Map([
  ['bgp', 179], ['chargen', 19], ['cmd', 514], ['daytime', 13], ['discard', 9], ['domain', 53],
  ['drip', 3949], ['echo', 7], ['exec', 512], ['finger', 79], ['ftp', 21], ['ftp-data', 20],
  ['gopher', 70], ['hostname', 101], ['ident', 113], ['irc', 194], ['klogin', 543],
  ['kshell', 544], ['login', 513], ['lpd', 515], ['nntp', 119], ['pim-auto-rp', 496],
  ['pop2', 109], ['pop3', 110], ['smtp', 25], ['sunrpc', 111], ['tacacs', 49], ['talk', 517],
  ['telnet', 23], ['time', 37], ['uucp', 540], ['whois', 43], ['www', 80],
]);

/** UDP port keywords IOS accepts and prints. */
export const ACL_UDP_PORTS: ReadonlyMap<string, number> = new Map([
  ['biff', 512], ['bootpc', 68], ['bootps', 67], ['discard', 9], ['dnsix', 195], ['domain', 53],
  ['echo', 7], ['isakmp', 500], ['mobile-ip', 434], ['nameserver', 42], ['netbios-dgm', 138],
  ['netbios-ns', 137], ['netbios-ss', 139], ['non500-isakmp', 4500], ['ntp', 123],
  ['pim-auto-rp', 496], ['rip', 520], ['snmp', 161], ['snmptrap', 162], ['sunrpc', 111],
  ['syslog', 514], ['tacacs', 49], ['talk', 517], ['tftp', 69], ['time', 37], ['who', 513],
  ['xdmcp', 177],
]);

/** An ICMP message name: type, and code or -1 for "any code". */
export interface IcmpName {
  readonly type: number;
  readonly code: number;
}

/** ICMP (IPv4) message keywords, RFC 792 / RFC 1812 types and codes, as IOS names them. */
export const ACL_ICMP_NAMES: ReadonlyMap<string, IcmpName> = new Map<string, IcmpName>([
  ['administratively-prohibited', { type: 3, code: 13 }], ['alternate-address', { type: 6, code: -1 }],
  ['conversion-error', { type: 31, code: -1 }], ['dod-host-prohibited', { type: 3, code: 10 }],
  ['dod-net-prohibited', { type: 3, code: 9 }], ['echo', { type: 8, code: -1 }],
  ['echo-reply', { type: 0, code: -1 }], ['general-parameter-problem', { type: 12, code: 0 }],
  ['host-isolated', { type: 3, code: 8 }], ['host-precedence-unreachable', { type: 3, code: 14 }],
  ['host-redirect', { type: 5, code: 1 }], ['host-tos-redirect', { type: 5, code: 3 }],
  ['host-tos-unreachable', { type: 3, code: 12 }], ['host-unknown', { type: 3, code: 7 }],
  ['host-unreachable', { type: 3, code: 1 }], ['information-reply', { type: 16, code: -1 }],
  ['information-request', { type: 15, code: -1 }], ['mask-reply', { type: 18, code: -1 }],
  ['mask-request', { type: 17, code: -1 }], ['mobile-redirect', { type: 32, code: -1 }],
  ['net-redirect', { type: 5, code: 0 }], ['net-tos-redirect', { type: 5, code: 2 }],
  ['net-tos-unreachable', { type: 3, code: 11 }], ['net-unreachable', { type: 3, code: 0 }],
  ['network-unknown', { type: 3, code: 6 }], ['no-room-for-option', { type: 12, code: 2 }],
  ['option-missing', { type: 12, code: 1 }], ['packet-too-big', { type: 3, code: 4 }],
  ['parameter-problem', { type: 12, code: -1 }], ['port-unreachable', { type: 3, code: 3 }],
  ['precedence-unreachable', { type: 3, code: 15 }], ['protocol-unreachable', { type: 3, code: 2 }],
  ['reassembly-timeout', { type: 11, code: 1 }], ['redirect', { type: 5, code: -1 }],
  ['router-advertisement', { type: 9, code: -1 }], ['router-solicitation', { type: 10, code: -1 }],
  ['source-quench', { type: 4, code: -1 }], ['source-route-failed', { type: 3, code: 5 }],
  ['time-exceeded', { type: 11, code: -1 }], ['timestamp-reply', { type: 14, code: -1 }],
  ['timestamp-request', { type: 13, code: -1 }], ['traceroute', { type: 30, code: -1 }],
  ['ttl-exceeded', { type: 11, code: 0 }], ['unreachable', { type: 3, code: -1 }],
]);

/** ICMPv6 message keywords (RFC 4443, RFC 4861, RFC 2710), as IOS names them. */
export const ACL_ICMPV6_NAMES: ReadonlyMap<string, IcmpName> = new Map<string, IcmpName>([
  ['beyond-scope', { type: 1, code: 2 }], ['destination-unreachable', { type: 1, code: -1 }],
  ['echo-reply', { type: 129, code: -1 }], ['echo-request', { type: 128, code: -1 }],
  ['header', { type: 4, code: 0 }], ['hop-limit', { type: 3, code: 0 }],
  ['mld-query', { type: 130, code: -1 }], ['mld-reduction', { type: 132, code: -1 }],
  ['mld-report', { type: 131, code: -1 }], ['nd-na', { type: 136, code: -1 }],
  ['nd-ns', { type: 135, code: -1 }], ['next-header', { type: 4, code: 1 }],
  ['no-admin', { type: 1, code: 1 }], ['no-route', { type: 1, code: 0 }],
  ['packet-too-big', { type: 2, code: -1 }], ['parameter-option', { type: 4, code: 2 }],
  ['parameter-problem', { type: 4, code: -1 }], ['port-unreachable', { type: 1, code: 4 }],
  ['reassembly-timeout', { type: 3, code: 1 }], ['redirect', { type: 137, code: -1 }],
  ['router-advertisement', { type: 134, code: -1 }], ['router-solicitation', { type: 133, code: -1 }],
  ['time-exceeded', { type: 3, code: -1 }],
]);

function invert<V>(m: ReadonlyMap<string, V>, key: (v: V) => string | number): Map<string | number, string> {
  const out = new Map<string | number, string>();
  for (const [name, v] of m) {
    const k = key(v);
    if (!out.has(k)) out.set(k, name);
  }
  return out;
}

const PROTO_V4_BY_NUMBER = invert(ACL_PROTOCOLS_V4, (v) => v);
const PROTO_V6_BY_NUMBER = invert(ACL_PROTOCOLS_V6, (v) => v);
const TCP_PORT_BY_NUMBER = invert(ACL_TCP_PORTS, (v) => v);
const UDP_PORT_BY_NUMBER = invert(ACL_UDP_PORTS, (v) => v);
const ICMP_BY_TYPE_CODE = invert(ACL_ICMP_NAMES, (v) => `${v.type}/${v.code}`);
const ICMPV6_BY_TYPE_CODE = invert(ACL_ICMPV6_NAMES, (v) => `${v.type}/${v.code}`);

/** Names protocol `proto` as IOS prints it (`tcp`, `gre`, or the decimal number). */
export function formatProtocol(proto: number, family: 4 | 6): string {
  const name = (family === 4 ? PROTO_V4_BY_NUMBER : PROTO_V6_BY_NUMBER).get(proto);
  return name ?? String(proto);
}

/** Names port `port` of protocol `proto` (6 or 17) as IOS prints it (`www`, `domain`, or the number). */
export function formatPort(proto: number, port: number): string {
  const name = proto === 6 ? TCP_PORT_BY_NUMBER.get(port) : proto === 17 ? UDP_PORT_BY_NUMBER.get(port) : undefined;
  return name ?? String(port);
}

/** Looks up a port keyword for protocol `proto` (6 or 17); undefined if it is not one. */
export function lookupPortName(proto: number, name: string): number | undefined {
  return proto === 6 ? ACL_TCP_PORTS.get(name) : proto === 17 ? ACL_UDP_PORTS.get(name) : undefined;
}

/** Names an ICMP (family 4) or ICMPv6 (family 6) type/code pair, or returns undefined when IOS has no name for it. */
export function formatIcmpName(type: number, code: number, family: 4 | 6): string | undefined {
  return (family === 4 ? ICMP_BY_TYPE_CODE : ICMPV6_BY_TYPE_CODE).get(`${type}/${code}`);
}
