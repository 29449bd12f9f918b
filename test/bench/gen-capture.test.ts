import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  generateCapture, ensureCapture, newCaptureTally, captureCachePath, GEN_SNAPLEN_HEADERS, GEN_SNAPLEN_FULL,
} from '../../bench/lib/gen-capture.js';
import { scanPcap } from '../../bench/lib/pcap-scan.js';
import { ensureTool } from '../../bench/lib/harness.js';
import { foldChecksum, internetChecksum, pseudoHeaderSum4, sumWords } from '../../src/wire/checksum.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-gen-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const SMALL = { packets: 6000, flows: 150, seed: 42 };

interface Rec {
  readonly tsUs: number;
  readonly caplen: number;
  readonly origlen: number;
  readonly bytes: Buffer;
}

/** An independent reader for the little-endian classic pcap files the generator writes. */
function readPcap(path: string): { snaplen: number; linkType: number; records: Rec[] } {
  const b = readFileSync(path);
  assert.equal(b.readUInt32LE(0), 0xa1b2c3d4);
  assert.equal(b.readUInt16LE(4), 2);
  assert.equal(b.readUInt16LE(6), 4);
  const records: Rec[] = [];
  let o = 24;
  while (o < b.length) {
    assert.ok(o + 16 <= b.length, 'record header cut');
    const caplen = b.readUInt32LE(o + 8);
    records.push({
      tsUs: b.readUInt32LE(o) * 1e6 + b.readUInt32LE(o + 4),
      caplen,
      origlen: b.readUInt32LE(o + 12),
      bytes: b.subarray(o + 16, o + 16 + caplen),
    });
    o += 16 + caplen;
  }
  assert.equal(o, b.length, 'file ends inside a record');
  return { snaplen: b.readUInt32LE(16), linkType: b.readUInt32LE(20), records };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const hdrPath = join(dir, 'hdr.pcap');
const fullPath = join(dir, 'full.pcap');
const hdrTally = newCaptureTally();
const fullTally = newCaptureTally();
generateCapture({ ...SMALL, snaplen: GEN_SNAPLEN_HEADERS, path: hdrPath }, hdrTally);
generateCapture({ ...SMALL, snaplen: GEN_SNAPLEN_FULL, path: fullPath }, fullTally);
const hdr = readPcap(hdrPath);
const full = readPcap(fullPath);

test('the same parameters give the same bytes; another seed gives others', () => {
  const again = join(dir, 'again.pcap');
  generateCapture({ ...SMALL, snaplen: GEN_SNAPLEN_HEADERS, path: again });
  assert.equal(sha256(again), sha256(hdrPath));
  const other = join(dir, 'other.pcap');
  generateCapture({ ...SMALL, seed: 43, snaplen: GEN_SNAPLEN_HEADERS, path: other });
  assert.notEqual(sha256(other), sha256(hdrPath));
});

test('writes exactly the requested number of Ethernet records, timestamps non-decreasing', () => {
  assert.equal(hdr.records.length, SMALL.packets);
  assert.equal(full.records.length, SMALL.packets);
  assert.equal(hdr.linkType, 1);
  assert.equal(hdr.snaplen, 96);
  assert.equal(full.snaplen, 65535);
  for (let i = 1; i < hdr.records.length; i++) assert.ok(hdr.records[i]!.tsUs >= hdr.records[i - 1]!.tsUs);
  assert.equal(hdrTally.tcp + hdrTally.udp, SMALL.packets);
});

test('headers-only records: caplen ≤ 96, original length the full IP packet, a prefix of the full-size record', () => {
  let snapped = 0;
  for (let i = 0; i < hdr.records.length; i++) {
    const h = hdr.records[i]!;
    const f = full.records[i]!;
    assert.ok(h.caplen <= 96, `record ${i}: caplen ${h.caplen}`);
    assert.equal(h.origlen, 14 + h.bytes.readUInt16BE(16), `record ${i}: original length vs IP total length`);
    assert.equal(h.caplen, Math.min(96, h.origlen));
    assert.equal(f.origlen, h.origlen);
    assert.equal(f.caplen, f.origlen);
    assert.ok(f.bytes.subarray(0, h.caplen).equals(h.bytes), `record ${i}: not a prefix of the full-size record`);
    if (h.caplen < h.origlen) snapped++;
  }
  assert.ok(snapped > SMALL.packets / 4, `only ${snapped} records were cut by the snap length`);
});

test('full-size packets carry valid IPv4, TCP and UDP checksums (RFC 791, RFC 9293 §3.1, RFC 768)', () => {
  let payloadBytes = 0;
  for (let i = 0; i < full.records.length; i++) {
    const b = full.records[i]!.bytes;
    assert.equal(b.readUInt16BE(12), 0x0800);
    assert.equal(internetChecksum(b, 14, 20), 0, `record ${i}: IPv4 header checksum`);
    const total = b.readUInt16BE(16);
    const proto = b[23]!;
    const l4len = total - 20;
    const sum = sumWords(b, 34, l4len, pseudoHeaderSum4(b.readUInt32BE(26), b.readUInt32BE(30), proto, l4len));
    assert.equal(foldChecksum(sum), 0, `record ${i}: ${proto === 6 ? 'TCP' : 'UDP'} checksum`);
    payloadBytes += l4len - (proto === 6 ? (b[46]! >> 4) * 4 : 8);
  }
  assert.ok(payloadBytes > 0);
});

test('addresses: clients in 10.1.0.0/16 outside 10.1.0.0/24, servers in 10.2.0.0/16', () => {
  for (const r of hdr.records) {
    const src = r.bytes.readUInt32BE(26);
    const dst = r.bytes.readUInt32BE(30);
    const client = (src >>> 16) === 0x0a01 ? src : dst;
    const server = client === src ? dst : src;
    assert.equal(client >>> 16, 0x0a01);
    assert.notEqual(client >>> 8, 0x0a0100);
    assert.equal(server >>> 16, 0x0a02);
  }
});

test('TCP connections: handshake first, contiguous sequence numbers, ACKs of the peer\'s next byte', () => {
  // Per direction of each 5-tuple: the next sequence number expected.
  const next = new Map<string, number>();
  let handshakes = 0;
  let closes = 0;
  for (const r of full.records) {
    const b = r.bytes;
    if (b[23] !== 6) continue;
    const src = b.readUInt32BE(26), dst = b.readUInt32BE(30);
    const sp = b.readUInt16BE(34), dp = b.readUInt16BE(36);
    const seq = b.readUInt32BE(38), ack = b.readUInt32BE(42);
    const flags = b[47]!;
    const len = b.readUInt16BE(16) - 20 - (b[46]! >> 4) * 4;
    const fwd = `${src}:${sp}>${dst}:${dp}`;
    const rev = `${dst}:${dp}>${src}:${sp}`;
    const expected = next.get(fwd);
    if (expected === undefined) {
      // The first packet of each direction is a SYN (or SYN-ACK).
      assert.ok((flags & 0x02) !== 0, `${fwd}: first packet has flags ${flags.toString(16)}`);
      if ((flags & 0x10) !== 0) {
        assert.equal(ack, next.get(rev), `${fwd}: SYN-ACK acknowledges the SYN`);
        handshakes++;
      }
    } else if ((flags & 0x02) !== 0) {
      assert.equal(seq, (expected - 1) >>> 0, `${fwd}: SYN retransmission keeps its sequence number`);
      continue;
    } else {
      assert.equal(seq, expected, `${fwd}: sequence gap`);
      if ((flags & 0x10) !== 0) assert.equal(ack, next.get(rev), `${fwd}: ACK is not the peer's next byte`);
    }
    if ((flags & 0x01) !== 0) closes++;
    next.set(fwd, (seq + len + ((flags & 0x03) !== 0 ? 1 : 0)) >>> 0);
  }
  assert.ok(handshakes > SMALL.flows / 2, `${handshakes} handshakes`);
  assert.ok(closes > 0);
});

test('mixed destination ports: tcp dst port 80 matches a fraction; tallies agree with an independent scan and tcpdump', () => {
  assert.ok(hdrTally.tcpDstPort80 > 0.03 * SMALL.packets && hdrTally.tcpDstPort80 < 0.5 * SMALL.packets,
    `${hdrTally.tcpDstPort80} packets to port 80`);
  assert.ok(hdrTally.udp > 0);
  const ports = new Set<number>();
  for (const r of hdr.records) if (r.bytes[23] === 6 && (r.bytes.readUInt32BE(26) >>> 16) === 0x0a01) ports.add(r.bytes.readUInt16BE(36));
  for (const p of [80, 443, 22, 25, 8080]) assert.ok(ports.has(p), `no TCP traffic to port ${p}`);
  const scan = { packets: 0, matched: 0 };
  scanPcap(hdrPath, scan);
  assert.equal(scan.packets, SMALL.packets);
  assert.equal(scan.matched, hdrTally.tcpDstPort80);
  const tcpdump = ensureTool('tcpdump');
  const r = spawnSync(tcpdump, ['-nr', fullPath, 'tcp dst port 80'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, fullTally.tcpDstPort80);
});

test('too few packets for the flows is a RangeError; the cache returns the same file', () => {
  assert.throws(() => generateCapture({ packets: 10, flows: 100, snaplen: 96, seed: 1, path: join(dir, 'x.pcap') }), RangeError);
  const p = { ...SMALL, packets: 3000, snaplen: GEN_SNAPLEN_HEADERS, path: join(dir, 'cached.pcap') };
  const first = ensureCapture(p);
  const second = ensureCapture(p);
  assert.equal(first.cached, false);
  assert.equal(second.cached, true);
  assert.equal(second.bytes, first.bytes);
  assert.notEqual(captureCachePath({ ...p, seed: 1 }), captureCachePath({ ...p, seed: 2 }));
  assert.notEqual(captureCachePath({ ...p, snaplen: 96 }), captureCachePath({ ...p, snaplen: 65535 }));
});
