/**
 * The parsed form of IOS access lists: one {@link AclRule} per permit/deny entry, lists of
 * sequenced entries, and the {@link AclSet} the config parser hands to `compileAcls`. This is
 * the control-plane model (plain objects); the classifier compiles it into typed arrays.
 */
import type { AclSet } from './api.js';

/** Entry action values; equal to `ACL_DENY` / `ACL_PERMIT` of the contract. */
export const ACL_ACTION_DENY = 0;
export const ACL_ACTION_PERMIT = 1;

/** Port operators. `ACL_PORT_NONE`: no port criterion. */
export const ACL_PORT_NONE = 0;
export const ACL_PORT_EQ = 1;
export const ACL_PORT_NEQ = 2;
export const ACL_PORT_LT = 3;
export const ACL_PORT_GT = 4;
export const ACL_PORT_RANGE = 5;

/** Port operator keywords, indexed by `ACL_PORT_*`. */
export const ACL_PORT_OP_NAMES: readonly string[] = ['', 'eq', 'neq', 'lt', 'gt', 'range'];

/** `log` options. */
export const ACL_LOG_NONE = 0;
export const ACL_LOG = 1;
export const ACL_LOG_INPUT = 2;

/** Protocol value meaning "any protocol" (`ip` / `ipv6`). */
export const ACL_PROTO_ANY = -1;

/**
 * One permit/deny entry. Addresses are uint32 words: one word for IPv4, four (big-endian) for
 * IPv6; `*Wild` holds IOS wildcard bits (a set bit means "don't care"), so `any` is all ones
 * and `host A` all zeros. Addresses are stored with their wildcard bits cleared, as IOS does.
 */
export interface AclRule {
  /** ACL_ACTION_PERMIT or ACL_ACTION_DENY. */
  readonly action: number;
  readonly family: 4 | 6;
  /** Written in standard-list form (source only). */
  readonly standard: boolean;
  /** IP protocol number, or ACL_PROTO_ANY. */
  readonly proto: number;
  readonly srcAddr: readonly number[];
  readonly srcWild: readonly number[];
  readonly dstAddr: readonly number[];
  readonly dstWild: readonly number[];
  /** ACL_PORT_* operator and its operands (`range lo hi`; others use `srcPortA` only). */
  readonly srcPortOp: number;
  readonly srcPortA: number;
  readonly srcPortB: number;
  readonly dstPortOp: number;
  readonly dstPortA: number;
  readonly dstPortB: number;
  /** TCP `established`: ACK or RST set. */
  readonly established: boolean;
  /** ICMP/ICMPv6 type and code, -1 for any. */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** `fragments`: applies only to non-initial fragments. */
  readonly fragments: boolean;
  /** ACL_LOG_*. */
  readonly log: number;
}

/** One line of a list: a rule or a remark, with its sequence number. */
export interface AclEntry {
  seq: number;
  readonly rule: AclRule | null;
  readonly remark: string | null;
}

export type AclKind = 'standard' | 'extended' | 'ipv6';

/** One access list as configured. */
export interface AclList {
  readonly name: string;
  readonly kind: AclKind;
  /** Defined by number (`access-list 101 …`) rather than by name. */
  readonly numbered: boolean;
  /** Entries in ascending sequence number. */
  readonly entries: AclEntry[];
}

/** The concrete {@link AclSet}: lists by name, in definition order. */
export class AclSetImpl implements AclSet {
  /** Lists by name. */
  readonly lists: ReadonlyMap<string, AclList>;
  constructor(lists: ReadonlyMap<string, AclList>) {
    this.lists = lists;
  }
  get names(): readonly string[] {
    return [...this.lists.keys()];
  }
  has(name: string): boolean {
    return this.lists.has(name);
  }
  kind(name: string): AclKind | undefined {
    return this.lists.get(name)?.kind;
  }
}

/** True if the rule has layer-4 criteria (ports, `established`, ICMP type/code). */
export function hasL4Criteria(r: AclRule): boolean {
  return r.srcPortOp !== ACL_PORT_NONE || r.dstPortOp !== ACL_PORT_NONE || r.established ||
    r.icmpType >= 0;
}

/** Lowest and highest port an operator admits (`neq` gives the excluded port twice); lo > hi when empty. */
export function portBounds(op: number, a: number, b: number): [number, number] {
  switch (op) {
    case ACL_PORT_EQ: case ACL_PORT_NEQ: return [a, a];
    case ACL_PORT_LT: return [0, a - 1];
    case ACL_PORT_GT: return [a + 1, 65535];
    case ACL_PORT_RANGE: return [a, b];
    default: return [0, 65535];
  }
}

/** True if two rules are equal field by field. */
export function rulesEqual(a: AclRule, b: AclRule): boolean {
  const wordsEq = (x: readonly number[], y: readonly number[]): boolean =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  return a.action === b.action && a.family === b.family && a.standard === b.standard &&
    a.proto === b.proto && wordsEq(a.srcAddr, b.srcAddr) && wordsEq(a.srcWild, b.srcWild) &&
    wordsEq(a.dstAddr, b.dstAddr) && wordsEq(a.dstWild, b.dstWild) &&
    a.srcPortOp === b.srcPortOp && a.srcPortA === b.srcPortA && a.srcPortB === b.srcPortB &&
    a.dstPortOp === b.dstPortOp && a.dstPortA === b.dstPortA && a.dstPortB === b.dstPortB &&
    a.established === b.established && a.icmpType === b.icmpType && a.icmpCode === b.icmpCode &&
    a.fragments === b.fragments && a.log === b.log;
}
