/**
 * The TUN device adapter: a typed face on the native addon (`native/tun.cc`, N-API, built by
 * node-gyp at install and loaded with node-gyp-build). It opens a Linux TUN interface
 * (`IFF_TUN | IFF_NO_PI`) with a name and an MTU and brings it up; packets then move in batches
 * between the device and buffers the caller owns, one N-API call per batch (PERFORMANCE.md: a
 * TUN system call costs ~1.5 µs, an N-API call with buffers ~0.1 µs, so crossings per packet
 * must not add to it). The descriptor is non-blocking and polled by libuv on the main loop;
 * nothing waits on the thread pool, which scrypt and TLS need.
 *
 * Offloads: where the kernel allows, the device is opened with `IFF_VNET_HDR` and
 * `TUNSETOFFLOAD` (checksum, TSO4/6, USO4/6), so that one read may carry a TCP or UDP
 * super-packet of up to 64 KiB that stands for many segments (and the kernel then segments
 * what is written back). Every packet then comes with a virtio-net header, handed over as six
 * numbers per packet in a `Uint16Array` ({@link VNET_FLAGS} …). A refused mask falls back to
 * fewer flags, then to a device without the header; {@link TunDevice.offloads} says what is on.
 *
 * The batch calls return numbers and never throw for anything a packet contains; the errors
 * this module throws are {@link TunOpenError} (opening) and programming errors (wrong argument
 * types or a packet outside the buffer).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';
import { TunIoError, TunOpenError, describeErrno } from '../errors.js';

// Offload flags of TUNSETOFFLOAD (include/uapi/linux/if_tun.h).
/** The kernel may hand over packets whose transport checksum is only partial. */
export const TUN_F_CSUM = 0x01;
/** TCP segmentation offload over IPv4 (needs {@link TUN_F_CSUM}). */
export const TUN_F_TSO4 = 0x02;
/** TCP segmentation offload over IPv6 (needs {@link TUN_F_CSUM}). */
export const TUN_F_TSO6 = 0x04;
/** UDP segmentation offload over IPv4 (Linux 6.2; only together with {@link TUN_F_USO6}). */
export const TUN_F_USO4 = 0x20;
/** UDP segmentation offload over IPv6 (Linux 6.2; only together with {@link TUN_F_USO4}). */
export const TUN_F_USO6 = 0x40;
/** Every offload portcullis can use: the default of {@link openTun}. */
export const TUN_OFFLOADS_ALL = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6;

// The virtio-net header (struct virtio_net_hdr, include/uapi/linux/virtio_net.h) as six numbers
// per packet: packet i's header is vnet[VNET_SLOTS * i + VNET_…].
/** Numbers per packet in a vnet array. */
export const VNET_SLOTS = 6;
/** `flags`: {@link VNET_F_NEEDS_CSUM}, {@link VNET_F_DATA_VALID}. */
export const VNET_FLAGS = 0;
/** `gso_type`: {@link GSO_NONE}, {@link GSO_TCPV4}, {@link GSO_TCPV6}, {@link GSO_UDP_L4}, maybe | {@link GSO_ECN}. */
export const VNET_GSO_TYPE = 1;
/**
 * `hdr_len`: length of the headers in front of the payload. Not to be trusted on a read: on the
 * forwarding path the kernel may report the whole first packet (wireguard-go derives it from
 * csum_start and the transport header instead).
 */
export const VNET_HDR_LEN = 2;
/** `gso_size`: payload bytes per segment of a super-packet (the MSS for TCP). */
export const VNET_GSO_SIZE = 3;
/** `csum_start`: where the checksummed transport part begins (the IP header's length). */
export const VNET_CSUM_START = 4;
/** `csum_offset`: where, from csum_start, the checksum field is (16 for TCP, 6 for UDP). */
export const VNET_CSUM_OFFSET = 5;

