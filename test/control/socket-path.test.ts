/**
 * The control socket's place: a stale socket of a dead gateway is replaced, a live one never;
 * a directory that is not root's, is writable by group or others, or is a symbolic link is
 * refused, as is a path that holds anything but a socket or is too long for a socket address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlServer } from '../../src/control/server.js';
import { callControl } from '../../src/control/client.js';
import { ControlPathError, ControlSocketInUseError } from '../../src/errors.js';
import { makeContextFixture } from '../gateway/context-fixture.js';
import { withTempDir } from './helpers.js';

/** Leaves a socket file with nothing listening on it: a process that listened there was killed. */
function leaveStaleSocket(path: string): void {
  const r = spawnSync(process.execPath, ['-e',
    `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(lstatSync(path).isSocket(), 'the dead process left its socket');
}

test('a stale socket (nothing listening) is replaced; the server then answers there', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'control.sock');
    leaveStaleSocket(path);
    const f = makeContextFixture();
    const server = await startControlServer(f.ctx, { path });
    try {
      assert.equal((await callControl({ path, command: 'show ip auth-proxy cache' })).output, 'Authentication Proxy Cache\n');
    } finally {
      await server.close();
    }
  });
});

test('a socket a gateway listens on is not taken over', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'control.sock');
    const first = await startControlServer(makeContextFixture().ctx, { path });
    try {
      await assert.rejects(startControlServer(makeContextFixture().ctx, { path }), (e: unknown) => {
        assert.ok(e instanceof ControlSocketInUseError);
        assert.equal(e.message, `control socket ${path}: another gateway is listening on it`);
        return true;
      });
      assert.equal((await callControl({ path, command: 'show ip auth-proxy cache' })).output, 'Authentication Proxy Cache\n',
        'the first gateway still answers');
    } finally {
      await first.close();
    }
  });
});

test('unsafe directories are refused: another owner, group- or world-writable, a symbolic link', async () => {
  await withTempDir(async (dir) => {
    const refused = async (path: string, problem: string): Promise<void> => {
      await assert.rejects(startControlServer(makeContextFixture().ctx, { path }), (e: unknown) => {
        assert.ok(e instanceof ControlPathError, String(e));
        assert.equal(e.message, `control socket ${path}: ${problem}`);
        return true;
      });
      assert.throws(() => lstatSync(path), { code: 'ENOENT' }, 'nothing was created there');
    };
    const other = join(dir, 'other');
    mkdirSync(other, { mode: 0o700 });
    chownSync(other, 65534, 65534);
    await refused(join(other, 'c.sock'), `refusing directory ${other}: owned by uid 65534, not by uid 0 (root)`);
    const world = join(dir, 'world');
    mkdirSync(world);
    chmodSync(world, 0o1777);
    await refused(join(world, 'c.sock'), `refusing directory ${world}: writable by group and others (mode 01777)`);
    const others = join(dir, 'others');
    mkdirSync(others);
    chmodSync(others, 0o703);
    await refused(join(others, 'c.sock'), `refusing directory ${others}: writable by others (mode 0703)`);
    const group = join(dir, 'group');
    mkdirSync(group);
    chmodSync(group, 0o770);
    await refused(join(group, 'c.sock'), `refusing directory ${group}: writable by group (mode 0770)`);
    const link = join(dir, 'link');
    symlinkSync(world, link);
    await refused(join(link, 'c.sock'), `refusing directory ${link}: it is a symbolic link`);
    await refused(join(dir, 'missing', 'deeper', 'c.sock'), `cannot create directory ${join(dir, 'missing', 'deeper')}: its parent does not exist`);
    await refused(join(dir, 'x'.repeat(120), 'c.sock'), 'longer than the 107 bytes a Unix socket path may have');
  });
});

test('a path that holds a file is refused and the file left as it was', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'control.sock');
    writeFileSync(path, 'precious');
    await assert.rejects(startControlServer(makeContextFixture().ctx, { path }), (e: unknown) =>
      e instanceof ControlPathError && e.message === `control socket ${path}: exists and is not a socket; refusing to replace it`);
    assert.equal(readFileSync(path, 'utf8'), 'precious');
  });
});

test('a missing directory is made 0700; close removes the socket', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'run', 'control.sock');
    const server = await startControlServer(makeContextFixture().ctx, { path });
    try {
      assert.equal(lstatSync(join(dir, 'run')).mode & 0o7777, 0o700);
      assert.equal(lstatSync(path).mode & 0o7777, 0o600);
    } finally {
      await server.close();
    }
    assert.throws(() => lstatSync(path), { code: 'ENOENT' });
    await server.close();
  });
});
