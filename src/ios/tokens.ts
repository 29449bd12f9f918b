/**
 * IOS configuration text as tokens: the line-and-column view every configuration parser works
 * on (the running-config parser in `src/config`, the access-list grammar in `src/acl`), the
 * "expected X, found Y" error at a token, and the warning record. Pure and at the bottom of
 * the layers, so that both parsers can use it without importing each other.
 */
import { ConfigError } from '../errors.js';
import { echoToken, SECRET_SHOWN_AS } from './echo.js';

/** One whitespace-separated word of a config line, with its 1-based column. */
export interface Token {
  readonly text: string;
  readonly column: number;
}

/** One config line split into tokens; the unit every config parser works on. */
export interface TokenLine {
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** Number of leading blanks (sub-mode lines are indented in IOS output, but need not be). */
  readonly indent: number;
  readonly raw: string;
  readonly tokens: readonly Token[];
}

/** Splits a line into tokens. Tabs count as one column each, as editors report them. */
export function tokenizeLine(file: string, lineNo: number, raw: string): TokenLine {
  const tokens: Token[] = [];
  let i = 0;
  const n = raw.length;
  let indent = 0;
  while (indent < n && (raw[indent] === ' ' || raw[indent] === '\t')) indent++;
  while (i < n) {
    while (i < n && (raw[i] === ' ' || raw[i] === '\t' || raw[i] === '\r')) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && raw[i] !== ' ' && raw[i] !== '\t' && raw[i] !== '\r') i++;
    tokens.push({ text: raw.slice(start, i), column: start + 1 });
  }
  return { file, line: lineNo, indent, raw, tokens };
}

/** Splits a whole config text into token lines (blank lines kept, with no tokens). */
export function tokenizeConfig(file: string, text: string): TokenLine[] {
  const lines = text.split('\n');
  const out: TokenLine[] = [];
  for (let i = 0; i < lines.length; i++) out.push(tokenizeLine(file, i + 1, lines[i]!));
  return out;
}

/** Column just past the last character of the line (where a missing token would go). */
export function endColumn(tl: TokenLine): number {
  return tl.raw.replace(/[\s]+$/, '').length + 1;
}

/**
 * The error for "token `index` of this line is not what was expected". If the line has fewer
 * tokens, the error points at the end of the line and says `end of line`. The token is quoted as
 * `echoToken` shows it: a secret never, a long token cut.
 */
export function expectedAt(tl: TokenLine, index: number, expected: string, detail?: string): ConfigError {
  const tok = tl.tokens[index];
  if (tok === undefined) return new ConfigError(tl.file, tl.line, endColumn(tl), expected, 'end of line', detail);
  const shown = echoToken(tl, index);
  return new ConfigError(tl.file, tl.line, tok.column, expected, shown === SECRET_SHOWN_AS ? shown : `"${shown}"`, detail);
}

/** A line portcullis accepts but does not implement, or a suspicious but valid setting. */
export interface ConfigWarning {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /**
   * What the warning is about, for warnings a mode may leave unsaid: `no-default-route` (inbound
   * ACLs without a default route: replay places packets by reverse-path lookup; a live gateway
   * knows each packet's interface and does not print it).
   */
  readonly topic?: string;
}

/** Formats a warning as `file:line:col: warning: message`. */
export function formatWarning(w: ConfigWarning): string {
  return `${w.file}:${w.line}:${w.column}: warning: ${w.message}`;
}