/** The transport checksum holds only the pseudo-header sum; complete it from csum_start. */
export const VNET_F_NEEDS_CSUM = 1;
/** The checksum was verified (on a write: the kernel need not check it). */
export const VNET_F_DATA_VALID = 2;
/** A plain packet. */
export const GSO_NONE = 0;
/** A TCP over IPv4 super-packet. */
export const GSO_TCPV4 = 1;
/** A TCP over IPv6 super-packet. */
export const GSO_TCPV6 = 4;
/** A UDP super-packet (USO), either IP version. */
export const GSO_UDP_L4 = 5;
/** Set with a TCP type when the segments carry ECN's CWR (only with TSO_ECN, which is not asked for). */
export const GSO_ECN = 0x80;

// Slots of TunDevice.counters (native/tun.cc, enum Counter).
/** Read batches. */
export const TUN_READ_BATCHES = 0;
/** Packets read (a super-packet counts once). */
export const TUN_READ_PACKETS = 1;
/** Bytes of the packets read. */
export const TUN_READ_BYTES = 2;
/** Reads dropped: longer than the room left (the device's MTU raised behind its back) or shorter than the header. */
export const TUN_READ_DROPPED = 3;
/** Write batches. */
export const TUN_WRITE_BATCHES = 4;
/** Packets written. */
export const TUN_WRITE_PACKETS = 5;
/** Bytes of the packets written. */
export const TUN_WRITE_BYTES = 6;
/** Packets the kernel refused (empty, neither IPv4 nor IPv6, a bad virtio header); skipped. */
export const TUN_WRITE_REFUSED = 7;
/** errno of the last failed write (refused or fatal). */
export const TUN_LAST_WRITE_ERRNO = 8;
/** errno of the last failed read. */
export const TUN_LAST_READ_ERRNO = 9;
/**
 * Read batches that ended because the device had nothing more (EAGAIN), rather than on a full
 * batch or buffer: when it moved during a {@link TunDevice.readBatch}, the device is drained.
 */
export const TUN_READ_DRAINED = 10;
/** System calls made to read (read(2), readv(2), io_uring_enter(2) with a round of reads). */
export const TUN_READ_SYSCALLS = 11;
/** System calls made to write (write(2), writev(2), io_uring_enter(2) with a batch of writes). */
export const TUN_WRITE_SYSCALLS = 12;

/** How to open a device. */
export interface TunOptions {
  /** Interface name, 1-15 bytes (`%d` lets the kernel number it, e.g. `tun%d`). */
  name: string;
  /** MTU, 68-65535. */
  mtu: number;
  /** TUN_F_* mask wanted; 0 opens a device without the virtio header. Default {@link TUN_OFFLOADS_ALL}. */
  offloads?: number;
}

/** @internal The native object (native/tun.cc, class Tun): a TUN device, or an observation tap (src/io/tap.ts). */
export interface NativeTun {
  readonly name: string;
  readonly fd: number;
  readonly vnetHdr: boolean;
  readonly offloads: number;
  readonly frameMax: number;
  readonly counters: Float64Array;
  readonly uring: boolean;
  readBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, vnet?: Uint16Array | null): number;
  writeBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number, vnet?: Uint16Array | null): number;
  startPolling(callback: (status: number) => void): void;
  stopPolling(): void;
  close(): void;
}

/** @internal The addon's exports. */
export interface NativeModule {
  Tun: {
    new (name: string, mtu: number, offloads: number): NativeTun;
    new (tap: { tap: string; filter: Uint32Array }): NativeTun;
  };
  offloadFlags: { CSUM: number; TSO4: number; TSO6: number; USO4: number; USO6: number };
}

/** An open TUN device. */
export class TunDevice {
  /** The interface's name (the kernel's choice when the name held `%d`). */
  readonly name: string;
  /** The MTU it was opened with. */
  readonly mtu: number;
  /** Whether every packet comes and goes with a virtio-net header (offloads on). */
  readonly vnetHdr: boolean;
  /** The TUN_F_* mask the kernel accepted (0 without the header). */
  readonly offloads: number;
  /**
   * The largest packet a read can hand over: the MTU, or 65,535 with offloads. A read buffer
   * must be longer than this; a batch stops when the room left is not.
   */
  readonly frameMax: number;
  /** Counters, indexed by TUN_READ_BATCHES …; updated by the batch calls, read without a call. */
  readonly counters: Float64Array;
  /**
   * Whether reads and writes go through an io_uring, several packets per system call
   * (native/uring.h), rather than one read or write per packet: where the kernel offers io_uring
   * and `PORTCULLIS_TUN_URING=0` is not set.
   */
  readonly uring: boolean;
  readonly #native: NativeTun;
  #closed = false;

