import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  TCP_CT_CLOSE_WAIT, TCP_CT_CLOSED, TCP_CT_ESTABLISHED, TCP_CT_FIN_WAIT, TCP_CT_INVALID,
  TCP_CT_LAST_ACK, TCP_CT_NAMES, TCP_CT_NONE, TCP_CT_STATE_COUNT, TCP_CT_SYN_RECEIVED,
  TCP_CT_SYN_SENT, TCP_CT_TIME_WAIT, TCP_SEG_ACK, TCP_SEG_BAD, TCP_SEG_FIN, TCP_SEG_NAMES,
  TCP_SEG_RST, TCP_SEG_SYN, TCP_SEG_SYN_ACK, classifyTcpSegment, isTcpStateClosed, nextTcpState,
} from '../../src/flow/tcp-tracker.js';
import {
  TCP_FLAG_ACK, TCP_FLAG_CWR, TCP_FLAG_ECE, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_RST,
  TCP_FLAG_SYN, TCP_FLAG_URG,
} from '../../src/wire/packet.js';

const SYN = TCP_FLAG_SYN;
const SYNACK = TCP_FLAG_SYN | TCP_FLAG_ACK;
const ACK = TCP_FLAG_ACK;
const PSHACK = TCP_FLAG_PSH | TCP_FLAG_ACK;
const FINACK = TCP_FLAG_FIN | TCP_FLAG_ACK;
const RST = TCP_FLAG_RST;
const RSTACK = TCP_FLAG_RST | TCP_FLAG_ACK;
const O = 0; // original direction
const R = 1; // reply direction
const X = TCP_CT_INVALID;

const name = (s: number) => (s === X ? 'INVALID' : TCP_CT_NAMES[s] ?? `?${s}`);

test('classifyTcpSegment sorts flag combinations into segment classes', () => {
  const cases: [number, number][] = [
    [SYN, TCP_SEG_SYN],
    [SYN | TCP_FLAG_ECE | TCP_FLAG_CWR, TCP_SEG_SYN], // ECN setup SYN (RFC 3168 §6.1.1)
    [SYNACK, TCP_SEG_SYN_ACK],
    [SYNACK | TCP_FLAG_ECE, TCP_SEG_SYN_ACK],
    [ACK, TCP_SEG_ACK],
    [PSHACK, TCP_SEG_ACK],
    [ACK | TCP_FLAG_URG, TCP_SEG_ACK],
    [FINACK, TCP_SEG_FIN],
    [FINACK | TCP_FLAG_PSH, TCP_SEG_FIN],
    [RST, TCP_SEG_RST],
    [RSTACK, TCP_SEG_RST],
    [0, TCP_SEG_BAD],                     // null scan
    [TCP_FLAG_FIN, TCP_SEG_BAD],          // FIN without ACK
    [TCP_FLAG_FIN | TCP_FLAG_PSH | TCP_FLAG_URG, TCP_SEG_BAD], // xmas scan
    [SYN | TCP_FLAG_FIN, TCP_SEG_BAD],
    [SYN | RST, TCP_SEG_BAD],
    [TCP_FLAG_PSH, TCP_SEG_BAD],
  ];
  for (const [flags, want] of cases) {
    const got = classifyTcpSegment(flags);
    assert.equal(got, want, `flags 0x${flags.toString(16)}: got ${TCP_SEG_NAMES[got]}, want ${TCP_SEG_NAMES[want]}`);
  }
});

