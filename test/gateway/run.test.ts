/**
 * `portcullis run` and `portcullis routes` on a live network: client — gateway — server
 * namespaces (src/netns/topology.ts) made by this file and always deleted, the gateway process
 * in the gateway namespace with one TUN device per configured interface and the policy routing
 * it installs. Checked: interception of an unauthenticated client, the interface ACL, return
 * traffic through the flow table, IPv4 and IPv6, super-packets counted as segments, a malformed
 * packet counted and dropped, a clean stop that leaves forwarding refused (fail closed), a
 * killed process that forwards nothing, a restart that converges, `routes --remove`, and the
 * start-up errors (exit 3). Needs root.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTopology, netnsPrefix, removeStaleTopologies, TOPOLOGY_ADDRESSES as A, type Topology, type TopologyRole,
} from '../../src/netns/topology.js';

const TAG = 'gwrun';
const BIN = fileURLToPath(new URL('../../../bin/portcullis.cjs', import.meta.url));
const SERVE = fileURLToPath(new URL('./serve.js', import.meta.url));

/** The gateway's configuration: http intercepted on g1; TCP to 8080 and UDP to 9999 permitted; nothing in from g2. */
const CONFIG = `hostname gw
ip auth-proxy name WEB http
interface g1
 ip address ${A.gatewayInside4} 255.255.255.0
 ipv6 address ${A.gatewayInside6}/64
 ip auth-proxy WEB
 ip access-group 101 in
 ipv6 traffic-filter IN6 in
interface g2
 ip address ${A.gatewayOutside4} 255.255.255.0
 ipv6 address ${A.gatewayOutside6}/64
 ip access-group 102 in
 ipv6 traffic-filter OUT6 in
access-list 101 permit tcp any any eq 8080
access-list 101 permit udp any any eq 9999
access-list 101 deny tcp any any
access-list 102 deny ip any any
ipv6 access-list IN6
 permit tcp any any eq 8080
 permit udp any any eq 9999
 deny tcp any any
ipv6 access-list OUT6
 deny ipv6 any any
ip http secure-server
end
`;

let topo: Topology;
let dir: string;
const servers: ChildProcess[] = [];
/** What the server's test server printed (`udp LENGTH` per datagram received). */
let serverOutput = '';

before(async () => {
  removeStaleTopologies(TAG);
  topo = createTopology({ prefix: netnsPrefix(TAG) });
  dir = mkdtempSync(join(tmpdir(), 'portcullis-run-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'gw.cfg'), CONFIG);
  await startServer('server', ['80', '22', '8080', 'udp:9999']);
  await startServer('client', ['8081']);
});

after(() => {
  for (const s of servers) s.kill('SIGKILL');
  topo?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function startServer(role: TopologyRole, ports: string[]): Promise<void> {
  const p = topo.spawn(role, [process.execPath, SERVE, ...ports], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(p);
  return new Promise((resolve, reject) => {
    p.stdout!.on('data', (d: Buffer) => {
      if (role === 'server') serverOutput += d.toString();
      if (d.toString().includes('ready')) resolve();
    });
    p.on('exit', (code) => reject(new Error(`test server on ${ports.join(',')} exited ${code}`)));
  });
}

interface Gateway {
  readonly proc: ChildProcess;
  /** Its control socket. */
  readonly control: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

let runs = 0;

/** Starts `portcullis run` in the gateway namespace (a control socket and state directory of its own); resolves once it says it runs (or has exited). */
function startRun(args: string[], opts: { wrap?: string[] } = {}): Promise<Gateway> {
  const control = join(dir, `control-${++runs}.sock`);
  const proc = topo.spawn('gateway', [...(opts.wrap ?? []), process.execPath, BIN, 'run', '--control', control,
    '--state-dir', join(dir, 'state'), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const gw: Gateway = { proc, control, stdout: () => out, stderr: () => err, exited };
  return new Promise((resolve) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/; running$/m.test(err)) resolve(gw);
    });
    void exited.then(() => resolve(gw));
  });
}

/** Stops a gateway with `signal` and waits for its exit (at most 10 s). */
async function stopRun(gw: Gateway, signal: NodeJS.Signals): Promise<number | string> {
  gw.proc.kill(signal);
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
  return Promise.race([gw.exited, timeout]);
}

/** curl in a namespace: exit code (0, 7 refused/unreachable, 28 timed out) and body. */
function curl(role: TopologyRole, url: string, seconds = 3, extra: string[] = []): Promise<{ code: number; body: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', topo.ns[role], 'curl', '-sS', '-g', '-m', String(seconds), ...extra, '-o', '-', url],
      { encoding: 'latin1', maxBuffer: 16 << 20 }, (error, stdout) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, body: stdout });
      });
  });
}

