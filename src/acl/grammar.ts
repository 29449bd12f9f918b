/**
 * The grammar of one IOS access-list entry: `permit|deny` followed by the standard form
 * (`SOURCE [log]`), the extended form (`PROTOCOL SOURCE [PORTS] DESTINATION [PORTS]
 * [ICMP-TYPE] [established] [fragments] [log|log-input]`) or the IPv6 form (prefixes, and
 * `sequence N` at the end). Config lines and downloaded `proxyacl#N` entries share it.
 * Every malformed token is a `ConfigError` naming line, column and what was expected.
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import { parseIpv4, parseIpv6, ipv6WildcardOfPrefix } from './addr.js';
import {
  ACL_PROTOCOLS_V4, ACL_PROTOCOLS_V6, ACL_ICMP_NAMES, ACL_ICMPV6_NAMES, lookupPortName,
} from './names.js';
import {
  ACL_ACTION_DENY, ACL_ACTION_PERMIT, ACL_LOG, ACL_LOG_INPUT, ACL_LOG_NONE, ACL_PORT_EQ,
  ACL_PORT_GT, ACL_PORT_LT, ACL_PORT_NEQ, ACL_PORT_NONE, ACL_PORT_RANGE, ACL_PROTO_ANY,
} from './model.js';
import type { AclKind, AclRule } from './model.js';

/** Largest sequence number IOS accepts. */
export const ACL_SEQ_MAX = 2147483647;

/** Keywords IOS accepts in an entry that portcullis rejects rather than ignore (ignoring would widen the match). */
const UNSUPPORTED = new Set([
  'precedence', 'tos', 'dscp', 'time-range', 'option', 'ttl', 'match-any', 'match-all', 'ack',
  'fin', 'psh', 'rst', 'syn', 'urg', 'reflect', 'timeout', 'flow-label', 'routing', 'hbh',
  'dest-option', 'mobility', 'routing-type', 'undetermined-transport', 'evaluate', 'dynamic',
]);

/** A parsed entry and, for IPv6 lists, the `sequence N` written at its end (or -1). */
export interface ParsedRule {
  readonly rule: AclRule;
  readonly seq: number;
}

/** Parses a decimal integer token in [min, max]; undefined otherwise. */
export function parseDecimal(text: string, min: number, max: number): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

class Cursor {
  i: number;
  constructor(readonly tl: TokenLine, start: number) {
    this.i = start;
  }
  peek(): string | undefined {
    return this.tl.tokens[this.i]?.text.toLowerCase();
  }
  raw(): string | undefined {
    return this.tl.tokens[this.i]?.text;
  }
  fail(expected: string, detail?: string): never {
    throw expectedAt(this.tl, this.i, expected, detail);
  }
}

const ADDR4_EXPECTED = '"any", "host" or an IPv4 address';

/** True if `text` is written as a dotted quad (starts with a digit, has a dot), valid or not. */
function looksDotted(text: string | undefined): boolean {
  return text !== undefined && /^[0-9][0-9A-Za-z]*(\.[0-9A-Za-z]*)+$/.test(text);
}

