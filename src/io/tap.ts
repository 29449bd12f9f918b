/**
 * Observation taps: an AF_PACKET socket (SOCK_DGRAM, so IP packets without their link header)
 * bound to one interface, with a classic BPF program attached before it is bound, read in
 * batches through the TUN addon (native/tun.cc, `new Tun({ tap, filter })`): one N-API call per
 * batch, a non-blocking descriptor polled by libuv. A tap only observes — the kernel delivers
 * the packets as it would anyway, and nothing is ever written through a tap.
 *
 * The live gateway taps the packets addressed to its own login service on its inside
 * interfaces (they are the host stack's, so they never enter a TUN device), so that `debug ip
 * auth-proxy detailed` shows them as IOS does (spec §2, the seed's `dstport_index=0` lines).
 * {@link loginTapFilter} builds the program: TCP to one of the interface's own addresses and to
 * one of the login ports, arriving (not sent by the host), first fragments only.
 */
import { PacketTapError } from '../errors.js';
import { errnoName, loadNative, type NativeTun } from './tun.js';

/** An open tap. */
export class PacketTap {
  /** The interface observed. */
  readonly name: string;
  /** Counters, indexed by TUN_READ_BATCHES … (src/io/tun.ts); only the read ones move. */
  readonly counters: Float64Array;
  /** The largest packet a read can hand over (65,535); a read buffer must be longer. */
  readonly frameMax: number;
  readonly #native: NativeTun;
  #closed = false;

  /** @internal Use {@link openPacketTap}. */
  constructor(native: NativeTun) {
    this.#native = native;
    this.name = native.name;
    this.counters = native.counters;
    this.frameMax = native.frameMax;
  }

  /** As `TunDevice.readBatch` (no virtio headers): packets read, 0 when none waits, or a negative errno. */
  readBatch(buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array): number {
    return this.#native.readBatch(buf, offsets, lengths, null);
  }

  /** As `TunDevice.onReadable`. */
  onReadable(callback: (status: number) => void): void {
    this.#native.startPolling(callback);
  }

  /** No more readable callbacks. */
  pause(): void {
    this.#native.stopPolling();
  }

  /** Stops polling and closes the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
  }
}

/** Opens a tap on interface `name` with BPF program `filter` (four numbers per instruction). Throws {@link PacketTapError}. */
export function openPacketTap(name: string, filter: Uint32Array): PacketTap {
  const native = loadNative(name);
  try {
    return new PacketTap(new native.Tun({ tap: name, filter }));
  } catch (e) {
    const { errno, step } = e as { errno?: unknown; step?: unknown };
    if (typeof errno !== 'number' || typeof step !== 'string') throw e;
    throw new PacketTapError(name, step, errnoName(errno));
  }
}

// Classic BPF (linux/filter.h, linux/bpf_common.h).
const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_JMP = 0x05, BPF_RET = 0x06;
const BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10;
const BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MSH = 0xa0;
const BPF_JEQ = 0x10, BPF_JSET = 0x40;
/** Ancillary loads: the skb's protocol (EtherType) and packet type. */
const SKF_AD_PROTOCOL = (-0x1000 + 0) >>> 0;
const SKF_AD_PKTTYPE = (-0x1000 + 4) >>> 0;
const PACKET_OUTGOING = 4;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const IPPROTO_TCP = 6;
/** What an accepting program returns: bytes to keep (all). */
const ACCEPT_BYTES = 0x40000;

type Insn = { code: number; jt: number | string; jf: number | string; k: number } | { label: string };

/**
 * The tap program for TCP segments to one of `ports` on one of the addresses `v4` (uint32) or
 * `v6` (four big-endian words each), arriving on the interface: IPv4 first fragments (any
 * header length) and IPv6 packets whose next header is TCP (no extension headers). Everything
 * else is left to the kernel alone, unseen.
 */
export function loginTapFilter(v4: readonly number[], v6: readonly Uint32Array[], ports: readonly number[]): Uint32Array {
  if (ports.length === 0) throw new RangeError('a tap filter needs at least one port');
  const p: Insn[] = [];
  const ld = (size: number, k: number): void => void p.push({ code: BPF_LD | size | BPF_ABS, jt: 0, jf: 0, k: k >>> 0 });
  const jeq = (k: number, jt: number | string, jf: number | string): void => void p.push({ code: BPF_JMP | BPF_JEQ | 0, jt, jf, k: k >>> 0 });
  const label = (name: string): void => void p.push({ label: name });
  const portCheck = (): void => {
    ports.forEach((port, i) => jeq(port, 'accept', i === ports.length - 1 ? 'drop' : 0));
  };
  ld(BPF_W, SKF_AD_PKTTYPE);
  jeq(PACKET_OUTGOING, 'drop', 0);
  ld(BPF_W, SKF_AD_PROTOCOL);
  jeq(ETH_P_IP, 'v4', 0);
  jeq(ETH_P_IPV6, 'v6', 'drop');
  label('v4');
  ld(BPF_B, 9);
  jeq(IPPROTO_TCP, 0, 'drop');
  ld(BPF_W, 16);
  if (v4.length === 0) p.push({ code: BPF_RET, jt: 0, jf: 0, k: 0 });
  v4.forEach((a, i) => jeq(a, 'v4port', i === v4.length - 1 ? 'drop' : 0));
  label('v4port');
  ld(BPF_H, 6);
  p.push({ code: BPF_JMP | BPF_JSET, jt: 'drop', jf: 0, k: 0x1fff });
  p.push({ code: BPF_LDX | BPF_B | BPF_MSH, jt: 0, jf: 0, k: 0 });
  p.push({ code: BPF_LD | BPF_H | BPF_IND, jt: 0, jf: 0, k: 2 });
  portCheck();
  label('v6');
  ld(BPF_B, 6);
  jeq(IPPROTO_TCP, 0, 'drop');
  v6.forEach((a, i) => {
    const next = `v6next${i}`;
    for (let w = 0; w < 4; w++) {
      ld(BPF_W, 24 + 4 * w);
      jeq(a[w]!, w === 3 ? 'v6port' : 0, next);
    }
    label(next);
  });
  p.push({ code: BPF_RET, jt: 0, jf: 0, k: 0 });
  label('v6port');
  ld(BPF_H, 40 + 2);
  portCheck();
  label('accept');
  p.push({ code: BPF_RET, jt: 0, jf: 0, k: ACCEPT_BYTES });
  label('drop');
  p.push({ code: BPF_RET, jt: 0, jf: 0, k: 0 });
  return assemble(p);
}

/** Resolves labels to relative jumps (classic BPF jumps forward only, at most 255 instructions). */
function assemble(p: readonly Insn[]): Uint32Array {
  const at = new Map<string, number>();
  const insns: { code: number; jt: number | string; jf: number | string; k: number }[] = [];
  for (const x of p) {
    if ('label' in x) at.set(x.label, insns.length);
    else insns.push(x);
  }
  const out = new Uint32Array(insns.length * 4);
  insns.forEach((x, i) => {
    const rel = (t: number | string): number => {
      if (typeof t === 'number') return t;
      const d = at.get(t)! - i - 1;
      if (d < 0 || d > 255) throw new RangeError(`BPF jump to ${t} out of reach (${d})`);
      return d;
    };
    out.set([x.code, rel(x.jt), rel(x.jf), x.k], i * 4);
  });
  return out;
}
