import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket } from '../../src/wire/decode.js';
import { verifyIpv4HeaderChecksum, verifyTransportChecksum } from '../../src/wire/verify.js';
import { Ipv4View } from '../../src/wire/ipv4.js';
import { FAULT_OK } from '../../src/wire/faults.js';
import { LINKTYPE_ETHERNET, PacketMeta } from '../../src/wire/packet.js';
import { UdpRepr } from '../../src/wire/udp.js';
import {
  SYN4_FRAME, SYN4_TCP_CHECKSUM, SYN6_FRAME, SYN6_TCP_CHECKSUM, buildFrame, dataRepr, echoRepr,
  ip4, ip6, udpRepr, withTcpChecksum,
} from './fixtures.js';

function meta(frame: Uint8Array): PacketMeta {
  const m = new PacketMeta();
  assert.equal(decodePacket(frame, 0, frame.length, LINKTYPE_ETHERNET, m), FAULT_OK);
  return m;
}

test('verifyTransportChecksum accepts the real SYNs once their checksums are final, and not before', () => {
  assert.equal(verifyTransportChecksum(meta(SYN4_FRAME)), false);
  assert.equal(verifyTransportChecksum(meta(withTcpChecksum(SYN4_FRAME, 34, SYN4_TCP_CHECKSUM))), true);
  assert.equal(verifyTransportChecksum(meta(SYN6_FRAME)), false);
  assert.equal(verifyTransportChecksum(meta(withTcpChecksum(SYN6_FRAME, 54, SYN6_TCP_CHECKSUM))), true);
});

test('verifyTransportChecksum catches one flipped bit in TCP, UDP, ICMP and ICMPv6', () => {
  const frames = [
    buildFrame(ip4(), dataRepr()).frame, buildFrame(ip6(), dataRepr()).frame,
    buildFrame(ip4(), udpRepr()).frame, buildFrame(ip6(), udpRepr()).frame,
    buildFrame(ip4(), echoRepr(4)).frame, buildFrame(ip6(), echoRepr(6)).frame,
  ];
  for (const f of frames) {
    assert.equal(verifyTransportChecksum(meta(f)), true);
    const bad = f.slice();
    bad[bad.length - 1] ^= 0x10;
    assert.equal(verifyTransportChecksum(meta(bad)), false);
  }
});

test('a zero UDP checksum means "none" over IPv4 and is invalid over IPv6 (RFC 8200 §8.1)', () => {
  for (const [ip, want] of [[ip4(), true], [ip6(), false]] as const) {
    const b = buildFrame(ip, udpRepr()).frame;
    const m = meta(b);
    b[m.l4Offset + 6] = 0;
    b[m.l4Offset + 7] = 0;
    assert.equal(verifyTransportChecksum(m), want);
  }
});

test('the UDP checksum covers the UDP length, not trailing IP padding', () => {
  const u = new UdpRepr();
  u.srcPort = 1; u.dstPort = 2; u.payload = Uint8Array.of(1, 2, 3);
  const ip = ip4();
  const b = buildFrame(ip, u).frame;
  // Claim four more IP payload bytes than the UDP datagram holds.
  const padded = new Uint8Array(b.length + 4);
  padded.set(b);
  padded[16 + 1] += 4;
  const v = new Ipv4View();
  v.bind(padded, 14, padded.length - 14);
  v.fillChecksum();
  const m = meta(padded);
  assert.equal(m.payloadLength, 3);
  assert.equal(verifyTransportChecksum(m), true);
});

test('verifyIpv4HeaderChecksum detects a corrupted header', () => {
  const v = new Ipv4View();
  const b = SYN4_FRAME.slice();
  v.bind(b, 14, 60);
  assert.equal(verifyIpv4HeaderChecksum(v), true);
  b[22] = 1; // TTL
  assert.equal(verifyIpv4HeaderChecksum(v), false);
});
