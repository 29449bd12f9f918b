/**
 * The control commands of the real `portcullis` binary, run as a child process against a
 * control server this test starts around its own engine: show, clear, debug streaming until
 * SIGINT, undebug all, input errors with "did you mean", offline show with --config, and the
 * one clear line when no gateway runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { DEBUG_DETAILED } from '../../src/engine/debug.js';
import { parseIp } from '../../src/wire/addr.js';
import { makeContextFixture, type ContextFixture } from '../gateway/context-fixture.js';
import { bin, seedCfg } from '../cli/run-cli.js';
import { tcp, waitFor, withTempDir } from './helpers.js';

interface Child {
  status: number | null;
  stdout: string;
  stderr: string;
  readonly done: Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `portcullis ARGS` (asynchronously: the server answering it runs in this process). */
function start(args: readonly string[]): Child {
  const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const c: Child = {
    status: null, stdout: '', stderr: '',
    done: new Promise((resolve) => p.on('close', (code) => {
      c.status = code;
      resolve();
    })),
    kill: (signal) => p.kill(signal),
  };
  p.stdout.setEncoding('utf8').on('data', (d: string) => { c.stdout += d; });
  p.stderr.setEncoding('utf8').on('data', (d: string) => { c.stderr += d; });
  return c;
}

async function run(args: readonly string[]): Promise<Child> {
  const c = start(args);
  await c.done;
  return c;
}

async function withGateway(fn: (f: ContextFixture, server: ControlServer, path: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const f = makeContextFixture();
    const path = join(dir, 'run', 'control.sock');
    const server = await startControlServer(f.ctx, { path });
    try {
      await fn(f, server, path);
    } finally {
      await server.close();
    }
  });
}

test('portcullis show and clear reach the running gateway through --control', async () => {
  await withGateway(async (f, _server, path) => {
    f.clock.nowMs = 1000;
    assert.equal(f.handle(tcp({ src: '2001:db8:1::7', dst: '2001:db8:2::9', sport: 40000, dport: 80, flags: 'SYN', seq: 1 })), VERDICT_INTERCEPT);
    const show = await run(['show', 'ip', 'auth-proxy', 'cache', '--control', path]);
    assert.equal(show.stderr, '');
    assert.equal(show.status, 0);
    assert.equal(show.stdout, 'Authentication Proxy Cache\n Client IP 2001:DB8:1::7 Port 40000, timeout 5, state INIT\n');
    const absent = await run(['clear', 'ip', 'auth-proxy', 'cache', '10.1.0.99', '--control', path]);
    assert.equal(absent.status, 1);
    assert.equal(absent.stderr, 'portcullis: no auth-proxy cache entry for 10.1.0.99\n');
    const clear = await run(['clear', 'ip', 'auth-proxy', 'cache', '2001:db8:1::7', '--control', path]);
    assert.equal(clear.stderr, '');
    assert.equal(clear.status, 0);
    assert.equal(clear.stdout, '');
    assert.ok(f.engine.cache.lookup(parseIp('2001:db8:1::7')!) < 0, 'the entry is gone');
  });
});