/** `portcullis` (not run) in the gateway namespace: exit code and output. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', topo.ns.gateway, process.execPath, BIN, ...args], { encoding: 'utf8' },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
      });
  });
}

/** The policy rules of priorities 7100-7499 in the gateway namespace, as `PRIORITY action` lines. */
function ourRules(family: '-4' | '-6'): string[] {
  return topo.exec('gateway', ['ip', family, 'rule', 'show']).split('\n')
    .map((l) => /^(\d+):\s+from all (.*?)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) >= 7100 && Number(m[1]) < 7500)
    .map((m) => `${m[1]} ${m[2]}`);
}

/** A number from the statistics the gateway prints when it stops (` name value`). */
function stat(stderr: string, name: string): number {
  const m = new RegExp(`^ ${name} +(\\d+)$`, 'm').exec(stderr);
  return m === null ? 0 : Number(m[1]);
}

/** Sends one TCP segment whose data offset (1 word) is shorter than a TCP header, client to server, over a raw socket. */
function sendMalformed(): void {
  const py = `
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
tcp = struct.pack('!HHIIBBHHH', 40000, 8080, 1, 0, 0x10, 0x10, 1024, 0, 0)
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                 socket.inet_aton('${A.client4}'), socket.inet_aton('${A.server4}'))
s.sendto(ip + tcp, ('${A.server4}', 0))
`;
  topo.exec('client', ['python3', '-c', py]);
}

/**
 * Sends one UDP super-packet from the client to the server's port 9999: 10,000 bytes that the
 * socket's UDP_SEGMENT option (Linux 4.18) makes ten datagrams of 1,000, left unsegmented until
 * they leave the last hop's device (USO).
 */
function sendUdpSuperPacket(server: string): void {
  const py = `
import socket
s = socket.socket(socket.AF_INET6 if ':' in '${server}' else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)
s.sendto(b'u' * 10000, ('${server}', 9999))
`;
  topo.exec('client', ['python3', '-c', py]);
}

/** Datagrams the server has received so far. */
function udpReceived(): string[] {
  return serverOutput.split('\n').filter((l) => l.startsWith('udp '));
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
}

/** Engine packets (segments) minus TUN reads (super-packets once): what the super-packets added. */
function segmentsBeyondReads(stderr: string): number {
  let reads = 0;
  for (const m of stderr.matchAll(/: read (\d+) packets/g)) reads += Number(m[1]);
  return stat(stderr, 'packets') - reads;
}

const LOOKUP_AND_PROHIBIT = ['7100 iif g1 lookup 7100', '7101 iif g2 lookup 7101', '7300 iif g1 prohibit', '7301 iif g2 prohibit'];
const PROHIBIT = ['7300 iif g1 prohibit', '7301 iif g2 prohibit'];

