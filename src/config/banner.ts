/**
 * Delimited banner text, IOS style: the first character after the command words is the
 * delimiter, the text runs (possibly over several lines) up to its next occurrence, and
 * anything after the closing delimiter on that line is ignored. `show running-config` prints the
 * usual delimiter, Ctrl-C, as the two characters `^C`, so a banner that starts with `^C` is
 * delimited by that two-character sequence.
 */
import { ConfigError } from '../errors.js';
import type { TokenLine } from '../ios/tokens.js';

/** The printed form of Ctrl-C, the delimiter IOS itself writes. */
export const BANNER_DELIMITER_CTRL_C = '^C';

/** A banner read from one or more lines. */
export interface DelimitedText {
  /** The text between the delimiters, lines joined with `\n`. */
  readonly text: string;
  /** Index (into the line array) of the line holding the closing delimiter. */
  readonly lastLine: number;
  readonly delimiter: string;
}

/**
 * Reads delimited text that starts at token `tokenIndex` of `lines[lineIndex]`. Throws a
 * ConfigError at the opening delimiter if the text is never closed.
 */
export function readDelimitedText(lines: readonly TokenLine[], lineIndex: number, tokenIndex: number): DelimitedText {
  const first = lines[lineIndex]!;
  const tok = first.tokens[tokenIndex]!;
  const start = tok.column - 1;
  const delimiter = first.raw.startsWith(BANNER_DELIMITER_CTRL_C, start) ? BANNER_DELIMITER_CTRL_C : first.raw[start]!;
  const parts: string[] = [];
  let from = start + delimiter.length;
  for (let i = lineIndex; i < lines.length; i++) {
    const raw = lines[i]!.raw.replace(/\r$/, '');
    const end = raw.indexOf(delimiter, from);
    if (end >= 0) {
      parts.push(raw.slice(from, end));
      return { text: parts.join('\n'), lastLine: i, delimiter };
    }
    parts.push(raw.slice(from));
    from = 0;
  }
  throw new ConfigError(first.file, first.line, tok.column, `the closing delimiter "${delimiter}"`, 'end of file',
    'banner text is not closed');
}
