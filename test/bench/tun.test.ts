/**
 * The live benchmarks' parts: the ratios paired by round, and the C reflector anchor serving
 * one TUN per gateway interface over the gateway's policy routing, measured by iperf3 in a
 * topology this test makes and removes (root).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createTopology, netnsPrefix, removeStaleTopologies } from '../../src/netns/topology.js';
import type { Topology } from '../../src/netns/topology.js';
import { TUN_OFFLOADS_ALL } from '../../src/io/tun.js';
import { computeRatios, formatTun } from '../../bench/tun.js';
import type { TunSample } from '../../bench/tun.js';
import { REFLECTOR_ROUTES, cReflector } from '../../bench/lib/dataplanes.js';
import { parsePerfStat, startProbe } from '../../bench/lib/plane-probe.js';
import type { PlaneCost } from '../../bench/lib/plane-probe.js';
import { runIperfClient, startIperfServer } from '../../bench/lib/iperf.js';
import type { IperfRun } from '../../bench/lib/iperf.js';
import { ensureTool, whichTool } from '../../bench/lib/harness.js';

function sample(plane: string, workload: 'tcp' | 'udp', round: number, value: number, cost?: PlaneCost,
  instrumented = false): TunSample {
  const run: IperfRun = {
    bitsPerSecond: workload === 'tcp' ? value : value * 512, packetsPerSecond: workload === 'udp' ? value : 0,
    sent: 0, lost: 0, retransmits: 0, seconds: 2,
  };
  return { plane, workload, round, run, cost, ingressBytesPerSkb: NaN, instrumented };
}

function cost(packetsRead: number, cpuSeconds: number, syscalls: number, waits: number): PlaneCost {
  return {
    packetsRead, packetsWritten: packetsRead, bytesRead: packetsRead * 1000, firstPacketsRead: packetsRead,
    firstBytesRead: packetsRead * 1000, ingressPackets: packetsRead, ingressBytes: packetsRead * 1000, cpuSeconds,
    syscalls, waits, reads: NaN, writes: NaN,
  };
}

test('parsePerfStat reads perf stat -x , output and leaves out what was not counted', () => {
  const text = '\n1234,,raw_syscalls:sys_enter,1000,100.00,,\n<not supported>,,syscalls:sys_enter_foo,0,100.00,,\n17,,syscalls:sys_enter_poll,1000,100.00,,\n';
  assert.deepEqual([...parsePerfStat(text)], [['raw_syscalls:sys_enter', 1234], ['syscalls:sys_enter_poll', 17]]);
});

test('computeRatios pairs subject and anchor within each round and skips rounds missing a side', () => {
  const samples = [
    sample('kernel', 'tcp', 0, 10e9), sample('gw-offload', 'tcp', 0, 8e9),
    sample('kernel', 'tcp', 1, 5e9), sample('gw-offload', 'tcp', 1, 2e9),
    sample('kernel', 'tcp', 2, 20e9), sample('gw-offload', 'tcp', 2, 12e9),
    sample('kernel', 'tcp', 3, 20e9),
    sample('c-plain', 'udp', 0, 100_000), sample('gw-plain', 'udp', 0, 95_000),
  ];
  const ratios = computeRatios(samples, 4);
  const tcp = ratios.find((r) => r.subject === 'gw-offload' && r.anchor === 'kernel' && r.workload === 'tcp')!;
  assert.deepEqual(tcp.perRound, [0.8, 0.4, 0.6]);
  assert.equal(tcp.median, 0.6);
  assert.equal(tcp.target, 0.7);
  const udp = ratios.find((r) => r.subject === 'gw-plain' && r.anchor === 'c-plain' && r.workload === 'udp')!;
  assert.deepEqual(udp.perRound, [0.95]);
  assert.equal(ratios.some((r) => r.subject === 'gw-plain' && r.workload === 'tcp'), false, 'no TCP sample of gw-plain');
  const md = formatTun(samples, ratios, ['gw-plain: not built'], 4, 2);
  assert.match(md, /\| portcullis run, offloads ÷ kernel forwarding \| TCP \| \*\*0\.60×\*\* \| 0\.80, 0\.40, 0\.60 \| ≥ 0\.7× ✗ \|/);
  assert.match(md, /\| portcullis run, no offload ÷ C reflector, no offload \| UDP 64 B \| \*\*0\.95×\*\* \| 0\.95 \| ≥ 0\.9× ✓ \|/);
  assert.match(md, /\| kernel forwarding \| 15\.00 \(5\.00–20\.00\) \|/);
  assert.match(md, /- not run: gw-plain: not built\n/);
});

test('a counted run (system calls traced) is compared with nothing; the cost table takes its system calls from it', () => {
  const samples = [
    sample('kernel', 'tcp', 0, 10e9), sample('gw-offload', 'tcp', 0, 8e9, cost(1000, 1, NaN, NaN)),
    // The counted run: slowed down by the tracing; 4 syscalls and 2 packets per wake-up.
    sample('gw-offload', 'tcp', 1, 1e9, cost(500, 1, 2000, 250), true),
  ];
  const ratios = computeRatios(samples, 1);
  const tcp = ratios.find((r) => r.subject === 'gw-offload' && r.anchor === 'kernel')!;
  assert.deepEqual(tcp.perRound, [0.8]);
  const md = formatTun(samples, ratios, [], 1, 2);
  // Rates: the uncounted run alone (8.00, not a spread with the counted run's 1.00).
  assert.match(md, /\| portcullis run, offloads \| 8\.00 \|/);
  // CPU µs per packet from the uncounted run (1 s / 1000 packets); wake-ups and calls from the counted one.
  assert.match(md, /\| portcullis run, offloads \| TCP \| 0\.5 \| 1\.0 \| 2\.0 \| 4\.00 \| 4\.00 \| 1000\.0 \|/);
});

let topo: Topology;
const children = new Set<ChildProcess>();
const track = (p: ChildProcess): void => { children.add(p); };

before(() => {
  removeStaleTopologies('bt-tun');
  topo = createTopology({ prefix: netnsPrefix('bt-tun'), ipv6: false });
});

after(() => {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  topo.remove();
});

/** Bytes each reflector TUN received and sent (rx: what the data plane wrote back). */
function tunBytes(): Array<{ rx: number; tx: number }> {
  return REFLECTOR_ROUTES.map((r) => {
    const s = (JSON.parse(topo.exec('gateway', ['ip', '-s', '-j', 'link', 'show', r.tun])) as Array<{ stats64: { rx: { bytes: number }; tx: { bytes: number } } }>)[0]!.stats64;
    return { rx: s.rx.bytes, tx: s.tx.bytes };
  });
}

