import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDebugTimestamp, AuthProxyDebugFormatter, formatSegmentFlags, formatSegmentAddresses, LineBuffer,
} from '../../src/log/auth-proxy-debug.js';
import { PacketMeta, TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_PSH, TCP_FLAG_SYN } from '../../src/wire/packet.js';

// 1993-03-01 21:18:18.534 UTC, the seed's first line (IOS clocks start on Mar 1 1993).
const T0 = Date.UTC(1993, 2, 1, 21, 18, 18, 534);

test('timestamps: month, unpadded day, UTC time with milliseconds (spec §1)', () => {
  assert.equal(formatDebugTimestamp(T0), '*Mar 1 21:18:18.534');
  assert.equal(formatDebugTimestamp(Date.UTC(2026, 10, 22, 7, 5, 9, 7)), '*Nov 22 07:05:09.007');
  // Sub-millisecond parts are truncated, and a µs capture time composed in floating point
  // (seconds × 1000 + µs / 1000) must not lose a millisecond to binary rounding.
  assert.equal(formatDebugTimestamp(T0 + 0.9), '*Mar 1 21:18:18.534');
  const sec = Math.floor(T0 / 1000);
  for (const usec of [534000, 534001, 534999, 1000, 999999]) {
    const ms = Math.floor(usec / 1000);
    assert.equal(formatDebugTimestamp(sec * 1000 + usec / 1000), `*Mar 1 21:18:18.${String(ms).padStart(3, '0')}`);
  }
});

test('address line: dotted quad for IPv4, RFC 5952 text with upper-case hex for IPv6, as IOS prints it (spec §1)', () => {
  const m = new PacketMeta();
  m.dstAddr.set([0, 0, 0xffff, 0xac10abdb]);
  m.srcAddr.set([0, 0, 0xffff, 0xab455919]);
  m.dstPort = 80;
  m.srcPort = 3061;
  assert.equal(formatSegmentAddresses(m), 'dst_addr 172.16.171.219 src_addr 171.69.89.25 dst_port 80 src_port 3061');
  m.dstAddr.set([0x20010db8, 0, 0, 1]);
  m.srcAddr.set([0x20010db8, 0x00000001, 0x00010001, 0x00010001]);
  assert.equal(formatSegmentAddresses(m), 'dst_addr 2001:DB8::1 src_addr 2001:DB8:0:1:1:1:1:1 dst_port 80 src_port 3061');
});

function seg(flags: number, seq: number, ack: number, len: number): PacketMeta {
  const m = new PacketMeta();
  m.tcpFlags = flags;
  m.seq = seq;
  m.ack = ack;
  m.payloadLength = len;
  return m;
}

test('segment flag line in the seed\'s order and spelling (spec §2)', () => {
  assert.equal(formatSegmentFlags(seg(TCP_FLAG_SYN, 462612879, 0, 0)), 'SYN SEQ 462612879 LEN 0');
  assert.equal(formatSegmentFlags(seg(TCP_FLAG_ACK, 462612880, 3715697587, 0)), 'ACK 3715697587 SEQ 462612880 LEN 0');
  assert.equal(formatSegmentFlags(seg(TCP_FLAG_PSH | TCP_FLAG_ACK, 462612880, 3715697587, 250)),
    'PSH ACK 3715697587 SEQ 462612880 LEN 250');
  assert.equal(formatSegmentFlags(seg(TCP_FLAG_FIN | TCP_FLAG_ACK, 462613130, 3715698746, 0)),
    'FIN ACK 3715698746 SEQ 462613130 LEN 0');
  assert.equal(formatSegmentFlags(seg(0x3f, 1, 2, 3)), 'FIN SYN RST PSH URG ACK 2 SEQ 1 LEN 3');
});

test('formatter prints the seed\'s lines for one SYN', () => {
  const lines: string[] = [];
  const f = new AuthProxyDebugFormatter((l) => lines.push(l));
  const m = seg(TCP_FLAG_SYN, 462612879, 0, 0);
  m.dstAddr.set([0, 0, 0xffff, (172 << 24 | 16 << 16 | 171 << 8 | 219) >>> 0]);
  m.srcAddr.set([0, 0, 0xffff, (171 << 24 | 69 << 16 | 89 << 8 | 25) >>> 0]);
  m.dstPort = 80;
  m.srcPort = 3061;
  f.protoHeader(T0, 7, 4);
  f.segment(T0, m);
  f.halfOpenIncrement(T0, 1);
  f.clientPort(T0, 3061, 6);
  f.finWait(T0);
  f.notConfigured(T0);
  assert.equal(lines.join(''), [
    '*Mar 1 21:18:18.534: AUTH-PROXY:proto_flag=7, dstport_index=4',
    '*Mar 1 21:18:18.534: SYN SEQ 462612879 LEN 0',
    '*Mar 1 21:18:18.534: dst_addr 172.16.171.219 src_addr 171.69.89.25 dst_port 80 src_port 3061',
    '*Mar 1 21:18:18.534: AUTH-PROXY:auth_proxy_half_open_count++ 1',
    '*Mar 1 21:18:18.534: clientport 3061 state 6',
    '*Mar 1 21:18:18.534: AUTH-PROXY:Packet in FIN_WAIT state',
    '*Mar 1 21:18:18.534: AUTH-PROXY:Protocol not configured on if_input',
    '',
  ].join('\n'));
});

test('line buffer flushes in chunks and on demand, losing nothing', () => {
  const chunks: string[] = [];
  const b = new LineBuffer((c) => chunks.push(c), 10);
  b.write('12345');
  assert.equal(chunks.length, 0);
  b.write('67890');
  assert.deepEqual(chunks, ['1234567890']);
  b.write('x');
  b.flush();
  b.flush();
  assert.deepEqual(chunks, ['1234567890', 'x']);
});
