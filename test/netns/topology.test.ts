/**
 * The three-namespace topology (src/netns/topology.ts): built, forwarding between client and
 * server over IPv4 and IPv6 through the gateway's kernel, removed without a trace; stale
 * namespaces of a dead process are removed, those of a live one kept. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createTopology, netnsPrefix, removeStaleTopologies, TOPOLOGY_ADDRESSES as A } from '../../src/netns/topology.js';

/** Answers each connection with `hello <client address>` (IPv4 and IPv6, port 7007). */
const ECHO_SERVER = `
const s = require('node:net').createServer((c) => c.end('hello ' + c.remoteAddress.replace(/^::ffff:/, '')));
s.listen(7007, '::', () => console.log('listening'));
setTimeout(() => process.exit(1), 20000);`;
const ECHO_CLIENT = `
const c = require('node:net').connect(7007, process.argv[1]);
let t = ''; c.on('data', (d) => t += d); c.on('end', () => { console.log(t); process.exit(0); });
c.on('error', (e) => { console.error(e.message); process.exit(1); });`;

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!);
}

test('the topology forwards client to server over IPv4 and IPv6 and is removed whole', async () => {
  removeStaleTopologies('pctopo');
  const topo = createTopology({ prefix: netnsPrefix('pctopo') });
  try {
    for (const name of Object.values(topo.ns)) assert.ok(namespaces().includes(name), name);
    const server = topo.spawn('server', [process.execPath, '-e', ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout!.once('data', () => resolve());
        server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      for (const addr of [A.server4, A.server6]) {
        const out = topo.exec('client', [process.execPath, '-e', ECHO_CLIENT, addr], { timeoutMs: 10_000 });
        // The server saw the client's own address: nothing translated on the way.
        assert.equal(out.trim(), `hello ${addr === A.server4 ? A.client4 : A.client6}`);
      }
    } finally {
      server.kill();
    }
    // The client's route to the server is via the gateway.
    const route = topo.exec('client', ['ip', 'route', 'get', A.server4]);
    assert.match(route, new RegExp(`via ${A.gatewayInside4.replace(/\./g, '\\.')} dev ${A.clientIf}`));
  } finally {
    topo.remove();
  }
  for (const name of Object.values(topo.ns)) assert.ok(!namespaces().includes(name), `${name} left behind`);
  topo.remove();
});

test('a failed build removes what it made; stale namespaces of dead processes go, live ones stay', () => {
  const prefix = netnsPrefix('pctopo2');
  const first = createTopology({ prefix, ipv6: false });
  try {
    // The same names again: `ip netns add` refuses, and the half-built second topology leaves
    // nothing (the first one's namespaces are not its to delete).
    assert.throws(() => createTopology({ prefix }), /ip netns add .*(exists|File exists)/);
    for (const name of Object.values(first.ns)) assert.ok(namespaces().includes(name), name);
    // This process is alive: its namespaces are not stale.
    removeStaleTopologies('pctopo2');
    for (const name of Object.values(first.ns)) assert.ok(namespaces().includes(name), name);
  } finally {
    first.remove();
  }
  // A namespace named after a process that does not exist (pid 2^22 + 1 is above pid_max's ceiling).
  const dead = `pctopo2-${(1 << 22) + 1}-client`;
  execFileSync('ip', ['netns', 'add', dead]);
  removeStaleTopologies('pctopo2');
  assert.ok(!namespaces().includes(dead), 'stale namespace kept');
});
