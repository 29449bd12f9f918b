/**
 * The gateway's interfaces as the data plane sees them: connected prefixes (to tell which
 * interface a packet arrived on and leaves by), the gateway's own addresses, and per interface
 * the auth-proxy rule and the compiled ACL indexes. Built once from the engine's settings.
 *
 * A capture does not say which interface a packet came in on, so a packet is placed by
 * reverse-path lookup of its source: the ingress interface is the one the gateway would route
 * the source address out of — longest prefix over the connected prefixes and the static routes
 * (`ip route`, the default route included; a route's interface is the one it names, or the one
 * whose connected prefix holds its next hop); among prefixes of one length a connected prefix
 * wins over a static route (administrative distance 0), then the lower distance. The egress
 * interface is looked up the same way for the destination. A source no prefix or route covers
 * gets no interface (-1): no inbound ACL and no auth-proxy rule applies to it (the engine counts
 * it as `no-ingress`; check-config warns about inbound ACLs without a default route).
 */
import type { PacketMeta } from '../wire/packet.js';

/** Compiled per-interface data, index-aligned arrays. */
export class InterfaceTable {
  /** Interface names (for messages). */
  readonly names: string[] = [];
  /** Per interface: auth-proxy rule index (-1 = none). */
  readonly rule: number[] = [];
  /** Per interface: ACL list index inbound/outbound for IPv4 and IPv6 (-1 = none). */
  readonly aclIn4: number[] = [];
  readonly aclOut4: number[] = [];
  readonly aclIn6: number[] = [];
  readonly aclOut6: number[] = [];

  // Connected prefixes: four address words, four mask words, prefix length, interface.
  private pfxAddr: Uint32Array = new Uint32Array(0);
  private pfxMask: Uint32Array = new Uint32Array(0);
  private pfxLen: Int32Array = new Int32Array(0);
  private pfxIf: Int32Array = new Int32Array(0);
  /** Per prefix: administrative distance (0 connected, else the route's). */
  private pfxDist: Int32Array = new Int32Array(0);
  private pfxCount = 0;
  /** Prefixes below this index are connected ones (routes are added after every address). */
  private connectedCount = 0;
  // Own addresses (host routes to the gateway itself), four words each.
  private ownAddr: Uint32Array = new Uint32Array(0);
  private ownCount = 0;
  // The IPv4 prefixes and own addresses again as single words, for the per-packet IPv4 path:
  // prefixes as (network, mask, interface) int32 triples, longest prefix first (among prefixes
  // of one length, the lower distance first, then in the order added), so that the first match
  // is the longest-prefix match.
  private pfx4: Int32Array = new Int32Array(0);
  private pfx4Len: number[] = [];
  private pfx4Dist: number[] = [];
  private pfx4Count = 0;
  private own4: Int32Array = new Int32Array(0);
  private own4Count = 0;

  /**
   * Results of the last {@link resolve} (read them right after it; src/engine/state.ts gives
   * the convention): ingress and egress interface (-1 = none), own-address flags.
   */
  lastIngress = -1;
  lastEgress = -1;
  lastSrcIsOwn = false;
  lastDstIsOwn = false;

  /**
   * The ingress interface when the adapter knows it (a live gateway reads each interface's
   * packets from a TUN device of its own), else -1: {@link resolve} then finds it by
   * reverse-path lookup, as replay must. Set by `Engine.handleOn` around one packet.
   */
  fixedIngress = -1;

  /** Adds an interface and returns its index. */
  addInterface(name: string, rule: number, aclIn4: number, aclOut4: number, aclIn6: number, aclOut6: number): number {
    this.names.push(name);
    this.rule.push(rule);
    this.aclIn4.push(aclIn4);
    this.aclOut4.push(aclOut4);
    this.aclIn6.push(aclIn6);
    this.aclOut6.push(aclOut6);
    return this.names.length - 1;
  }

  /** Adds an address of interface `ifIndex`: its connected prefix and the address itself. */
  addAddress(ifIndex: number, words: Uint32Array, prefixLength: number): void {
    this.addPrefix(ifIndex, words, prefixLength, 0);
    this.connectedCount = this.pfxCount;
    const o = this.ownCount;
    this.ownAddr = grow(this.ownAddr, (o + 1) * 4);
    for (let w = 0; w < 4; w++) this.ownAddr[o * 4 + w] = words[w]!;
    this.ownCount = o + 1;
    if (isMapped4(words) && prefixLength >= 96) {
      this.own4 = growI(this.own4, this.own4Count + 1);
      this.own4[this.own4Count++] = words[3]!;
    }
  }

  /**
   * Adds a static route to `words`/`prefixLength` (128-bit form) over interface `ifIndex` (-1:
   * a discard route, which places what it covers on no interface), with administrative
   * distance `distance` (1-255). Call it after every {@link addAddress}.
   */
  addRoute(ifIndex: number, words: Uint32Array, prefixLength: number, distance: number): void {
    this.addPrefix(ifIndex, words, prefixLength, distance);
  }

