import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EthernetRepr, EthernetView, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_VLAN,
} from '../../src/wire/ethernet.js';
import { FAULT_NOT_IP, FAULT_OK, FAULT_TRUNCATED_LINK } from '../../src/wire/faults.js';
import { fromHex, junk, toHex } from './fixtures.js';

const QINQ = fromHex('ffffffffffff 0a0b0c0d0e0f 88a8 a064 8100 1fff 86dd 6000'.replace(/ /g, ''));

test('EthernetView walks an 802.1ad + 802.1Q stack to the inner EtherType', () => {
  const v = new EthernetView();
  assert.equal(v.bind(QINQ, 0, QINQ.length), FAULT_OK);
  assert.equal(v.tagCount, 2);
  assert.equal(v.tagTpid(0), ETHERTYPE_QINQ);
  assert.equal(v.tagTpid(1), ETHERTYPE_VLAN);
  assert.equal(v.vlanId(0), 100);
  assert.equal(v.tagTci(0) >>> 13, 5, 'PCP');
  assert.equal(v.vlanId(1), 0xfff);
  assert.equal((v.tagTci(1) & 0x1000) !== 0, true, 'DEI');
  assert.equal(v.etherType, ETHERTYPE_IPV6);
  assert.equal(v.headerLength, 22);
  assert.equal(v.payloadOffset, 22);
  assert.equal(v.payloadLength, 2);
  assert.equal(v.dstByte(0), 0xff);
  assert.equal(v.srcByte(5), 0x0f);
});

test('EthernetView faults on every prefix shorter than its tags, and on a third tag', () => {
  const v = new EthernetView();
  for (let n = 0; n < 22; n++) assert.equal(v.bind(QINQ, 0, n), FAULT_TRUNCATED_LINK, `prefix ${n}`);
  const three = fromHex('ffffffffffff0a0b0c0d0e0f88a8000181000002810000030800');
  assert.equal(v.bind(three, 0, three.length), FAULT_NOT_IP);
});

test('EthernetView setters rewrite EtherType and MACs in place', () => {
  const b = QINQ.slice();
  const v = new EthernetView();
  v.bind(b, 0, b.length);
  v.setEtherType(ETHERTYPE_IPV4);
  v.setMac(0, fromHex('020000000001'));
  v.setMac(1, fromHex('020000000002'));
  assert.equal(toHex(b), '020000000001020000000002' + '88a8a06481001fff08006000');
  v.bind(b, 0, b.length);
  assert.equal(v.etherType, ETHERTYPE_IPV4);
});

test('EthernetRepr emits into a junk-filled buffer exactly and parses back', () => {
  const v = new EthernetView();
  v.bind(QINQ, 0, QINQ.length);
  const r = EthernetRepr.parse(v);
  assert.deepEqual(r.tags, [
    { tpid: ETHERTYPE_QINQ, pcp: 5, dei: false, vid: 100 },
    { tpid: ETHERTYPE_VLAN, pcp: 0, dei: true, vid: 0xfff },
  ]);
  const out = junk(30);
  assert.equal(r.emit(out, 2), 22);
  assert.equal(toHex(out.subarray(2, 24)), toHex(QINQ.subarray(0, 22)));
  assert.equal(out[1], 0xa5);
  assert.equal(out[24], 0xa5);
  assert.equal(r.emit(junk(21), 0), 0, 'no room');
  const plain = new EthernetRepr();
  plain.etherType = ETHERTYPE_IPV6;
  const o2 = junk(14);
  assert.equal(plain.emit(o2, 0), 14);
  assert.equal(toHex(o2), '00000000000000000000000086dd');
});
