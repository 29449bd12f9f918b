/**
 * Generators of the hand-written goldens beyond the seed (expected outputs derived by hand from
 * spec §2, see each `.expected` file's companion notes in README):
 * - `two-hosts-interleaved.pcap`: two hosts, the second SYN arriving while the other host is
 *   half-open, a second connection from the first host, a proxy-closed connection (FIN_WAIT),
 *   a non-trigger port, UDP and return traffic that print nothing.
 * - `vlan-telnet.pcap`: 802.1Q and QinQ tagged Ethernet; a telnet connection the proxy answers
 *   and closes at once (FIN_WAIT), an http SYN from a second host.
 * - `ipv6-sll2.pcapng`: pcapng with Linux cooked (SLL2) framing, IPv6 hosts, a client reset.
 */
import { CaptureBuilder, httpRequestOfLength } from './builder.js';

/** Mar 1 1993 10:00:00 UTC plus `ms`. */
const at = (ms: number): number => Date.UTC(1993, 2, 1, 10, 0, 0) + ms;

export function buildTwoHostsInterleaved(): CaptureBuilder {
  const b = new CaptureBuilder({ kind: 'ethernet' });
  const A = '192.0.2.10', B = '192.0.2.20', S = '198.51.100.80';
  const a1 = { src: A, dst: S, sport: 40000, dport: 80 };
  const a2 = { src: A, dst: S, sport: 40001, dport: 80 };
  const b1 = { src: B, dst: S, sport: 50000, dport: 80 };
  const get = httpRequestOfLength(180, ['GET /news HTTP/1.1', `Host: ${S}`, 'Accept: */*', 'Connection: close']);
  b.tcp({ ...a1, timeMs: at(0), flags: 'SYN', seq: 1000, mss: 1460 });
  b.tcp({ ...b1, timeMs: at(10), flags: 'SYN', seq: 5000, mss: 1460 });
  b.tcp({ ...a1, timeMs: at(20), flags: 'ACK', seq: 1001, ack: 2000001 });
  b.tcp({ ...a2, timeMs: at(30), flags: 'SYN', seq: 3000, mss: 1460 });
  b.tcp({ ...b1, timeMs: at(40), flags: 'ACK', seq: 5001, ack: 7000001 });
  b.tcp({ ...a2, timeMs: at(50), flags: 'ACK', seq: 3001, ack: 9000001 });
  b.tcp({ ...a1, timeMs: at(60), flags: 'PSH ACK', seq: 1001, ack: 2000001, payload: get });
  b.tcp({ ...a1, timeMs: at(200), flags: 'ACK', seq: 1181, ack: 2001001 });
  b.tcp({ ...b1, timeMs: at(210), flags: 'FIN ACK', seq: 5001, ack: 7000001 });
  b.udp({ timeMs: at(220), src: A, dst: S, sport: 40002, dport: 53, payload: new Uint8Array(30) });
  b.tcp({ timeMs: at(230), src: A, dst: S, sport: 40003, dport: 22, flags: 'SYN', seq: 11000, mss: 1460 });
  b.tcp({ timeMs: at(240), src: S, dst: A, sport: 22, dport: 40003, flags: 'SYN ACK', seq: 12000, ack: 11001, mss: 1460 });
  return b;
}

export function buildVlanTelnet(): CaptureBuilder {
  const b = new CaptureBuilder({ kind: 'ethernet', vlans: [100] });
  const C = '192.0.2.30', S = '198.51.100.23';
  const t = { src: C, dst: S, sport: 1025, dport: 23 };
  b.tcp({ ...t, timeMs: at(1000), flags: 'SYN', seq: 70000, mss: 1460 });
  b.tcp({ ...t, timeMs: at(1005), flags: 'ACK', seq: 70001, ack: 123457 });
  b.tcp({ ...t, timeMs: at(1050), flags: 'ACK', seq: 70001, ack: 123600 });
  b.tcp({ ...t, timeMs: at(1060), flags: 'FIN ACK', seq: 70001, ack: 123600 });
  const q = new CaptureBuilder({ kind: 'ethernet', vlans: [10, 200] });
  q.tcp({ timeMs: at(1100), src: '192.0.2.31', dst: S, sport: 1026, dport: 80, flags: 'SYN', seq: 80000, mss: 1460 });
  return b.append(q);
}

export function buildIpv6Sll2(): CaptureBuilder {
  const b = new CaptureBuilder({ kind: 'sll2' });
  const C = '2001:db8:1::10', S = '2001:db8:2::80';
  const c = { src: C, dst: S, sport: 33000, dport: 80 };
  const get = httpRequestOfLength(150, ['GET / HTTP/1.1', `Host: [${S}]`, 'Accept: */*']);
  b.tcp({ ...c, timeMs: at(5000), flags: 'SYN', seq: 4000000000, mss: 1440, windowScale: 7, sackPermitted: true });
  b.tcp({ ...c, timeMs: at(5001), flags: 'ACK', seq: 4000000001, ack: 100 });
  b.tcp({ ...c, timeMs: at(5002), flags: 'PSH ACK', seq: 4000000001, ack: 100, payload: get });
  b.tcp({ ...c, timeMs: at(5100), flags: 'ACK', seq: 4000000151, ack: 900 });
  b.tcp({ ...c, timeMs: at(5200), flags: 'RST ACK', seq: 4000000151, ack: 900 });
  b.tcp({ src: C, dst: '2001:db8:1::1', sport: 33001, dport: 443, timeMs: at(5300), flags: 'SYN', seq: 1, mss: 1440 });
  return b;
}
