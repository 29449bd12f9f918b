import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { readDelimitedText } from '../../src/config/banner.js';
import { tokenizeConfig } from '../../src/ios/tokens.js';

test('reads ^C-delimited text on one line', () => {
  const lines = tokenizeConfig('b', 'banner x ^Chello world^C after');
  assert.deepEqual(readDelimitedText(lines, 0, 2), { text: 'hello world', lastLine: 0, delimiter: '^C' });
});

test('reads text over several lines with a one-character delimiter', () => {
  const lines = tokenizeConfig('b', 'x\nbanner x %first\n\n  second % rest\nnext');
  assert.deepEqual(readDelimitedText(lines, 1, 2), { text: 'first\n\n  second ', lastLine: 3, delimiter: '%' });
});

test('a lone caret is an ordinary delimiter; CR before LF is not part of the text', () => {
  const lines = tokenizeConfig('b', 'banner x ^one\r\ntwo^\r\n');
  assert.deepEqual(readDelimitedText(lines, 0, 2), { text: 'one\ntwo', lastLine: 1, delimiter: '^' });
});

test('unclosed text is an error at the opening delimiter', () => {
  const lines = tokenizeConfig('b.cfg', 'hostname h\n  banner motd $ text\nmore');
  assert.throws(() => readDelimitedText(lines, 1, 2), (e: unknown) => e instanceof ConfigError
    && e.line === 2 && e.column === 15 && e.expected === 'the closing delimiter "$"' && e.found === 'end of file');
});
