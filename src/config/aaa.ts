/**
 * The AAA room: `aaa new-model`, `aaa session-id`, the method lists of `aaa authentication
 * login`, `aaa authorization auth-proxy` and `aaa accounting auth-proxy`, and `aaa accounting
 * update [newinfo] [periodic MINUTES [jitter maximum SECONDS]]` (IOS: Interim-Update records
 * every MINUTES, 1-71582; `newinfo` and `jitter` are accepted and ignored with a warning —
 * portcullis has no new information to report mid-session and sends the interim records on
 * time). Method lists are kept as written (`group radius`, `local` …).
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import type { AaaConfig } from './types.js';
import type { ParseContext } from './context.js';
import { expectEnd, numberAt, wordAt } from './values.js';

/** Methods `aaa authentication login` accepts besides `group NAME`. */
const AAA_LOGIN_METHODS: ReadonlySet<string> = new Set(['local', 'local-case', 'none', 'enable', 'line', 'krb5']);
/** Methods `aaa authorization auth-proxy` accepts besides `group NAME`. */
const AAA_AUTHZ_METHODS: ReadonlySet<string> = new Set(['local', 'none', 'if-authenticated']);
/** Methods `aaa accounting auth-proxy` accepts besides `group NAME`. */
const AAA_ACCT_METHODS: ReadonlySet<string> = new Set();

/** `aaa …` lines and `no aaa new-model`. */
export class AaaSection {
  private newModel = false;
  private newModelSeen = false;
  private firstAaaLine: TokenLine | null = null;
  private readonly authenticationLogin = new Map<string, readonly string[]>();
  private readonly authorizationAuthProxy = new Map<string, readonly string[]>();
  private readonly accountingAuthProxy = new Map<string, readonly string[]>();
  private readonly accountingStopOnly = new Set<string>();
  private sessionId: string | undefined = undefined;
  private updatePeriodicMin: number | undefined = undefined;
  private readonly groupRefs: GroupReference[] = [];

  constructor(private readonly ctx: ParseContext) {}

  /** Every `group NAME` of a method list, where it is written (checked by the parser at the end). */
  groupReferences(): readonly GroupReference[] {
    return this.groupRefs;
  }

  /** Parses an `aaa` line; false for a form portcullis does not implement. */
  parse(tl: TokenLine): boolean {
    if (this.firstAaaLine === null) this.firstAaaLine = tl;
    const w1 = wordAt(tl, 1);
    const w2 = wordAt(tl, 2);
    if (w1 === 'new-model') {
      expectEnd(tl, 2);
      this.newModel = true;
      this.newModelSeen = true;
      return true;
    }
    if (w1 === 'session-id') {
      if (w2 !== 'common' && w2 !== 'unique') throw expectedAt(tl, 2, '"common" or "unique"');
      expectEnd(tl, 3);
      this.sessionId = w2;
      return true;
    }
    if (w1 === 'authentication' && w2 === 'login') {
      const [list, methods] = methodList(tl, 3, AAA_LOGIN_METHODS, this.groupRefs);
      this.authenticationLogin.set(list, methods);
      return true;
    }
    if (w1 === 'authorization' && w2 === 'auth-proxy') {
      const [list, methods] = methodList(tl, 3, AAA_AUTHZ_METHODS, this.groupRefs);
      this.authorizationAuthProxy.set(list, methods);
      return true;
    }
    if (w1 === 'accounting' && w2 === 'update') {
      this.parseAccountingUpdate(tl);
      return true;
    }
    if (w1 === 'accounting' && w2 === 'auth-proxy') {
      const list = tl.tokens[3]?.text;
      if (list === undefined) throw expectedAt(tl, 3, 'a method list name ("default" or a name)');
      const kind = wordAt(tl, 4);
      if (kind !== 'start-stop' && kind !== 'stop-only') throw expectedAt(tl, 4, '"start-stop"');
      if (kind === 'stop-only') this.accountingStopOnly.add(list);
      else this.accountingStopOnly.delete(list);
      this.accountingAuthProxy.set(list, methods(tl, 5, AAA_ACCT_METHODS, this.groupRefs));
      return true;
    }
    return false;
  }

