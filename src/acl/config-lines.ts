/**
 * The running-config side of the ACL engine: an {@link AclConfigBuilder} that takes the
 * access-list lines the config parser offers it — numbered `access-list N …` and `no
 * access-list N`, `ip access-list standard|extended NAME` and `ipv6 access-list NAME` blocks
 * with sequence numbers, `remark`, `no SEQ`, `ip access-list resequence` — and builds the
 * {@link AclSet}. Numbering follows IOS: standard 1–99 and 1300–1999, extended 100–199 and
 * 2000–2699; new entries get the highest sequence number + 10.
 */
import { expectedAt } from '../ios/tokens.js';
import { clip } from '../ios/echo.js';
import type { ConfigWarning, TokenLine } from '../ios/tokens.js';
import type { AclConfigBuilder, AclSet } from './api.js';
import { parseDecimal, parseRule, ACL_SEQ_MAX } from './grammar.js';
import { AclSetImpl, rulesEqual } from './model.js';
import type { AclEntry, AclKind, AclList } from './model.js';

/** Sequence step IOS uses for entries added without a number. */
export const ACL_SEQ_STEP = 10;

/** The kind of a numbered list, or undefined if `n` is not an IP access-list number. */
export function kindOfNumber(n: number): 'standard' | 'extended' | undefined {
  if ((n >= 1 && n <= 99) || (n >= 1300 && n <= 1999)) return 'standard';
  if ((n >= 100 && n <= 199) || (n >= 2000 && n <= 2699)) return 'extended';
  return undefined;
}

const NUMBER_EXPECTED = 'an IP access list number (1-199, 1300-2699)';

/**
 * Sequence bookkeeping of a list while it is built. Entries are appended as the lines come and
 * sorted once, when their order is next needed (a removal, `resequence`, the end): inserting each
 * entry in place cost a scan and a copy per line, quadratic for a list written in descending
 * sequence order.
 */
interface SeqIndex {
  /** Sequence numbers in use. */
  readonly taken: Set<number>;
  /** Highest sequence number in use (0 if none): a new entry without a number gets this + 10. */
  max: number;
  /** False once an entry was appended after a higher-numbered one. */
  sorted: boolean;
}

/** Text of the line from token `index` to the end (a remark). */
function restOfLine(tl: TokenLine, index: number): string {
  const tok = tl.tokens[index];
  return tok === undefined ? '' : tl.raw.slice(tok.column - 1).replace(/\s+$/, '');
}

class Builder implements AclConfigBuilder {
  private readonly lists = new Map<string, AclList>();
  private readonly seqIndex = new Map<AclList, SeqIndex>();
  private block: AclList | null = null;
  private readonly warnings: ConfigWarning[] = [];

  private warn(tl: TokenLine, index: number, message: string): void {
    const tok = tl.tokens[index];
    this.warnings.push({ file: tl.file, line: tl.line, column: tok?.column ?? 1, message });
  }

  /** Finds or creates a list; throws at token `nameToken` if it exists with another kind. */
  private listFor(name: string, kind: AclKind, numbered: boolean, tl: TokenLine, nameToken: number): AclList {
    const have = this.lists.get(name);
    if (have !== undefined) {
      if (have.kind !== kind) throw expectedAt(tl, nameToken, `the name of ${kind === 'standard' ? 'a standard' : kind === 'extended' ? 'an extended' : 'an IPv6'} access list`, `"${clip(name)}" is a ${have.kind} list`);
      return have;
    }
    const list: AclList = { name, kind, numbered, entries: [] };
    this.lists.set(name, list);
    this.seqIndex.set(list, { taken: new Set(), max: 0, sorted: true });
    return list;
  }

  /** Adds `entry`; throws at token `seqToken` if its sequence number is taken. */
  private insertEntry(list: AclList, entry: AclEntry, tl: TokenLine, seqToken: number): void {
    const idx = this.seqIndex.get(list)!;
    if (idx.taken.has(entry.seq)) throw expectedAt(tl, seqToken, 'an unused sequence number', `${entry.seq} is taken`);
    idx.taken.add(entry.seq);
    if (entry.seq < idx.max) idx.sorted = false;
    else idx.max = entry.seq;
    list.entries.push(entry);
  }

  /** The sequence number of an entry added without one: the highest in use + 10. */
  private nextSeq(list: AclList): number {
    return this.seqIndex.get(list)!.max + ACL_SEQ_STEP;
  }

  /** The list's entries in ascending sequence order (sorting them if appends left them out of order). */
  private ordered(list: AclList): AclEntry[] {
    const idx = this.seqIndex.get(list)!;
    if (!idx.sorted) {
      list.entries.sort((a, b) => a.seq - b.seq);
      idx.sorted = true;
    }
    return list.entries;
  }

  /** Removes the first entry (in sequence order) that `match` accepts; false if none does. */
  private removeEntry(list: AclList, match: (e: AclEntry) => boolean): boolean {
    const entries = this.ordered(list);
    const k = entries.findIndex(match);
    if (k < 0) return false;
    const idx = this.seqIndex.get(list)!;
    idx.taken.delete(entries[k]!.seq);
    entries.splice(k, 1);
    idx.max = entries.length === 0 ? 0 : entries[entries.length - 1]!.seq;
    return true;
  }

