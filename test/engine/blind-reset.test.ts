/**
 * Resets and invalid segments of tracked TCP flows: a RST is honoured only inside the tracked
 * window of its direction (RFC 5961 §3), and segments the tracker finds invalid are dropped
 * and counted (`drop-tcp-invalid`), memo or not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { compileAcls } from '../../src/acl/index.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { Engine, VERDICT_DROP, VERDICT_FORWARD } from '../../src/engine/engine.js';
import { COUNTER_DROP_TCP_INVALID, COUNTER_NAMES } from '../../src/engine/counters.js';
import { TCP_CT_CLOSED, TCP_CT_ESTABLISHED } from '../../src/flow/tcp-tracker.js';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import type { TcpPacket } from '../../captures/tools/builder.js';
import { seededRng } from '../../src/io/rng.js';
import { LINKTYPE_RAW } from '../../src/wire/packet.js';

const CONFIG = `hostname gw
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
end
`;

function makeEngine(replay: boolean, memos: boolean): Engine {
  const config = parseConfig(CONFIG, 'reset.cfg');
  return new Engine({
    settings: engineSettingsOf(config), acls: compileAcls(config.acls), rng: seededRng(5), replay,
    flowMemo: memos,
  });
}

const C = '10.1.0.5';
const S = '10.2.0.9';
/** Client sequence numbers start at 1000 (ISN), the server's at 50000 (ISN); windows 64240 unscaled. */
const fromClient = (p: Omit<TcpPacket, 'timeMs' | 'src' | 'dst' | 'sport' | 'dport'>): Uint8Array =>
  new CaptureBuilder({ kind: 'raw' }).tcp({ ...p, timeMs: 0, src: C, dst: S, sport: 40000, dport: 22 }).packets()[0]!.bytes;
const fromServer = (p: Omit<TcpPacket, 'timeMs' | 'src' | 'dst' | 'sport' | 'dport'>): Uint8Array =>
  new CaptureBuilder({ kind: 'raw' }).tcp({ ...p, timeMs: 0, src: S, dst: C, sport: 22, dport: 40000 }).packets()[0]!.bytes;
const handle = (e: Engine, b: Uint8Array, t: number): number => e.handle(b, 0, b.length, LINKTYPE_RAW, t);

/** Handshake and one segment of data each way: client next 1011, server next 50021. */
function open(e: Engine): void {
  assert.equal(handle(e, fromClient({ flags: 'SYN', seq: 1000 }), 1), VERDICT_FORWARD);
  assert.equal(handle(e, fromServer({ flags: 'SYN ACK', seq: 50000, ack: 1001 }), 2), VERDICT_FORWARD);
  assert.equal(handle(e, fromClient({ flags: 'ACK', seq: 1001, ack: 50001 }), 3), VERDICT_FORWARD);
  assert.equal(handle(e, fromClient({ flags: 'PSH ACK', seq: 1001, ack: 50001, payload: new Uint8Array(10) }), 4), VERDICT_FORWARD);
  assert.equal(handle(e, fromServer({ flags: 'PSH ACK', seq: 50001, ack: 1011, payload: new Uint8Array(20) }), 5), VERDICT_FORWARD);
}

/** Tracker state of the engine's one flow. */
function flowState(e: Engine): number {
  assert.equal(e.flows.count, 1);
  let state = -1;
  for (let s = 0; s < e.flows.capacity; s++) if (e.flows.isLive(s)) state = e.flows.stateOf(s);
  return state;
}

