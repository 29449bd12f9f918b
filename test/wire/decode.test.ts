import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeIp, decodePacket, decodePacketFully } from '../../src/wire/decode.js';
import {
  FAULT_BAD_IP_LENGTH, FAULT_BAD_IP_VERSION, FAULT_BAD_TCP_OFFSET, FAULT_BAD_TCP_OPTIONS,
  FAULT_BAD_UDP_LENGTH, FAULT_COUNT, FAULT_NOT_IP, FAULT_OK, FAULT_TRUNCATED_IP,
  FAULT_TRUNCATED_L4, FAULT_TRUNCATED_LINK,
} from '../../src/wire/faults.js';
import {
  FRAG_FIRST, FRAG_LATER, FRAG_NONE, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW, PacketMeta,
} from '../../src/wire/packet.js';
import { EthernetView } from '../../src/wire/ethernet.js';
import { Ipv4Repr, Ipv4View } from '../../src/wire/ipv4.js';
import { Ipv6Repr, Ipv6View } from '../../src/wire/ipv6.js';
import { TcpRepr, TcpView } from '../../src/wire/tcp.js';
import { UdpRepr, UdpView } from '../../src/wire/udp.js';
import { IcmpRepr, IcmpView } from '../../src/wire/icmp.js';
import { verifyTransportChecksum } from '../../src/wire/verify.js';
import {
  SYN4_FRAME, SYN6_FRAME, buildFrame, dataRepr, echoRepr, extChain, fromHex, ip4, ip6,
  synRepr, udpRepr,
} from './fixtures.js';

const ALL_LINK_TYPES = [
  LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL,
  LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2,
];

