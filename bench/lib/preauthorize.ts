/**
 * Pre-authenticated hosts for the benchmarks (acl-scale's replay rows): installed through
 * `runReplay`'s `beforeReplay` hook, on the engine the replay then runs. Bench-only: no user
 * command authenticates hosts without a login.
 */
import type { Config } from '../../src/config/types.js';
import type { Engine } from '../../src/engine/engine.js';
import { PcapReader } from '../../src/io/pcap-reader.js';
import { decodePacket } from '../../src/wire/decode.js';
import { FAULT_OK } from '../../src/wire/faults.js';
import { PacketMeta } from '../../src/wire/packet.js';
import { BenchSetupError } from './harness.js';

/**
 * Authenticates `count` hosts on the first interface with an auth-proxy rule, each holding
 * `entries` dynamic entries (benchmarks). The capture's own client hosts on that interface come
 * first, in order of appearance (so that, once the count covers them, all traffic takes the
 * authenticated path whatever the count); further hosts are drawn from the interface's IPv4
 * prefixes (a `secondary` address gives room for many).
 */
export function preauthorize(engine: Engine, config: Config, capturePath: string, count: number, entries: number): void {
  const itf = config.interfaces.find((i) => i.authProxy !== undefined && i.ipv4.length > 0);
  if (itf === undefined) throw new BenchSetupError('preauthorize: the config has no auth-proxy interface with an IPv4 address');
  const ifIndex = config.interfaces.indexOf(itf);
  const chosen = new Set<number>();
  const order: number[] = [];
  const reader = PcapReader.open(capturePath);
  const meta = new PacketMeta();
  try {
    while (order.length < count && reader.next()) {
      if (decodePacket(reader.buf, reader.offset, reader.capturedLength, reader.linkType, meta) !== FAULT_OK) continue;
      if (meta.ipVersion !== 4 || chosen.has(meta.src4) || engine.interfaces.isOwnAddress(meta.srcAddr)) continue;
      if (engine.interfaces.interfaceOf(meta.srcAddr) !== ifIndex) continue;
      chosen.add(meta.src4);
      order.push(meta.src4);
    }
  } finally {
    reader.close();
  }
  for (const a of itf.ipv4) {
    const base = (a.address & a.mask) >>> 0;
    const size = 2 ** (32 - a.prefixLength);
    for (let off = 2; off < size - 1 && order.length < count; off++) {
      const host = (base + off) >>> 0;
      if (!chosen.has(host) && host !== a.address) {
        chosen.add(host);
        order.push(host);
      }
    }
  }
  if (order.length < count) throw new BenchSetupError(`preauthorize: the interface has room for ${order.length} hosts, not ${count}`);
  const words = new Uint32Array([0, 0, 0xffff, 0]);
  const texts = [];
  for (let k = 0; k < entries; k++) texts.push({ n: k + 1, text: `permit tcp any host 10.2.${k}.1 eq ${8000 + k}` });
  for (let i = 0; i < count; i++) {
    words[3] = order[i]!;
    const r = engine.authorizeHost(words, `bench${i}`, texts, 0);
    if (!r.ok) throw new BenchSetupError(`preauthorize: ${r.error.message}`);
  }
}
