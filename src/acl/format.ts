/**
 * Printing access-list entries the way IOS does: in `show ip access-lists` form (standard
 * entries as `10.1.1.0, wildcard bits 0.0.0.255`, ports and ICMP messages by IOS name) and in
 * running-config form (`access-list 101 permit …`, `ip access-list extended NAME` blocks), which
 * the config builder parses back to the same rules.
 */
import { formatIpv4, formatIpv6, ipv6PrefixOfWildcard } from './addr.js';
import { formatIcmpName, formatPort, formatProtocol } from './names.js';
import {
  ACL_ACTION_PERMIT, ACL_LOG, ACL_LOG_INPUT, ACL_PORT_NONE, ACL_PORT_OP_NAMES, ACL_PORT_RANGE,
  ACL_PROTO_ANY,
} from './model.js';
import type { AclList, AclRule } from './model.js';

function formatAddr(addr: readonly number[], wild: readonly number[], family: 4 | 6): string {
  if (wild.every((w) => w === 0xffffffff)) return 'any';
  if (family === 4) {
    if (wild[0] === 0) return `host ${formatIpv4(addr[0]!)}`;
    return `${formatIpv4(addr[0]!)} ${formatIpv4(wild[0]!)}`;
  }
  if (wild.every((w) => w === 0)) return `host ${formatIpv6(addr)}`;
  return `${formatIpv6(addr)}/${ipv6PrefixOfWildcard(wild)}`;
}

function formatPorts(proto: number, op: number, a: number, b: number): string {
  if (op === ACL_PORT_NONE) return '';
  const first = `${ACL_PORT_OP_NAMES[op]} ${formatPort(proto, a)}`;
  return op === ACL_PORT_RANGE ? ` ${first} ${formatPort(proto, b)}` : ` ${first}`;
}

/**
 * Prints a rule's text after the sequence number: `permit tcp host 10.1.1.1 any eq www log`.
 * `showForm` prints standard entries as `show` does (`A, wildcard bits W`, the action padded
 * to six characters: `deny   any`), otherwise as they are configured (`A W`).
 */
export function formatRule(r: AclRule, showForm: boolean): string {
  let action = r.action === ACL_ACTION_PERMIT ? 'permit' : 'deny';
  let s: string;
  if (r.standard) {
    // `show` pads a standard entry's action to the width of "permit" (spec §4: `20 deny   any`).
    if (showForm && r.action !== ACL_ACTION_PERMIT) action = 'deny  ';
    const w = r.srcWild[0]!;
    if (w === 0xffffffff) s = `${action} any`;
    else if (w === 0) s = showForm ? `${action} ${formatIpv4(r.srcAddr[0]!)}` : `${action} host ${formatIpv4(r.srcAddr[0]!)}`;
    else s = showForm ? `${action} ${formatIpv4(r.srcAddr[0]!)}, wildcard bits ${formatIpv4(w)}`
      : `${action} ${formatIpv4(r.srcAddr[0]!)} ${formatIpv4(w)}`;
  } else {
    const proto = r.proto === ACL_PROTO_ANY ? (r.family === 4 ? 'ip' : 'ipv6') : formatProtocol(r.proto, r.family);
    s = `${action} ${proto} ${formatAddr(r.srcAddr, r.srcWild, r.family)}` +
      formatPorts(r.proto, r.srcPortOp, r.srcPortA, r.srcPortB) +
      ` ${formatAddr(r.dstAddr, r.dstWild, r.family)}` +
      formatPorts(r.proto, r.dstPortOp, r.dstPortA, r.dstPortB);
    if (r.icmpType >= 0) {
      const name = formatIcmpName(r.icmpType, r.icmpCode, r.family);
      s += name !== undefined ? ` ${name}` : r.icmpCode >= 0 ? ` ${r.icmpType} ${r.icmpCode}` : ` ${r.icmpType}`;
    }
    if (r.established) s += ' established';
    if (r.fragments) s += ' fragments';
  }
  if (r.log === ACL_LOG) s += ' log';
  else if (r.log === ACL_LOG_INPUT) s += ' log-input';
  return s;
}

/** `show` header of a list: `Extended IP access list 101`, `Standard IP access list 10`, `IPv6 access list NAME`. */
export function formatListHeader(list: Pick<AclList, 'kind' | 'name'>): string {
  if (list.kind === 'ipv6') return `IPv6 access list ${list.name}`;
  return `${list.kind === 'standard' ? 'Standard' : 'Extended'} IP access list ${list.name}`;
}

/** ` (12 matches)` / ` (1 match)` as IOS appends it, or nothing for zero. */
export function formatMatches(n: number): string {
  if (n === 0) return '';
  return n === 1 ? ' (1 match)' : ` (${n} matches)`;
}

/** Prints a list as running-config lines (numbered lists as `access-list N …`, named ones as a block). */
export function formatListConfig(list: AclList): string[] {
  const out: string[] = [];
  if (list.numbered) {
    for (const e of list.entries) {
      out.push(e.rule !== null ? `access-list ${list.name} ${formatRule(e.rule, false)}` : `access-list ${list.name} remark ${e.remark}`);
    }
    return out;
  }
  out.push(list.kind === 'ipv6' ? `ipv6 access-list ${list.name}` : `ip access-list ${list.kind} ${list.name}`);
  for (const e of list.entries) {
    const body = e.rule !== null ? formatRule(e.rule, false) : `remark ${e.remark}`;
    out.push(list.kind === 'ipv6' ? ` sequence ${e.seq} ${body}` : ` ${e.seq} ${body}`);
  }
  return out;
}
