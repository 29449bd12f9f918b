import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/parse.js';

/** Parses `text` (named `file`) expecting a ConfigError; returns it. */
export function parseError(text: string, file = 'bad.cfg'): ConfigError {
  try {
    parseConfig(text, file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected an error for:\n${text}`);
}
