/**
 * The login tap's BPF program (src/io/tap.ts loginTapFilter), run by a small classic-BPF
 * interpreter over crafted packets: it takes TCP to the interface's own addresses and login
 * ports, arriving; it leaves everything else (forwarded traffic above all, which the TUN device
 * hands to the engine already) unseen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginTapFilter } from '../../src/io/tap.js';
import { parseIpv4, parseIpv6 } from '../../src/wire/addr.js';
import { CaptureBuilder } from '../../captures/tools/builder.js';

const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;

/** Runs a classic BPF program over `pkt` (the IP packet), as the kernel does for a SOCK_DGRAM packet socket. */
function runBpf(prog: Uint32Array, pkt: Uint8Array, protocol: number, pktType: number): number {
  let a = 0, x = 0;
  const byte = (k: number): number => {
    if (k >= pkt.length) throw new Error('out of packet');
    return pkt[k]!;
  };
  const load = (size: number, k: number): number => {
    if (k >= 0xfffff000) return (k - 0xfffff000) === 0 ? protocol : (k - 0xfffff000) === 4 ? pktType : NaN;
    if (size === 0x00) return ((byte(k) << 24) | (byte(k + 1) << 16) | (byte(k + 2) << 8) | byte(k + 3)) >>> 0;
    if (size === 0x08) return (byte(k) << 8) | byte(k + 1);
    return byte(k);
  };
  for (let pc = 0; pc < prog.length / 4;) {
    const [code, jt, jf, k] = [prog[pc * 4]!, prog[pc * 4 + 1]!, prog[pc * 4 + 2]!, prog[pc * 4 + 3]!];
    pc++;
    try {
      if ((code & 0x07) === 0x06) return k;
      if (code === 0xb1) x = (byte(k) & 0x0f) * 4;
      else if ((code & 0xe7) === 0x20) a = load(code & 0x18, k);
      else if ((code & 0xe7) === 0x40) a = load(code & 0x18, x + k);
      else if (code === 0x15) pc += a === k ? jt : jf;
      else if (code === 0x45) pc += (a & k) !== 0 ? jt : jf;
      else throw new Error(`opcode ${code.toString(16)} not interpreted`);
    } catch {
      return 0; // a load past the packet's end: the kernel drops it
    }
  }
  throw new Error('fell off the program');
}

const OWN4 = '10.50.1.1', OWN6 = 'fd00:50:1::1';
const prog = loginTapFilter([parseIpv4(OWN4)!], [parseIpv6(OWN6)!], [443, 80]);

function tcp(src: string, dst: string, dport: number): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).tcp({ timeMs: 0, src, dst, sport: 40000, dport, flags: 'SYN', seq: 1 }).packets()[0]!.bytes;
}

function udp(src: string, dst: string, dport: number): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).udp({ timeMs: 0, src, dst, sport: 40000, dport, payload: new Uint8Array(4) }).packets()[0]!.bytes;
}

const v4 = (p: Uint8Array, type = PACKET_HOST): boolean => runBpf(prog, p, 0x0800, type) > 0;
const v6 = (p: Uint8Array, type = PACKET_HOST): boolean => runBpf(prog, p, 0x86dd, type) > 0;

test('the tap takes TCP to the interface\'s own addresses and login ports, IPv4 and IPv6', () => {
  assert.equal(v4(tcp('10.50.1.2', OWN4, 443)), true);
  assert.equal(v4(tcp('10.50.1.2', OWN4, 80)), true);
  assert.equal(v6(tcp('fd00:50:1::2', OWN6, 443)), true);
  // An IPv4 header with options: the port is found after it.
  const opts = tcp('10.50.1.2', OWN4, 443);
  const withOpts = new Uint8Array(opts.length + 4);
  withOpts.set(opts.subarray(0, 20));
  withOpts.set([1, 1, 1, 1], 20);
  withOpts.set(opts.subarray(20), 24);
  withOpts[0] = 0x46;
  assert.equal(v4(withOpts), true);
  assert.ok(prog.length / 4 <= 64, `${prog.length / 4} instructions`);
});

test('the tap leaves alone forwarded traffic, other ports, UDP, later fragments and the host\'s own output', () => {
  assert.equal(v4(tcp('10.50.1.2', '10.50.2.2', 443)), false, 'forwarded: not to the gateway');
  assert.equal(v6(tcp('fd00:50:1::2', 'fd00:50:2::2', 443)), false);
  assert.equal(v6(tcp('fd00:50:1::2', 'fd00:50:1::3', 443)), false, 'another address of the same subnet');
  assert.equal(v4(tcp('10.50.1.2', OWN4, 22)), false);
  assert.equal(v6(tcp('fd00:50:1::2', OWN6, 8443)), false);
  assert.equal(v4(udp('10.50.1.2', OWN4, 443)), false);
  assert.equal(v6(udp('fd00:50:1::2', OWN6, 443)), false);
  const frag = tcp('10.50.1.2', OWN4, 443);
  frag[6] = 0x00;
  frag[7] = 0x10; // fragment offset 16 (×8 bytes): no TCP header here
  assert.equal(v4(frag), false);
  assert.equal(v4(tcp(OWN4, '10.50.1.2', 443), PACKET_OUTGOING), false, 'sent by the host');
  assert.equal(v4(tcp('10.50.1.2', OWN4, 443), PACKET_OUTGOING), false);
  assert.equal(runBpf(prog, tcp('10.50.1.2', OWN4, 443), 0x0806, PACKET_HOST), 0, 'not IP');
});

test('an interface with addresses of one family only, and jumps within reach for many addresses', () => {
  const only4 = loginTapFilter([parseIpv4(OWN4)!], [], [443]);
  assert.equal(runBpf(only4, tcp('10.50.1.2', OWN4, 443), 0x0800, PACKET_HOST) > 0, true);
  assert.equal(runBpf(only4, tcp('fd00:50:1::2', OWN6, 443), 0x86dd, PACKET_HOST), 0);
  const only6 = loginTapFilter([], [parseIpv6(OWN6)!], [443]);
  assert.equal(runBpf(only6, tcp('10.50.1.2', OWN4, 443), 0x0800, PACKET_HOST), 0);
  assert.equal(runBpf(only6, tcp('fd00:50:1::2', OWN6, 443), 0x86dd, PACKET_HOST) > 0, true);
  const many = Array.from({ length: 20 }, (_, i) => parseIpv6(`fd00:50:1::${i + 1}`)!);
  const prog20 = loginTapFilter([parseIpv4(OWN4)!], many, [443]);
  assert.equal(runBpf(prog20, tcp('fd00:50:1::99', 'fd00:50:1::20', 443), 0x86dd, PACKET_HOST) > 0, true);
  assert.equal(runBpf(prog20, tcp('fd00:50:1::99', 'fd00:50:1::21', 443), 0x86dd, PACKET_HOST), 0);
});