test('transition table: got X, want Y', () => {
  // [state, direction, flags, midstream pickup, want]
  const cases: [number, number, number, boolean, number][] = [
    // Opening (RFC 9293 §3.5, figure 7).
    [TCP_CT_NONE, O, SYN, false, TCP_CT_SYN_SENT],
    [TCP_CT_NONE, O, ACK, false, X],          // data/ACK before any handshake
    [TCP_CT_NONE, O, PSHACK, false, X],
    [TCP_CT_NONE, O, FINACK, false, X],
    [TCP_CT_NONE, O, SYNACK, false, X],
    [TCP_CT_NONE, O, RST, false, X],
    [TCP_CT_NONE, R, SYN, false, X],          // a new flow starts in the original direction
    [TCP_CT_SYN_SENT, O, SYN, false, TCP_CT_SYN_SENT], // retransmitted SYN
    [TCP_CT_SYN_SENT, R, SYNACK, false, TCP_CT_SYN_RECEIVED],
    [TCP_CT_SYN_SENT, O, ACK, false, X],      // ACK before the SYN-ACK
    [TCP_CT_SYN_SENT, R, ACK, false, X],
    [TCP_CT_SYN_SENT, R, SYN, false, X],      // simultaneous open is not tracked
    [TCP_CT_SYN_SENT, R, RSTACK, false, TCP_CT_CLOSED], // connection refused
    [TCP_CT_SYN_RECEIVED, R, SYNACK, false, TCP_CT_SYN_RECEIVED], // retransmitted SYN-ACK
    [TCP_CT_SYN_RECEIVED, O, SYN, false, TCP_CT_SYN_RECEIVED],
    [TCP_CT_SYN_RECEIVED, O, ACK, false, TCP_CT_ESTABLISHED],
    [TCP_CT_SYN_RECEIVED, O, PSHACK, false, TCP_CT_ESTABLISHED], // data with the third segment
    [TCP_CT_SYN_RECEIVED, O, FINACK, false, TCP_CT_FIN_WAIT],
    [TCP_CT_SYN_RECEIVED, R, PSHACK, false, X],  // responder data before the handshake completed
    [TCP_CT_SYN_RECEIVED, R, FINACK, false, X],
    // Established.
    [TCP_CT_ESTABLISHED, O, PSHACK, false, TCP_CT_ESTABLISHED],
    [TCP_CT_ESTABLISHED, R, PSHACK, false, TCP_CT_ESTABLISHED],
    [TCP_CT_ESTABLISHED, R, SYNACK, false, TCP_CT_ESTABLISHED], // late retransmitted SYN-ACK
    [TCP_CT_ESTABLISHED, O, SYN, false, X],
    [TCP_CT_ESTABLISHED, O, 0, false, X],
    [TCP_CT_ESTABLISHED, O, FINACK, false, TCP_CT_FIN_WAIT],
    [TCP_CT_ESTABLISHED, R, FINACK, false, TCP_CT_CLOSE_WAIT],
    [TCP_CT_ESTABLISHED, O, RST, false, TCP_CT_CLOSED],
    [TCP_CT_ESTABLISHED, R, RSTACK, false, TCP_CT_CLOSED],
    // Closing, originator first (RFC 9293 §3.6, figure 12).
    [TCP_CT_FIN_WAIT, R, ACK, false, TCP_CT_FIN_WAIT],
    [TCP_CT_FIN_WAIT, R, PSHACK, false, TCP_CT_FIN_WAIT], // responder still sending
    [TCP_CT_FIN_WAIT, O, FINACK, false, TCP_CT_FIN_WAIT], // retransmitted FIN
    [TCP_CT_FIN_WAIT, R, FINACK, false, TCP_CT_TIME_WAIT],
    [TCP_CT_TIME_WAIT, O, ACK, false, TCP_CT_TIME_WAIT],  // the final ACK
    [TCP_CT_TIME_WAIT, R, FINACK, false, TCP_CT_TIME_WAIT],
    // Closing, responder first.
    [TCP_CT_CLOSE_WAIT, O, PSHACK, false, TCP_CT_CLOSE_WAIT],
    [TCP_CT_CLOSE_WAIT, R, FINACK, false, TCP_CT_CLOSE_WAIT],
    [TCP_CT_CLOSE_WAIT, O, FINACK, false, TCP_CT_LAST_ACK],
    [TCP_CT_LAST_ACK, O, FINACK, false, TCP_CT_LAST_ACK],
    [TCP_CT_LAST_ACK, O, ACK, false, TCP_CT_LAST_ACK],
    [TCP_CT_LAST_ACK, R, ACK, false, TCP_CT_TIME_WAIT],
    [TCP_CT_LAST_ACK, R, RST, false, TCP_CT_CLOSED],
    // Reset and reuse.
    [TCP_CT_CLOSED, O, ACK, false, X],
    [TCP_CT_CLOSED, R, PSHACK, false, X],
    [TCP_CT_CLOSED, O, RST, false, TCP_CT_CLOSED],
    [TCP_CT_CLOSED, O, SYN, false, TCP_CT_SYN_SENT],   // 4-tuple reused
    [TCP_CT_TIME_WAIT, O, SYN, false, TCP_CT_SYN_SENT],
    [TCP_CT_TIME_WAIT, R, SYN, false, X],
    // Mid-stream pickup only affects new flows.
    [TCP_CT_NONE, O, ACK, true, TCP_CT_ESTABLISHED],
    [TCP_CT_NONE, O, PSHACK, true, TCP_CT_ESTABLISHED],
    [TCP_CT_NONE, O, FINACK, true, TCP_CT_FIN_WAIT],
    [TCP_CT_NONE, O, SYN, true, TCP_CT_SYN_SENT],
    [TCP_CT_NONE, O, SYNACK, true, X],
    [TCP_CT_NONE, O, RST, true, X],
    [TCP_CT_NONE, O, 0, true, X],
    [TCP_CT_SYN_SENT, O, ACK, true, X],
    [TCP_CT_CLOSED, O, ACK, true, X],
    // Malformed arguments.
    [TCP_CT_STATE_COUNT, O, ACK, false, X],
    [-1, O, ACK, false, X],
    [TCP_CT_ESTABLISHED, 2, ACK, false, X],
  ];
  for (const [state, dir, flags, pickup, want] of cases) {
    const got = nextTcpState(state, dir, flags, pickup);
    assert.equal(got, want,
      `${name(state)} + ${dir === O ? 'original' : dir === R ? 'reply' : `dir ${dir}`} flags 0x${flags.toString(16)}` +
      `${pickup ? ' (pickup)' : ''}: got ${name(got)}, want ${name(want)}`);
  }
});

