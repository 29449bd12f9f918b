/**
 * IPv4 and IPv6 address text for access lists: strict parsing (dotted quad, RFC 4291 §2.2 text
 * forms) and IOS-style printing (IPv6 compressed per RFC 5952 §4, in upper case as IOS shows it).
 */

/** Parses a dotted-quad IPv4 address into a uint32; undefined if malformed. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** Prints a uint32 as a dotted quad. */
export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Parses an IPv6 address (RFC 4291 §2.2, including `::` and a trailing dotted quad) into four uint32 words. */
export function parseIpv6(text: string): number[] | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let head = text;
  const groups: number[] = [];
  let v4: number | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > lastColon) {
    v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const want = v4 === undefined ? 8 : 6;
  const dbl = head.indexOf('::');
  if (dbl >= 0 && head.indexOf('::', dbl + 1) >= 0) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  if (dbl >= 0) {
    const left = parseGroups(head.slice(0, dbl));
    const right = parseGroups(head.slice(dbl + 2));
    if (left === undefined || right === undefined) return undefined;
    const fill = want - left.length - right.length;
    if (fill < 1) return undefined;
    groups.push(...left);
    for (let i = 0; i < fill; i++) groups.push(0);
    groups.push(...right);
  } else {
    const all = parseGroups(head);
    if (all === undefined || all.length !== want) return undefined;
    groups.push(...all);
  }
  if (v4 !== undefined) groups.push(v4 >>> 16, v4 & 0xffff);
  const words: number[] = [];
  for (let i = 0; i < 4; i++) words.push(((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0);
  return words;
}

/** Prints four uint32 words as an IPv6 address: RFC 5952 §4 compression, upper-case hex (IOS style). */
export function formatIpv6(words: readonly number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(words[i]! >>> 16, words[i]! & 0xffff);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number, b: number): string => g.slice(a, b).map((x) => x.toString(16).toUpperCase()).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** Wildcard words (set bits = don't care) of an IPv6 prefix length. */
export function ipv6WildcardOfPrefix(len: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, len - 32 * i));
    out.push(bits === 32 ? 0 : (0xffffffff >>> bits) >>> 0);
  }
  return out;
}

/** Prefix length of IPv6 wildcard words, or -1 if they are not a contiguous prefix wildcard. */
export function ipv6PrefixOfWildcard(wild: readonly number[]): number {
  for (let len = 0; len <= 128; len++) {
    const w = ipv6WildcardOfPrefix(len);
    if (w.every((v, i) => v === wild[i])) return len;
  }
  return -1;
}
