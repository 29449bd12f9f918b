/**
 * The ACL config builder: numbered, named and IPv6 lists, sequence numbers, remarks, errors
 * with line/column/expected token, and the print → parse round trip (fast-check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createAclConfigBuilder } from '../../src/acl/index.js';
import { AclSetImpl, rulesEqual } from '../../src/acl/model.js';
import type { AclKind, AclList, AclRule } from '../../src/acl/model.js';
import { formatListConfig } from '../../src/acl/format.js';
import { tokenizeConfig } from '../../src/ios/tokens.js';
import type { ConfigWarning } from '../../src/ios/tokens.js';
import { ConfigError } from '../../src/errors.js';
import { ruleArb } from './arbitraries.js';

/** Feeds lines to a builder as the config parser does; returns the set and the lines it did not take. */
function build(text: string, warnings: ConfigWarning[] = []): { set: AclSetImpl; rest: string[] } {
  const b = createAclConfigBuilder();
  const rest: string[] = [];
  for (const tl of tokenizeConfig('t.cfg', text)) {
    if (tl.tokens.length === 0) continue;
    if (b.inBlock() && b.subLine(tl)) continue;
    if (!b.topLevel(tl)) rest.push(tl.raw);
  }
  return { set: b.finish(warnings) as AclSetImpl, rest };
}

