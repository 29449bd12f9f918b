/**
 * Command words by configuration mode: the ones portcullis implements and the real IOS ones it
 * accepts without implementing. A word that is neither but lies within a typing slip of an
 * implemented one (`acess-list`, ` ip auth-prxy`) is a mistyped command: an error with "did you
 * mean", because ignoring it would silently drop the binding the line was written for. Real IOS
 * commands portcullis does not implement (`snmp-server`, `ntp`, `logging` …) and words far from
 * every implemented one stay warnings.
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import { wordAt } from './values.js';

/** The words of one position in one mode. */
export interface WordSet {
  /** What the position holds, for the error (`a global configuration command`). */
  readonly what: string;
  /** Words portcullis implements here. */
  readonly implemented: readonly string[];
  /** Real IOS words portcullis does not implement here (never taken for typos). */
  readonly ios: ReadonlySet<string>;
}

/** Top-level words IOS has and portcullis does not implement. */
const TOP_IOS = new Set([
  'version', 'service', 'boot', 'boot-start-marker', 'boot-end-marker', 'logging', 'enable', 'clock', 'ntp',
  'snmp-server', 'snmp', 'line', 'control-plane', 'router', 'crypto', 'voice', 'dial-peer', 'mgcp', 'call',
  'gatekeeper', 'dialer-list', 'alias', 'archive', 'cdp', 'class-map', 'policy-map', 'parameter-map', 'zone',
  'zone-pair', 'vlan', 'vtp', 'spanning-tree', 'key', 'memory-size', 'license', 'redundancy', 'mpls', 'multilink',
  'scheduler', 'privilege', 'partition', 'file', 'exception', 'card', 'controller', 'errdisable', 'object-group',
  'route-map', 'track', 'event', 'kron', 'ppp', 'vpdn', 'vpdn-group', 'isdn', 'x25', 'frame-relay', 'atm', 'tftp-server',
  'ftp', 'dot11', 'power', 'mac-address-table', 'mac', 'monitor', 'port-channel', 'system', 'security', 'login',
  'exit', 'default', 'do', 'wsma', 'netconf',
  'sip-ua', 'telephony-service', 'ephone', 'ephone-dn', 'voice-card', 'vrf', 'template', 'bba-group', 'pseudowire-class',
  'l2tp-class', 'rmon', 'process', 'platform', 'diagnostic', 'upgrade', 'warm-reboot', 'call-home', 'ipc', 'fax',
  'http', 'webvpn', 'crypto-map', 'identity', 'dot1x', 'authentication', 'radius', 'tacacs', 'subscriber', 'cts',
  'flow', 'sampler', 'hw-module', 'chat-script',
  'resource', 'qos', 'mls', 'auto', 'macro', 'errdisable', 'table-map', 'xconnect', 'bridge', 'pki', 'srst',
]);

/** Second words of top-level `ip …` that IOS has and portcullis does not implement. */
const IP_IOS = new Set([
  'cef', 'subnet-zero', 'classless', 'domain-name', 'domain', 'domain-lookup', 'name-server', 'host', 'nat', 'dhcp',
  'ssh', 'ftp', 'tftp', 'rcmd', 'finger', 'bootp', 'source-route', 'routing', 'multicast-routing', 'forward-protocol',
  'default-gateway', 'default-network', 'inspect', 'audit', 'ips', 'flow-export', 'flow-cache', 'flow-top-talkers',
  'accounting-threshold', 'accounting-list', 'accounting', 'admission', 'sla', 'prefix-list', 'as-path',
  'community-list', 'extcommunity-list', 'vrf', 'local', 'scp', 'telnet', 'tcp', 'igmp', 'pim', 'mroute', 'msdp',
  'rsvp', 'wccp', 'arp', 'icmp', 'gratuitous-arps', 'options', 'explicit-path', 'radius', 'tacacs', 'sla',
  'multicast', 'name', 'port-map', 'urlfilter', 'virtual-reassembly', 'cache', 'device', 'dns', 'ddns', 'reflexive-list',
  'policy', 'ospf', 'bgp-community', 'security', 'unnumbered', 'rip', 'directed-broadcast', 'redirects',
]);

/** Second words of top-level `ipv6 …` that IOS has and portcullis does not implement. */
const IPV6_IOS = new Set([
  'unicast-routing', 'multicast-routing', 'cef', 'router', 'dhcp', 'host', 'name-server', 'nd', 'general-prefix',
  'local', 'prefix-list', 'inspect', 'source-route', 'icmp', 'mld', 'pim', 'hop-limit', 'neighbor', 'ospf',
  'flow-export', 'mroute', 'multicast', 'snooping', 'dns', 'domain', 'unnumbered', 'enable', 'redirects',
]);