for (const [mode, offloads] of [['without', 0], ['with', TUN_OFFLOADS_ALL]] as const) {
  test(`the C reflector ${mode} offloads carries an iperf3 TCP run through both TUN devices and counts its CPU time`, async () => {
    const iperf3 = ensureTool('iperf3');
    const server = await startIperfServer(topo, iperf3, track);
    const plane = cReflector(topo, offloads, track);
    try {
      await plane.start();
      const probe = await startProbe(topo, plane.pid(), REFLECTOR_ROUTES.map((r) => r.tun), track, true);
      const run = await runIperfClient(topo, iperf3, { protocol: 'tcp', seconds: 1 }, track);
      const cost = await probe.stop();
      const bytes = tunBytes();
      assert.ok(run.bitsPerSecond > 1e6, `${run.bitsPerSecond} bit/s`);
      // Data from client to server entered the inside TUN and was written back into it; the
      // server's ACKs took the outside one.
      assert.ok(bytes[0]!.tx > run.bitsPerSecond / 8 && bytes[0]!.rx >= bytes[0]!.tx * 0.99, JSON.stringify(bytes));
      assert.ok(bytes[1]!.tx > 0 && bytes[1]!.rx > 0, JSON.stringify(bytes));
      assert.ok(cost.cpuSeconds > 0, 'the reflector used CPU time');
      assert.ok(cost.packetsRead > 100 && cost.packetsWritten >= cost.packetsRead * 0.99, JSON.stringify(cost));
      if (whichTool('perf') !== undefined) {
        // One read per packet plus one that finds nothing per wake-up; one write per packet. perf
        // attaches a moment after it starts, which a loaded machine may stretch: half at least.
        assert.ok(cost.waits > 0 && cost.reads >= cost.packetsRead / 2 && cost.writes >= cost.packetsWritten / 2, JSON.stringify(cost));
        assert.ok(cost.syscalls >= cost.reads + cost.writes + cost.waits, JSON.stringify(cost));
      }
    } finally {
      await plane.stop();
      await server.stop();
    }
    // Stopped: the TUN devices are gone, and so are the rules.
    const rules = topo.exec('gateway', ['ip', 'rule', 'show']);
    assert.doesNotMatch(rules, /lookup 710[01]|prohibit/);
    assert.throws(() => topo.exec('gateway', ['ip', 'link', 'show', REFLECTOR_ROUTES[0]!.tun]));
  });
}
