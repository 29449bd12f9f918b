/**
 * Test helper of the end-to-end tests: the client — gateway — server namespaces
 * (`src/netns/topology.ts`) with the real servers (`src/demo/servers.ts`: web on 80, an
 * sshd-like listener on 22) in the server namespace, curl and a TCP probe in the client
 * namespace, and a scratch directory; all of it removed afterwards, also when the test fails.
 * Namespace names carry the test's name and the process id, so that runs side by side never
 * meet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, netnsPrefix, removeStaleTopologies, TOPOLOGY_ADDRESSES, type Topology } from '../../src/netns/topology.js';
import { startServers, type RunningServers } from '../../src/demo/servers.js';
import { CurlClient, tcpProbe } from '../../src/demo/client.js';
import { demoConfig, type DemoConfigOptions } from '../../src/demo/config.js';
import { startGatewayProcess, type GatewayProcess } from '../../src/demo/gateway-process.js';
import { STATE_CERT_FILE } from '../../src/login/certificate.js';

/** Addresses of the topology. */
export const ADDR = TOPOLOGY_ADDRESSES;

/** One end-to-end network, ready to use. */
export interface E2eNet {
  readonly topo: Topology;
  /** Namespace names by role. */
  readonly ns: Topology['ns'];
  /** Scratch directory (configs, cookie jars, sockets), removed afterwards. */
  readonly dir: string;
  readonly servers: RunningServers;
  /** curl in the client namespace. */
  readonly curl: CurlClient;
  /** Connects from the client to `host`:`port`: `open BANNER`, `refused`, `timeout` or `error CODE`. */
  probe(host: string, port: number, timeoutMs?: number): Promise<string>;
  /** Registers clean-up to run (in reverse order) before the namespaces go. */
  onCleanup(fn: () => Promise<void> | void): void;
  /**
   * Starts `portcullis run` in the gateway namespace on the demo's config (with `o`'s knobs),
   * its state directory (the certificate: {@link E2eNet.certFile}) in the scratch directory;
   * stopped before the namespaces go.
   */
  startGateway(o?: DemoConfigOptions & { debug?: boolean | string }): Promise<GatewayProcess>;
  /** The gateway's self-signed certificate (PEM file), once the gateway has started. */
  readonly certFile: string;
}

/**
 * Builds the network for test `name` (dual-stack; namespaces `pe-NAME-PID-client|gateway|server`;
 * those a killed run of the same test left are removed first), runs `fn` on it, and removes
 * everything afterwards (clean-ups, servers, namespaces, scratch directory), whatever happened.
 */
export async function withE2eNet(name: string, fn: (net: E2eNet) => Promise<void>): Promise<void> {
  const tag = `pe-${name}`;
  removeStaleTopologies(tag);
  const prefix = netnsPrefix(tag);
  const dir = mkdtempSync(join(tmpdir(), `portcullis-e2e-${name}-`));
  const cleanups: (() => Promise<void> | void)[] = [];
  let topo: Topology | undefined;
  let failure: unknown;
  try {
    topo = createTopology({ prefix, ipv6: true });
    const ns = topo.ns;
    const servers = await startServers(ns.server);
    cleanups.push(() => servers.stop());
    const net: E2eNet = {
      topo, ns, dir, servers,
      curl: new CurlClient(ns.client),
      probe: (host, port, timeoutMs) => tcpProbe(ns.client, host, port, timeoutMs),
      onCleanup(f) { cleanups.push(f); },
      async startGateway(go = {}) {
        const g = await startGatewayProcess({
          ns: ns.gateway, dir, config: demoConfig(go), debug: go.debug ?? true, stateDir: join(dir, 'state'),
        });
        cleanups.push(() => g.stop());
        return g;
      },
      certFile: join(dir, 'state', STATE_CERT_FILE),
    };
    await fn(net);
  } catch (e) {
    failure = e;
  } finally {
    for (const f of cleanups.reverse()) {
      try { await f(); } catch (e) { failure ??= e; }
    }
    try { topo?.remove(); } catch (e) { failure ??= e; }
    rmSync(dir, { recursive: true, force: true });
  }
  if (failure !== undefined) throw failure;
}

/** The URL of `host` (an IPv6 address in brackets). */
export function urlOf(scheme: 'http' | 'https', host: string, path = '/'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}${path}`;
}