test('run: interception, the interface ACL, return traffic and super-packets, IPv4 and IPv6; SIGTERM stops cleanly and leaves forwarding refused', async () => {
  const gw = await startRun(['--config', join(dir, 'gw.cfg'), '--debug', 'detailed']);
  try {
    assert.match(gw.stderr(), /interface g1: TUN pc-g1 mtu 1500 offloads csum tso4 tso6/);
    assert.match(gw.stderr(), new RegExp(`^portcullis: login service on port 443 of ${A.gatewayInside4}, ${A.gatewayInside6}; certificate `, 'm'));
    assert.deepEqual(ourRules('-4'), LOOKUP_AND_PROHIBIT);
    assert.deepEqual(ourRules('-6'), LOOKUP_AND_PROHIBIT);
    for (const server of [A.server4, `[${A.server6}]`]) {
      // An unauthenticated client's web request gets the login page, from the server's address.
      const web = await curl('client', `http://${server}/`);
      assert.equal(web.code, 0, `http://${server}/`);
      assert.match(web.body, /<form method="post" action="https:\/\/[^"]*">/);
      assert.doesNotMatch(web.body, /hello from 80/);
      // The interface ACL denies its ssh port (deny tcp any any): nothing answers.
      assert.equal((await curl('client', `http://${server}:22/`, 2)).code, 28, `${server}:22`);
      // Permitted: port 8080. Its replies come in on g2, whose ACL denies everything: they pass
      // as return traffic of the flow.
      const ok = await curl('client', `http://${server}:8080/`);
      assert.deepEqual(ok, { code: 0, body: 'hello from 8080\n' });
      // Nothing gets in from the server's side on its own.
      assert.equal((await curl('server', `http://${server === A.server4 ? A.client4 : `[${A.client6}]`}:8081/`, 2)).code, 28);
    }
    // A bulk transfer: the server's TSO super-packets cross the gateway whole.
    const big = await curl('client', `http://${A.server4}:8080/big`, 20);
    assert.equal(big.code, 0);
    assert.equal(big.body.length, 4 << 20);
    // The login service's port on the gateway's inside addresses: the kernel delivers these
    // (whatever answers), and the data plane observes them beside its path.
    // The login service answers there (its certificate is self-signed: -k).
    const login4 = await curl('client', `https://${A.gatewayInside4}/`, 5, ['-k']);
    assert.equal(login4.code, 0);
    assert.equal((await curl('client', `https://[${A.gatewayInside6}]/`, 5, ['-k'])).code, 0);
    // The operator's control socket reaches the running gateway.
    const show = await cli(['show', 'ip', 'auth-proxy', 'statistics', '--control', gw.control]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^Authentication Proxy Statistics\n/);
    assert.match(show.stdout, /^ return-traffic +\d+$/m);
    sendMalformed();
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    assert.equal(await stopRun(gw, 'SIGTERM'), 0, gw.stderr());
  }
  const err = gw.stderr();
  assert.match(err, /portcullis: stopped; forwarding between the interfaces stays refused until `portcullis routes --remove`/);
  assert.ok(stat(err, 'return-traffic') >= 50, err);
  assert.ok(stat(err, 'drop-acl-in') >= 4, err);
  assert.equal(stat(err, 'drop-bad-tcp-offset'), 1, err);
  assert.ok(stat(err, 'to-gateway') >= 2, err);
  // Super-packets: the 4 MiB came in far fewer reads than the segments counted.
  const superPackets = stat(err, 'super-packets');
  const reads = /pc-g2: read (\d+) packets/.exec(err);
  assert.ok(superPackets > 0, err);
  assert.ok(reads !== null && stat(err, 'packets') - Number(reads[1]) > 1000, err);
  // debug ip auth-proxy detailed on stdout, as IOS prints it.
  assert.match(gw.stdout(), /^\*\w{3} \d+ \d\d:\d\d:\d\d\.\d{3}: AUTH-PROXY:proto_flag=1, dstport_index=4$/m);
  assert.match(gw.stdout(), new RegExp(`: dst_addr ${A.server4} src_addr ${A.client4} dst_port 80 src_port \\d+$`, 'm'));
  assert.match(gw.stdout(), /: AUTH-PROXY:auth_proxy_half_open_count\+\+ 1$/m);
  assert.match(gw.stdout(), /: dst_addr FD00:50:2::2 src_addr FD00:50:1::2 dst_port 80 src_port \d+$/m);
  assert.match(gw.stdout(), /: AUTH-PROXY:proto_flag=1, dstport_index=0\n.*: AUTH-PROXY:Protocol not configured on if_input$/m);
  // Fail closed: the prohibit rules stay, the lookup rules and TUN devices are gone, and the
  // host refuses to forward (an ICMP "prohibited" makes curl fail at once).
  assert.deepEqual(ourRules('-4'), PROHIBIT);
  assert.deepEqual(ourRules('-6'), PROHIBIT);
  assert.doesNotMatch(topo.exec('gateway', ['ip', 'link', 'show']), /pc-g/);
  assert.equal((await curl('client', `http://${A.server4}:8080/`)).code, 7);
  assert.equal((await curl('client', `http://[${A.server6}]:8080/`)).code, 7);
  assert.equal((await curl('server', `http://${A.client4}:8081/`)).code, 7);
});