  topLevel(tl: TokenLine): boolean {
    const t = tl.tokens;
    const w0 = t[0]?.text.toLowerCase();
    const w1 = t[1]?.text.toLowerCase();
    if (w0 === 'access-list') return this.numbered(tl, 1);
    if (w0 === 'no' && w1 === 'access-list') {
      const n = parseDecimal(t[2]?.text ?? '', 1, 2699);
      if (n === undefined || kindOfNumber(n) === undefined) throw expectedAt(tl, 2, NUMBER_EXPECTED);
      this.lists.delete(String(n));
      return true;
    }
    if (w0 === 'ip' && w1 === 'access-list') return this.ipAccessList(tl, 2, false);
    if (w0 === 'no' && w1 === 'ip' && t[2]?.text.toLowerCase() === 'access-list') return this.ipAccessList(tl, 3, true);
    if (w0 === 'ipv6' && w1 === 'access-list') return this.ipv6AccessList(tl, 2, false);
    if (w0 === 'no' && w1 === 'ipv6' && t[2]?.text.toLowerCase() === 'access-list') return this.ipv6AccessList(tl, 3, true);
    return false;
  }

  /** `access-list N permit|deny|remark …` */
  private numbered(tl: TokenLine, i: number): boolean {
    const n = parseDecimal(tl.tokens[i]?.text ?? '', 1, 2699);
    const kind = n === undefined ? undefined : kindOfNumber(n);
    if (n === undefined || kind === undefined) throw expectedAt(tl, i, NUMBER_EXPECTED);
    const what = tl.tokens[i + 1]?.text.toLowerCase();
    if (what === 'remark') {
      const list = this.listFor(String(n), kind, true, tl, i);
      this.insertEntry(list, { seq: this.nextSeq(list), rule: null, remark: restOfLine(tl, i + 2) }, tl, i);
      return true;
    }
    if (what !== 'permit' && what !== 'deny') {
      throw expectedAt(tl, i + 1, '"permit", "deny" or "remark"',
        what === 'dynamic' ? '"dynamic" (lock-and-key) is not supported by portcullis' : undefined);
    }
    const { rule } = parseRule(tl, i + 1, kind);
    const list = this.listFor(String(n), kind, true, tl, i);
    this.insertEntry(list, { seq: this.nextSeq(list), rule, remark: null }, tl, i);
    return true;
  }

  /** `[no] ip access-list standard|extended NAME`, `ip access-list resequence NAME START STEP`. */
  private ipAccessList(tl: TokenLine, i: number, no: boolean): boolean {
    const sub = tl.tokens[i]?.text.toLowerCase();
    if (sub === 'standard' || sub === 'extended') {
      const name = tl.tokens[i + 1]?.text;
      if (name === undefined) throw expectedAt(tl, i + 1, 'an access list name or number');
      let numbered = false;
      if (/^[0-9]+$/.test(name)) {
        const n = parseDecimal(name, 1, 2699);
        if (n === undefined || kindOfNumber(n) !== sub) {
          throw expectedAt(tl, i + 1, sub === 'standard' ? 'a name or a standard list number (1-99, 1300-1999)'
            : 'a name or an extended list number (100-199, 2000-2699)');
        }
        numbered = true;
      }
      if (tl.tokens.length > i + 2) throw expectedAt(tl, i + 2, 'end of line');
      if (no) {
        if (this.lists.get(name)?.kind === sub) this.lists.delete(name);
        return true;
      }
      this.block = this.listFor(numbered ? String(Number(name)) : name, sub, numbered, tl, i + 1);
      return true;
    }
    if (sub === 'resequence' && !no) {
      const name = tl.tokens[i + 1]?.text;
      const list = name === undefined ? undefined : this.lists.get(name);
      if (list === undefined || list.kind === 'ipv6') throw expectedAt(tl, i + 1, 'the name or number of a defined IP access list');
      const start = parseDecimal(tl.tokens[i + 2]?.text ?? '', 1, ACL_SEQ_MAX);
      if (start === undefined) throw expectedAt(tl, i + 2, 'a starting sequence number (1-2147483647)');
      const step = parseDecimal(tl.tokens[i + 3]?.text ?? '', 1, ACL_SEQ_MAX);
      if (step === undefined) throw expectedAt(tl, i + 3, 'a sequence step (1-2147483647)');
      if (tl.tokens.length > i + 4) throw expectedAt(tl, i + 4, 'end of line');
      const entries = this.ordered(list);
      const idx = this.seqIndex.get(list)!;
      idx.taken.clear();
      entries.forEach((e, k) => {
        e.seq = start + k * step;
        idx.taken.add(e.seq);
      });
      idx.max = entries.length === 0 ? 0 : entries[entries.length - 1]!.seq;
      return true;
    }
    if (sub === 'logging' || sub === 'log-update') {
      this.warn(tl, i, `"ip access-list ${sub}" is accepted but not implemented (logging is rate-limited to one line per flow and entry every 5 minutes)`);
      return true;
    }
    throw expectedAt(tl, i, no ? '"standard" or "extended"' : '"standard", "extended" or "resequence"');
  }

