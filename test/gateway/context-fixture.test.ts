/**
 * The shared context fixture and the debug-line fan-out: lines of a handled packet reach every
 * subscriber without their newline, and an unsubscribed listener gets no more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import { DEBUG_DETAILED } from '../../src/engine/debug.js';
import { VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { makeContextFixture } from './context-fixture.js';

const syn = new CaptureBuilder({ kind: 'raw' })
  .tcp({ timeMs: 0, src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 100 }).packets()[0]!.bytes;

test('debug lines fan out to each subscriber, stamped with the wall clock of engine time', () => {
  const f = makeContextFixture({ debugFlags: DEBUG_DETAILED });
  const a: string[] = [];
  const b: string[] = [];
  const offA = f.ctx.debugLines.subscribe((l) => a.push(l));
  f.ctx.debugLines.subscribe((l) => b.push(l));
  f.clock.nowMs = 534;
  assert.equal(f.handle(syn), VERDICT_INTERCEPT);
  assert.deepEqual(a, [
    '*Mar 1 21:18:18.534: AUTH-PROXY:proto_flag=1, dstport_index=4',
    '*Mar 1 21:18:18.534: SYN SEQ 100 LEN 0',
    '*Mar 1 21:18:18.534: dst_addr 10.2.0.9 src_addr 10.1.0.5 dst_port 80 src_port 4001',
    '*Mar 1 21:18:18.534: AUTH-PROXY:auth_proxy_half_open_count++ 1',
  ]);
  assert.deepEqual(b, a);
  assert.equal(f.drainTx(), 1, 'the SYN-ACK');
  offA();
  offA();
  assert.equal(f.debugLines.subscriberCount, 1);
  f.handle(syn);
  assert.equal(a.length, 4, 'no lines after unsubscribing');
  assert.ok(b.length > 4);
});
