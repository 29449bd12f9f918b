import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterfaceTable } from '../../src/engine/interfaces.js';
import { PacketMeta } from '../../src/wire/packet.js';

/** An IPv4 address as the four words the table takes (IPv4-mapped). */
function v4(a: number, b: number, c: number, d: number): Uint32Array {
  return new Uint32Array([0, 0, 0xffff, ((a << 24) | (b << 16) | (c << 8) | d) >>> 0]);
}

/** A decoded IPv4 packet from `src` to `dst`. */
function packet(src: Uint32Array, dst: Uint32Array): PacketMeta {
  const m = new PacketMeta();
  m.ipVersion = 4;
  m.src4 = src[3]!;
  m.dst4 = dst[3]!;
  m.srcAddr.set(src);
  m.dstAddr.set(dst);
  return m;
}

test('resolve: the longest prefix wins whatever the order added; equal prefixes go to the first added', () => {
  const orders = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]];
  for (const order of orders) {
    const t = new InterfaceTable();
    for (let i = 0; i < 4; i++) t.addInterface(`if${i}`, -1, -1, -1, -1, -1);
    const adds: Array<[number, Uint32Array, number]> = [
      [0, v4(10, 0, 0, 1), 96 + 8],       // 10.0.0.0/8
      [1, v4(10, 1, 0, 1), 96 + 16],      // 10.1.0.0/16
      [2, v4(192, 168, 1, 1), 96 + 24],   // 192.168.1.0/24
      [3, v4(192, 168, 1, 2), 96 + 24],   // the same /24 again, on another interface
    ];
    for (const k of order) t.addAddress(...adds[k]!);
    const first24 = order.indexOf(2) < order.indexOf(3) ? 2 : 3;
    const cases: Array<[Uint32Array, number]> = [
      [v4(10, 1, 2, 3), 1], [v4(10, 2, 2, 3), 0], [v4(192, 168, 1, 77), first24], [v4(172, 16, 0, 1), -1],
    ];
    for (const [src, want] of cases) {
      for (const [dst, wantEg] of cases) {
        const m = packet(src, dst);
        t.resolve(m);
        assert.equal(t.lastIngress, want, `order ${order}: ingress of ${src[3]!.toString(16)}`);
        assert.equal(t.lastEgress, wantEg);
        // The general (four-word) path agrees.
        assert.equal(t.interfaceOf(src), want);
        assert.equal(t.lastSrcIsOwn, false);
      }
    }
    const own = packet(v4(192, 168, 1, 2), v4(10, 1, 0, 1));
    t.resolve(own);
    assert.equal(t.lastSrcIsOwn, true);
    assert.equal(t.lastDstIsOwn, true);
    assert.equal(t.lastIngress, first24);
    assert.equal(t.lastEgress, 1);
  }
});