test('portcullis debug streams live lines until SIGINT, then ends cleanly; undebug all ends another', async () => {
  await withGateway(async (f, server, path) => {
    const d = start(['debug', 'ip', 'auth-proxy', 'detailed', '--control', path]);
    await waitFor(() => d.stderr.includes('debugging is on'), 'the confirmation', 15_000);
    assert.equal(d.stderr, 'AUTH-PROXY detailed debugging is on\n');
    assert.equal(f.engine.debugFlags, DEBUG_DETAILED);
    f.clock.nowMs = 534;
    f.handle(tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 100 }));
    await waitFor(() => d.stdout.split('\n').length > 4, 'four lines on stdout');
    assert.equal(d.stdout, [
      '*Mar 1 21:18:18.534: AUTH-PROXY:proto_flag=1, dstport_index=4',
      '*Mar 1 21:18:18.534: SYN SEQ 100 LEN 0',
      '*Mar 1 21:18:18.534: dst_addr 10.2.0.9 src_addr 10.1.0.5 dst_port 80 src_port 4001',
      '*Mar 1 21:18:18.534: AUTH-PROXY:auth_proxy_half_open_count++ 1',
      '',
    ].join('\n'));
    d.kill('SIGINT');
    await d.done;
    assert.equal(d.status, 0, d.stderr);
    assert.equal(d.stderr, 'AUTH-PROXY detailed debugging is on\n', 'nothing more on an interrupt');
    await waitFor(() => server.clientCount === 0, 'the client to leave');
    assert.equal(f.engine.debugFlags, 0);

    const e = start(['debug', 'ip', 'auth-proxy', 'object-creation', '--control', path]);
    await waitFor(() => e.stderr.includes('debugging is on'), 'the second stream', 15_000);
    const u = await run(['undebug', 'all', '--control', path]);
    assert.equal(u.status, 0, u.stderr);
    assert.equal(u.stdout, 'All possible debugging has been turned off\n');
    await e.done;
    assert.equal(e.status, 0);
    assert.equal(e.stderr, 'AUTH-PROXY object-creation debugging is on\nportcullis: debugging ended: undebug all\n');
  });
});

test('typing slips are input errors with "did you mean", found before any gateway is looked for (exit 2)', async () => {
  const r = await run(['show', 'ip', 'auth-proxy', 'cahce', '--control', '/nonexistent/control.sock']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'portcullis: show ip auth-proxy cahce: invalid input at word 4: expected cache, configuration, statistics or ' +
    'watch-list, found "cahce" (did you mean "cache"?)\n');
  const a = await run(['show', 'ip', 'a']);
  assert.equal(a.status, 2);
  assert.equal(a.stderr, 'portcullis: show ip a: ambiguous command at word 3: expected access-lists or auth-proxy, found "a" ' +
    '("a" could be access-lists or auth-proxy)\n');
  const d = await run(['debug', 'ip', 'auth-proxy', 'detaild']);
  assert.equal(d.status, 2);
  assert.match(d.stderr, /found "detaild" \(did you mean "detailed"\?\)\n$/);
  // What a shell does to an unquoted *: the hint says so.
  const g = await run(['clear', 'ip', 'auth-proxy', 'cache', '*', 'README.md']);
  assert.equal(g.status, 2);
  assert.equal(g.stderr, 'portcullis: clear ip auth-proxy cache * README.md: invalid input at word 6: expected end of line, ' +
    'found "README.md" (quote the * (\'*\'): a shell expands it to file names)\n');
  const i = await run(['show', 'ip', 'auth-proxy']);
  assert.equal(i.status, 2);
  assert.equal(i.stderr, 'portcullis: show ip auth-proxy: incomplete command at word 4: expected cache, configuration, statistics or ' +
    'watch-list, found end of line\n');
});

test('no gateway running: one clear line and exit 1', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'control.sock');
    const r = await run(['show', 'ip', 'auth-proxy', 'cache', '--control', path]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `portcullis: no gateway is running: cannot connect to ${path}: ENOENT\n`);
    const d = await run(['debug', 'ip', 'auth-proxy', 'detailed', '--control', path]);
    assert.equal(d.status, 1);
    assert.equal(d.stderr, `portcullis: no gateway is running: cannot connect to ${path}: ENOENT\n`);
  });
});

test('show --config stays offline; live-only tables say where to ask', async () => {
  const r = await run(['show', 'ip', 'access-list', '--config', seedCfg]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'Extended IP access list 101\n    10 deny tcp any any\n');
  const c = await run(['show', 'ip', 'auth-proxy', 'cache', '--config', seedCfg]);
  assert.equal(c.status, 1);
  assert.equal(c.stderr, 'portcullis: show ip auth-proxy cache: shows the running gateway\'s state; without --config it asks the gateway\n');
  const x = await run(['clear', 'ip', 'auth-proxy', 'cache', '*', '--config', seedCfg]);
  assert.equal(x.status, 2);
  assert.equal(x.stderr, 'portcullis: clear ip auth-proxy cache *: acts on the running gateway; --config is for show\n');
});
