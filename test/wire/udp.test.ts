import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpRepr, UdpView } from '../../src/wire/udp.js';
import { FAULT_BAD_UDP_LENGTH, FAULT_OK, FAULT_TRUNCATED_L4 } from '../../src/wire/faults.js';
import { fromHex, ip4, ip6, junk, naiveChecksum, pseudo4, pseudo6, toHex, udpRepr } from './fixtures.js';

test('UdpView reads a header and faults on short or inconsistent ones', () => {
  const b = fromHex('cf08003500100000' + '0102030405060708');
  const v = new UdpView();
  assert.equal(v.bind(b, 0, b.length), FAULT_OK);
  assert.equal(v.srcPort, 53000);
  assert.equal(v.dstPort, 53);
  assert.equal(v.length, 16);
  assert.equal(v.checksum, 0);
  assert.equal(v.payloadOffset, 8);
  assert.equal(v.payloadLength, 8);
  for (let n = 0; n < 8; n++) assert.equal(v.bind(b, 0, n), FAULT_TRUNCATED_L4);
  b[5] = 7;
  assert.equal(v.bind(b, 0, b.length), FAULT_BAD_UDP_LENGTH);
  v.length = 16;
  v.srcPort = 1;
  v.dstPort = 2;
  v.checksum = 0xffff;
  assert.equal(toHex(b.subarray(0, 8)), '000100020010ffff');
});

test('UdpRepr emits into a junk-filled buffer with a checksum matching a naive sum, both IP versions', () => {
  for (const ip of [ip4(), ip6()]) {
    const u = udpRepr();
    const out = junk(u.datagramLength + 4);
    const n = u.emit(out, 2, ip);
    assert.equal(n, 8 + u.payload.length);
    assert.equal(out[1], 0xa5);
    assert.equal(out[2 + n], 0xa5);
    const d = out.slice(2, 2 + n);
    assert.equal(toHex(d.subarray(0, 6)), `cf080035${n.toString(16).padStart(4, '0')}`);
    const sum = (d[6]! << 8) | d[7]!;
    d[6] = 0; d[7] = 0;
    const ph = ip.version === 4 ? pseudo4(ip.src, ip.dst, 17, n) : pseudo6(ip.src, ip.dst, 17, n);
    assert.equal(sum, naiveChecksum(ph, d));
    const v = new UdpView();
    assert.equal(v.bind(out, 2, n), FAULT_OK);
    assert.deepEqual(UdpRepr.parse(v), u);
  }
  assert.equal(udpRepr().emit(new Uint8Array(10), 0, ip4()), 0);
});