/** First words of interface sub-commands IOS has and portcullis does not implement. */
const INTERFACE_IOS = new Set([
  'duplex', 'speed', 'cdp', 'atm', 'keepalive', 'mtu', 'bandwidth', 'encapsulation', 'negotiation', 'media-type',
  'full-duplex', 'half-duplex', 'load-interval', 'delay', 'standby', 'vrrp', 'glbp', 'pvc', 'frame-relay', 'ppp',
  'dialer', 'tunnel', 'switchport', 'spanning-tree', 'channel-group', 'crypto', 'service-policy', 'carrier-delay',
  'clock', 'hold-queue', 'logging', 'snmp', 'arp', 'mac-address', 'fair-queue', 'random-detect', 'priority-queue',
  'auto', 'mdix', 'flowcontrol', 'storm-control', 'nameif', 'security-level', 'vrf', 'zone-member', 'exit',
  'no', 'default', 'shutdown', 'description', 'ip', 'ipv6', 'pppoe', 'pppoe-client', 'dsl', 'isdn', 'vlan',
  'ntp', 'mpls', 'service-module', 'peer', 'compress', 'qos', 'rate-limit', 'traffic-shape', 'backup',
  'bfd', 'lldp', 'power', 'cable', 'shape', 'xconnect', 'bridge-group', 'authentication', 'dot1x', 'mab',
  'source', 'macro', 'udld', 'transmit-interface', 'cts', 'ethernet', 'l2protocol-tunnel', 'mls', 'platform',
]);

/** Second words of interface `ip …` sub-commands IOS has and portcullis does not implement. */
const INTERFACE_IP_IOS = new Set([
  'route-cache', 'mtu', 'helper-address', 'directed-broadcast', 'redirects', 'unreachables', 'proxy-arp',
  'virtual-reassembly', 'inspect', 'tcp', 'policy', 'ospf', 'igmp', 'verify', 'mroute-cache', 'admission', 'flow',
  'split-horizon', 'summary-address', 'authentication', 'hello-interval', 'hold-time', 'accounting', 'load-sharing',
  'mask-reply', 'irdp', 'local-proxy-arp', 'sap', 'vrf', 'wccp', 'dhcp', 'unnumbered', 'rip', 'nat', 'pim',
  'ips', 'audit', 'nbar', 'urd', 'cgmp', 'dvmrp', 'multicast', 'rsvp', 'sdr', 'bandwidth-percent', 'eigrp',
  'access-list', 'address-pool', 'sla', 'ddns', 'dns', 'router', 'bgp', 'information-reply', 'security',
  'probe', 'vrrp', 'trigger-authentication', 'accounting-list',
]);

/** Second words of interface `ipv6 …` sub-commands IOS has and portcullis does not implement. */
const INTERFACE_IPV6_IOS = new Set([
  'enable', 'nd', 'mtu', 'ospf', 'dhcp', 'redirects', 'unreachables', 'rip', 'eigrp', 'verify', 'mld', 'pim',
  'inspect', 'flow', 'policy', 'virtual-reassembly', 'traffic-shape', 'unnumbered', 'router', 'cef', 'multicast',
  'access-class', 'source-route',
]);

/** Second words of `aaa …` IOS has and portcullis does not implement. */
const AAA_IOS = new Set([
  'group', 'attribute', 'dnis', 'nas', 'pod', 'local', 'password', 'configuration', 'cache', 'common-criteria',
  'memory', 'preauth', 'processes', 'route', 'traceback', 'user', 'max-sessions', 'authentication', 'authorization',
  'accounting', 'new-model', 'session-id', 'intercept', 'policy', 'service-profile', 'session-mib', 'dot1x', 'login',
]);

/** Second words of `radius-server …` and `tacacs-server …` IOS has and portcullis does not implement. */
const SERVER_IOS = new Set([
  'host', 'key', 'retransmit', 'timeout', 'deadtime', 'directed-request', 'source-ports', 'attribute', 'vsa',
  'dead-criteria', 'load-balance', 'challenge-noecho', 'configure-nas', 'unique-ident', 'domain-stripping',
  'administration', 'extended', 'packet', 'last-resort', 'optional-passwords', 'dns-alias-lookup', 'throttle',
  'authorization', 'backoff', 'transaction', 'retry', 'cache', 'ipc-key', 'dscp',
]);

/** Top level: first words. */
export const TOP_WORDS: WordSet = {
  what: 'a global configuration command',
  implemented: ['hostname', 'interface', 'aaa', 'access-list', 'username', 'radius', 'radius-server', 'tacacs', 'tacacs-server', 'end',
    'banner', 'ip', 'ipv6', 'no'],
  ios: TOP_IOS,
};
/** Top level: second words of `ip …`. */
export const IP_WORDS: WordSet = {
  what: 'an "ip" command', implemented: ['auth-proxy', 'http', 'access-list', 'route', 'address', 'access-group'], ios: IP_IOS,
};
/** Top level: second words of `ipv6 …`. */
export const IPV6_WORDS: WordSet = {
  what: 'an "ipv6" command', implemented: ['access-list', 'route', 'address', 'traffic-filter'], ios: IPV6_IOS,
};
/** Second words of `aaa …`. */
export const AAA_WORDS: WordSet = {
  what: 'an "aaa" command',
  implemented: ['new-model', 'session-id', 'authentication', 'authorization', 'accounting', 'attribute', 'group', 'server'],
  ios: AAA_IOS,
};
/** Third words of `aaa group …` (IOS has only `server` there). */
export const AAA_GROUP_WORDS: WordSet = { what: 'an "aaa group" command', implemented: ['server'], ios: new Set() };
/** Third words of `aaa server …` (IOS has only `radius` there). */
export const AAA_SERVER_WORDS: WordSet = { what: 'an "aaa server" command', implemented: ['radius'], ios: new Set() };
/**
 * Fourth words of `aaa group server …`: the protocol of a server group. IOS also has LDAP and
 * (IOS XE) Diameter groups, which portcullis does not implement; IOS knows no other word here.
 */