test('super-packets: UDP (USO, IPv4 and IPv6) and TCP over IPv6 (TSO) cross the gateway whole, counted as their segments', async () => {
  const gw = await startRun(['--config', join(dir, 'gw.cfg')]);
  const before = udpReceived().length;
  try {
    sendUdpSuperPacket(A.server4);
    sendUdpSuperPacket(A.server6);
    await waitFor(() => udpReceived().length - before >= 20, 5000);
  } finally {
    assert.equal(await stopRun(gw, 'SIGTERM'), 0, gw.stderr());
  }
  // Each 10,000 bytes were read once and written back once; the kernel cut them into ten
  // datagrams on the way out, and the engine counted ten packets for each.
  assert.deepEqual(udpReceived().slice(before), Array(20).fill('udp 1000'));
  assert.equal(stat(gw.stderr(), 'super-packets'), 2, gw.stderr());
  assert.equal(segmentsBeyondReads(gw.stderr()), 2 * 9, gw.stderr());

  const gw6 = await startRun(['--config', join(dir, 'gw.cfg')]);
  try {
    const big = await curl('client', `http://[${A.server6}]:8080/big`, 20);
    assert.equal(big.code, 0);
    assert.equal(big.body.length, 4 << 20);
  } finally {
    assert.equal(await stopRun(gw6, 'SIGTERM'), 0, gw6.stderr());
  }
  // IPv6 TSO: 4 MiB in far fewer reads than segments (2,900 or so of 1,428 bytes).
  assert.ok(stat(gw6.stderr(), 'super-packets') > 0, gw6.stderr());
  assert.ok(segmentsBeyondReads(gw6.stderr()) > 2000, gw6.stderr());
});

test('SIGKILL forwards nothing; the next run converges to the same rules; routes --remove takes them all away', async () => {
  const first = await startRun(['--config', join(dir, 'gw.cfg')]);
  assert.deepEqual(await curl('client', `http://${A.server4}:8080/`), { code: 0, body: 'hello from 8080\n' });
  assert.equal(await stopRun(first, 'SIGKILL'), 'SIGKILL');
  assert.equal((await curl('client', `http://${A.server4}:8080/`)).code, 7, 'killed: nothing is forwarded');
  assert.equal((await curl('client', `http://[${A.server6}]:8080/`)).code, 7);
  assert.deepEqual(ourRules('-4'), LOOKUP_AND_PROHIBIT, 'the dead run\'s rules');

  const second = await startRun(['--config', join(dir, 'gw.cfg')]);
  try {
    assert.deepEqual(ourRules('-4'), LOOKUP_AND_PROHIBIT, 'no rule twice');
    assert.deepEqual(ourRules('-6'), LOOKUP_AND_PROHIBIT);
    assert.deepEqual(await curl('client', `http://${A.server4}:8080/`), { code: 0, body: 'hello from 8080\n' });
  } finally {
    assert.equal(await stopRun(second, 'SIGINT'), 0, second.stderr());
  }

  const printed = await cli(['routes', '--config', join(dir, 'gw.cfg')]);
  assert.equal(printed.code, 0);
  assert.match(printed.stdout, /^ip rule add iif g1 prohibit priority 7300$/m);
  assert.match(printed.stdout, /^ip -6 route replace default dev pc-g2 table 7101$/m);
  assert.deepEqual(ourRules('-4'), PROHIBIT, 'printing changes nothing');

  const removed = await cli(['routes', '--remove']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /^ip rule del priority 7300$/m);
  assert.deepEqual(ourRules('-4'), []);
  assert.deepEqual(ourRules('-6'), []);
  // Without portcullis the host forwards unfiltered again: even the port the ACL denied.
  assert.deepEqual(await curl('client', `http://${A.server4}:22/`), { code: 0, body: 'hello from 22\n' });
  assert.equal((await cli(['routes', '--remove'])).stdout, '# no portcullis rules or routes were installed\n');

  // --no-routes: the devices open, the routing is the operator's; nothing installed, nothing left.
  const unrouted = await startRun(['--config', join(dir, 'gw.cfg'), '--no-routes']);
  try {
    assert.match(unrouted.stderr(), /--no-routes: routing left to the operator/);
    assert.match(topo.exec('gateway', ['ip', 'link', 'show', 'pc-g1']), /pc-g1: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP>/);
    assert.deepEqual(ourRules('-4'), []);
  } finally {
    assert.equal(await stopRun(unrouted, 'SIGTERM'), 0, unrouted.stderr());
  }
  assert.deepEqual(ourRules('-4'), []);
  assert.doesNotMatch(unrouted.stderr(), /stays refused/);
});