for (const memos of [false, true]) {
  const how = memos ? ' (flow memos on)' : ' (flow memos off)';

  test(`a spoofed RST far outside the window is dropped, counted drop-tcp-invalid, and leaves the flow open${how}`, () => {
    const e = makeEngine(false, memos);
    open(e);
    // From the "server", 2^31 away from its sequence space; then the same towards the server.
    assert.equal(handle(e, fromServer({ flags: 'RST', seq: (50021 + 0x80000000) >>> 0 }), 6), VERDICT_DROP);
    assert.equal(handle(e, fromClient({ flags: 'RST ACK', seq: 1011 + 200000, ack: 50021 }), 7), VERDICT_DROP);
    assert.equal(e.counters[COUNTER_DROP_TCP_INVALID], 2);
    assert.equal(COUNTER_NAMES[COUNTER_DROP_TCP_INVALID], 'drop-tcp-invalid');
    assert.equal(flowState(e), TCP_CT_ESTABLISHED);
    // The connection's later data still passes both ways.
    assert.equal(handle(e, fromClient({ flags: 'PSH ACK', seq: 1011, ack: 50021, payload: new Uint8Array(5) }), 8), VERDICT_FORWARD);
    assert.equal(handle(e, fromServer({ flags: 'PSH ACK', seq: 50021, ack: 1016, payload: new Uint8Array(5) }), 9), VERDICT_FORWARD);
    assert.equal(e.counters[COUNTER_DROP_TCP_INVALID], 2);
  });

  test(`an in-window RST closes the flow, and later data of it is dropped as invalid${how}`, () => {
    const e = makeEngine(false, memos);
    open(e);
    assert.equal(handle(e, fromServer({ flags: 'RST ACK', seq: 50021, ack: 1011 }), 6), VERDICT_FORWARD);
    assert.equal(flowState(e), TCP_CT_CLOSED);
    assert.equal(handle(e, fromClient({ flags: 'PSH ACK', seq: 1011, ack: 50021, payload: new Uint8Array(5) }), 7), VERDICT_DROP);
    assert.equal(e.counters[COUNTER_DROP_TCP_INVALID], 1);
    // Not the exact next sequence number, but inside the window: closes too.
    const f = makeEngine(false, memos);
    open(f);
    assert.equal(handle(f, fromClient({ flags: 'RST', seq: 1011 + 3000 }), 6), VERDICT_FORWARD);
    assert.equal(flowState(f), TCP_CT_CLOSED);
  });

  test(`a flow picked up mid-stream has its RST accepted${how}`, () => {
    // Replay picks flows up mid-stream: the first segments teach the window.
    const e = makeEngine(true, memos);
    assert.equal(handle(e, fromClient({ flags: 'PSH ACK', seq: 7000, ack: 90000, payload: new Uint8Array(10), window: 500 }), 1), VERDICT_FORWARD);
    assert.equal(handle(e, fromServer({ flags: 'ACK', seq: 90000, ack: 7010, window: 500 }), 2), VERDICT_FORWARD);
    // The server's RST 40,000 past its last segment: inside any window scaled by up to 2^14.
    assert.equal(handle(e, fromServer({ flags: 'RST', seq: 90000 + 40000 }), 3), VERDICT_FORWARD);
    assert.equal(flowState(e), TCP_CT_CLOSED);
    assert.equal(e.counters[COUNTER_DROP_TCP_INVALID], 0);
    // Only one side seen so far: the RST is accepted unchecked.
    const f = makeEngine(true, memos);
    assert.equal(handle(f, fromClient({ flags: 'ACK', seq: 7000, ack: 90000 }), 1), VERDICT_FORWARD);
    assert.equal(handle(f, fromServer({ flags: 'RST', seq: 12345 }), 2), VERDICT_FORWARD);
    assert.equal(flowState(f), TCP_CT_CLOSED);
  });

  test(`the answer to a SYN: a RST acknowledging it is accepted, a blind one is not${how}`, () => {
    const e = makeEngine(false, memos);
    assert.equal(handle(e, fromClient({ flags: 'SYN', seq: 1000 }), 1), VERDICT_FORWARD);
    assert.equal(handle(e, fromServer({ flags: 'RST ACK', seq: 0, ack: 5000 }), 2), VERDICT_DROP);
    assert.equal(handle(e, fromServer({ flags: 'RST', seq: 0 }), 3), VERDICT_DROP);
    assert.equal(e.counters[COUNTER_DROP_TCP_INVALID], 2);
    assert.equal(handle(e, fromServer({ flags: 'RST ACK', seq: 0, ack: 1001 }), 4), VERDICT_FORWARD);
    assert.equal(flowState(e), TCP_CT_CLOSED);
  });
}

test('a window scale from both SYNs widens the window a RST may fall in; one side offering it does not', () => {
  const run = (serverScale: number): number => {
    const e = makeEngine(false, false);
    handle(e, fromClient({ flags: 'SYN', seq: 1000, windowScale: 7 }), 1);
    handle(e, fromServer({ flags: 'SYN ACK', seq: 50000, ack: 1001, windowScale: serverScale }), 2);
    handle(e, fromClient({ flags: 'ACK', seq: 1001, ack: 50001, window: 1000 }), 3);
    // The client may advertise up to 65535 << 7 bytes: a RST to it 100,000 past the server's end
    // fits, but not without the scale (65,535).
    return handle(e, fromServer({ flags: 'RST', seq: 50001 + 100000 }), 4);
  };
  assert.equal(run(7), VERDICT_FORWARD);
  assert.equal(run(-1), VERDICT_DROP);
});