  /** `aaa accounting update [newinfo] [periodic N [jitter maximum S]]`. */
  private parseAccountingUpdate(tl: TokenLine): void {
    let i = 3;
    let periodic: number | undefined;
    if (wordAt(tl, i) === 'newinfo') {
      this.ctx.warn(tl, i, '"newinfo" ignored: portcullis sends no update records but the periodic ones');
      i++;
    }
    if (wordAt(tl, i) === 'periodic') {
      periodic = numberAt(tl, i + 1, 1, 71582);
      i += 2;
      if (wordAt(tl, i) === 'jitter') {
        if (wordAt(tl, i + 1) !== 'maximum') throw expectedAt(tl, i + 1, '"maximum"');
        numberAt(tl, i + 2, 0, 2147483);
        this.ctx.warn(tl, i, '"jitter" ignored: Interim-Update records are sent on time');
        i += 3;
      }
    }
    if (i === 3) throw expectedAt(tl, 3, '"newinfo" or "periodic"');
    expectEnd(tl, i);
    this.updatePeriodicMin = periodic;
  }

  /** `no aaa new-model` (the caller has checked the first two words). */
  noNewModel(tl: TokenLine): void {
    expectEnd(tl, 3);
    this.newModel = false;
  }

  /** The AAA part of the Config; warns if `aaa` lines came without `aaa new-model`. */
  result(): AaaConfig {
    if (!this.newModelSeen && this.firstAaaLine !== null) {
      this.ctx.warn(this.firstAaaLine, 0, '"aaa" commands without "aaa new-model": IOS would reject them; portcullis applies them');
    }
    return {
      newModel: this.newModel,
      authenticationLogin: this.authenticationLogin,
      authorizationAuthProxy: this.authorizationAuthProxy,
      accountingAuthProxy: this.accountingAuthProxy,
      accountingStopOnly: this.accountingStopOnly,
      sessionId: this.sessionId,
      accountingUpdatePeriodicMin: this.updatePeriodicMin,
    };
  }
}

/** A `group NAME` method: the name, its line and token index. */
export interface GroupReference {
  readonly tl: TokenLine;
  readonly index: number;
  readonly name: string;
}

/** `LIST METHOD…` from token `i`. */
function methodList(tl: TokenLine, i: number, allowed: ReadonlySet<string>,
  refs: GroupReference[]): [string, readonly string[]] {
  const list = tl.tokens[i]?.text;
  if (list === undefined) throw expectedAt(tl, i, 'a method list name ("default" or a name)');
  return [list, methods(tl, i + 1, allowed, refs)];
}

/** One or more methods from token `i`: `group NAME` or a keyword from `allowed`; the groups go to `refs`. */
function methods(tl: TokenLine, i: number, allowed: ReadonlySet<string>, refs: GroupReference[]): readonly string[] {
  const expected = ['"group NAME"', ...[...allowed].map((m) => `"${m}"`)].join(', ');
  const out: string[] = [];
  if (i >= tl.tokens.length) throw expectedAt(tl, i, `a method (${expected})`);
  while (i < tl.tokens.length) {
    const w = wordAt(tl, i)!;
    if (w === 'group') {
      const g = tl.tokens[i + 1]?.text;
      if (g === undefined) throw expectedAt(tl, i + 1, 'a server group name ("radius", "tacacs+" or a name)');
      out.push(`group ${g}`);
      refs.push({ tl, index: i + 1, name: g });
      i += 2;
    } else if (allowed.has(w)) {
      out.push(w);
      i++;
    } else {
      throw expectedAt(tl, i, `a method (${expected})`);
    }
  }
  return out;
}