  /** @internal Use {@link openTun}. */
  constructor(native: NativeTun, mtu: number) {
    this.#native = native;
    this.name = native.name;
    this.mtu = mtu;
    this.vnetHdr = native.vnetHdr;
    this.offloads = native.offloads;
    this.frameMax = native.frameMax;
    this.counters = native.counters;
    this.uring = native.uring;
  }

  /**
   * Reads as many packets as wait, up to `offsets.length` (and `vnet.length / VNET_SLOTS`), into
   * `buf` from byte 0 — through the io_uring ({@link uring}) each at the start of a slot of
   * `frameMax + 1` bytes, so a batch of n packets needs n slots; with plain reads one after
   * another: packet i is `buf[offsets[i], offsets[i] + lengths[i])`, its header (with offloads)
   * `vnet[VNET_SLOTS * i …]`. Returns the count (0:
   * nothing waiting), or a negative errno when the device failed ({@link ioError}). One N-API
   * call, no allocation. Whether the batch emptied the device shows in {@link TUN_READ_DRAINED}.
   */
  readBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, vnet: Uint16Array | null): number {
    return this.#native.readBatch(buf, offsets, lengths, vnet);
  }

  /**
   * Writes packets 0 … count-1 (`buf[offsets[i], offsets[i] + lengths[i])`, with offloads each
   * after its header `vnet[VNET_SLOTS * i …]`; `null`: plain packets). Returns how many the
   * kernel took; refused ones are skipped and counted ({@link TUN_WRITE_REFUSED}). Negative: an
   * errno, the device failed before any was written.
   */
  writeBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number, vnet: Uint16Array | null): number {
    return this.#native.writeBatch(buf, offsets, lengths, count, vnet);
  }

  /**
   * Calls `callback(status)` on the main loop whenever packets wait (status 0, or a negative
   * errno when polling failed). Level-triggered: while packets remain it is called again on the
   * next turn of the loop, so a callback may stop after a bounded number of batches. Keeps the
   * process alive.
   */
  onReadable(callback: (status: number) => void): void {
    this.#native.startPolling(callback);
  }

  /** No more readable callbacks until {@link onReadable} again. */
  pause(): void {
    this.#native.stopPolling();
  }

  /** Stops polling and closes the device; the interface disappears. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
  }

  /** The error for a negative result of a batch call (or the status of a readable callback). */
  ioError(result: number, step: 'read' | 'write' | 'poll'): TunIoError {
    return new TunIoError(this.name, step, errnoName(-result));
  }
}

/**
 * Opens a TUN device, sets its MTU and brings it up. Offloads as asked (default: all), with a
 * clean fall-back to fewer when the kernel refuses them. Throws {@link TunOpenError}.
 */
export function openTun(options: TunOptions): TunDevice {
  const { name, mtu } = options;
  const offloads = options.offloads ?? TUN_OFFLOADS_ALL;
  // dev_valid_name (net/core/dev.c): 1-15 bytes, not . or .., no '/', ':' or white space.
  if (Buffer.byteLength(name) === 0 || Buffer.byteLength(name) > 15 || name === '.' || name === '..' || /[/:\s]/.test(name)) {
    throw new TunOpenError(name, 'interface name', 'EINVAL', 'a name is 1-15 bytes without "/", ":" or spaces');
  }
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
    throw new TunOpenError(name, 'MTU', 'EINVAL', `the MTU must be an integer from 68 to 65535, not ${mtu}`);
  }
  if (!Number.isInteger(offloads) || offloads < 0 || (offloads & ~TUN_OFFLOADS_ALL) !== 0) {
    throw new TunOpenError(name, 'offloads', 'EINVAL', `unknown offload flags in ${offloads}`);
  }
  const native = loadNative(name);
  let tun: NativeTun;
  try {
    tun = new native.Tun(name, mtu, offloads);
  } catch (e) {
    const { errno, step } = e as { errno?: unknown; step?: unknown };
    if (typeof errno !== 'number' || typeof step !== 'string') throw e;
    const errnoText = errnoName(errno);
    throw new TunOpenError(name, step, errnoText, openReason(name, step, errnoText));
  }
  return new TunDevice(tun, mtu);
}

