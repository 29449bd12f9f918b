/**
 * One configured interface's TUN device and its read loop (DESIGN.md §1): whenever the device is
 * readable, batches of packets are read into buffers this port owns (one N-API crossing per
 * batch) until the device is drained (EAGAIN) or {@link MAX_BATCHES_PER_WAKEUP} batches were
 * read; each packet is handed to the engine with its ingress interface known exactly, and what
 * the engine forwards is written back into the device in one batch before the next is read (the
 * kernel routes it on by the main table, src/gateway/routes.ts). A super-packet (offloads on)
 * keeps its virtio header: it is classified once and written back whole, and the kernel segments
 * it as it leaves.
 *
 * Draining matters because every wake-up has a fixed cost (the epoll wait, the callback into
 * JavaScript with its microtask checkpoint, the engine's timer work, the read that finds nothing):
 * the C reflector drains too. The bound keeps one busy device from starving the event loop
 * (timers, the login service, the other devices) for more than ~1,000 packets.
 *
 * Nothing here allocates per packet: the buffers, offsets, lengths and headers are typed arrays
 * made once; the engine returns a number.
 */
import {
  GSO_NONE, TUN_READ_DRAINED, TUN_READ_DROPPED, VNET_GSO_SIZE, VNET_GSO_TYPE, VNET_SLOTS, type TunDevice,
} from '../io/tun.js';
import { VERDICT_DROP, VERDICT_INTERCEPT, type Engine } from '../engine/engine.js';
import type { TunIoError } from '../errors.js';

/** Packets per read batch. */
export const BATCH = 64;
/** Read batches per readable callback at most (the device is usually drained before). */
export const MAX_BATCHES_PER_WAKEUP = 16;
/**
 * Bytes of a port's read buffer at least. A read needs room for the largest frame (64 KiB with
 * offloads), and reads through the addon's io_uring each get a slot of frameMax + 1 bytes: a
 * batch of {@link BATCH} packets needs BATCH slots (4 MiB with offloads, 96 KiB without).
 */
const READ_BUFFER_BYTES = 2 << 20;

/** What a port needs of its gateway. */
export interface PortOwner {
  readonly engine: Engine;
  /** Engine time now (whole ms). */
  nowMs(): number;
  /** After each batch: flush the engine's own packets, re-arm the timer. */
  afterBatch(port: TunPort, nowMs: number): void;
  /** The device failed as a whole: stop the gateway with this error. */
  fail(error: TunIoError): void;
}

export class TunPort {
  private readonly buf: Uint8Array;
  private readonly offsets = new Uint32Array(BATCH);
  private readonly lengths = new Uint32Array(BATCH);
  private readonly vnet: Uint16Array | null;
  // The batch written back: offsets into `buf`, lengths, headers.
  private readonly outOffsets = new Uint32Array(BATCH);
  private readonly outLengths = new Uint32Array(BATCH);
  private readonly outVnet: Uint16Array | null;

  /**
   * @param device the interface's open TUN device.
   * @param ifIndex the interface's index in the engine (config order).
   */
  constructor(readonly device: TunDevice, readonly ifIndex: number, private readonly owner: PortOwner) {
    this.buf = new Uint8Array(Math.max(READ_BUFFER_BYTES, (device.frameMax + 1) * BATCH));
    this.vnet = device.vnetHdr ? new Uint16Array(BATCH * VNET_SLOTS) : null;
    this.outVnet = device.vnetHdr ? new Uint16Array(BATCH * VNET_SLOTS) : null;
  }

  /** Starts reading. */
  start(): void {
    this.device.onReadable(this.onReadable);
  }

  /** Stops reading and closes the device (the interface, and its routes, disappear). */
  close(): void {
    this.device.close();
  }

  /** Reads dropped by the addon (runts, oversize) so far. */
  get readDrops(): number {
    return this.device.counters[TUN_READ_DROPPED]!;
  }

  private readonly onReadable = (status: number): void => {
    if (status < 0) {
      this.owner.fail(this.device.ioError(status, 'poll'));
      return;
    }
    const owner = this.owner;
    const device = this.device;
    const counters = device.counters;
    const now = owner.nowMs();
    for (let b = 0; b < MAX_BATCHES_PER_WAKEUP; b++) {
      const drained = counters[TUN_READ_DRAINED]!;
      const n = device.readBatch(this.buf, this.offsets, this.lengths, this.vnet);
      if (n < 0) {
        owner.fail(device.ioError(n, 'read'));
        return;
      }
      if (n > 0) this.handleBatch(n, now);
      if (n === 0 || counters[TUN_READ_DRAINED] !== drained) break;
    }
    owner.afterBatch(this, now);
  };

  /** Hands packets 0 … n-1 to the engine and writes back what it forwards (or delivers locally). */
  private handleBatch(n: number, now: number): void {
    const engine = this.owner.engine;
    const buf = this.buf, offsets = this.offsets, lengths = this.lengths, vnet = this.vnet;
    const outOffsets = this.outOffsets, outLengths = this.outLengths, outVnet = this.outVnet;
    const ifIndex = this.ifIndex;
    let out = 0;
    for (let i = 0; i < n; i++) {
      const m = i * VNET_SLOTS;
      const gso = vnet !== null && vnet[m + VNET_GSO_TYPE] !== GSO_NONE ? vnet[m + VNET_GSO_SIZE]! : 0;
      const v = engine.handleOn(buf, offsets[i]!, lengths[i]!, ifIndex, gso, now);
      // VERDICT_LOCAL (addressed to the gateway) is written back too: the kernel delivers it.
      if (v === VERDICT_DROP || v === VERDICT_INTERCEPT) continue;
      outOffsets[out] = offsets[i]!;
      outLengths[out] = lengths[i]!;
      if (vnet !== null) {
        const o = out * VNET_SLOTS;
        for (let k = 0; k < VNET_SLOTS; k++) outVnet![o + k] = vnet[m + k]!;
      }
      out++;
    }
    if (out > 0) this.write(buf, outOffsets, outLengths, out, outVnet);
  }

  /**
   * Writes packets into the device (`vnet` null: plain packets, no offload). A packet the kernel
   * refuses is skipped and counted by the addon; a failed device stops the gateway.
   */
  write(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number, vnet: Uint16Array | null): void {
    const w = this.device.writeBatch(buf, offsets, lengths, count, vnet);
    if (w < 0) this.owner.fail(this.device.ioError(w, 'write'));
  }
}
