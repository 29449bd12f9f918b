/**
 * The C reflector (native/reflector.c, the benchmark's anchor) and its Node counterpart on the
 * addon (test/io/tun-node-reflector.ts: batches read and written back, virtio headers and
 * super-packets included) as a bump in the wire: three
 * namespaces, client — gateway — server (src/netns/topology.ts), with the gateway's forwarded
 * traffic policy-routed into the reflector's TUN (`/work/shared`'s tun-gateway recipe); a TCP
 * transfer from client to server must cross it whole, with and without offloads. The
 * namespaces are created here and always deleted (stale ones of a killed run too). Needs root.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TUN_OFFLOADS_ALL } from '../../src/io/tun.js';
import { createTopology, netnsPrefix, removeStaleTopologies, TOPOLOGY_ADDRESSES as A } from '../../src/netns/topology.js';
import type { Topology } from '../../src/netns/topology.js';

const REFLECTORS = {
  c: [fileURLToPath(new URL('../../../native/build/Release/tun-reflector', import.meta.url))],
  node: [process.execPath, fileURLToPath(new URL('./tun-node-reflector.js', import.meta.url))],
};

let topo: Topology;
let C = '', G = '', S = '';

function sh(...args: string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8' });
}

before(() => {
  removeStaleTopologies('pcr');
  topo = createTopology({ prefix: netnsPrefix('pcr'), ipv6: false });
  ({ client: C, gateway: G, server: S } = topo.ns);
});

after(() => {
  topo.remove();
});

/** Starts the reflector in the gateway and routes forwarded traffic into its TUN. */
async function startReflector(kind: keyof typeof REFLECTORS, offloads: number): Promise<{ proc: ChildProcess; accepted: number }> {
  const proc = spawn('ip', ['netns', 'exec', G, ...REFLECTORS[kind], 'rtun0', '1500', String(offloads)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    proc.on('exit', (code) => reject(new Error(`${kind} reflector exited ${code}: ${err}`)));
  });
  const m = /^ready rtun0 (\d+)$/.exec(line);
  assert.ok(m, `reflector said ${line}`);
  sh('ip', 'netns', 'exec', G, 'sysctl', '-qw', 'net.ipv4.conf.rtun0.rp_filter=0');
  sh('ip', '-n', G, 'route', 'add', 'default', 'dev', 'rtun0', 'table', '100');
  sh('ip', '-n', G, 'rule', 'add', 'iif', 'g1', 'lookup', '100', 'priority', '100');
  sh('ip', '-n', G, 'rule', 'add', 'iif', 'g2', 'lookup', '100', 'priority', '101');
  return { proc, accepted: Number(m[1]) };
}

async function stopReflector(proc: ChildProcess): Promise<void> {
  sh('ip', '-n', G, 'rule', 'del', 'priority', '100');
  sh('ip', '-n', G, 'rule', 'del', 'priority', '101');
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

/** Runs a Node script in a namespace and resolves with its stdout (first line when `untilLine`). */
function nodeIn(ns: string, script: string, untilLine = false): { proc: ChildProcess; out: Promise<string> } {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = new Promise<string>((resolve, reject) => {
    let text = '';
    proc.stdout!.on('data', (d) => {
      text += d;
      if (untilLine && text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    proc.on('exit', (code) => (code === 0 ? resolve(text.trim()) : reject(new Error(`node in ${ns} exited ${code}`))));
  });
  return { proc, out };
}

const SERVER = `
const n = require('node:net');
const s = n.createServer((c) => { let b = 0; c.on('data', (d) => b += d.length); c.on('end', () => { console.log(b); process.exit(0); }); });
s.listen(5001, '${A.server4}', () => console.log('listening'));
setTimeout(() => process.exit(1), 20000);`;
const CLIENT = `
const c = require('node:net').connect(5001, '${A.server4}', () => { c.end(Buffer.alloc(8 << 20, 0x5a)); });
c.on('close', () => process.exit(0));
setTimeout(() => process.exit(1), 20000);`;

for (const kind of ['c', 'node'] as const) for (const [mode, offloads] of [['plain', 0], ['offloads', TUN_OFFLOADS_ALL]] as const) {
  test(`${kind} reflector, ${mode}: a TCP transfer from client to server crosses the TUN whole`, async () => {
    const { proc, accepted } = await startReflector(kind, offloads);
    try {
      assert.equal(accepted === 0, offloads === 0, `accepted offloads ${accepted}`);
      const server = nodeIn(S, SERVER, true);
      assert.equal(await server.out, 'listening');
      const rest = new Promise<string>((resolve) => {
        let text = '';
        server.proc.stdout!.on('data', (d) => (text += d));
        server.proc.on('exit', () => resolve(text.trim()));
      });
      await nodeIn(C, CLIENT).out;
      assert.equal(await rest, String(8 << 20));
      // Both directions went through the TUN: the data one way, the ACKs the other.
      const stats = JSON.parse(sh('ip', '-n', G, '-s', '-j', 'link', 'show', 'rtun0'))[0].stats64;
      assert.ok(stats.tx.bytes >= 8 << 20 && stats.rx.bytes >= 8 << 20, JSON.stringify(stats));
    } finally {
      await stopReflector(proc);
    }
  });
}