export const AAA_GROUP_SERVER_WORDS: WordSet = {
  what: 'a server group protocol', implemented: ['radius', 'tacacs+'], ios: new Set(['ldap', 'diameter']),
};
/**
 * Fourth words of `aaa server radius …`. IOS's ISG has `proxy`, `sesm` and `policy-device`
 * there, which portcullis does not implement; IOS knows no other word here.
 */
export const AAA_SERVER_RADIUS_WORDS: WordSet = {
  what: 'an "aaa server radius" block', implemented: ['dynamic-author'], ios: new Set(['proxy', 'sesm', 'policy-device']),
};
/** Second words of `radius-server …`. */
export const RADIUS_WORDS: WordSet = {
  what: 'a "radius-server" command', implemented: ['host', 'key', 'retransmit', 'timeout', 'deadtime', 'authorization'], ios: SERVER_IOS,
};
/** Second words of `tacacs-server …`. */
export const TACACS_WORDS: WordSet = {
  what: 'a "tacacs-server" command', implemented: ['host', 'key', 'timeout', 'deadtime'], ios: SERVER_IOS,
};
/** Interface mode: first words. */
export const INTERFACE_WORDS: WordSet = {
  what: 'an interface command', implemented: ['ip', 'ipv6', 'description', 'shutdown', 'no'], ios: INTERFACE_IOS,
};
/** Interface mode: second words of `ip …`. */
export const INTERFACE_IP_WORDS: WordSet = {
  what: 'an interface "ip" command', implemented: ['address', 'access-group', 'auth-proxy'], ios: INTERFACE_IP_IOS,
};
/** Interface mode: second words of `ipv6 …`. */
export const INTERFACE_IPV6_WORDS: WordSet = {
  what: 'an interface "ipv6" command', implemented: ['address', 'traffic-filter'], ios: INTERFACE_IPV6_IOS,
};
/** Access-list block sub-lines: first words. */
export const ACL_BLOCK_WORDS: WordSet = {
  what: 'an access-list entry', implemented: ['permit', 'deny', 'remark', 'sequence', 'no', 'exit'],
  ios: new Set(['evaluate', 'dynamic', 'statistics', 'default', 'fragments']),
};

/**
 * Damerau–Levenshtein distance (optimal string alignment) of `a` and `b`, or `limit + 1` as soon
 * as it must exceed `limit`.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** How many slips a word of this length may hold and still be taken for a typo: 1 up to 4 letters, 2 beyond. */
function slipsAllowed(word: string): number {
  return word.length <= 4 ? 1 : 2;
}

/** The implemented word `word` is a typing slip of, or undefined (an IOS word, or far from all). */
export function mistypedWord(word: string, set: WordSet): string | undefined {
  if (set.ios.has(word) || set.implemented.includes(word)) return undefined;
  const limit = slipsAllowed(word);
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const w of set.implemented) {
    const d = editDistance(word, w, limit);
    if (d < bestDistance) {
      best = w;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Token `index` of `tl` at a position whose words IOS has are all in `set` (a closed set):
 * true for an implemented word, false for an IOS word portcullis does not implement (the
 * caller warns, naming the implemented ones: {@link implementedWords}); any other word, or
 * none, is a ConfigError at it — with "did you mean" for a typing slip — since IOS itself
 * would refuse the line.
 */
export function closedWordAt(tl: TokenLine, index: number, set: WordSet): boolean {
  const word = wordAt(tl, index);
  if (word !== undefined && set.implemented.includes(word)) return true;
  if (word !== undefined && set.ios.has(word)) return false;
  rejectMistyped(tl, index, set);
  throw expectedAt(tl, index, `${set.what} (${implementedWords(set)})`);
}

/** The implemented words of `set` for a message: `"radius" or "tacacs+"`. */
export function implementedWords(set: WordSet): string {
  const quoted = set.implemented.map((w) => `"${w}"`);
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]!}`;
}

/** Throws the "did you mean" error if token `index` of `tl` is a typing slip of an implemented word of `set`. */
export function rejectMistyped(tl: TokenLine, index: number, set: WordSet): void {
  const word = wordAt(tl, index);
  if (word === undefined) return;
  const meant = mistypedWord(word, set);
  if (meant !== undefined) throw expectedAt(tl, index, set.what, `did you mean "${meant}"?`);
}
