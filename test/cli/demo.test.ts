/**
 * `portcullis demo` (`npm start`). As root: the live gateway in three namespaces, step by step
 * (the request intercepted, ssh blocked, the HTTPS login, the request passing, the debug lines,
 * `show ip auth-proxy cache`), and nothing left behind, also when interrupted. Where namespaces
 * cannot be made (an unprivileged user): one line saying so, then the seed capture replayed,
 * printing exactly the seed's debug lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPOLOGY_ADDRESSES } from '../../src/netns/topology.js';
import { DEMO_PASSWORD } from '../../src/demo/config.js';
import { bin, root } from './run-cli.js';

/** nobody:nogroup, as Debian numbers them. */
const NOBODY = 65534;

test('demo without root: one line saying why, then the seed capture replayed with debug detailed', () => {
  const r = spawnSync(process.execPath, [bin, 'demo'], { encoding: 'utf8', uid: NOBODY, gid: NOBODY, cwd: tmpdir() });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split('\n');
  assert.equal(lines[0], `portcullis demo: network namespaces need root (running as uid ${NOBODY}); replaying the seed capture instead`);
  assert.equal(lines.filter((l) => l.startsWith('portcullis demo:')).length, 1);
  assert.equal(r.stdout, readFileSync(join(root, 'captures', 'seed-https-authproxy.expected'), 'utf8'));
  assert.match(r.stderr, /replay summary\n {2}packets +21\n/);
});

/** Namespaces `pcdemo-PID-…` of the demo run with process id `pid`. */
function demoNamespaces(pid: number | undefined): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`pcdemo-${pid}-`));
}

test('demo as root: intercepted, logged in over HTTPS, passing, debug lines, show cache, torn down', async () => {
  const child = spawn(process.execPath, [bin, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  assert.equal(status, 0, stderr + stdout);
  const A = TOPOLOGY_ADDRESSES;
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Step by step, in order.
  const expected = [
    /^1\. The client asks the server for a page before logging in:$/m,
    new RegExp(`^ {3}client\\$ curl -i http://${esc(A.server4)}/`, 'm'),
    new RegExp(`The gateway answered as ${esc(A.server4)} port 80 with its login page; the form posts to https://${esc(A.gatewayInside4)}/`),
    /no answer: the gateway drops it/,
    /Authentication Successful/,
    /Welcome to the server behind the gateway/,
    /The server itself answered\./,
    /no answer: the user's entries permit the web port only/,
    /^6\. What the gateway printed \(debug ip auth-proxy detailed\):$/m,
    new RegExp(`^ {3}\\*\\w+ +\\d+ [\\d:.]+: AUTH-PROXY:proto_flag=1, dstport_index=4\\n {3}.*SYN SEQ \\d+ LEN 0\\n` +
      ` {3}.*dst_addr ${esc(A.server4)} src_addr ${esc(A.client4)} dst_port 80 src_port \\d+\\n {3}.*AUTH-PROXY:auth_proxy_half_open_count\\+\\+ 1$`, 'm'),
    /^7\. gateway# show ip auth-proxy cache$/m,
    new RegExp(`^ {3}Authentication Proxy Cache\\n {4}Client IP ${esc(A.client4)} Port \\d+, timeout 60, state HTTP_ESTAB$`, 'm'),
    /^Torn down: gateway and servers stopped, namespaces removed\.$/m,
  ];
  let at = 0;
  for (const re of expected) {
    const m = re.exec(stdout.slice(at));
    assert.ok(m, `${re} after offset ${at} in:\n${stdout}`);
    at += m.index + m[0].length;
  }
  assert.doesNotMatch(stdout + stderr, new RegExp(DEMO_PASSWORD), 'the password is shown masked only');
  assert.deepEqual(demoNamespaces(child.pid), []);
});

test('demo as root, interrupted (SIGINT): tears everything down and exits 130', async () => {
  const child = spawn(process.execPath, [bin, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (stdout.includes('1. The client asks')) resolve();
  }));
  assert.equal(demoNamespaces(child.pid).length, 3, 'the namespaces exist while it runs');
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /portcullis demo: interrupted by SIGINT; tearing down/);
  assert.match(stdout, /Torn down/);
  assert.deepEqual(demoNamespaces(child.pid), []);
});
