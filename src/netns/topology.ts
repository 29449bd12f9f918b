/**
 * The three-namespace topology of the live gateway's tests, benchmarks and demo (DESIGN.md §4,
 * `recipes/tun-gateway.md`): client — gateway — server, joined by two veth pairs.
 *
 * ```
 * client ns  c0 10.50.1.2/24 fd00:50:1::2/64 ── g1 10.50.1.1 fd00:50:1::1   gateway ns
 *            g2 10.50.2.1/24 fd00:50:2::1/64 ── s0 10.50.2.2 fd00:50:2::2   server ns
 * ```
 *
 * The client and the server route everything via the gateway; the gateway forwards (IPv4 and
 * IPv6) with reverse-path filtering off, as the recipe needs. Nothing is routed to or from any
 * other network. Namespaces are named `${prefix}-client|gateway|server`; the prefix ends in the
 * creating process's id (`netnsPrefix`), so that `removeStaleTopologies` can delete what a killed
 * run left behind without touching namespaces of processes still alive. Needs root.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** Addresses of the topology (fixed: each topology lives in namespaces of its own). */
export const TOPOLOGY_ADDRESSES = {
  client4: '10.50.1.2', gatewayInside4: '10.50.1.1', gatewayOutside4: '10.50.2.1', server4: '10.50.2.2',
  client6: 'fd00:50:1::2', gatewayInside6: 'fd00:50:1::1', gatewayOutside6: 'fd00:50:2::1', server6: 'fd00:50:2::2',
  /** Device names: the client's, the gateway's inside (client side) and outside (server side), the server's. */
  clientIf: 'c0', insideIf: 'g1', outsideIf: 'g2', serverIf: 's0',
} as const;

export type TopologyRole = 'client' | 'gateway' | 'server';

export interface Topology {
  /** Namespace names by role. */
  readonly ns: Readonly<Record<TopologyRole, string>>;
  /** Runs a command in a role's namespace and returns its stdout (throws on a non-zero exit, with stderr). */
  exec(role: TopologyRole, argv: readonly string[], opts?: { input?: string; timeoutMs?: number }): string;
  /** Starts a command in a role's namespace. */
  spawn(role: TopologyRole, argv: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Deletes the three namespaces (and with them the veths and any TUN inside). Idempotent. */
  remove(): void;
}

/** A prefix for namespace names unique to this process: `${tag}-${pid}` (tag: letters, digits, dashes). */
export function netnsPrefix(tag: string): string {
  if (!/^[a-z0-9-]{1,16}$/.test(tag)) throw new RangeError(`netns tag "${tag}": 1-16 of a-z, 0-9 and -`);
  return `${tag}-${process.pid}`;
}

function run(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), {
      encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs, stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string; status?: number | null; signal?: string | null };
    const why = (err.stderr ?? '').trim() || (err.signal ? `killed by ${err.signal}` : `exit ${err.status}`);
    throw new Error(`${argv.join(' ')}: ${why}`);
  }
}

function namespaces(): string[] {
  return run(['ip', 'netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n !== '');
}

/**
 * Deletes namespaces `${tag}-PID-…` whose process PID is gone (what a killed test or demo left).
 */
export function removeStaleTopologies(tag: string): void {
  const re = new RegExp(`^${tag}-(\\d+)-`);
  for (const name of namespaces()) {
    const m = re.exec(name);
    if (m === null) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      try { run(['ip', 'netns', 'delete', name]); } catch { /* deleted meanwhile */ }
    }
  }
}

/**
 * Builds the topology. `prefix` names the namespaces (use `netnsPrefix`); with `ipv6` false the
 * IPv6 addresses are left off. On any failure what was made is deleted before the error is thrown.
 */
export function createTopology(opts: { prefix: string; ipv6?: boolean }): Topology {
  const ns = { client: `${opts.prefix}-client`, gateway: `${opts.prefix}-gateway`, server: `${opts.prefix}-server` };
  const A = TOPOLOGY_ADDRESSES;
  const made: string[] = [];
  const topo: Topology = {
    ns,
    exec: (role, argv, o) => run(['ip', 'netns', 'exec', ns[role], ...argv], o),
    spawn: (role, argv, o) => spawn('ip', ['netns', 'exec', ns[role], ...argv], o ?? {}),
    remove: () => {
      for (const name of made.splice(0)) {
        try { run(['ip', 'netns', 'delete', name]); } catch { /* already gone */ }
      }
    },
  };
  try {
    for (const role of ['client', 'gateway', 'server'] as const) {
      run(['ip', 'netns', 'add', ns[role]]);
      made.push(ns[role]);
      run(['ip', '-n', ns[role], 'link', 'set', 'lo', 'up']);
    }
    const ipv6 = opts.ipv6 ?? true;
    if (ipv6) {
      // No duplicate address detection, set before the veths exist so that they inherit it: their
      // addresses, link-local ones included, are usable at once, not after ~2 s of DAD.
      for (const role of ['client', 'gateway', 'server'] as const) {
        topo.exec(role, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
      }
    }
    run(['ip', 'link', 'add', A.clientIf, 'netns', ns.client, 'type', 'veth', 'peer', 'name', A.insideIf, 'netns', ns.gateway]);
    run(['ip', 'link', 'add', A.serverIf, 'netns', ns.server, 'type', 'veth', 'peer', 'name', A.outsideIf, 'netns', ns.gateway]);
    const addrs: [TopologyRole, string, string, string][] = [
      ['client', A.clientIf, `${A.client4}/24`, `${A.client6}/64`],
      ['gateway', A.insideIf, `${A.gatewayInside4}/24`, `${A.gatewayInside6}/64`],
      ['gateway', A.outsideIf, `${A.gatewayOutside4}/24`, `${A.gatewayOutside6}/64`],
      ['server', A.serverIf, `${A.server4}/24`, `${A.server6}/64`],
    ];
    for (const [role, dev, a4, a6] of addrs) {
      run(['ip', '-n', ns[role], 'addr', 'add', a4, 'dev', dev]);
      if (ipv6) run(['ip', '-n', ns[role], '-6', 'addr', 'add', a6, 'dev', dev, 'nodad']);
      run(['ip', '-n', ns[role], 'link', 'set', dev, 'up']);
    }
    run(['ip', '-n', ns.client, 'route', 'add', 'default', 'via', A.gatewayInside4]);
    run(['ip', '-n', ns.server, 'route', 'add', 'default', 'via', A.gatewayOutside4]);
    if (ipv6) {
      run(['ip', '-n', ns.client, '-6', 'route', 'add', 'default', 'via', A.gatewayInside6]);
      run(['ip', '-n', ns.server, '-6', 'route', 'add', 'default', 'via', A.gatewayOutside6]);
    }
    topo.exec('gateway', ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0',
      'net.ipv4.conf.default.rp_filter=0']);
    if (ipv6) topo.exec('gateway', ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    return topo;
  } catch (e) {
    topo.remove();
    throw e;
  }
}
