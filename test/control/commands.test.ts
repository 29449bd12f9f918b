/**
 * The command parser: IOS's reading of exec commands (any case, unique abbreviations, aliases),
 * debug keywords one by one or comma-separated, addresses in either family, and the errors for
 * words that do not fit — including words that are property names of plain objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlCommand, splitCommandLine } from '../../src/control/commands.js';
import { ControlInputError } from '../../src/errors.js';
import { DEBUG_DETAILED, DEBUG_HTTP, DEBUG_KEYWORDS, DEBUG_OBJECT_CREATION } from '../../src/engine/debug.js';

const parse = (line: string): ReturnType<typeof parseControlCommand> => parseControlCommand(splitCommandLine(line));

test('keywords in any case and abbreviated; the command comes back in full words', () => {
  assert.deepEqual(parse('SH IP Auth-P CONF'), { kind: 'show-auth-proxy', text: 'show ip auth-proxy configuration', table: 'configuration' });
  assert.deepEqual(parse('show ip access-list 101'), { kind: 'show-access-lists', text: 'show ip access-lists 101', family: 'ip', name: '101' });
  assert.deepEqual(parse('show ipv6 access-lists Inside6'),
    { kind: 'show-access-lists', text: 'show ipv6 access-list Inside6', family: 'ipv6', name: 'Inside6' }, 'names keep their case');
  assert.deepEqual(parse('  no   debug ALL '), { kind: 'undebug-all', text: 'no debug all' });
  assert.deepEqual(parse('u a'), { kind: 'undebug-all', text: 'undebug all' });
});

test('debug keywords: by spaces or commas, all, repeated ones once', () => {
  assert.deepEqual(parse('debug ip auth-proxy detailed,object-creation http detailed'), {
    kind: 'debug', text: 'debug ip auth-proxy detailed object-creation http detailed',
    flags: DEBUG_DETAILED | DEBUG_OBJECT_CREATION | DEBUG_HTTP, keywords: ['detailed', 'object-creation', 'http'],
  });
  let all = 0;
  for (const f of DEBUG_KEYWORDS.values()) all |= f;
  const a = parse('debug ip auth-proxy all');
  assert.equal(a.kind === 'debug' && a.flags, all);
});

test('addresses: IPv4 and IPv6 (upper case in the command text), IPv4-mapped alike', () => {
  const c = parse('clear ip auth-proxy cache 2001:db8::a');
  assert.equal(c.text, 'clear ip auth-proxy cache 2001:DB8::A');
  assert.ok(c.kind === 'clear' && c.host !== null);
  const v4 = parse('clear ip auth-proxy watch-list 10.1.0.5');
  const mapped = parse('clear ip auth-proxy watch-list ::ffff:10.1.0.5');
  assert.ok(v4.kind === 'clear' && mapped.kind === 'clear');
  assert.deepEqual([...v4.host!], [...mapped.host!]);
  assert.equal(mapped.text, 'clear ip auth-proxy watch-list 10.1.0.5');
  const all = parse('clear ip auth-proxy cache *');
  assert.ok(all.kind === 'clear' && all.host === null);
});

test('words that are property names of plain objects are no keywords', () => {
  for (const line of ['show ip constructor cache', 'show ipv6 constructor', 'show ip __proto__ cache', 'show ipv6 toString',
    'debug ip auth-proxy constructor', 'undebug hasOwnProperty', 'constructor']) {
    assert.throws(() => parse(line), (e: unknown) => e instanceof ControlInputError && e.problem === 'invalid', line);
  }
});

test('errors: the word, what would do, what was there', () => {
  const cases: [string, string][] = [
    ['', ': incomplete command at word 1: expected show, clear, debug, undebug or no, found end of line'],
    ['shwo ip auth-proxy cache', 'shwo ip auth-proxy cache: invalid input at word 1: expected show, clear, debug, undebug or no, ' +
      'found "shwo" (did you mean "show"?)'],
    ['show ipv7 access-list', 'show ipv7 access-list: invalid input at word 2: expected ip, ipv6 or aaa, found "ipv7" (did you mean "ipv6"?)'],
    ['debug ip auth-proxy', 'debug ip auth-proxy: incomplete command at word 4: expected detailed, object-creation, object-deletion, ' +
      'http, ftp, telnet, timers, function-trace or all, found end of line'],
    ['undebug all now', 'undebug all now: invalid input at word 3: expected end of line, found "now"'],
    ['clear ip auth-proxy cache', 'clear ip auth-proxy cache: incomplete command at word 5: expected "*" or an IPv4 or IPv6 address, ' +
      'found end of line'],
    ['show ip access-lists 101 extra', 'show ip access-lists 101 extra: invalid input at word 5: expected end of line, found "extra"'],
  ];
  for (const [line, message] of cases) {
    assert.throws(() => parse(line), (e: unknown) => e instanceof ControlInputError && e.message === message, line);
  }
});