/** Why a dotted-quad-looking token is not a valid one. */
function dottedProblem(text: string): string {
  const parts = text.split('.');
  if (parts.length !== 4) return `a dotted quad has four parts, "${text}" has ${parts.length}`;
  const bad = parts.find((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255);
  return `each of the four parts must be a number 0-255, "${bad}" is not`;
}
const ADDR6_EXPECTED = '"any", "host" or an IPv6 prefix';

function parseAddr4(c: Cursor, standard: boolean): [number, number] {
  const t = c.peek();
  if (t === 'any') { c.i++; return [0, 0xffffffff]; }
  if (t === 'host') {
    c.i++;
    const a = parseIpv4(c.raw() ?? '');
    if (a === undefined) c.fail('an IPv4 address', looksDotted(c.raw()) ? dottedProblem(c.raw()!) : undefined);
    c.i++;
    return [a, 0];
  }
  const a = parseIpv4(c.raw() ?? '');
  if (a === undefined) c.fail(ADDR4_EXPECTED, looksDotted(c.raw()) ? dottedProblem(c.raw()!) : undefined);
  c.i++;
  const w = parseIpv4(c.raw() ?? '');
  if (w === undefined) {
    // A standard list may omit the wildcard: 0.0.0.0 is assumed (a host). A token written as a
    // dotted quad is a wildcard all the same, and a bad one is named as such.
    if (looksDotted(c.raw())) c.fail('wildcard bits', dottedProblem(c.raw()!));
    if (standard) return [a, 0];
    c.fail('wildcard bits');
  }
  c.i++;
  return [(a & ~w) >>> 0, w];
}

function parseAddr6(c: Cursor): [number[], number[]] {
  const t = c.peek();
  if (t === 'any') { c.i++; return [[0, 0, 0, 0], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]]; }
  if (t === 'host') {
    c.i++;
    const a = parseIpv6(c.raw() ?? '');
    if (a === undefined) c.fail('an IPv6 address');
    c.i++;
    return [a, [0, 0, 0, 0]];
  }
  const raw = c.raw() ?? '';
  const slash = raw.indexOf('/');
  const a = slash > 0 ? parseIpv6(raw.slice(0, slash)) : undefined;
  const len = slash > 0 ? parseDecimal(raw.slice(slash + 1), 0, 128) : undefined;
  if (a === undefined || len === undefined) c.fail(ADDR6_EXPECTED);
  c.i++;
  const w = ipv6WildcardOfPrefix(len);
  return [a.map((v, i) => (v & ~w[i]!) >>> 0), w];
}

function parsePort(c: Cursor, proto: number): number {
  const raw = c.peek();
  const n = raw === undefined ? undefined : parseDecimal(raw, 0, 65535) ?? lookupPortName(proto, raw);
  if (n === undefined) c.fail(proto === 6 ? 'a TCP port number or name' : 'a UDP port number or name');
  c.i++;
  return n;
}

function parsePortOp(c: Cursor, proto: number): [number, number, number] {
  const t = c.peek();
  const op = t === 'eq' ? ACL_PORT_EQ : t === 'neq' ? ACL_PORT_NEQ : t === 'lt' ? ACL_PORT_LT :
    t === 'gt' ? ACL_PORT_GT : t === 'range' ? ACL_PORT_RANGE : ACL_PORT_NONE;
  if (op === ACL_PORT_NONE) return [ACL_PORT_NONE, 0, 0];
  c.i++;
  const a = parsePort(c, proto);
  if (op !== ACL_PORT_RANGE) return [op, a, 0];
  const at = c.i;
  const b = parsePort(c, proto);
  if (b < a) { c.i = at; c.fail(`a port number not below ${a}`); }
  return [op, a, b];
}

/**
 * Parses the entry starting at token `start` (`permit` or `deny`) of a `kind` list. Consumes the
 * whole rest of the line; throws `ConfigError` at the first token that does not fit.
 */
