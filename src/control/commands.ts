/**
 * The operator's commands (`show`, `clear`, `debug`, `undebug`) parsed as IOS's exec mode does:
 * keywords in any case and abbreviated to any unique prefix (`sh ip auth ca`), one error per
 * line that does not parse, naming the word it stopped at and what would have done there, with
 * "did you mean" for a typing slip. One parser for the control socket's server (which trusts
 * nothing a client sends) and for the CLI (which checks a command before it looks for a
 * gateway, and answers the offline `show … --config FILE`).
 */
import { ControlInputError } from '../errors.js';
import { DEBUG_KEYWORDS } from '../engine/debug.js';
import { editDistance } from '../config/vocabulary.js';
import { formatIpIos, parseIp } from '../wire/addr.js';

/** The auth-proxy tables `show ip auth-proxy` prints. */
export type AuthProxyShowTable = 'cache' | 'configuration' | 'statistics' | 'watch-list';

/** A parsed command. `text` is the command in full words (abbreviations expanded). */
export type ControlCommand =
  | { readonly kind: 'show-auth-proxy'; readonly text: string; readonly table: AuthProxyShowTable }
  | { readonly kind: 'show-access-lists'; readonly text: string; readonly family: 'ip' | 'ipv6'; readonly name: string | undefined }
  | { readonly kind: 'show-aaa-servers'; readonly text: string }
  | {
    readonly kind: 'clear'; readonly text: string; readonly table: 'cache' | 'watch-list';
    /** The host (four words, IPv4-mapped for IPv4), or null for `*`. */
    readonly host: Uint32Array | null;
  }
  | { readonly kind: 'debug'; readonly text: string; readonly flags: number; readonly keywords: readonly string[] }
  | { readonly kind: 'undebug-all'; readonly text: string };

/** Every `debug ip auth-proxy` keyword, `all` last (all of them at once, as replay's `--debug all`). */
export const DEBUG_KEYWORD_CHOICES: readonly string[] = [...DEBUG_KEYWORDS.keys(), 'all'];

