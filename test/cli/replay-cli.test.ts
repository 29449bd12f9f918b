/**
 * The replay command as a user runs it: stdout carries only debug lines, the summary goes to
 * stderr, `--out`/`--dropped` are valid captures (read back by our reader and by tcpdump), a
 * truncated capture names the offset and keeps the output so far, a bad config starts nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapReader } from '../../src/io/pcap-reader.js';
import { decodeIp } from '../../src/wire/decode.js';
import { PacketMeta, LINKTYPE_RAW } from '../../src/wire/packet.js';
import { buildPcapng, type BlockSpec } from '../io/capture-builder.js';
import { inTempDir, root, run, seedCfg, seedPcap } from './run-cli.js';

/** The two-hosts golden's config with access-list 110 (`entries`) bound inbound on the inside. */
function twoHostsConfigWith(dir: string, entries: readonly string[]): string {
  const cfg = join(dir, 'acl110.cfg');
  writeFileSync(cfg, readFileSync(join(root, 'captures', 'two-hosts-interleaved.cfg'), 'utf8')
    .replace(' ip auth-proxy web\n', ' ip auth-proxy web\n ip access-group 110 in\n')
    .replace('end\n', `${entries.map((e) => `access-list 110 ${e}\n`).join('')}end\n`));
  return cfg;
}

function readAll(path: string): { linkType: number; packets: Uint8Array[] } {
  const r = PcapReader.open(path);
  const packets: Uint8Array[] = [];
  let linkType = -1;
  while (r.next()) {
    linkType = r.linkType;
    packets.push(r.buf.slice(r.offset, r.offset + r.capturedLength));
  }
  r.close();
  return { linkType, packets };
}

test('--out holds forwarded packets and the proxy\'s answers as raw IP; --dropped the dropped frames', () => {
  inTempDir((dir) => {
    const out = join(dir, 'out.pcap');
    const dropped = join(dir, 'dropped.pcap');
    const r = run(['replay', join(root, 'captures', 'two-hosts-interleaved.pcap'), '--config',
      join(root, 'captures', 'two-hosts-interleaved.cfg'), '--out', out, '--dropped', dropped]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '', 'no debug requested: nothing on stdout');
    assert.match(r.stderr, /permitted\s+3\n/);
    const o = readAll(out);
    assert.equal(o.linkType, LINKTYPE_RAW);
    const m = new PacketMeta();
    let fromProxy = 0, http200 = 0, udp = 0;
    for (const p of o.packets) {
      assert.equal(decodeIp(p, 0, p.length, m), 0);
      if (m.srcPort === 80) fromProxy++;
      if (m.proto === 17) udp++;
      if (Buffer.from(p.subarray(m.payloadOffset)).toString('latin1').startsWith('HTTP/1.1 200 OK')) http200++;
    }
    assert.ok(fromProxy >= 4, 'SYN-ACKs and the page from the original server port');
    assert.equal(http200, 1);
    assert.equal(udp, 1, 'the permitted DNS datagram was forwarded');
    assert.equal(readAll(dropped).packets.length, 0);
    // tcpdump, an independent reader, reads the same number of packets.
    const td = spawnSync('tcpdump', ['-nn', '-r', out], { encoding: 'utf8' });
    assert.equal(td.status, 0, td.stderr);
    assert.equal(td.stdout.trim().split('\n').length, o.packets.length);
  });
});

test('dropped frames are written as captured', () => {
  inTempDir((dir) => {
    const dropped = join(dir, 'dropped.pcap');
    const cfg = twoHostsConfigWith(dir, ['deny udp any any', 'permit ip any any']);
    const r = run(['replay', join(root, 'captures', 'two-hosts-interleaved.pcap'), '--config', cfg, '--dropped', dropped]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /drop-acl-in\s+1\n/);
    const d = readAll(dropped);
    assert.equal(d.packets.length, 1);
    assert.equal(d.linkType, 1, 'Ethernet, as captured');
  });
});

test('a truncated capture stops with the byte offset and the packets processed; their output stands', () => {
  inTempDir((dir) => {
    const whole = readFileSync(seedPcap);
    const cut = join(dir, 'cut.pcap');
    // Keep the global header and the first two records (SYN 78 + 16, ACK 66 + 16 bytes) and 5 more bytes.
    const r0 = run(['replay', seedPcap, '--config', seedCfg, '--debug', 'detailed']);
    const firstTwo = 24 + (16 + whole.readUInt32LE(24 + 8)) + (16 + whole.readUInt32LE(24 + 16 + whole.readUInt32LE(24 + 8) + 8));
    writeFileSync(cut, whole.subarray(0, firstTwo + 5));
    const r = run(['replay', cut, '--config', seedCfg, '--debug', 'detailed']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`at byte offset ${firstTwo} \\(after 2 packets\\)`));
    const expectedLines = r0.stdout.split('\n').slice(0, 8).join('\n') + '\n';
    assert.equal(r.stdout, expectedLines, 'the two packets before the fault printed their lines');
  });
});

test('a malformed config names file, line and column and nothing starts', () => {
  inTempDir((dir) => {
    const cfg = join(dir, 'bad.cfg');
    writeFileSync(cfg, 'hostname x\nip auth-proxy name web gopher\n');
    const r = run(['replay', seedPcap, '--config', cfg, '--debug', 'detailed']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^portcullis: .*bad\.cfg:2:24: expected .*found "gopher"/);
    assert.doesNotMatch(r.stderr, /replay summary/);
  });
});

test('usage errors exit 2; unknown debug keywords are named', () => {
  const r = run(['replay', seedPcap, '--config', seedCfg, '--debug', 'detailed,verbose']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown debug keyword "verbose"/);
  assert.equal(run(['frobnicate']).status, 2);
});

