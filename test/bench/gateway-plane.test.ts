/**
 * The live benchmarks' gateway: `portcullis run` started in a topology of this test's own
 * (root) with and without `--no-offload`, on the benchmarks' configuration, and stopped with its
 * routing removed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, netnsPrefix, removeStaleTopologies } from '../../src/netns/topology.js';
import type { Topology } from '../../src/netns/topology.js';
import { gatewayCli, startGatewayProcess } from '../../bench/lib/gateway-plane.js';
import type { GatewayFiles } from '../../bench/lib/gateway-plane.js';
import { gatewayConfig } from '../../bench/lib/gateway-config.js';

let topo: Topology;
let dir: string;
let files: GatewayFiles;
const children = new Set<ChildProcess>();
const track = (p: ChildProcess): void => { children.add(p); };

before(() => {
  removeStaleTopologies('bt-gwp');
  dir = mkdtempSync(join(tmpdir(), 'portcullis-gwp-test-'));
  files = { configPath: join(dir, 'gw.cfg'), stateDir: join(dir, 'state'), controlPath: join(dir, 'control.sock') };
  writeFileSync(files.configPath, gatewayConfig());
  topo = createTopology({ prefix: netnsPrefix('bt-gwp'), ipv6: false });
});

after(() => {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  topo.remove();
  rmSync(dir, { recursive: true, force: true });
});

test('the built CLI has run and its --no-offload option', () => {
  const cli = gatewayCli();
  assert.equal(cli.run, true);
  assert.equal(cli.noOffloadFlag, '--no-offload');
});

for (const [what, args] of [['--no-offload', ['--no-offload']], ['default', []]] as const) {
  test(`portcullis run (${what}) starts on the benchmarks' configuration; stopped, its rules are gone`, async () => {
    const g = await startGatewayProcess(topo, files, args, track);
    let stderr: string;
    try {
      stderr = g.stderr();
      assert.match(topo.exec('gateway', ['ip', 'rule', 'show']), /lookup 7100/);
    } finally {
      await g.stop();
    }
    for (const itf of ['g1', 'g2']) {
      const line = new RegExp(`interface ${itf}: TUN pc-${itf} mtu 1500 offloads (.*), table`).exec(stderr);
      assert.ok(line, stderr);
      if (args.length > 0) assert.equal(line[1], 'none');
      else assert.notEqual(line[1], 'none');
    }
    assert.doesNotMatch(topo.exec('gateway', ['ip', 'rule', 'show']), /\b7[1-4]\d\d:/);
  });
}