  /** `[no] ipv6 access-list NAME` */
  private ipv6AccessList(tl: TokenLine, i: number, no: boolean): boolean {
    const name = tl.tokens[i]?.text;
    if (name === undefined) throw expectedAt(tl, i, 'an IPv6 access list name');
    if (tl.tokens.length > i + 1) throw expectedAt(tl, i + 1, 'end of line');
    if (no) {
      if (this.lists.get(name)?.kind === 'ipv6') this.lists.delete(name);
      return true;
    }
    this.block = this.listFor(name, 'ipv6', false, tl, i);
    return true;
  }

  subLine(tl: TokenLine): boolean {
    const list = this.block;
    if (list === null) return false;
    const t = tl.tokens;
    if (t.length === 0) return true;
    let w0 = t[0]!.text.toLowerCase();
    if (w0 === 'exit') {
      this.block = null;
      return true;
    }
    const seqMax = list.kind === 'ipv6' ? 4294967295 : ACL_SEQ_MAX;
    if (w0 === 'no') {
      const n = parseDecimal(t[1]?.text ?? '', 1, seqMax);
      if (n !== undefined) {
        if (!this.removeEntry(list, (e) => e.seq === n)) this.warn(tl, 1, `access list ${clip(list.name)} has no entry with sequence number ${n}`);
        return true;
      }
      const w1 = t[1]?.text.toLowerCase();
      if (w1 === 'sequence' && list.kind === 'ipv6') {
        const s = parseDecimal(t[2]?.text ?? '', 1, seqMax);
        if (s === undefined) throw expectedAt(tl, 2, 'a sequence number (1-4294967295)');
        if (!this.removeEntry(list, (e) => e.seq === s)) this.warn(tl, 2, `access list ${clip(list.name)} has no entry with sequence number ${s}`);
        return true;
      }
      if (w1 === 'permit' || w1 === 'deny') {
        const { rule } = parseRule(tl, 1, list.kind);
        if (!this.removeEntry(list, (e) => e.rule !== null && rulesEqual(e.rule, rule))) this.warn(tl, 1, `access list ${clip(list.name)} has no such entry`);
        return true;
      }
      // Not a sub-command (e.g. `no ip access-list …`): the block ends here.
      this.block = null;
      return false;
    }
    let i = 0;
    let seq = -1;
    if (w0 === 'sequence' && list.kind === 'ipv6') {
      const n = parseDecimal(t[1]?.text ?? '', 1, seqMax);
      if (n === undefined) throw expectedAt(tl, 1, 'a sequence number (1-4294967295)');
      seq = n;
      i = 2;
    } else if (/^[0-9]+$/.test(w0)) {
      const n = parseDecimal(w0, 1, seqMax);
      if (n === undefined) throw expectedAt(tl, 0, `a sequence number (1-${seqMax})`);
      seq = n;
      i = 1;
    }
    const seqToken = i === 0 ? 0 : i - 1;
    w0 = t[i]?.text.toLowerCase() ?? '';
    if (w0 === 'remark') {
      this.insertEntry(list, { seq: seq >= 0 ? seq : this.nextSeq(list), rule: null, remark: restOfLine(tl, i + 1) }, tl, seqToken);
      return true;
    }
    if (w0 === 'permit' || w0 === 'deny') {
      const parsed = parseRule(tl, i, list.kind);
      if (parsed.seq >= 0) {
        if (seq >= 0) throw expectedAt(tl, t.findIndex((x, k) => k > i && x.text.toLowerCase() === 'sequence'), 'end of line', 'sequence number given twice');
        seq = parsed.seq;
      }
      this.insertEntry(list, { seq: seq >= 0 ? seq : this.nextSeq(list), rule: parsed.rule, remark: null }, tl, seqToken);
      return true;
    }
    if (i > 0 || w0 === 'evaluate' || w0 === 'dynamic') {
      throw expectedAt(tl, i, '"permit", "deny" or "remark"',
        w0 === 'evaluate' || w0 === 'dynamic' ? `"${w0}" is not supported by portcullis` : undefined);
    }
    this.block = null;
    return false;
  }

  inBlock(): boolean {
    return this.block !== null;
  }

  finish(warnings: ConfigWarning[]): AclSet {
    this.block = null;
    warnings.push(...this.warnings);
    this.warnings.length = 0;
    const copy = new Map<string, AclList>();
    for (const [name, l] of this.lists) {
      copy.set(name, { name: l.name, kind: l.kind, numbered: l.numbered, entries: this.ordered(l).map((e) => ({ ...e })) });
    }
    return new AclSetImpl(copy);
  }
}

/** Creates the builder the config parser feeds ACL lines to (see {@link AclConfigBuilder}). */
export function createAclConfigBuilder(): AclConfigBuilder {
  return new Builder();
}