export function parseRule(tl: TokenLine, start: number, kind: AclKind): ParsedRule {
  const c: Cursor = new Cursor(tl, start);
  const act = c.peek();
  if (act !== 'permit' && act !== 'deny') c.fail('"permit" or "deny"');
  c.i++;
  const action = act === 'permit' ? ACL_ACTION_PERMIT : ACL_ACTION_DENY;
  const family: 4 | 6 = kind === 'ipv6' ? 6 : 4;
  let proto = ACL_PROTO_ANY;
  let srcAddr: number[];
  let srcWild: number[];
  let dstAddr: number[] = family === 4 ? [0] : [0, 0, 0, 0];
  let dstWild: number[] = family === 4 ? [0xffffffff] : [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
  let sp: [number, number, number] = [ACL_PORT_NONE, 0, 0];
  let dp: [number, number, number] = [ACL_PORT_NONE, 0, 0];
  let icmpType = -1;
  let icmpCode = -1;
  let established = false;
  let fragments = false;
  let log = ACL_LOG_NONE;
  let seq = -1;
  if (kind === 'standard') {
    const [a, w] = parseAddr4(c, true);
    srcAddr = [a];
    srcWild = [w];
  } else {
    const p = c.peek();
    const names = family === 4 ? ACL_PROTOCOLS_V4 : ACL_PROTOCOLS_V6;
    if (p === (family === 4 ? 'ip' : 'ipv6')) proto = ACL_PROTO_ANY;
    else if (p !== undefined && names.has(p)) proto = names.get(p)!;
    else {
      const n = p === undefined ? undefined : parseDecimal(p, 0, 255);
      if (n === undefined) c.fail(family === 4 ? 'a protocol name or number (0-255), or "ip"' : 'a protocol name or number (0-255), or "ipv6"');
      proto = n;
    }
    c.i++;
    const ported = proto === 6 || proto === 17;
    if (family === 4) {
      const [a, w] = parseAddr4(c, false);
      srcAddr = [a]; srcWild = [w];
    } else {
      [srcAddr, srcWild] = parseAddr6(c);
    }
    if (ported) sp = parsePortOp(c, proto);
    if (family === 4) {
      const [a, w] = parseAddr4(c, false);
      dstAddr = [a]; dstWild = [w];
    } else {
      [dstAddr, dstWild] = parseAddr6(c);
    }
    if (ported) dp = parsePortOp(c, proto);
    if (proto === (family === 4 ? 1 : 58)) {
      const t = c.peek();
      const named = t === undefined ? undefined : (family === 4 ? ACL_ICMP_NAMES : ACL_ICMPV6_NAMES).get(t);
      if (named !== undefined) {
        icmpType = named.type; icmpCode = named.code; c.i++;
      } else if (t !== undefined && parseDecimal(t, 0, 255) !== undefined) {
        icmpType = parseDecimal(t, 0, 255)!; c.i++;
        const code = c.peek() === undefined ? undefined : parseDecimal(c.peek()!, 0, 255);
        if (code !== undefined) { icmpCode = code; c.i++; }
      }
    }
  }
  for (;;) {
    const t = c.peek();
    if (t === undefined) break;
    if (t === 'log' || t === 'log-input') {
      if (log !== ACL_LOG_NONE) c.fail('end of line', 'log given twice');
      log = t === 'log' ? ACL_LOG : ACL_LOG_INPUT;
    } else if (t === 'established' && proto === 6 && !established) {
      if (fragments) c.fail('end of line', '"fragments" cannot be combined with layer-4 criteria');
      established = true;
    } else if (t === 'fragments' && kind !== 'standard' && !fragments) {
      if (sp[0] !== ACL_PORT_NONE || dp[0] !== ACL_PORT_NONE || established || icmpType >= 0) {
        c.fail('end of line', '"fragments" cannot be combined with layer-4 criteria');
      }
      fragments = true;
    } else if (t === 'sequence' && kind === 'ipv6' && seq < 0) {
      c.i++;
      const n = c.peek() === undefined ? undefined : parseDecimal(c.peek()!, 1, 4294967295);
      if (n === undefined) c.fail('a sequence number (1-4294967295)');
      seq = n;
    } else if (UNSUPPORTED.has(t)) {
      c.fail('end of line', `"${t}" is not supported by portcullis`);
    } else {
      const opts = kind === 'standard' ? '"log" or end of line'
        : proto === 6 ? '"established", "fragments", "log", "log-input" or end of line'
          : '"fragments", "log", "log-input" or end of line';
      c.fail(kind === 'ipv6' ? opts.replace(' or end of line', ', "sequence" or end of line') : opts);
    }
    c.i++;
  }
  const rule: AclRule = {
    action, family, standard: kind === 'standard', proto, srcAddr, srcWild, dstAddr, dstWild,
    srcPortOp: sp[0], srcPortA: sp[1], srcPortB: sp[2], dstPortOp: dp[0], dstPortA: dp[1], dstPortB: dp[2],
    established, icmpType, icmpCode, fragments, log,
  };
  return { rule, seq };
}
