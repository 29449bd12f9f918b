/**
 * The demo gateway's running-config (`portcullis demo`), also the end-to-end tests' config: the
 * gateway of the three-namespace topology (`src/netns/topology.ts`), g1 facing the client with
 * the auth-proxy rule and an inbound ACL that lets nothing but ICMP through (IPv4 and IPv6
 * alike), g2 facing the server; one local user whose downloaded entry permits the web port and
 * nothing else.
 */

/** The demo's user. */
export const DEMO_USER = 'demo';
/** The demo user's password (a demo: it is printed, masked, and in this file). */
export const DEMO_PASSWORD = 'drawbridge';

/** Knobs the end-to-end tests turn. */
export interface DemoConfigOptions {
  /** `ip auth-proxy inactivity-timer` in minutes (default 60). */
  readonly inactivityMin?: number;
  /**
   * Entries the inbound lists permit besides ICMP, for every host (IOS syntax without the
   * action, e.g. `tcp any any eq 22`); in access-list 101 and the IPv6 list alike.
   */
  readonly permits?: readonly string[];
  /** Lines added before `end` (a test's own). */
  readonly extra?: readonly string[];
}

/** The running-config text. */
export function demoConfig(o: DemoConfigOptions = {}): string {
  return [
    'hostname portcullis-demo',
    '!',
    'aaa new-model',
    'aaa authentication login default local',
    'aaa authorization auth-proxy default local',
    '!',
    `username ${DEMO_USER} privilege 15 secret 0 ${DEMO_PASSWORD}`,
    `username ${DEMO_USER} aaa attribute list ${DEMO_USER}-acl`,
    `aaa attribute list ${DEMO_USER}-acl`,
    ' attribute type priv-lvl 15',
    ' attribute type proxyacl#1 "permit tcp any any eq www"',
    '!',
    'ip auth-proxy auth-proxy-banner',
    `ip auth-proxy inactivity-timer ${o.inactivityMin ?? 60}`,
    'ip auth-proxy name webauth http',
    '!',
    'interface g1',
    ' ip address 10.50.1.1 255.255.255.0',
    ' ipv6 address fd00:50:1::1/64',
    ' ip auth-proxy webauth',
    ' ip access-group 101 in',
    ' ipv6 traffic-filter client-in in',
    '!',
    'interface g2',
    ' ip address 10.50.2.1 255.255.255.0',
    ' ipv6 address fd00:50:2::1/64',
    '!',
    'ip http server',
    'ip http secure-server',
    '!',
    'access-list 101 permit icmp any any',
    ...(o.permits ?? []).map((p) => `access-list 101 permit ${p}`),
    'access-list 101 deny ip any any',
    '!',
    'ipv6 access-list client-in',
    ' permit icmp any any',
    ...(o.permits ?? []).map((p) => ` permit ${p}`),
    ' deny ipv6 any any',
    '!',
    ...(o.extra ?? []),
    'end',
    '',
  ].join('\n');
}