/** Lists choices as prose: `a, b or c`. */
function orList(choices: readonly string[]): string {
  return choices.length === 1 ? choices[0]! : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

/** The choice a slip of `word` most likely meant (1 edit up to 4 letters, 2 beyond), or undefined. */
function meantChoice(word: string, choices: readonly string[]): string | undefined {
  const limit = word.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of choices) {
    const d = editDistance(word, c, limit);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Reads words left to right, failing as IOS does at the first one that does not fit. */
class WordReader {
  private i = 0;
  private readonly full: string[] = [];

  constructor(private readonly words: readonly string[]) {}

  /** The command as typed, for messages. */
  private get typed(): string {
    return this.words.join(' ');
  }

  /** The words read so far in full form. */
  get text(): string {
    return this.full.join(' ');
  }

  /** True when every word has been read. */
  get atEnd(): boolean {
    return this.i >= this.words.length;
  }

  /** The next word, unread, or undefined at the end. */
  peek(): string | undefined {
    return this.words[this.i];
  }

  /**
   * Reads a keyword among `choices`: an exact match (any case), else the one choice it is a
   * prefix of. `aliases` maps further accepted spellings to their choice.
   */
  keyword<T extends string>(choices: readonly T[], aliases: Readonly<Record<string, T>> = {}): T {
    const word = this.words[this.i];
    if (word === undefined) throw this.error('incomplete', orList(choices));
    const w = word.toLowerCase();
    // Own properties only: a word such as `constructor` is no alias.
    let pick: T | undefined = choices.find((c) => c === w) ?? (Object.hasOwn(aliases, w) ? aliases[w] : undefined);
    if (pick === undefined) {
      const prefixed = choices.filter((c) => c.startsWith(w));
      if (prefixed.length > 1) throw this.error('ambiguous', orList(choices), `"${word}" could be ${orList(prefixed)}`);
      pick = prefixed[0];
    }
    if (pick === undefined) {
      const meant = meantChoice(w, choices);
      throw this.error('invalid', orList(choices), meant === undefined ? undefined : `did you mean "${meant}"?`);
    }
    this.i++;
    this.full.push(pick);
    return pick;
  }

  /** Reads any word (a name), taken as typed. */
  name(): string {
    const word = this.words[this.i++]!;
    this.full.push(word);
    return word;
  }

  /** Reads `*` or an IPv4 or IPv6 address (returned as four words, IPv4-mapped for IPv4). */
  hostOrAll(): Uint32Array | null {
    const what = '"*" or an IPv4 or IPv6 address';
    const word = this.words[this.i];
    if (word === undefined) throw this.error('incomplete', what);
    if (word === '*') {
      this.i++;
      this.full.push('*');
      return null;
    }
    const host = parseIp(word);
    if (host === undefined) throw this.error('invalid', what);
    this.i++;
    this.full.push(formatIpIos(host));
    return host;
  }

  /** Fails unless every word has been read; `hint` explains likely causes of extra words. */
  end(hint?: string): void {
    if (!this.atEnd) throw this.error('invalid', 'end of line', hint);
  }

  /** The error at the current word. */
  error(problem: 'invalid' | 'incomplete' | 'ambiguous', expected: string, detail?: string): ControlInputError {
    const word = this.words[this.i];
    return new ControlInputError(this.typed, this.i + 1, problem, expected, word === undefined ? 'end of line' : `"${word}"`, detail);
  }
}

/**
 * Parses one command from its words (as the shell split them, or as a client sent them split at
 * white space). Throws {@link ControlInputError}.
 */
export function parseControlCommand(words: readonly string[]): ControlCommand {
  const r = new WordReader(words);
  const verb = r.keyword(['show', 'clear', 'debug', 'undebug', 'no']);
  switch (verb) {
    case 'show': {
      const family = r.keyword(['ip', 'ipv6', 'aaa']);
      if (family === 'aaa') {
        r.keyword(['servers']);
        r.end();
        return { kind: 'show-aaa-servers', text: r.text };
      }
      if (family === 'ipv6') {
        r.keyword(['access-list'], { 'access-lists': 'access-list' });
        const name = r.atEnd ? undefined : r.name();
        r.end();
        return { kind: 'show-access-lists', text: r.text, family, name };
      }
      const what = r.keyword(['access-lists', 'auth-proxy']);
      if (what === 'access-lists') {
        const name = r.atEnd ? undefined : r.name();
        r.end();
        return { kind: 'show-access-lists', text: r.text, family, name };
      }
      const table = r.keyword(['cache', 'configuration', 'statistics', 'watch-list'] as const);
      r.end();
      return { kind: 'show-auth-proxy', text: r.text, table };
    }
    case 'clear': {
      r.keyword(['ip']);
      r.keyword(['auth-proxy']);
      const table = r.keyword(['cache', 'watch-list'] as const);
      const host = r.hostOrAll();
      r.end(host === null ? 'quote the * (\'*\'): a shell expands it to file names' : undefined);
      return { kind: 'clear', text: r.text, table, host };
    }
    case 'debug': {
      r.keyword(['ip']);
      r.keyword(['auth-proxy']);
      // Keywords one by one or comma-separated (`detailed object-creation`, `detailed,http`).
      const split: string[] = [];
      for (let i = 3; i < words.length; i++) for (const k of words[i]!.split(',')) if (k !== '') split.push(k);
      const kr = new WordReader([...words.slice(0, 3), ...split]);
      kr.keyword(['debug']);
      kr.keyword(['ip']);
      kr.keyword(['auth-proxy']);
      const keywords: string[] = [];
      let flags = 0;
      do {
        const k = kr.keyword(DEBUG_KEYWORD_CHOICES);
        if (k === 'all') for (const f of DEBUG_KEYWORDS.values()) flags |= f;
        else flags |= DEBUG_KEYWORDS.get(k)!;
        if (!keywords.includes(k)) keywords.push(k);
      } while (!kr.atEnd);
      return { kind: 'debug', text: kr.text, flags, keywords };
    }
    case 'undebug':
      r.keyword(['all']);
      r.end();
      return { kind: 'undebug-all', text: r.text };
    case 'no':
      r.keyword(['debug']);
      r.keyword(['all']);
      r.end();
      return { kind: 'undebug-all', text: r.text };
  }
  throw r.error('invalid', 'show, clear, debug, undebug or no');
}

/** Splits a command line at white space (the control socket's requests carry the line). */
export function splitCommandLine(line: string): string[] {
  return line.split(/[ \t]+/).filter((w) => w.length > 0);
}
