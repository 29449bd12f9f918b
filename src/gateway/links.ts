/**
 * The host's network devices as `run` needs them (DESIGN.md §4): every `interface NAME` block of
 * the configuration names a Linux device, and its `ip address` / `ipv6 address` lines are
 * addresses that device has, with the same prefix length. The engine places packets and the
 * login service listens by those addresses, so a configuration that disagrees with the host
 * would filter by a picture of another network: it is refused before anything starts, with the
 * config line and what the device really has.
 *
 * The devices are read with `ip -j address show` (iproute2's JSON), the same tool the policy
 * routing is installed with (src/gateway/routes.ts).
 */
import { execFileSync } from 'node:child_process';
import type { Config, InterfaceConfig } from '../config/types.js';
import { HostNetworkError, InterfaceAddressError, InterfaceMissingError, InterfaceUnusableError } from '../errors.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../wire/addr.js';

/** One address of a device (`addr_info` of `ip -j address show`). */
export interface LinkAddress {
  readonly family: 4 | 6;
  /** As iproute2 prints it, e.g. `10.50.1.1` or `fd00:50:1::1`. */
  readonly address: string;
  readonly prefixLength: number;
  /** `host`, `link`, `global` … */
  readonly scope: string;
}

/** A Linux network device. */
export interface Link {
  readonly name: string;
  readonly mtu: number;
  /** The loopback device (flag LOOPBACK). */
  readonly loopback: boolean;
  readonly addresses: readonly LinkAddress[];
}

/** Reads the devices of the current network namespace (`ip -j address show`). */
export function readLinks(): Link[] {
  let text: string;
  try {
    text = execFileSync('ip', ['-j', 'address', 'show'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new HostNetworkError('ip -j address show', commandFailure(e));
  }
  return parseLinks(text);
}

/** Parses `ip -j address show` output. */
export function parseLinks(json: string): Link[] {
  const raw = JSON.parse(json) as { ifname?: unknown; mtu?: unknown; flags?: unknown; addr_info?: unknown }[];
  const links: Link[] = [];
  for (const r of raw) {
    if (typeof r.ifname !== 'string') continue;
    const addresses: LinkAddress[] = [];
    for (const a of Array.isArray(r.addr_info) ? r.addr_info as Record<string, unknown>[] : []) {
      if ((a['family'] !== 'inet' && a['family'] !== 'inet6') || typeof a['local'] !== 'string' || typeof a['prefixlen'] !== 'number') continue;
      addresses.push({
        family: a['family'] === 'inet' ? 4 : 6, address: a['local'], prefixLength: a['prefixlen'],
        scope: typeof a['scope'] === 'string' ? a['scope'] : 'global',
      });
    }
    const loopback = Array.isArray(r.flags) && r.flags.includes('LOOPBACK');
    links.push({ name: r.ifname, mtu: typeof r.mtu === 'number' ? r.mtu : 1500, loopback, addresses });
  }
  return links;
}

/**
 * Checks every configured interface against the devices: the device exists
 * ({@link InterfaceMissingError}), is not the loopback device ({@link InterfaceUnusableError}), and has each configured address with its prefix length
 * ({@link InterfaceAddressError}; the device may have more, link-local ones for instance).
 * Returns the devices of the configured interfaces, in config order.
 */
export function matchInterfaces(config: Config, links: readonly Link[]): Link[] {
  const matched: Link[] = [];
  for (const itf of config.interfaces) {
    const link = links.find((l) => l.name === itf.name);
    if (link === undefined) {
      throw new InterfaceMissingError(itf.name, itf.source.file, itf.source.line, links.map((l) => l.name));
    }
    if (link.loopback) {
      throw new InterfaceUnusableError(itf.name, itf.source.file, itf.source.line,
        'the loopback device carries the host\'s own traffic and cannot be a gateway interface');
    }
    checkAddresses(itf, link);
    matched.push(link);
  }
  return matched;
}

function checkAddresses(itf: InterfaceConfig, link: Link): void {
  const has = (family: 4 | 6, words: Uint32Array, prefixLength: number): boolean =>
    link.addresses.some((a) => a.family === family && a.prefixLength === prefixLength && sameAddress(family, a.address, words));
  const actual = (): string[] => link.addresses.filter((a) => a.scope !== 'link').map((a) => `${a.address}/${a.prefixLength}`);
  for (const a of itf.ipv4) {
    if (!has(4, new Uint32Array([a.address]), a.prefixLength)) {
      const line = a.source?.line ?? itf.source.line;
      throw new InterfaceAddressError(itf.name, itf.source.file, line, `${formatIpv4(a.address)}/${a.prefixLength}`, actual());
    }
  }
  for (const a of itf.ipv6) {
    if (!has(6, a.address, a.prefixLength)) {
      const line = a.source?.line ?? itf.source.line;
      throw new InterfaceAddressError(itf.name, itf.source.file, line, `${formatIpv6(a.address)}/${a.prefixLength}`, actual());
    }
  }
}

/** Whether iproute2's text `text` is the address `words` (one word for IPv4, four for IPv6). */
function sameAddress(family: 4 | 6, text: string, words: Uint32Array): boolean {
  if (family === 4) {
    const v = parseIpv4(text);
    return v !== undefined && v === words[0];
  }
  const v = parseIpv6(text);
  return v !== undefined && v.every((w, i) => w === words[i]);
}

/** The first line of what a failed child process said, or its system error. */
export function commandFailure(e: unknown): string {
  const x = e as { stderr?: unknown; code?: unknown; message?: unknown };
  const stderr = typeof x.stderr === 'string' ? x.stderr : Buffer.isBuffer(x.stderr) ? x.stderr.toString('utf8') : '';
  const first = stderr.split('\n').find((l) => l.trim().length > 0);
  if (first !== undefined) return first.trim();
  if (typeof x.code === 'string') return x.code === 'ENOENT' ? 'command not found (iproute2 is needed)' : x.code;
  return typeof x.message === 'string' ? x.message.split('\n')[0]! : String(e);
}
