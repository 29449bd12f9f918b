/**
 * The configuration `portcullis run` gets in the live benchmarks: the topology's two interfaces
 * (src/netns/topology.ts), the auth-proxy rule on the inside one behind an inbound ACL of
 * {@link GATEWAY_ACL_ENTRIES} entries that permits nothing the benchmarks send (an
 * unauthenticated host gets only the login page), a deny-all ACL outside (return traffic passes
 * through the flow table only), the HTTPS login service, and one local user whose attribute
 * list permits everything to the server.
 */
import { TOPOLOGY_ADDRESSES } from '../../src/netns/topology.js';

/** Entries of the inside interface's ACL (PERFORMANCE.md: "1k-entry ACL"). */
export const GATEWAY_ACL_ENTRIES = 1000;

/** The benchmarks' user and password (a login over HTTPS, checked by the local authenticator). */
export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-password';

/** Port of the server's TCP listener that the logins' "first packet" reaches. */
export const FIRST_PACKET_PORT = 7000;

/**
 * The config text. `aclEntries` entries in the inside ACL: all but the last deny TCP or UDP to
 * hosts in 10.99.0.0/16 that no benchmark talks to (each a different host and port, so that
 * none is merged with another), the last `deny ip any any`. `permitServer`: the entry before
 * the last permits everything to the server instead, so that the client's traffic passes without
 * a login (for a build whose gateway runs no login service).
 */
export function gatewayConfig(aclEntries = GATEWAY_ACL_ENTRIES, opts: { permitServer?: boolean } = {}): string {
  const A = TOPOLOGY_ADDRESSES;
  const lines = [
    '! Written by bench/lib/gateway-config.ts for the live benchmarks (bench/tun.ts, bench/logins.ts).',
    'hostname bench-gw',
    '!',
    'aaa new-model',
    'aaa authentication login default local',
    'aaa authorization auth-proxy default local',
    '!',
    'aaa attribute list BENCH',
    ' attribute type priv-lvl 15',
    ` attribute type proxyacl#1 "permit tcp any host ${A.server4}"`,
    ` attribute type proxyacl#2 "permit udp any host ${A.server4}"`,
    ` attribute type proxyacl#3 "permit icmp any host ${A.server4}"`,
    `username ${BENCH_USER} privilege 15 secret 0 ${BENCH_PASSWORD}`,
    `username ${BENCH_USER} aaa attribute list BENCH`,
    '!',
    'ip auth-proxy auth-cache-time 60',
    'ip auth-proxy name bench http',
    '!',
    `interface ${A.insideIf}`,
    ' description inside: the client',
    ` ip address ${A.gatewayInside4} 255.255.255.0`,
    ' ip auth-proxy bench',
    ' ip access-group 101 in',
    '!',
    `interface ${A.outsideIf}`,
    ' description outside: the server',
    ` ip address ${A.gatewayOutside4} 255.255.255.0`,
    ' ip access-group 102 in',
    '!',
    'ip http server',
    'ip http secure-server',
    '!',
  ];
  const denies = opts.permitServer === true ? aclEntries - 2 : aclEntries - 1;
  for (let i = 0; i < denies; i++) {
    const proto = i % 2 === 0 ? 'tcp' : 'udp';
    lines.push(`access-list 101 deny   ${proto} any host 10.99.${(i >> 8) & 255}.${i & 255} eq ${1024 + i}`);
  }
  if (opts.permitServer === true) lines.push(`access-list 101 permit ip any host ${A.server4}`);
  lines.push('access-list 101 deny   ip any any', '!', 'access-list 102 deny   ip any any', '!', 'end', '');
  return lines.join('\n');
}
