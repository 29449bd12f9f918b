/**
 * The Node counterpart of native/reflector.c, on the addon: opens a TUN through src/io/tun.ts,
 * prints `ready NAME MASK`, and on every readable callback reads one batch and writes it back
 * unchanged, virtio headers included. Usage: `tun-node-reflector.js NAME MTU OFFLOADS`.
 * test/io/tun-reflector.test.ts runs it as a bump in the wire.
 */
import { VNET_SLOTS, openTun } from '../../src/io/tun.js';

const [name = 'tun0', mtu = '1500', offloads = '0'] = process.argv.slice(2);
const dev = openTun({ name, mtu: Number(mtu), offloads: Number(offloads) });
const BATCH = 64;
const buf = new Uint8Array(4 << 20);
const offsets = new Uint32Array(BATCH);
const lengths = new Uint32Array(BATCH);
const vnet = dev.vnetHdr ? new Uint16Array(BATCH * VNET_SLOTS) : null;
dev.onReadable((status) => {
  if (status < 0) throw dev.ioError(status, 'poll');
  const n = dev.readBatch(buf, offsets, lengths, vnet);
  if (n < 0) throw dev.ioError(n, 'read');
  const w = dev.writeBatch(buf, offsets, lengths, n, vnet);
  if (w < 0) throw dev.ioError(w, 'write');
});
process.on('SIGTERM', () => {
  dev.close();
  process.exit(0);
});
process.stdout.write(`ready ${dev.name} ${dev.offloads}\n`);
