/**
 * Property: the compiled classifier (tuple space, per-host dynamic table) decides every packet
 * exactly as a naive first-match walk over the parsed rules does, and counts the same entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileAcls, ACL_DENY } from '../../src/acl/index.js';
import { AclSetImpl } from '../../src/acl/model.js';
import type { AclKind, AclList, AclRule } from '../../src/acl/model.js';
import { formatRule } from '../../src/acl/format.js';
import { PacketMeta } from '../../src/wire/packet.js';
import { firstMatchNaive } from './reference.js';
import { fillMeta, hostWords, packetArb, ruleArb, v4Addr, v6Addr } from './arbitraries.js';

const RUNS = 20_000;
const MIN_PACKETS = 5;

function setOf(kind: AclKind, rules: readonly AclRule[]): AclSetImpl {
  const list: AclList = { name: 'L', kind, numbered: false, entries: rules.map((rule, i) => ({ seq: (i + 1) * 10, rule, remark: null })) };
  return new AclSetImpl(new Map([['L', list]]));
}

/** An ACL, the dynamic entries of a few hosts (source `any`), and packets to classify. */
function caseArb(kind: AclKind) {
  const family: 4 | 6 = kind === 'ipv6' ? 6 : 4;
  const extended: AclKind = kind === 'ipv6' ? 'ipv6' : 'extended';
  const anySrc = (r: AclRule): AclRule => ({ ...r, srcAddr: r.srcAddr.map(() => 0), srcWild: r.srcWild.map(() => 0xffffffff) });
  const host = family === 4 ? v4Addr.map((a) => [a]) : v6Addr;
  return fc.record({
    rules: fc.array(ruleArb(kind), { minLength: 0, maxLength: 24 }),
    dyn: fc.array(fc.tuple(host, fc.array(ruleArb(extended).map(anySrc), { minLength: 0, maxLength: 4 })), { maxLength: 3 }),
  }).chain(({ rules, dyn }) => fc.record({
    rules: fc.constant(rules),
    dyn: fc.constant(dyn),
    packets: fc.array(fc.tuple(packetArb(family, dyn.map((d) => d[0])), fc.boolean()), { minLength: MIN_PACKETS, maxLength: 10 }),
  }));
}

function checkKind(kind: AclKind, runs: number): number {
  const meta = new PacketMeta();
  let classified = 0;
  fc.assert(fc.property(caseArb(kind), ({ rules, dyn, packets }) => {
    const rt = compileAcls(setOf(kind, rules));
    const idx = rt.listIndex('L');
    // Later installs for the same host replace earlier ones, as in the runtime.
    const hostRules = new Map<string, AclRule[]>();
    for (const [addr, drules] of dyn) {
      const words = hostWords(addr);
      const r = rt.installDynamic(idx, words, drules.map((d, i) => ({ n: i + 1, text: formatRule(d, false) })));
      assert.deepEqual(r, { ok: true });
      const withHost = drules.map((d) => ({ ...d, srcAddr: [...addr], srcWild: addr.map(() => 0) }));
      if (withHost.length === 0) hostRules.delete(addr.join(','));
      else hostRules.set(addr.join(','), withHost);
    }
    assert.equal(rt.dynamicHostCount(idx), hostRules.size);
    const staticCounts = new Array<number>(rules.length).fill(0);
    const dynCounts = new Map<string, number[]>();
    for (const [p, withDynamic] of packets) {
      fillMeta(meta, p);
      let want = ACL_DENY;
      let decided = false;
      const hr = withDynamic ? hostRules.get(p.src.join(',')) : undefined;
      if (hr !== undefined) {
        const d = firstMatchNaive(hr, meta);
        if (d >= 0) {
          want = hr[d]!.action;
          decided = true;
          const c = dynCounts.get(p.src.join(',')) ?? new Array<number>(hr.length).fill(0);
          c[d]!++;
          dynCounts.set(p.src.join(','), c);
        }
      }
      if (!decided) {
        const s = firstMatchNaive(rules, meta);
        if (s >= 0) { want = rules[s]!.action; staticCounts[s]!++; }
      }
      assert.equal(rt.classify(idx, meta, withDynamic, 0), want);
      classified++;
    }
    for (let e = 0; e < rules.length; e++) assert.equal(rt.staticMatchCount(idx, e), staticCounts[e], `entry ${e} counter`);
    for (const [k, c] of dynCounts) {
      const words = hostWords(k.split(',').map(Number));
      c.forEach((n, e) => assert.equal(rt.dynamicMatchCount(idx, words, e), n, `dynamic entry ${e} of ${k}`));
    }
  }), { numRuns: runs });
  return classified;
}

test('compiled IPv4 extended lists with dynamic entries agree with first-match evaluation', () => {
  const n = checkKind('extended', RUNS);
  assert.ok(n >= 100_000, `only ${n} classifications`);
});

test('compiled IPv4 standard lists agree with first-match evaluation', () => {
  checkKind('standard', 6_000);
});

test('compiled IPv6 lists with dynamic entries agree with first-match evaluation', () => {
  checkKind('ipv6', 8_000);
});