test('start-up errors: an address the device lacks, a missing device, a TUN device that cannot be opened — one line, exit 3, nothing installed', async () => {
  const cases: [string, string, RegExp, string[]?][] = [
    ['mismatch.cfg', CONFIG.replace(`${A.gatewayInside4} 255.255.255.0`, '10.50.1.9 255.255.255.0'),
      new RegExp(`^portcullis: .*mismatch\\.cfg:4: interface g1: address 10\\.50\\.1\\.9/24 is not an address of the device ` +
        `\\(it has ${A.gatewayInside4}/24, ${A.gatewayInside6}/64\\)\\n$`)],
    ['missing.cfg', CONFIG.replace('interface g2', 'interface eth9'),
      /^portcullis: .*missing\.cfg:9: interface eth9: no such Linux network device \(devices here: lo, g1, g2\)\n$/],
    ['gw.cfg', CONFIG, /^portcullis: TUN device pc-g1: (open \/dev\/net\/tun: EACCES|TUNSETIFF: EPERM), creating a TUN device needs root \(CAP_NET_ADMIN\)\n$/,
      ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all']],
  ];
  // The unprivileged run keeps its state where it may write (a later --state-dir wins).
  const nobodyState = join(dir, 'state-nobody');
  mkdirSync(nobodyState, { mode: 0o700 });
  chownSync(nobodyState, 65534, 65534);
  for (const [name, text, expected, wrap] of cases) {
    writeFileSync(join(dir, name), text);
    const gw = await startRun(['--config', join(dir, name), ...(wrap === undefined ? [] : ['--state-dir', nobodyState])],
      wrap === undefined ? {} : { wrap });
    assert.equal(await gw.exited, 3, gw.stderr());
    assert.match(gw.stderr(), expected);
    assert.deepEqual(ourRules('-4'), [], 'nothing installed');
  }
  // The TUN device's name taken by a device of another kind.
  topo.exec('gateway', ['ip', 'link', 'add', 'pc-g2', 'type', 'veth', 'peer', 'name', 'pcx-g2']);
  try {
    const gw = await startRun(['--config', join(dir, 'gw.cfg')]);
    assert.equal(await gw.exited, 3, gw.stderr());
    assert.match(gw.stderr(), /^portcullis: TUN device pc-g2: TUNSETIFF: EINVAL, pc-g2 is taken by an interface that is not a TUN device\n$/);
    assert.deepEqual(ourRules('-4'), []);
    assert.doesNotMatch(topo.exec('gateway', ['ip', 'link', 'show']), /pc-g1/, 'the device opened first is closed again');
  } finally {
    topo.exec('gateway', ['ip', 'link', 'delete', 'pc-g2']);
  }
});
