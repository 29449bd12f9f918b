/**
 * The golden captures: file name, generator, config, expected debug output. The golden test
 * rebuilds each capture and checks it equals the committed file, then replays it and compares
 * the output with the expected file byte for byte.
 */
import type { CaptureBuilder } from './builder.js';
import { buildSeedCapture } from './make-seed.js';
import { buildIpv6Sll2, buildTwoHostsInterleaved, buildVlanTelnet } from './make-extra.js';

export interface GoldenCapture {
  /** Capture file in captures/. */
  readonly file: string;
  /** Config file in captures/. */
  readonly config: string;
  /** Expected stdout of `replay --debug <debug>`, in captures/. */
  readonly expected: string;
  readonly debug: string;
  readonly build: () => CaptureBuilder;
}

export const GOLDEN_CAPTURES: readonly GoldenCapture[] = [
  {
    file: 'seed-https-authproxy.pcap',
    config: 'seed-https-authproxy.cfg',
    expected: 'seed-https-authproxy.expected',
    debug: 'detailed',
    build: buildSeedCapture,
  },
  {
    file: 'two-hosts-interleaved.pcap',
    config: 'two-hosts-interleaved.cfg',
    expected: 'two-hosts-interleaved.expected',
    debug: 'detailed',
    build: buildTwoHostsInterleaved,
  },
  {
    file: 'vlan-telnet.pcap',
    config: 'vlan-telnet.cfg',
    expected: 'vlan-telnet.expected',
    debug: 'detailed',
    build: buildVlanTelnet,
  },
  {
    file: 'ipv6-sll2.pcapng',
    config: 'ipv6-sll2.cfg',
    expected: 'ipv6-sll2.expected',
    debug: 'detailed',
    build: buildIpv6Sll2,
  },
];
