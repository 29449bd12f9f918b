/** The local user room: `username …` lines. */
import { expectedAt } from '../ios/tokens.js';
import type { TokenLine } from '../ios/tokens.js';
import type { LocalUser } from './types.js';
import { CONFIG_DEFAULTS } from './context.js';
import type { ParseContext } from './context.js';
import { expectEnd, numberAt, restOfLine, wordAt } from './values.js';

/** Local users in config order; a user configured again replaces the earlier line in place. */
export class UserSection {
  private readonly users: LocalUser[] = [];
  /** Index in `users` by name, so that a repeated name is found without a scan. */
  private readonly byName = new Map<string, number>();

  constructor(private readonly ctx: ParseContext) {}

  /** `username NAME [privilege P] (password [0|7] TEXT | secret [0|4|5|8|9] HASH | nopassword)` */
  parse(tl: TokenLine): void {
    const name = tl.tokens[1]?.text;
    if (name === undefined) throw expectedAt(tl, 1, 'a user name');
    let i = 2;
    let privilege: number = CONFIG_DEFAULTS.userPrivilege;
    if (wordAt(tl, i) === 'privilege') {
      privilege = numberAt(tl, i + 1, 0, 15);
      i += 2;
    }
    const kind = wordAt(tl, i);
    let credentialKind: LocalUser['credentialKind'];
    let encryptionType = 0;
    let credential = '';
    if (kind === 'nopassword') {
      expectEnd(tl, i + 1);
      credentialKind = 'none';
    } else if (kind === 'password' || kind === 'secret') {
      credentialKind = kind;
      i++;
      const t = tl.tokens[i]?.text;
      if (t === undefined) throw expectedAt(tl, i, `the ${kind}`);
      if (/^[0-9]$/.test(t) && tl.tokens.length > i + 1) {
        const allowed = kind === 'password' ? ['0', '7'] : ['0', '4', '5', '8', '9'];
        if (!allowed.includes(t)) throw expectedAt(tl, i, `an encryption type (${allowed.join(', ')})`);
        encryptionType = Number(t);
        i++;
      }
      if (kind === 'password') {
        // IOS keeps blanks inside clear-text passwords: the rest of the line is the password.
        credential = restOfLine(tl, i);
      } else {
        credential = tl.tokens[i]!.text;
        expectEnd(tl, i + 1);
      }
    } else {
      throw expectedAt(tl, i, privilege === CONFIG_DEFAULTS.userPrivilege && i === 2
        ? '"privilege", "password", "secret" or "nopassword"' : '"password", "secret" or "nopassword"');
    }
    const user: LocalUser = { name, privilege, credentialKind, encryptionType, credential, source: this.ctx.source(tl) };
    const k = this.byName.get(name);
    if (k !== undefined) {
      this.users[k] = user;
    } else {
      this.byName.set(name, this.users.length);
      this.users.push(user);
    }
  }

  result(): LocalUser[] {
    return this.users;
  }
}