  private addPrefix(ifIndex: number, words: Uint32Array, prefixLength: number, distance: number): void {
    const n = this.pfxCount;
    this.pfxAddr = grow(this.pfxAddr, (n + 1) * 4);
    this.pfxMask = grow(this.pfxMask, (n + 1) * 4);
    this.pfxLen = growI(this.pfxLen, n + 1);
    this.pfxIf = growI(this.pfxIf, n + 1);
    this.pfxDist = growI(this.pfxDist, n + 1);
    for (let w = 0; w < 4; w++) {
      const bits = Math.max(0, Math.min(32, prefixLength - w * 32));
      const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      this.pfxMask[n * 4 + w] = m;
      this.pfxAddr[n * 4 + w] = (words[w]! & m) >>> 0;
    }
    this.pfxLen[n] = prefixLength;
    this.pfxIf[n] = ifIndex;
    this.pfxDist[n] = distance;
    this.pfxCount = n + 1;
    if (isMapped4(words) && prefixLength >= 96) {
      const k = this.pfx4Count;
      // After the last prefix longer than this one, or as long and at most as far.
      let at = k;
      while (at > 0 && (this.pfx4Len[at - 1]! < prefixLength
        || (this.pfx4Len[at - 1] === prefixLength && this.pfx4Dist[at - 1]! > distance))) at--;
      this.pfx4 = growI(this.pfx4, (k + 1) * 3);
      this.pfx4.copyWithin((at + 1) * 3, at * 3, k * 3);
      this.pfx4Len.splice(at, 0, prefixLength);
      this.pfx4Dist.splice(at, 0, distance);
      this.pfx4[at * 3] = this.pfxAddr[n * 4 + 3]!;
      this.pfx4[at * 3 + 1] = this.pfxMask[n * 4 + 3]!;
      this.pfx4[at * 3 + 2] = ifIndex;
      this.pfx4Count = k + 1;
    }
  }

  /**
   * Resolves a decoded packet's interfaces in one pass: sets `lastIngress` ({@link fixedIngress}
   * when known, else the interface whose prefix holds the source), `lastEgress` (the
   * destination's), `lastSrcIsOwn`, `lastDstIsOwn`.
   */
  resolve(meta: PacketMeta): void {
    const fixed = this.fixedIngress;
    if (meta.ipVersion !== 4) {
      this.lastIngress = fixed >= 0 ? fixed : this.interfaceOf(meta.srcAddr);
      this.lastEgress = this.interfaceOf(meta.dstAddr);
      this.lastSrcIsOwn = this.isOwnAddress(meta.srcAddr);
      this.lastDstIsOwn = this.isOwnAddress(meta.dstAddr);
      return;
    }
    const src = meta.src4 | 0, dst = meta.dst4 | 0;
    // -2: no prefix matched yet (a route to Null0 matches with interface -1).
    let ing = fixed >= 0 ? fixed : -2, eg = -2;
    const p = this.pfx4;
    const end = this.pfx4Count * 3;
    for (let i = 0; i < end; i += 3) {
      const net = p[i]!, mask = p[i + 1]!;
      if (ing === -2 && (src & mask) === net) ing = p[i + 2]!;
      if (eg === -2 && (dst & mask) === net) eg = p[i + 2]!;
    }
    if (ing === -2) ing = -1;
    if (eg === -2) eg = -1;
    let so = false, dso = false;
    const own = this.own4;
    for (let i = 0; i < this.own4Count; i++) {
      const x = own[i]!;
      if (x === src) so = true;
      if (x === dst) dso = true;
    }
    this.lastIngress = ing;
    this.lastEgress = eg;
    this.lastSrcIsOwn = so;
    this.lastDstIsOwn = dso;
  }

  /**
   * Interface the gateway routes `words` out of (longest match over connected prefixes and
   * static routes, see the module comment), or -1.
   */
  interfaceOf(words: Uint32Array): number {
    return this.match(words, this.pfxCount);
  }

  /** Interface whose connected prefix holds `words` (longest match), or -1. */
  connectedInterfaceOf(words: Uint32Array): number {
    return this.match(words, this.connectedCount);
  }

  /** Longest match of `words` among the first `count` prefixes (ties: lower distance, then first added). */
  private match(words: Uint32Array, count: number): number {
    let best = -1;
    let bestLen = -1;
    let bestDist = 0;
    const a = this.pfxAddr, m = this.pfxMask;
    for (let i = 0; i < count; i++) {
      const b = i * 4;
      if (((words[0]! & m[b]!) >>> 0) === a[b] && ((words[1]! & m[b + 1]!) >>> 0) === a[b + 1] &&
          ((words[2]! & m[b + 2]!) >>> 0) === a[b + 2] && ((words[3]! & m[b + 3]!) >>> 0) === a[b + 3] &&
          (this.pfxLen[i]! > bestLen || (this.pfxLen[i] === bestLen && this.pfxDist[i]! < bestDist))) {
        best = this.pfxIf[i]!;
        bestLen = this.pfxLen[i]!;
        bestDist = this.pfxDist[i]!;
      }
    }
    return best;
  }

  /** Index of the interface named `name` (as IOS compares names: without regard to case), or -1. */
  indexOfName(name: string): number {
    const n = name.toLowerCase();
    return this.names.findIndex((x) => x.toLowerCase() === n);
  }

  /** True if `words` is one of the gateway's own addresses. */
  isOwnAddress(words: Uint32Array): boolean {
    const a = this.ownAddr;
    for (let i = 0; i < this.ownCount; i++) {
      const b = i * 4;
      if (a[b] === words[0] && a[b + 1] === words[1] && a[b + 2] === words[2] && a[b + 3] === words[3]) return true;
    }
    return false;
  }

  /** Ingress interface of a decoded packet ({@link fixedIngress}, else by its source address). */
  ingressOf(meta: PacketMeta): number {
    return this.fixedIngress >= 0 ? this.fixedIngress : this.interfaceOf(meta.srcAddr);
  }


  /** Number of interfaces. */
  get count(): number {
    return this.names.length;
  }
}

function isMapped4(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

function grow(a: Uint32Array, n: number): Uint32Array {
  if (a.length >= n) return a;
  const b = new Uint32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

function growI(a: Int32Array, n: number): Int32Array {
  if (a.length >= n) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
