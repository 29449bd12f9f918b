/**
 * IP address text for the control plane and debug lines: dotted-quad IPv4 (RFC 791 §2.3
 * notation) and canonical IPv6 text (RFC 5952), plus the IPv4-mapped form (RFC 4291 §2.5.5.2)
 * the data plane uses to key both families alike. Not for the per-packet path: these build strings.
 */

/** Formats a uint32 IPv4 address as dotted decimal (`192.168.1.10`). */
export function formatIpv4(addr: number): string {
  return `${(addr >>> 24) & 0xff}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/**
 * Formats an IPv6 address given as four big-endian 32-bit words in the canonical text of
 * RFC 5952 §4: lowercase hex without leading zeros, the longest run of two or more zero
 * fields (the first one on a tie) shortened to `::`, and IPv4-mapped addresses in the mixed
 * notation `::ffff:192.0.2.1` (RFC 5952 §5).
 */
export function formatIpv6(words: Uint32Array): string {
  if (isMappedIpv4(words)) return `::ffff:${formatIpv4(words[3]!)}`;
  const f: number[] = [];
  for (let i = 0; i < 4; i++) f.push(words[i]! >>> 16, words[i]! & 0xffff);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (f[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && f[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) return f.map((x) => x.toString(16)).join(':');
  const head = f.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = f.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** Formats a 4-word address: dotted quad when IPv4-mapped, RFC 5952 text otherwise. */
export function formatIp(words: Uint32Array): string {
  return isMappedIpv4(words) ? formatIpv4(words[3]!) : formatIpv6(words);
}

/**
 * Formats a 4-word address as IOS prints it in debug lines, log messages and `show` output
 * (spec §1): dotted quad when IPv4-mapped, otherwise RFC 5952 text with upper-case hex digits
 * (`2001:DB8::1`; RFC 5952 §4.3 recommends lower case, IOS prints upper). URLs and socket
 * addresses keep {@link formatIp}'s lower case.
 */
export function formatIpIos(words: Uint32Array): string {
  return isMappedIpv4(words) ? formatIpv4(words[3]!) : formatIpv6(words).toUpperCase();
}

const DEC_OCTET = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Parses dotted-decimal IPv4 text (exactly four decimal octets, no leading zeros, which some
 * parsers would read as octal) and returns the uint32 address, or `undefined` on bad input.
 */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!DEC_OCTET.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v >>> 0;
}

const HEX_FIELD = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses IPv6 text (RFC 4291 §2.2: full, `::`-compressed, or with a trailing dotted-quad IPv4
 * part) into four big-endian 32-bit words, or `undefined` on bad input. Zone indexes (`%eth0`)
 * and prefix lengths are not accepted.
 */
export function parseIpv6(text: string): Uint32Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const headText = dbl >= 0 ? text.slice(0, dbl) : text;
  const tailText = dbl >= 0 ? text.slice(dbl + 2) : '';
  const head = headText === '' ? [] : headText.split(':');
  const tail = tailText === '' ? [] : tailText.split(':');
  const fields: number[] = [];
  const all = dbl >= 0 ? tail : head;
  // A dotted-quad may end the address: it stands for the last two fields.
  let v4: number | undefined;
  const last = all.length > 0 ? all[all.length - 1]! : '';
  if (last.includes('.')) {
    v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    all.pop();
  }
  const extra = v4 === undefined ? 0 : 2;
  for (const part of [head, tail]) {
    for (const p of part) if (!HEX_FIELD.test(p)) return undefined;
  }
  const given = head.length + tail.length + extra;
  if (dbl >= 0) {
    if (given > 7) return undefined;
  } else if (given !== 8) {
    return undefined;
  }
  for (const p of head) fields.push(parseInt(p, 16));
  if (dbl >= 0) for (let i = given; i < 8; i++) fields.push(0);
  for (const p of tail) fields.push(parseInt(p, 16));
  if (v4 !== undefined) fields.push(v4 >>> 16, v4 & 0xffff);
  const out = new Uint32Array(4);
  for (let i = 0; i < 4; i++) out[i] = ((fields[2 * i]! << 16) | fields[2 * i + 1]!) >>> 0;
  return out;
}

/**
 * Parses either family: dotted-quad IPv4 (returned IPv4-mapped) or IPv6 text; `undefined` on
 * bad input.
 */
export function parseIp(text: string): Uint32Array | undefined {
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? undefined : mappedIpv4(v4, new Uint32Array(4));
  }
  return parseIpv6(text);
}

/** Writes the IPv4-mapped IPv6 form `::ffff:a.b.c.d` of `addr` into `out` and returns `out`. */
export function mappedIpv4(addr: number, out: Uint32Array): Uint32Array {
  out[0] = 0;
  out[1] = 0;
  out[2] = 0xffff;
  out[3] = addr >>> 0;
  return out;
}

/** True when the four words hold an IPv4-mapped address (`::ffff:0:0/96`, RFC 4291 §2.5.5.2). */
export function isMappedIpv4(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}