/** Runs a script of (direction, flags) from NONE; returns the state after each segment. */
function run(script: [number, number][], pickup = false): string[] {
  let s = TCP_CT_NONE;
  const out: string[] = [];
  for (const [dir, flags] of script) {
    const n = nextTcpState(s, dir, flags, pickup);
    out.push(name(n));
    if (n !== X) s = n;
  }
  return out;
}

test('whole connections: handshake, data, close by either side, reset', () => {
  assert.deepEqual(
    run([[O, SYN], [R, SYNACK], [O, ACK], [O, PSHACK], [R, PSHACK], [O, FINACK], [R, ACK], [R, FINACK], [O, ACK]]),
    ['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'FIN_WAIT', 'FIN_WAIT', 'TIME_WAIT', 'TIME_WAIT']);
  assert.deepEqual(
    run([[O, SYN], [R, SYNACK], [O, ACK], [R, FINACK], [O, ACK], [O, PSHACK], [O, FINACK], [R, ACK]]),
    ['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'CLOSE_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT']);
  assert.deepEqual(run([[O, SYN], [R, RSTACK], [O, SYN]]), ['SYN_SENT', 'CLOSED', 'SYN_SENT']);
  assert.deepEqual(run([[O, PSHACK], [R, PSHACK]]), ['INVALID', 'INVALID']);
  assert.deepEqual(run([[O, PSHACK], [R, PSHACK], [R, FINACK]], true), ['ESTABLISHED', 'ESTABLISHED', 'CLOSE_WAIT']);
});

const arbFlags = fc.oneof(
  fc.constantFrom(SYN, SYNACK, ACK, PSHACK, FINACK, RST, RSTACK),
  fc.nat(255),
);

test('property: tracker invariants over random segment sequences', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.constantFrom(O, R), arbFlags), { maxLength: 40 }), fc.boolean(),
    (script, pickup) => {
      let s = TCP_CT_NONE;
      for (const [dir, flags] of script) {
        const n = nextTcpState(s, dir, flags, pickup);
        const c = classifyTcpSegment(flags);
        assert.ok(n === X || (n > TCP_CT_NONE && n < TCP_CT_STATE_COUNT), `bad next state ${n}`);
        // Malformed flag sets are never accepted; a valid RST always ends a tracked connection.
        if (c === TCP_SEG_BAD) assert.equal(n, X);
        if (c === TCP_SEG_RST && s !== TCP_CT_NONE) assert.equal(n, TCP_CT_CLOSED);
        // Only the originator's SYN leaves a finished connection.
        if (isTcpStateClosed(s) && n !== X && !isTcpStateClosed(n)) {
          assert.equal(n, TCP_CT_SYN_SENT);
          assert.equal(dir, O);
        }
        // Nothing reaches ESTABLISHED without a handshake unless picked up mid-stream.
        if (n === TCP_CT_ESTABLISHED && s === TCP_CT_NONE) assert.ok(pickup);
        if (n !== X) s = n;
      }
    },
  ), { numRuns: 1000 });
});
