/**
 * Shared by the flow table's tests: TCP flag sets, a few endpoint pairs, and `pass`, which runs
 * a packet through a table as the engine does.
 */
import { FlowTable } from '../../src/flow/flow-table.js';
import {
  PacketMeta, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST, TCP_FLAG_SYN,
} from '../../src/wire/packet.js';
import { fillMeta, type MetaSpec } from './meta-fixtures.js';

export const SYN = TCP_FLAG_SYN;
export const SYNACK = TCP_FLAG_SYN | TCP_FLAG_ACK;
export const ACK = TCP_FLAG_ACK;
export const PSHACK = TCP_FLAG_PSH | TCP_FLAG_ACK;
export const FINACK = TCP_FLAG_FIN | TCP_FLAG_ACK;
export const RST = TCP_FLAG_RST;

export const WEB4: MetaSpec = { src: '192.168.1.10', dst: '203.0.113.5', proto: IPPROTO_TCP, sport: 40000, dport: 80 };
export const WEB6: MetaSpec = { src: '2001:db8::10', dst: '2001:db8:ffff::5', proto: IPPROTO_TCP, sport: 40000, dport: 443 };
export const DNS4: MetaSpec = { src: '192.168.1.10', dst: '192.0.2.53', proto: IPPROTO_UDP, sport: 5353, dport: 53 };

/** Runs a packet the way the engine does: lookup, then update or insert. Returns the verdict or insert code. */
export function pass(t: FlowTable, spec: MetaSpec, nowMs: number, m = new PacketMeta()): number {
  fillMeta(spec, m);
  const slot = t.lookup(m);
  if (slot >= 0) return t.update(slot, t.lastDirection, m, nowMs);
  return t.insert(m, 3, nowMs);
}
