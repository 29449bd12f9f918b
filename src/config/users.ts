/**
 * The local user room: `username …` lines. Clear text (`password 0|7`, `secret 0`) is kept in a
 * {@link ClearText} holder that the local authenticator empties when it hashes it; type 7 is
 * decoded here; hashes (`secret 5|8|9`) are checked for their type's form; type 4 is refused.
 */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import { clip } from '../ios/echo.js';
import { parseIosSecret } from '../aaa/ios-hashes.js';
import { base32SecretProblem, TOTP_DEFAULTS, TOTP_PERIOD_RANGE } from '../aaa/totp.js';
import type { LocalUser, LocalUserTotp } from './types.js';
import { CONFIG_DEFAULTS } from './context.js';
import type { ParseContext, Reference } from './context.js';
import { ClearText, detachedCopy } from './clear-text.js';
import { decodeCiscoType7 } from './type7.js';
import { expectEnd, numberAt, restOfLine, wordAt } from './values.js';

/** Why `secret 4` is refused (see README "Local users"). */
const TYPE4_REFUSED = 'type 4 is one unsalted SHA-256 (Cisco CSCue95644) and is refused; '
  + 'give the password again as "secret 0 …" (hashed with scrypt at load) or as a type 8 or 9 secret';

/** A user while the config is read: credential lines and the attribute-list binding add up. */
interface MutableUser {
  name: string;
  privilege: number;
  credentialKind: LocalUser['credentialKind'];
  encryptionType: number;
  credential: string;
  clearText: ClearText | undefined;
  /** The line that gave the credential, or null when only a binding line named the user so far. */
  credentialLine: TokenLine | null;
  attributeList: Reference | undefined;
  otp: LocalUserTotp | undefined;
  firstLine: TokenLine;
}

/** Local users in config order. */
export class UserSection {
  private readonly users: MutableUser[] = [];
  /** Users by name, so that a repeated name is found without a scan. */
  private readonly byName = new Map<string, MutableUser>();

  constructor(private readonly ctx: ParseContext) {}

  /**
   * `username NAME [privilege P] (password [0|7] TEXT | secret [0|5|8|9] TEXT | nopassword)`,
   * `username NAME [privilege P] algorithm-type md5|sha256|scrypt secret TEXT`,
   * `username NAME aaa attribute list LIST`,
   * `username NAME otp totp [algorithm sha1|sha256|sha512] [digits 6|7|8] [period S] secret BASE32`.
   */
  parse(tl: TokenLine): void {
    const token = tl.tokens[1]?.text;
    if (token === undefined) throw expectedAt(tl, 1, 'a user name');
    // The name is kept for the life of the process; the line it is a slice of holds the password.
    const name = detachedCopy(token);
    if (wordAt(tl, 2) === 'aaa') return this.parseBinding(tl, name);
    if (wordAt(tl, 2) === 'otp') return this.parseOtp(tl, name);
    let i = 2;
    let privilege: number = CONFIG_DEFAULTS.userPrivilege;
    if (wordAt(tl, i) === 'privilege') {
      privilege = numberAt(tl, i + 1, 0, 15);
      i += 2;
    }
    let algorithm = false;
    if (wordAt(tl, i) === 'algorithm-type') {
      const a = wordAt(tl, i + 1);
      if (a !== 'md5' && a !== 'sha256' && a !== 'scrypt') throw expectedAt(tl, i + 1, '"md5", "sha256" or "scrypt"');
      if (wordAt(tl, i + 2) !== 'secret') throw expectedAt(tl, i + 2, '"secret"');
      algorithm = true;
      i += 2;
    }
    const kind = wordAt(tl, i);
    let credentialKind: LocalUser['credentialKind'];
    let encryptionType = 0;
    let credential = '';
    let clearText: ClearText | undefined;
    if (kind === 'nopassword') {
      expectEnd(tl, i + 1);
      credentialKind = 'none';
      this.ctx.warn(tl, i, `user "${clip(name)}" has no password: anyone giving this name logs in`);
    } else if (kind === 'password' || kind === 'secret') {
      credentialKind = kind;
      i++;
      const t = tl.tokens[i]?.text;
      if (t === undefined) throw expectedAt(tl, i, `the ${kind}`);
      if (!algorithm && /^[0-9]$/.test(t) && tl.tokens.length > i + 1) {
        const allowed = kind === 'password' ? ['0', '7'] : ['0', '5', '8', '9'];
        if (kind === 'secret' && t === '4') throw expectedAt(tl, i, `an encryption type (${allowed.join(', ')})`, TYPE4_REFUSED);
        if (!allowed.includes(t)) throw expectedAt(tl, i, `an encryption type (${allowed.join(', ')})`);
        encryptionType = Number(t);
        i++;
      }
      if (kind === 'password') {
        // IOS keeps blanks inside clear-text passwords: the rest of the line is the password.
        const text = restOfLine(tl, i);
        if (encryptionType === 7) {
          const clear = decodeCiscoType7(text);
          if (clear === undefined) throw expectedAt(tl, i, 'a type 7 encrypted password (hex digits after a two-digit offset)');
          clearText = new ClearText(clear);
        } else {
          clearText = new ClearText(text);
        }
      } else {
        const text = tl.tokens[i]!.text;
        expectEnd(tl, i + 1);
        if (encryptionType === 0) {
          clearText = new ClearText(text);
        } else {
          const parsed = parseIosSecret(encryptionType as 5 | 8 | 9, text);
          if (typeof parsed === 'string') throw expectedAt(tl, i, `a type ${encryptionType} secret`, parsed);
          credential = text;
        }
      }
    } else {
      throw expectedAt(tl, i, i === 2
        ? '"privilege", "password", "secret", "nopassword", "algorithm-type" or "aaa"'
        : '"password", "secret", "nopassword" or "algorithm-type"');
    }
    const user = this.user(name, tl);
    user.privilege = privilege;
    user.credentialKind = credentialKind;
    user.encryptionType = encryptionType;
    user.credential = credential;
    user.clearText = clearText;
    user.credentialLine = tl;
  }