/** Names of the offloads in a TUN_F_* mask, e.g. `csum tso4 tso6 uso4 uso6` (`none` for 0). */
export function offloadNames(mask: number): string {
  const names: string[] = [];
  if (mask & TUN_F_CSUM) names.push('csum');
  if (mask & TUN_F_TSO4) names.push('tso4');
  if (mask & TUN_F_TSO6) names.push('tso6');
  if (mask & TUN_F_USO4) names.push('uso4');
  if (mask & TUN_F_USO6) names.push('uso6');
  return names.length === 0 ? 'none' : names.join(' ');
}

/** The symbolic name of a (positive) errno, e.g. 1 → `EPERM`. */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}

/** What an open failure means, in the words an operator can act on. */
function openReason(name: string, step: string, errno: string): string {
  if (errno === 'EPERM' || errno === 'EACCES') return 'creating a TUN device needs root (CAP_NET_ADMIN)';
  if (step === 'open /dev/net/tun' && (errno === 'ENOENT' || errno === 'ENODEV' || errno === 'ENXIO')) {
    return '/dev/net/tun is missing: the tun module is not loaded or the device node does not exist';
  }
  if (step === 'TUNSETIFF' && errno === 'EBUSY') return `${name} is taken: another process holds that TUN device`;
  if (step === 'TUNSETIFF' && errno === 'EINVAL') return `${name} is taken by an interface that is not a TUN device`;
  if (step === 'SIOCSIFMTU' && errno === 'EINVAL') return 'the kernel refuses that MTU for this device';
  return describeErrno(errno);
}

let nativeModule: NativeModule | undefined;

/**
 * Loads the addon on first use (replay never needs it). It is found from this file's place:
 * `dist/src/io/tun.js` when run as compiled, `dist/portcullis.bundle.js` in the bundled CLI (where
 * `import.meta.url` is the bundle's, scripts/bundle.mjs), so the directory holding
 * `native/binding.gyp` is looked for upwards. `createRequire` keeps esbuild from bundling
 * node-gyp-build and the `.node` file: both load from disk at run time.
 */
export function loadNative(device: string): NativeModule {
  if (nativeModule !== undefined) return nativeModule;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'native', 'binding.gyp'))) break;
    const up = dirname(dir);
    if (up === dir) throw new TunOpenError(device, 'loading the addon', 'ENOENT', `no native/binding.gyp above ${dir}`);
    dir = up;
  }
  const require = createRequire(import.meta.url);
  const load = require('node-gyp-build') as (dir: string) => NativeModule;
  let loaded: NativeModule;
  try {
    loaded = load(join(dir, 'native'));
  } catch (e) {
    throw new TunOpenError(device, 'loading the addon', 'ENOENT',
      `native/ is not built (npm install builds it): ${(e as Error).message.split('\n')[0]}`);
  }
  const f = loaded.offloadFlags;
  if (f.CSUM !== TUN_F_CSUM || f.TSO4 !== TUN_F_TSO4 || f.TSO6 !== TUN_F_TSO6 || f.USO4 !== TUN_F_USO4 || f.USO6 !== TUN_F_USO6) {
    throw new TunOpenError(device, 'loading the addon', 'EINVAL', 'the addon was built with other TUN_F_* values than src/io/tun.ts');
  }
  nativeModule = loaded;
  return loaded;
}