function configError(text: string): ConfigError {
  try {
    build(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  }
  assert.fail(`no error for:\n${text}`);
}

test('numbered lists: kinds by number range, entries in order, seq numbers by tens', () => {
  const { set, rest } = build([
    'hostname r1',
    'access-list 101 permit tcp host 192.168.26.2 any eq telnet',
    'access-list 101 deny tcp any any',
    'access-list 10 permit 10.1.1.1 0.0.0.255',
    'access-list 1300 deny any',
    'access-list 2000 permit ip any any',
    'access-list 101 remark the end',
  ].join('\n'));
  assert.deepEqual(rest, ['hostname r1']);
  assert.deepEqual(set.names, ['101', '10', '1300', '2000']);
  assert.equal(set.kind('101'), 'extended');
  assert.equal(set.kind('10'), 'standard');
  assert.equal(set.kind('1300'), 'standard');
  assert.equal(set.kind('2000'), 'extended');
  const l101 = set.lists.get('101')!;
  assert.deepEqual(l101.entries.map((e) => e.seq), [10, 20, 30]);
  assert.equal(l101.entries[0]!.rule!.dstPortA, 23);
  assert.equal(l101.entries[2]!.remark, 'the end');
  // IOS clears the address bits the wildcard ignores.
  assert.deepEqual(set.lists.get('10')!.entries[0]!.rule!.srcAddr, [0x0a010100]);
});

test('named lists: explicit sequence numbers insert in order, "no N" deletes, resequence renumbers', () => {
  const { set, rest } = build([
    'ip access-list extended WEB',
    ' remark web servers',
    ' 30 permit tcp any host 10.0.0.1 eq www',
    ' 15 permit tcp any host 10.0.0.2 eq 443',
    ' 20 deny udp any any',
    ' no 30',
    ' permit icmp any any echo-reply',
    'interface GigabitEthernet0/0',
    'ip access-list resequence WEB 100 5',
  ].join('\n'));
  assert.deepEqual(rest, ['interface GigabitEthernet0/0']);
  const es = set.lists.get('WEB')!.entries;
  assert.deepEqual(es.map((e) => e.seq), [100, 105, 110, 115]);
  assert.deepEqual(es.map((e) => e.rule?.proto ?? e.remark), ['web servers', 6, 17, 1]);
  assert.equal(es[3]!.rule!.icmpType, 0);
});

test('named list entries sort by sequence number and "no permit …" removes the equal entry', () => {
  const { set } = build([
    'ip access-list standard ADMINS',
    ' 20 permit host 10.1.1.2',
    ' 5 permit 10.2.0.0 0.0.255.255',
    ' deny any log',
    ' no permit host 10.1.1.2',
    'exit',
  ].join('\n'));
  const es = set.lists.get('ADMINS')!.entries;
  assert.deepEqual(es.map((e) => e.seq), [5, 30]);
  assert.equal(es[1]!.rule!.log, 1);
});

test('IPv6 lists: prefixes, "sequence N" before or after the entry', () => {
  const { set } = build([
    'ipv6 access-list V6',
    ' permit tcp 2001:db8::/32 any eq www sequence 20',
    ' sequence 10 permit icmp any any nd-na',
    ' deny ipv6 any host 2001:DB8::1:0:5',
  ].join('\n'));
  const es = set.lists.get('V6')!.entries;
  assert.deepEqual(es.map((e) => e.seq), [10, 20, 30]);
  assert.deepEqual(es[1]!.rule!.srcAddr, [0x20010db8, 0, 0, 0]);
  assert.deepEqual(es[1]!.rule!.srcWild, [0, 0xffffffff, 0xffffffff, 0xffffffff]);
  assert.deepEqual(es[2]!.rule!.dstAddr, [0x20010db8, 0, 1, 5]);
  assert.equal(es[0]!.rule!.icmpType, 136);
});

test('"no access-list N" and "no ip access-list" delete lists', () => {
  const { set } = build([
    'access-list 101 permit ip any any',
    'access-list 102 permit ip any any',
    'no access-list 101',
    'ip access-list extended X',
    ' permit ip any any',
    'no ip access-list extended X',
  ].join('\n'));
  assert.deepEqual(set.names, ['102']);
});

test('malformed lines are config errors naming line, column and the expected token', () => {
  const cases: Array<[string, number, number, string]> = [
    ['access-list 101 permit tcp any any eq foo', 1, 39, 'a TCP port number or name'],
    ['access-list 100 permit tcp any', 1, 31, '"any", "host" or an IPv4 address'],
    ['access-list 300 permit ip any any', 1, 13, 'an IP access list number (1-199, 1300-2699)'],
    ['access-list 101 allow ip any any', 1, 17, '"permit", "deny" or "remark"'],
    ['access-list 101 permit tcp any any eq 80 fragments', 1, 42, 'end of line'],
    ['access-list 101 permit foo any any', 1, 24, 'a protocol name or number (0-255), or "ip"'],
    ['access-list 101 permit ip 10.0.0.1 any', 1, 36, 'wildcard bits'],
    ['access-list 101 permit tcp any any range 90 80', 1, 45, 'a port number not below 90'],
    ['access-list 101 permit ip any any precedence 5', 1, 35, 'end of line'],
    ['access-list 101 permit udp any any established', 1, 36, '"fragments", "log", "log-input" or end of line'],
    ['access-list 101 permit ip host 300.1.1.1 any', 1, 32, 'an IPv4 address'],
    ['!\nip access-list extended A\n 10 permit ip any any\n 10 deny ip any any', 4, 2, 'an unused sequence number'],
    ['ip access-list standard 150', 1, 25, 'a name or a standard list number (1-99, 1300-1999)'],
    ['ipv6 access-list V\n permit tcp 2001:db8::/129 any', 2, 13, '"any", "host" or an IPv6 prefix'],
    ['ip access-list standard FOO\nip access-list extended FOO', 2, 25, 'the name of an extended access list'],
  ];
  for (const [text, line, column, expected] of cases) {
    const e = configError(text);
    assert.deepEqual([e.line, e.column, e.expected], [line, column, expected], text);
    assert.equal(e.code, 'ERR_CONFIG_INVALID');
  }
  assert.match(configError('access-list 101 permit ip any any dscp ef').message, /not supported/);
});

test('accepted-but-unimplemented lines become warnings', () => {
  const warnings: ConfigWarning[] = [];
  build('ip access-list logging interval 10\nip access-list extended A\n no 40', warnings);
  assert.equal(warnings.length, 2);
  assert.deepEqual(warnings.map((w) => w.line), [1, 3]);
});

// ---- round trip ----

interface GenList { kind: AclKind; numbered: boolean; items: Array<AclRule | string> }

const remarkArb = fc.stringMatching(/^[a-z0-9][a-z0-9 .,-]{0,30}[a-z0-9]$/);

function listArb(kind: AclKind): fc.Arbitrary<GenList> {
  return fc.record({
    numbered: kind === 'ipv6' ? fc.constant(false) : fc.boolean(),
    items: fc.array(fc.oneof({ weight: 6, arbitrary: ruleArb(kind) }, { weight: 1, arbitrary: remarkArb }), { minLength: 1, maxLength: 12 }),
  }).map((g) => ({ kind, ...g }));
}

test('property: printed lists parse back to the same rules, and print the same again', () => {
  const setArb = fc.tuple(
    fc.array(fc.oneof(listArb('standard'), listArb('extended'), listArb('ipv6')), { minLength: 1, maxLength: 4 }),
    fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,12}$/), { minLength: 4, maxLength: 4 }),
    fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 48, maxLength: 48 }).map((a) => a.sort((x, y) => x - y)),
  );
  fc.assert(fc.property(setArb, ([gen, names, seqPool]) => {
    const lists = new Map<string, AclList>();
    gen.forEach((g, i) => {
      const name = g.numbered ? String((g.kind === 'standard' ? 1 : 100) + i) : names[i]!;
      const entries = g.items.map((it, k) => ({
        seq: g.numbered ? (k + 1) * 10 : seqPool[i * 12 + k]!,
        rule: typeof it === 'string' ? null : it,
        remark: typeof it === 'string' ? it : null,
      }));
      lists.set(name, { name, kind: g.kind, numbered: g.numbered, entries });
    });
    const text = [...lists.values()].flatMap((l) => formatListConfig(l)).join('\n');
    const { set, rest } = build(text);
    assert.deepEqual(rest, []);
    assert.deepEqual(set.names, [...lists.keys()]);
    for (const [name, want] of lists) {
      const got = set.lists.get(name)!;
      assert.equal(got.kind, want.kind);
      assert.equal(got.entries.length, want.entries.length, text);
      want.entries.forEach((w, k) => {
        const g = got.entries[k]!;
        assert.equal(g.seq, w.seq);
        assert.equal(g.remark, w.remark);
        if (w.rule !== null) assert.ok(g.rule !== null && rulesEqual(g.rule, w.rule), `${name} entry ${k}:\n${text}`);
      });
    }
    const again = [...set.lists.values()].flatMap((l) => formatListConfig(l)).join('\n');
    assert.equal(again, text);
  }), { numRuns: 1500 });
});