test('show commands work offline from a config', () => {
  const r = run(['show', 'ip', 'auth-proxy', 'configuration', '--config', seedCfg]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [
    'Authentication global cache time is 3 minutes',
    'Authentication global absolute time is 0 minutes',
    'Authentication Proxy Rule Configuration',
    ' Auth-proxy name authname',
    '    http list not specified auth-cache-time 3 minutes',
    '    ftp list not specified auth-cache-time 3 minutes',
    '    telnet list not specified auth-cache-time 3 minutes',
    '',
  ].join('\n'));
  const a = run(['show', 'ip', 'access-lists', '--config', seedCfg]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, 'Extended IP access list 101\n    10 deny tcp any any\n');
});

test('replay --show cache prints the cache in the spec §4 format after the run', () => {
  const r = run(['replay', join(root, 'captures', 'two-hosts-interleaved.pcap'), '--config',
    join(root, 'captures', 'two-hosts-interleaved.cfg'), '--show', 'cache', '--no-summary']);
  assert.equal(r.status, 0, r.stderr);
  // Both hosts opened intercepted connections and never logged in: INIT, created by the
  // SYNs from ports 40000 and 50000, default inactivity time 60 minutes.
  assert.equal(r.stdout, [
    'Authentication Proxy Cache',
    ' Client IP 192.0.2.10 Port 40000, timeout 60, state INIT',
    ' Client IP 192.0.2.20 Port 50000, timeout 60, state INIT',
    '',
  ].join('\n'));
  assert.equal(run(['replay', seedPcap, '--config', seedCfg, '--show', 'everything']).status, 2);
});

test('ACL log lines go to stderr with an IOS timestamp; stdout stays debug-only', () => {
  inTempDir((dir) => {
    const cfg = twoHostsConfigWith(dir, ['deny udp any any log', 'permit ip any any']);
    const r = run(['replay', join(root, 'captures', 'two-hosts-interleaved.pcap'), '--config', cfg, '--debug', 'detailed']);
    assert.equal(r.status, 0, r.stderr);
    // The capture's UDP datagram: 192.0.2.10:40002 -> 198.51.100.80:53 at 10:00:00.220.
    assert.match(r.stderr, /^\*Mar 1 10:00:00\.220: %SEC-6-IPACCESSLOGP: list 110 denied udp 192\.0\.2\.10\(40002\) -> 198\.51\.100\.80\(53\), 1 packet$/m);
    assert.doesNotMatch(r.stdout, /IPACCESSLOG/);
    assert.equal(r.stdout, readFileSync(join(root, 'captures', 'two-hosts-interleaved.expected'), 'utf8'));
  });
});

test('files that cannot be opened or created are reported errors naming them (exit 1), not internal ones', () => {
  inTempDir((dir) => {
    const missing = run(['replay', join(dir, 'missing.pcap'), '--config', seedCfg]);
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /\nportcullis: \S+missing\.pcap: opening the capture: no such file or directory\n$/);
    assert.doesNotMatch(missing.stderr, /internal error/);
    const out = join(dir, 'no-such-dir', 'out.pcap');
    const r = run(['replay', seedPcap, '--config', seedCfg, '--out', out, '--no-summary']);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.endsWith(`\nportcullis: ${out}: creating the output: no such file or directory\n`), r.stderr);
  });
});

test('a pcapng packet stamped past the year 9999 is skipped and counted, never printed (spec §1)', () => {
  inTempDir((dir) => {
    const seed = readAll(seedPcap);
    const r0 = PcapReader.open(seedPcap);
    const times: bigint[] = [];
    while (r0.next()) times.push(BigInt(r0.timestampSec) * 1_000_000n + BigInt(r0.timestampNs / 1000));
    r0.close();
    const blocks: BlockSpec[] = [{ kind: 'idb', linkType: seed.linkType, snapLen: 0 }];
    seed.packets.forEach((data, i) => {
      blocks.push({ kind: 'epb', ifc: 0, ts: times[i]!, data });
      // After the first SYN, a copy of it stamped in the year 10000, and one near the end of
      // the 64-bit range (what printed "*undefined NaN NaN:NaN:NaN.776").
      if (i === 0) {
        blocks.push({ kind: 'epb', ifc: 0, ts: 253_402_300_800_776_000n, data });
        blocks.push({ kind: 'epb', ifc: 0, ts: 0xfffffffffffffffen, data });
      }
    });
    const path = join(dir, 'future.pcapng');
    writeFileSync(path, buildPcapng([{ le: true, blocks }]).bytes);
    const r = run(['replay', path, '--config', seedCfg, '--debug', 'detailed']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(root, 'captures', 'seed-https-authproxy.expected'), 'utf8'));
    assert.match(r.stderr, /skipped: bad timestamp\s+2\n/);
  });
});

test('IPv6 addresses print in upper case in debug lines, object messages and show output (spec §1)', () => {
  const r = run(['replay', join(root, 'captures', 'ipv6-sll2.pcapng'), '--config', join(root, 'captures', 'ipv6-sll2.cfg'),
    '--debug', 'detailed,object-creation', '--show', 'cache', '--no-summary']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: AUTH-PROXY OBJ_CREATE: acct-session-id \d+ cache entry for 2001:DB8:1::10 port 33000\n/);
  assert.match(r.stdout, /\n Client IP 2001:DB8:1::10 Port 33000, timeout \d+, state INIT\n/);
  assert.doesNotMatch(r.stdout, /db8/, 'no lower-case hex anywhere');
});
