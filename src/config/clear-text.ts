/**
 * A clear-text password from the config (`username … password 0|7 …`, `secret 0 …`), held
 * until the local authenticator hashes it (src/aaa/local.ts) and then forgotten: the parsed
 * {@link Config} must not keep a password for the life of the process. It never prints —
 * `String()`, JSON and `util.inspect` show `<removed>`, as messages show secrets.
 */
import { SECRET_SHOWN_AS } from '../ios/echo.js';

export class ClearText {
  #text: string | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /** The text, once: afterwards the holder is empty and this returns undefined. */
  take(): string | undefined {
    const t = this.#text;
    this.#text = undefined;
    return t;
  }

  /** True once {@link take} has been called. */
  get taken(): boolean {
    return this.#text === undefined;
  }

  toString(): string {
    return SECRET_SHOWN_AS;
  }

  toJSON(): string {
    return SECRET_SHOWN_AS;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ClearText ${SECRET_SHOWN_AS}`;
  }
}

/**
 * A copy of `text` that shares no memory with the string it came from. A token is a slice of
 * its line (V8 keeps a slice of 13 characters or more as a view into its parent string), so
 * keeping a user's name would keep the whole `username … password …` line, password included.
 */
export function detachedCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