  /** `username NAME aaa attribute list LIST`. */
  private parseBinding(tl: TokenLine, name: string): void {
    if (wordAt(tl, 3) !== 'attribute') throw expectedAt(tl, 3, '"attribute"');
    if (wordAt(tl, 4) !== 'list') throw expectedAt(tl, 4, '"list"');
    const list = tl.tokens[5]?.text;
    if (list === undefined) throw expectedAt(tl, 5, 'an attribute list name');
    expectEnd(tl, 6);
    this.user(name, tl).attributeList = { tl, index: 5, name: list };
  }

  /**
   * `username NAME otp totp [algorithm A] [digits D] [period S] secret BASE32`: the options in
   * any order, the secret last (so that an error at an option can quote it: everything after
   * `secret` shows as `<removed>`). A later line replaces the user's earlier one.
   */
  private parseOtp(tl: TokenLine, name: string): void {
    if (wordAt(tl, 3) !== 'totp') throw expectedAt(tl, 3, '"totp"');
    let algorithm: LocalUserTotp['algorithm'] = TOTP_DEFAULTS.algorithm;
    let digits = TOTP_DEFAULTS.digits;
    let periodSec = TOTP_DEFAULTS.periodSec;
    let i = 4;
    for (;;) {
      const w = wordAt(tl, i);
      if (w === 'algorithm') {
        const a = wordAt(tl, i + 1);
        if (a !== 'sha1' && a !== 'sha256' && a !== 'sha512') throw expectedAt(tl, i + 1, '"sha1", "sha256" or "sha512"');
        algorithm = a;
      } else if (w === 'digits') {
        digits = numberAt(tl, i + 1, 6, 8);
      } else if (w === 'period') {
        periodSec = numberAt(tl, i + 1, TOTP_PERIOD_RANGE[0], TOTP_PERIOD_RANGE[1]);
      } else if (w === 'secret') {
        break;
      } else {
        throw expectedAt(tl, i, '"algorithm", "digits", "period" or "secret"');
      }
      i += 2;
    }
    const token = tl.tokens[i + 1]?.text;
    if (token === undefined) throw expectedAt(tl, i + 1, 'a base32 secret');
    const problem = base32SecretProblem(token);
    if (problem !== undefined) throw expectedAt(tl, i + 1, 'a base32 secret', problem);
    expectEnd(tl, i + 2);
    this.user(name, tl).otp = {
      kind: 'totp', algorithm, digits, periodSec, secret: new ClearText(detachedCopy(token)), source: this.ctx.source(tl),
    };
  }

  /** The user `name`, made (without a credential yet) when it is new. */
  private user(name: string, tl: TokenLine): MutableUser {
    let u = this.byName.get(name);
    if (u === undefined) {
      u = {
        name, privilege: CONFIG_DEFAULTS.userPrivilege, credentialKind: 'none', encryptionType: 0, credential: '',
        clearText: undefined, credentialLine: null, attributeList: undefined, otp: undefined, firstLine: tl,
      };
      this.byName.set(name, u);
      this.users.push(u);
    }
    return u;
  }

  /**
   * The users, after checking that each names a defined attribute list (`hasList`) and has a
   * credential line: a user named only by a binding line would have no password at all.
   */
  result(hasList: (name: string) => boolean): LocalUser[] {
    return this.users.map((u) => {
      const ref = u.attributeList;
      if (ref !== undefined && !hasList(ref.name)) {
        throw expectedAt(ref.tl, ref.index, 'the name of a defined attribute list',
          `no "aaa attribute list ${clip(ref.name)}" block defines it`);
      }
      if (u.credentialLine === null) {
        throw expectedAt(u.firstLine, 1, 'a user with a password',
          `no "username ${clip(u.name)} password|secret|nopassword …" line gives one`);
      }
      return {
        name: u.name, privilege: u.privilege, credentialKind: u.credentialKind, encryptionType: u.encryptionType,
        credential: u.credential, clearText: u.clearText, attributeList: ref?.name, otp: u.otp,
        source: this.ctx.source(u.credentialLine),
      };
    });
  }
}