function decode(frame: Uint8Array, linkType = LINKTYPE_ETHERNET, meta = new PacketMeta()): [number, PacketMeta] {
  return [decodePacket(frame, 0, frame.length, linkType, meta), meta];
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Offsets and lengths a successful decode must keep inside the captured frame. */
function assertInBounds(m: PacketMeta, off: number, len: number): void {
  const end = off + len;
  assert.ok(m.l3Offset >= off && m.l3Offset <= end, 'l3Offset');
  assert.ok(m.l4Offset >= m.l3Offset && m.l4Offset <= end, 'l4Offset');
  assert.ok(m.payloadOffset >= m.l4Offset && m.payloadOffset <= end, 'payloadOffset');
  assert.ok(m.payloadCaptured >= 0 && m.payloadOffset + m.payloadCaptured <= end, 'payloadCaptured');
  assert.ok(m.payloadCaptured <= m.payloadLength, 'payloadCaptured <= payloadLength');
  assert.ok(m.ipVersion === 4 || m.ipVersion === 6);
}

test('decodePacket decodes a real Linux IPv4 SYN (fields as Wireshark shows them)', () => {
  const [f, m] = decode(SYN4_FRAME);
  assert.equal(f, FAULT_OK);
  assert.equal(m.linkType, LINKTYPE_ETHERNET);
  assert.equal(m.capturedLength, 74);
  assert.equal(m.vlanCount, 0);
  assert.equal(m.l3Offset, 14);
  assert.equal(m.ipVersion, 4);
  assert.equal(m.ipHeaderLength, 20);
  assert.equal(m.ipTotalLength, 60);
  assert.equal(m.ttl, 64);
  assert.equal(m.src4, 0x7f000001);
  assert.equal(m.dst4, 0x7f000001);
  assert.deepEqual([...m.srcAddr], [0, 0, 0xffff, 0x7f000001]);
  assert.equal(m.proto, 6);
  assert.equal(m.fragment, FRAG_NONE);
  assert.equal(m.l4Offset, 34);
  assert.equal(m.l4Length, 40);
  assert.equal(m.srcPort, 58486);
  assert.equal(m.dstPort, 45678);
  assert.equal(m.tcpFlags, 0x02);
  assert.equal(m.seq, 411611904);
  assert.equal(m.ack, 0);
  assert.equal(m.window, 65495);
  assert.equal(m.tcpHeaderLength, 40);
  assert.equal(m.tcpMss, 65495);
  assert.equal(m.tcpWindowScale, 10);
  assert.equal(m.tcpSackPermitted, true);
  assert.equal(m.tcpHasTimestamp, true);
  assert.equal(m.tcpTsVal, 1591936786);
  assert.equal(m.tcpTsEcr, 0);
  assert.equal(m.payloadOffset, 74);
  assert.equal(m.payloadLength, 0);
  assert.equal(m.payloadCaptured, 0);
  assert.equal(m.icmpType, -1);
  assert.equal(m.snapped, false);
  // Loopback hands over CHECKSUM_PARTIAL segments: the stored sum is not the final one.
  assert.equal(verifyTransportChecksum(m), false);
});

test('decodePacket decodes a real Linux IPv6 SYN', () => {
  const [f, m] = decode(SYN6_FRAME);
  assert.equal(f, FAULT_OK);
  assert.equal(m.ipVersion, 6);
  assert.equal(m.ipHeaderLength, 40);
  assert.equal(m.ipTotalLength, 80);
  assert.equal(m.ttl, 64);
  assert.deepEqual([...m.srcAddr], [0, 0, 0, 1]);
  assert.deepEqual([...m.dstAddr], [0, 0, 0, 1]);
  assert.equal(m.src4, 0);
  assert.equal(m.proto, 6);
  assert.equal(m.srcPort, 46430);
  assert.equal(m.dstPort, 45679);
  assert.equal(m.seq, 3944019767);
  assert.equal(m.tcpMss, 65476);
  assert.equal(m.tcpWindowScale, 10);
  assert.equal(m.tcpTsVal, 864268755);
  assert.equal(m.payloadLength, 0);
});

/** The IPv4 SYN without its Ethernet header. */
const SYN4_IP = SYN4_FRAME.slice(14);
const SYN6_IP = SYN6_FRAME.slice(14);

const be16 = (v: number) => Uint8Array.of(v >>> 8, v & 0xff);
const mac = fromHex('020000000001020000000002');
const sll = (proto: number) => concat(fromHex('0000030400060000000000000000'), be16(proto));
const sll2 = (proto: number) => concat(be16(proto), fromHex('0000000000020001000600000000000000000000').subarray(0, 18));

const WRAPPINGS: Array<[string, number, Uint8Array, Uint8Array, number, number]> = [
  // name, link type, header before SYN4, header before SYN6, vlanCount, vlanId
  ['Ethernet', LINKTYPE_ETHERNET, concat(mac, be16(0x0800)), concat(mac, be16(0x86dd)), 0, 0],
  ['802.1Q', LINKTYPE_ETHERNET, concat(mac, fromHex('81006064'), be16(0x0800)),
    concat(mac, fromHex('81000064'), be16(0x86dd)), 1, 100],
  ['QinQ 802.1ad', LINKTYPE_ETHERNET, concat(mac, fromHex('88a800c8 8100012c'.replace(' ', '')), be16(0x0800)),
    concat(mac, fromHex('88a800c88100012c'), be16(0x86dd)), 2, 200],
  ['QinQ 0x9100', LINKTYPE_ETHERNET, concat(mac, fromHex('91000fff81000001'), be16(0x0800)),
    concat(mac, fromHex('91000fff81000001'), be16(0x86dd)), 2, 4095],
  ['Linux SLL', LINKTYPE_LINUX_SLL, sll(0x0800), sll(0x86dd), 0, 0],
  ['Linux SLL + VLAN', LINKTYPE_LINUX_SLL, concat(sll(0x8100), fromHex('0007'), be16(0x0800)),
    concat(sll(0x8100), fromHex('0007'), be16(0x86dd)), 1, 7],
  ['Linux SLL2', LINKTYPE_LINUX_SLL2, sll2(0x0800), sll2(0x86dd), 0, 0],
  ['Linux SLL2 + VLAN', LINKTYPE_LINUX_SLL2, concat(sll2(0x8100), fromHex('0009'), be16(0x0800)),
    concat(sll2(0x8100), fromHex('0009'), be16(0x86dd)), 1, 9],
  ['NULL little-endian', LINKTYPE_NULL, fromHex('02000000'), fromHex('1e000000'), 0, 0],
  ['NULL big-endian', LINKTYPE_NULL, fromHex('00000002'), fromHex('0000001c'), 0, 0],
  ['NULL NetBSD AF_INET6', LINKTYPE_NULL, fromHex('02000000'), fromHex('18000000'), 0, 0],
  ['LOOP', LINKTYPE_LOOP, fromHex('00000002'), fromHex('00000018'), 0, 0],
  ['RAW', LINKTYPE_RAW, new Uint8Array(0), new Uint8Array(0), 0, 0],
];

for (const [name, lt, h4, h6, vlans, vid] of WRAPPINGS) {
  test(`decodePacket finds the same IP packet behind ${name} framing`, () => {
    for (const [hdr, ip, v] of [[h4, SYN4_IP, 4], [h6, SYN6_IP, 6]] as const) {
      const frame = concat(new Uint8Array(3), hdr, ip);
      const m = new PacketMeta();
      assert.equal(decodePacket(frame, 3, frame.length - 3, lt, m), FAULT_OK, `IPv${v}`);
      assert.equal(m.frameOffset, 3);
      assert.equal(m.l3Offset, 3 + hdr.length);
      assert.equal(m.ipVersion, v);
      assert.equal(m.vlanCount, vlans);
      assert.equal(m.vlanId, vid);
      assert.equal(m.srcPort, v === 4 ? 58486 : 46430);
      assert.equal(m.tcpWindowScale, 10);
      // Every prefix that cuts a header is a fault, never an exception (a SYN has no payload).
      for (let n = 0; n < frame.length - 3; n++) {
        assert.notEqual(decodePacket(frame, 3, n, lt, m), FAULT_OK, `${name} IPv${v} prefix ${n}`);
      }
    }
  });
}

test('decodePacket with the IPV4/IPV6 link types insists on the matching version', () => {
  assert.equal(decode(SYN4_IP, LINKTYPE_IPV4)[0], FAULT_OK);
  assert.equal(decode(SYN6_IP, LINKTYPE_IPV6)[0], FAULT_OK);
  assert.equal(decode(SYN6_IP, LINKTYPE_IPV4)[0], FAULT_BAD_IP_VERSION);
  assert.equal(decode(SYN4_IP, LINKTYPE_IPV6)[0], FAULT_BAD_IP_VERSION);
  assert.equal(decode(concat(mac, be16(0x0800), SYN6_IP))[0], FAULT_BAD_IP_VERSION);
  assert.equal(decode(concat(fromHex('1c000000'), SYN4_IP), LINKTYPE_NULL)[0], FAULT_BAD_IP_VERSION);
  const v5 = SYN4_IP.slice();
  v5[0] = 0x55;
  assert.equal(decode(v5, LINKTYPE_RAW)[0], FAULT_BAD_IP_VERSION);
});

test('decodePacket reports non-IP frames as FAULT_NOT_IP', () => {
  const arp = concat(mac, be16(0x0806), new Uint8Array(28));
  assert.equal(decode(arp)[0], FAULT_NOT_IP);
  assert.equal(decode(concat(mac, fromHex('8100000a'), be16(0x0806), new Uint8Array(28)))[0], FAULT_NOT_IP);
  assert.equal(decode(concat(mac, fromHex('88a8000181000002 81000003'.replace(' ', '')), be16(0x0800), SYN4_IP))[0],
    FAULT_NOT_IP, 'three stacked tags');
  assert.equal(decode(concat(sll(0x0806), new Uint8Array(28)), LINKTYPE_LINUX_SLL)[0], FAULT_NOT_IP);
  assert.equal(decode(concat(sll2(0x88cc), new Uint8Array(28)), LINKTYPE_LINUX_SLL2)[0], FAULT_NOT_IP);
  assert.equal(decode(concat(fromHex('07000000'), SYN4_IP), LINKTYPE_NULL)[0], FAULT_NOT_IP);
  assert.equal(decode(concat(fromHex('02000002'), SYN4_IP), LINKTYPE_NULL)[0], FAULT_NOT_IP);
  assert.equal(decode(concat(fromHex('02000000'), SYN4_IP), LINKTYPE_LOOP)[0], FAULT_NOT_IP);
  assert.equal(decode(SYN4_IP, 147)[0], FAULT_NOT_IP, 'unknown link type');
});

test('decodePacket refuses a window that lies outside the buffer', () => {
  const m = new PacketMeta();
  assert.equal(decodePacket(SYN4_FRAME, 10, SYN4_FRAME.length, LINKTYPE_ETHERNET, m), FAULT_TRUNCATED_LINK);
  assert.equal(decodePacket(SYN4_FRAME, -1, 20, LINKTYPE_ETHERNET, m), FAULT_TRUNCATED_LINK);
  assert.equal(decodeIp(SYN4_IP, 0, SYN4_IP.length + 1, m), FAULT_TRUNCATED_IP);
});

test('decodeIp decodes packets that start at the IP header, either version', () => {
  const m = new PacketMeta();
  const buf = concat(new Uint8Array(5), SYN4_IP, SYN6_IP);
  assert.equal(decodeIp(buf, 5, SYN4_IP.length, m), FAULT_OK);
  assert.equal(m.linkType, LINKTYPE_RAW);
  assert.equal(m.l3Offset, 5);
  assert.equal(m.srcPort, 58486);
  assert.equal(decodeIp(buf, 5 + SYN4_IP.length, SYN6_IP.length, m), FAULT_OK);
  assert.equal(m.ipVersion, 6);
  assert.equal(m.src4, 0, 'IPv4 fields reset');
  assert.equal(decodeIp(buf, 0, 0, m), FAULT_TRUNCATED_IP);
});

/** Frames with payload, VLANs, options and extension headers, and where their headers end. */
function variedFrames(): Array<[string, Uint8Array, number]> {
  const out: Array<[string, Uint8Array, number]> = [];
  const add = (name: string, b: ReturnType<typeof buildFrame>) => {
    const m = new PacketMeta();
    assert.equal(decodePacket(b.frame, 0, b.frame.length, LINKTYPE_ETHERNET, m), FAULT_OK, name);
    out.push([name, b.frame, m.payloadOffset]);
  };
  const tags = [{ tpid: 0x88a8, pcp: 3, dei: false, vid: 10 }, { tpid: 0x8100, pcp: 0, dei: true, vid: 20 }];
  add('v4 TCP SYN', buildFrame(ip4(), synRepr()));
  add('v4 TCP data + SACK, QinQ', buildFrame(ip4(), dataRepr(), { tags }));
  add('v4 TCP data, IP options', buildFrame(ip4(), dataRepr(), { ipv4Options: fromHex('94040000') }));
  add('v4 UDP, 802.1Q', buildFrame(ip4(), udpRepr(), { tags: [tags[1]!] }));
  add('v4 ICMP echo', buildFrame(ip4(), echoRepr(4)));
  add('v6 TCP SYN', buildFrame(ip6(), synRepr()));
  add('v6 TCP data + extension chain', buildFrame(ip6(), dataRepr(), { extensions: extChain() }));
  add('v6 UDP + dest opts', buildFrame(ip6(), udpRepr(), { extensions: [extChain()[3]!] }));
  add('v6 ICMPv6 echo + hop-by-hop', buildFrame(ip6(), echoRepr(6), { extensions: [extChain()[0]!] }));
  return out;
}

test('every truncated prefix faults while headers are cut, and decodes as snapped once they are whole', () => {
  const m = new PacketMeta();
  for (const [name, frame, headersEnd] of variedFrames()) {
    for (let n = 0; n < frame.length; n++) {
      const f = decodePacket(frame, 0, n, LINKTYPE_ETHERNET, m);
      if (n < headersEnd) {
        assert.ok(f > FAULT_OK && f < FAULT_COUNT, `${name}: prefix ${n} gave ${f}`);
      } else {
        assert.equal(f, FAULT_OK, `${name}: prefix ${n}`);
        assert.equal(m.snapped, true);
        assert.equal(m.payloadCaptured, n - headersEnd);
        assert.equal(m.payloadLength, frame.length - headersEnd);
      }
    }
  }
});

test('a full-size segment captured with snaplen 96 decodes with snapped set', () => {
  const t = dataRepr();
  t.payload = new Uint8Array(1448).fill(0x41);
  const { frame } = buildFrame(ip4(), t);
  const [f, m] = decode(frame.subarray(0, 96));
  assert.equal(f, FAULT_OK);
  assert.equal(m.snapped, true);
  assert.equal(m.ipTotalLength, frame.length - 14);
  assert.equal(m.payloadLength, 1448);
  assert.equal(m.payloadCaptured, 96 - m.payloadOffset);
  assert.equal(m.seq, t.seq);
  assert.equal(verifyTransportChecksum(m), false, 'cannot verify what was not captured');
  const [f2, m2] = decode(frame);
  assert.equal(f2, FAULT_OK);
  assert.equal(m2.snapped, false);
  assert.equal(verifyTransportChecksum(m2), true);
});

test('Ethernet padding after a short datagram is not payload', () => {
  const t = new TcpRepr();
  t.flags = 0x10;
  const { frame } = buildFrame(ip4(), t);
  assert.equal(frame.length, 54);
  const padded = concat(frame, new Uint8Array(6));
  const [f, m] = decode(padded);
  assert.equal(f, FAULT_OK);
  assert.equal(m.payloadLength, 0);
  assert.equal(m.payloadCaptured, 0);
  assert.equal(m.snapped, false);
  assert.equal(verifyTransportChecksum(m), true);
});

test('TCP options are decoded on SYN only, and reset on the next packet', () => {
  const m = new PacketMeta();
  const syn = buildFrame(ip4(), synRepr()).frame;
  const data = buildFrame(ip4(), dataRepr()).frame;
  assert.equal(decodePacket(syn, 0, syn.length, LINKTYPE_ETHERNET, m), FAULT_OK);
  assert.equal(m.tcpMss, 1460);
  assert.equal(m.tcpWindowScale, 7);
  assert.equal(m.tcpSackPermitted, true);
  assert.equal(m.tcpHasTimestamp, true);
  assert.equal(m.tcpTsVal, 123456);
  assert.equal(decodePacket(data, 0, data.length, LINKTYPE_ETHERNET, m), FAULT_OK);
  assert.equal(m.tcpMss, 0);
  assert.equal(m.tcpWindowScale, -1);
  assert.equal(m.tcpSackPermitted, false);
  assert.equal(m.tcpHasTimestamp, false, 'timestamps on a non-SYN are not decoded');
  assert.equal(m.tcpTsVal, 0);
  // Malformed options (length 1) are a fault on a SYN and ignored elsewhere.
  for (const [frame, want] of [[syn, FAULT_BAD_TCP_OPTIONS], [data, FAULT_OK]] as const) {
    const bad = frame.slice();
    bad[34 + 20] = 2;
    bad[34 + 21] = 1;
    assert.equal(decodePacket(bad, 0, bad.length, LINKTYPE_ETHERNET, m), want);
  }
});

test('TCP data offset below 5 or past the segment is FAULT_BAD_TCP_OFFSET', () => {
  const frame = buildFrame(ip4(), synRepr()).frame;
  for (const [doff, want] of [[4, FAULT_BAD_TCP_OFFSET], [15, FAULT_BAD_TCP_OFFSET], [0, FAULT_BAD_TCP_OFFSET], [5, FAULT_OK]] as const) {
    const b = frame.slice();
    b[34 + 12] = doff << 4;
    assert.equal(decode(b)[0], want, `data offset ${doff}`);
  }
});

test('IPv4 length faults: total length below IHL, and a TCP header the datagram cannot hold', () => {
  const frame = buildFrame(ip4(), synRepr()).frame;
  const b = frame.slice();
  b[16] = 0; b[17] = 19;
  assert.equal(decode(b)[0], FAULT_BAD_IP_LENGTH);
  b[17] = 30;
  assert.equal(decode(b)[0], FAULT_TRUNCATED_L4);
});

test('IPv4 fragments: the first carries ports, later ones have no transport header', () => {
  const ip = ip4();
  ip.dontFragment = false;
  ip.moreFragments = true;
  const first = buildFrame(ip, dataRepr()).frame;
  const [f1, m1] = decode(first);
  assert.equal(f1, FAULT_OK);
  assert.equal(m1.fragment, FRAG_FIRST);
  assert.equal(m1.dstPort, 80);
  const later = ip4();
  later.fragmentOffset = 1480;
  const lf = buildFrame(later, fromHex('474554202f20485454502f312e310d0a')).frame;
  lf[23] = 6;
  // Protocol set after the checksum: fix it so the header stays valid.
  const v = new Ipv4View();
  v.bind(lf, 14, lf.length - 14);
  v.fillChecksum();
  const [f2, m2] = decode(lf);
  assert.equal(f2, FAULT_OK);
  assert.equal(m2.fragment, FRAG_LATER);
  assert.equal(m2.fragmentOffset, 1480);
  assert.equal(m2.proto, 6);
  assert.equal(m2.srcPort, 0);
  assert.equal(m2.dstPort, 0);
  assert.equal(m2.tcpFlags, 0);
  assert.equal(m2.payloadOffset, 34);
  assert.equal(m2.payloadLength, 16);
  assert.equal(verifyTransportChecksum(m2), false);
});

test('UDP length: larger than the IP payload is a fault unless the datagram is a first fragment', () => {
  const u = udpRepr();
  const { frame } = buildFrame(ip4(), u);
  const b = frame.slice();
  b[34 + 4] = 0x01; // UDP length 256+
  assert.equal(decode(b)[0], FAULT_BAD_UDP_LENGTH);
  b[34 + 4] = 0; b[34 + 5] = 7;
  assert.equal(decode(b)[0], FAULT_BAD_UDP_LENGTH);
  const ip = ip4();
  ip.moreFragments = true;
  ip.dontFragment = false;
  const first = buildFrame(ip, u).frame;
  first[34 + 4] = 0x05; // the whole datagram is longer than this fragment
  const [f, m] = decode(first);
  assert.equal(f, FAULT_OK);
  assert.equal(m.fragment, FRAG_FIRST);
  assert.equal(m.payloadLength, u.payload.length);
  assert.equal(m.dstPort, 53);
});

test('IPv6 extension headers are walked to the upper-layer protocol', () => {
  const b = buildFrame(ip6(), dataRepr(), { extensions: extChain() });
  const [f, m] = decode(b.frame);
  assert.equal(f, FAULT_OK);
  assert.equal(m.proto, 6);
  assert.equal(m.ipHeaderLength, b.ip.headerLength);
  assert.equal(m.fragment, FRAG_FIRST, 'M flag set, offset 0');
  assert.equal(m.srcPort, 3061);
  assert.equal(m.payloadLength, dataRepr().payload.length);
});

test('IPv6: a non-first fragment stops the walk; ESP and No Next Header have no transport header', () => {
  const later = ip6();
  const frag = { type: 44, body: fromHex('000b9100abcdef') }; // offset 0x0b90 = 2960, M = 1
  const [f, m] = decode(buildFrame(later, new Uint8Array(24), { extensions: [frag] }).frame);
  assert.equal(f, FAULT_OK);
  assert.equal(m.fragment, FRAG_LATER);
  assert.equal(m.fragmentOffset, 2960);
  assert.equal(m.srcPort, 0);
  assert.equal(m.payloadLength, 24);
  for (const nh of [50, 59]) {
    const r = ip6();
    r.protocol = nh;
    const [f2, m2] = decode(buildFrame(r, new Uint8Array(16), { extensions: [extChain()[3]!] }).frame);
    assert.equal(f2, FAULT_OK);
    assert.equal(m2.proto, nh);
    assert.equal(m2.srcPort, 0);
    assert.equal(m2.payloadOffset, 14 + 48);
    assert.equal(m2.payloadLength, 16);
  }
});

test('round trip: repr → emit → decode → repr, for TCP, UDP and ICMP over both IP versions', () => {
  const cases = [
    buildFrame(ip4(), synRepr()),
    buildFrame(ip4(), dataRepr(), { tags: [{ tpid: 0x8100, pcp: 5, dei: false, vid: 42 }] }),
    buildFrame(ip4(), udpRepr(), { ipv4Options: fromHex('01010100') }),
    buildFrame(ip4(), echoRepr(4)),
    buildFrame(ip6(), synRepr()),
    buildFrame(ip6(), dataRepr(), { extensions: extChain() }),
    buildFrame(ip6(), udpRepr()),
    buildFrame(ip6(), echoRepr(6), { extensions: [extChain()[0]!] }),
  ];
  const m = new PacketMeta();
  const eth = new EthernetView();
  const v4 = new Ipv4View(), v6 = new Ipv6View(), tcp = new TcpView(), udp = new UdpView(), icmp = new IcmpView();
  for (const b of cases) {
    assert.equal(decodePacket(b.frame, 0, b.frame.length, LINKTYPE_ETHERNET, m), FAULT_OK);
    // A fragment's checksum covers the reassembled datagram: it cannot be checked alone.
    assert.equal(verifyTransportChecksum(m), m.fragment === FRAG_NONE, 'emitted checksum verifies');
    assert.equal(eth.bind(b.frame, 0, b.frame.length), FAULT_OK);
    assert.equal(eth.payloadOffset, m.l3Offset);
    const ipLen = b.frame.length - m.l3Offset;
    if (m.ipVersion === 4) {
      assert.equal(v4.bind(b.frame, m.l3Offset, ipLen), FAULT_OK);
      assert.deepEqual(Ipv4Repr.parse(v4), b.ip);
    } else {
      assert.equal(v6.bind(b.frame, m.l3Offset, ipLen), FAULT_OK);
      assert.deepEqual(Ipv6Repr.parse(v6), b.ip);
    }
    const l4Len = m.l4Length;
    if (b.l4 instanceof TcpRepr) {
      assert.equal(tcp.bind(b.frame, m.l4Offset, l4Len), FAULT_OK);
      assert.deepEqual(TcpRepr.parse(tcp), b.l4);
    } else if (b.l4 instanceof UdpRepr) {
      assert.equal(udp.bind(b.frame, m.l4Offset, l4Len), FAULT_OK);
      assert.deepEqual(UdpRepr.parse(udp), b.l4);
    } else if (b.l4 instanceof IcmpRepr) {
      assert.equal(icmp.bind(b.frame, m.l4Offset, l4Len, m.ipVersion === 6), FAULT_OK);
      assert.deepEqual(IcmpRepr.parse(icmp), b.l4);
      assert.equal(m.icmpType, b.l4.type);
      assert.equal(m.icmpCode, b.l4.code);
    }
  }
});

test('decodePacket never throws on random bytes, for every link type', () => {
  const m = new PacketMeta();
  fc.assert(fc.property(fc.constantFrom(...ALL_LINK_TYPES), fc.uint8Array({ maxLength: 160 }),
    fc.nat(8), (lt, bytes, off) => {
      const buf = concat(new Uint8Array(off), bytes);
      const f = decodePacket(buf, off, bytes.length, lt, m);
      assert.ok(Number.isInteger(f) && f >= 0 && f < FAULT_COUNT);
      if (f === FAULT_OK) assertInBounds(m, off, bytes.length);
    }), { numRuns: 4000 });
});

test('decodePacket never throws on mutated valid frames (headers look plausible, fields do not)', () => {
  const frames = variedFrames().map(([, f]) => f);
  const m = new PacketMeta();
  fc.assert(fc.property(fc.constantFrom(...frames),
    fc.array(fc.tuple(fc.nat(120), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    fc.nat(400), (frame, edits, cut) => {
      const b = frame.slice(0, Math.min(frame.length, cut + 1));
      for (const [i, v] of edits) if (i < b.length) b[i] = v;
      const f = decodePacket(b, 0, b.length, LINKTYPE_ETHERNET, m);
      assert.ok(f >= 0 && f < FAULT_COUNT);
      if (f === FAULT_OK) assertInBounds(m, 0, b.length);
    }), { numRuns: 3000 });
});

/** Every field of a PacketMeta, the address arrays as plain arrays (for deepEqual). */
function metaFields(m: PacketMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) out[k] = v instanceof Uint32Array ? [...v] : v;
  return out;
}

test('the fast path decodes exactly as the full decode, fault and every field, into a used meta', () => {
  const frames = variedFrames().map(([, f]) => f);
  // Frames the fast path takes: untagged IPv4 TCP (with and without SYN options) and UDP.
  frames.push(buildFrame(ip4(), dataRepr()).frame, buildFrame(ip4(), udpRepr()).frame);
  const fast = new PacketMeta();
  const full = new PacketMeta();
  const seen = new Set<number>();
  fc.assert(fc.property(fc.constantFrom(...frames), fc.constantFrom(...frames),
    fc.array(fc.tuple(fc.nat(80), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
    fc.nat(200), fc.constantFrom(LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV4, -1),
    (before, frame, edits, cut, lt) => {
      // Both metas first hold some other packet, so a field the fast path forgot would show.
      decodePacketFully(before, 0, before.length, LINKTYPE_ETHERNET, fast);
      decodePacketFully(before, 0, before.length, LINKTYPE_ETHERNET, full);
      const skip = lt === LINKTYPE_ETHERNET ? 0 : 14;
      const b = frame.slice(skip, Math.min(frame.length, skip + cut + 1));
      for (const [i, v] of edits) if (i < b.length) b[i] = v;
      let f1: number;
      let f2: number;
      if (lt === -1) {
        f1 = decodeIp(b, 0, b.length, fast);
        f2 = decodePacketFully(b, 0, b.length, LINKTYPE_RAW, full);
      } else {
        f1 = decodePacket(b, 0, b.length, lt, fast);
        f2 = decodePacketFully(b, 0, b.length, lt, full);
      }
      assert.equal(f1, f2);
      assert.deepEqual(metaFields(fast), metaFields(full));
      if (f1 === FAULT_OK) seen.add(fast.proto);
    }), { numRuns: 6000 });
  assert.ok(seen.has(6) && seen.has(17), 'TCP and UDP frames decoded');
});
