/**
 * A full flow table makes room (src/flow/flow-table.ts `evictOne`, after conntrack's early
 * drop): a legitimate connection opened during a flood of random SYNs gets its reply through a
 * deny-all outside ACL. Before, a full table still forwarded the new flow's packets but did not
 * track them, so the reply was dropped by the outside ACL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { compileAcls } from '../../src/acl/index.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { Engine } from '../../src/engine/engine.js';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import { seededRng } from '../../src/io/rng.js';
import { LINKTYPE_RAW } from '../../src/wire/packet.js';
import { VERDICT_DROP, VERDICT_FORWARD } from '../../src/engine/verdict.js';
import { COUNTER_FLOW_EVICTED, COUNTER_NAMES } from '../../src/engine/counters.js';

const CONFIG = `hostname gw
interface Gi0/0
 ip address 10.1.0.1 255.255.0.0
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.0.0
 ip access-group 102 in
access-list 101 permit ip any any
access-list 102 deny ip any any
end
`;

function tcp(b: CaptureBuilder, src: string, dst: string, sport: number, dport: number, flags: string): Uint8Array {
  return b.tcp({ timeMs: 0, src, dst, sport, dport, flags, seq: 1000, ack: flags.includes('ACK') ? 1 : 0 }).packets().at(-1)!.bytes;
}

test('regression: during a SYN flood that fills the flow table, a new connection still gets its reply (flow-evicted counted)', () => {
  const config = parseConfig(CONFIG, 'evict.cfg');
  const engine = new Engine({ settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(5), replay: false,
    maxFlows: 256 });
  const b = new CaptureBuilder({ kind: 'raw' });
  let s = 0x5eed;
  const rand = (): number => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
  let now = 0;
  // 5,000 SYNs from spoofed inside sources to random outside ports, none answered.
  for (let i = 0; i < 5000; i++) {
    const src = `10.1.${1 + (rand() % 250)}.${1 + (rand() % 250)}`;
    const p = tcp(b, src, `10.2.5.${1 + (rand() % 250)}`, 1024 + (rand() % 60000), 1 + (rand() % 65535), 'SYN');
    assert.equal(engine.handle(p, 0, p.length, LINKTYPE_RAW, now), VERDICT_FORWARD);
    if (i % 10 === 0) now++;
  }
  assert.equal(engine.flows.count, 256, 'the flood filled the table');
  // A legitimate client connects; the server's SYN-ACK comes back through the deny-all ACL.
  const syn = tcp(b, '10.1.0.7', '10.2.0.80', 40000, 443, 'SYN');
  assert.equal(engine.handle(syn, 0, syn.length, LINKTYPE_RAW, now), VERDICT_FORWARD);
  const synAck = tcp(b, '10.2.0.80', '10.1.0.7', 443, 40000, 'SYN ACK');
  assert.equal(engine.handle(synAck, 0, synAck.length, LINKTYPE_RAW, now + 1), VERDICT_FORWARD, 'the reply passes');
  const ack = tcp(b, '10.1.0.7', '10.2.0.80', 40000, 443, 'ACK');
  assert.equal(engine.handle(ack, 0, ack.length, LINKTYPE_RAW, now + 2), VERDICT_FORWARD);
  assert.ok(engine.counters[COUNTER_FLOW_EVICTED]! >= 4745, `${engine.counters[COUNTER_FLOW_EVICTED]} evicted`);
  assert.equal(COUNTER_NAMES[COUNTER_FLOW_EVICTED], 'flow-evicted');
  // The flood goes on: the answered, established connection is not what makes room.
  for (let i = 0; i < 2000; i++) {
    const p = tcp(b, `10.1.9.${1 + (i % 250)}`, `10.2.1.${1 + (rand() % 250)}`, 2000 + i, 1 + (rand() % 65535), 'SYN');
    engine.handle(p, 0, p.length, LINKTYPE_RAW, now + 3);
  }
  const data = tcp(b, '10.2.0.80', '10.1.0.7', 443, 40000, 'PSH ACK');
  assert.equal(engine.handle(data, 0, data.length, LINKTYPE_RAW, now + 4), VERDICT_FORWARD, 'the established flow survived the flood');
  // An unsolicited packet from outside is still dropped.
  const stray = tcp(b, '10.2.0.99', '10.1.0.7', 443, 40001, 'SYN ACK');
  assert.equal(engine.handle(stray, 0, stray.length, LINKTYPE_RAW, now + 5), VERDICT_DROP);
});
