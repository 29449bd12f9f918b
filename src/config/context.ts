/**
 * What the rooms of the running-config parser share: the token lines of the text, the index of
 * the line being parsed (a room that reads a multi-line banner moves it on), the warnings, and
 * the defaults IOS uses for settings that are not configured. Each room (`interfaces.ts`,
 * `auth-proxy.ts`, `aaa.ts`, `servers.ts`, `http.ts`, `users.ts`, `routes.ts`) parses the
 * commands of one configuration section into its own state and builds its part of the
 * {@link Config}; `parse.ts` routes lines to them.
 */
import { tokenizeConfig } from '../ios/tokens.js';
import type { ConfigWarning, TokenLine } from '../ios/tokens.js';
import type { SourceRef } from './types.js';

/** Defaults IOS (and portcullis, for its extensions) use when a setting is not configured. */
export const CONFIG_DEFAULTS = {
  hostname: 'Router',
  authCacheTimeMin: 60,
  absoluteTimeMin: 0,
  maxNodataConns: 3,
  maxLoginAttempts: 5,
  watchListExpiryMin: 30,
  halfOpenLimit: 1024,
  httpPort: 80,
  httpSecurePort: 443,
  radiusAuthPort: 1645,
  radiusAcctPort: 1646,
  /** A `radius server NAME` block's `address` without ports: IOS uses the RFC 2865/2866 ports there. */
  radiusNamedAuthPort: 1812,
  radiusNamedAcctPort: 1813,
  radiusRetransmit: 3,
  radiusTimeoutSec: 5,
  tacacsPort: 49,
  tacacsTimeoutSec: 5,
  userPrivilege: 1,
} as const;

/** Largest value IOS accepts for its 32-bit signed minute and count settings. */
export const INT32_MAX = 2147483647;

/** Where a name was referenced, for the cross-checks after parsing. */
export interface Reference {
  readonly tl: TokenLine;
  /** Token index of the name. */
  readonly index: number;
  readonly name: string;
}

/** The state every room of one parse shares. */
export class ParseContext {
  readonly lines: readonly TokenLine[];
  readonly warnings: ConfigWarning[] = [];
  /** Index in `lines` of the line being parsed. */
  index = 0;

  constructor(readonly file: string, text: string) {
    this.lines = tokenizeConfig(file, text);
  }

  /** Records a warning at token `tokenIndex` of `tl` (column 1 if the line has no such token). */
  warn(tl: TokenLine, tokenIndex: number, message: string, topic?: string): void {
    const column = tl.tokens[tokenIndex]?.column ?? 1;
    this.warnings.push(topic === undefined ? { file: tl.file, line: tl.line, column, message } : { file: tl.file, line: tl.line, column, message, topic });
  }

  /** The file and line of `tl`, for a setting's `source`. */
  source(tl: TokenLine): SourceRef {
    return { file: tl.file, line: tl.line };
  }
}
