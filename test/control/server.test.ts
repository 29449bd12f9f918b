/**
 * The control socket end to end over a real Unix socket in a temporary directory, with an
 * engine in this process behind a GatewayContext: every show output against a golden derived
 * by hand from spec §4 (and README's statistics format), clear (engine state, and the host's
 * packets intercepted again), debug streaming and its flags, undebug all, and requests that
 * break the protocol.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { callControl } from '../../src/control/client.js';
import { MAX_REQUEST_BYTES } from '../../src/control/protocol.js';
import { ControlCommandError } from '../../src/errors.js';
import { VERDICT_DROP, VERDICT_FORWARD, VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { DEBUG_DETAILED, DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION } from '../../src/engine/debug.js';
import { parseIp } from '../../src/wire/addr.js';
import { FIXTURE_CONFIG, makeContextFixture, type ContextFixture } from '../gateway/context-fixture.js';
import { RawClient, tcp, udp, waitFor, withTempDir } from './helpers.js';

/** Runs `fn` with a fixture and its control server on a socket in a temporary directory. */
async function withServer(fn: (f: ContextFixture, server: ControlServer, path: string) => Promise<void>,
  opts: { debugFlags?: number; maxClients?: number; configText?: string; idleTimeoutMs?: number } = {}): Promise<void> {
  await withTempDir(async (dir) => {
    const f = makeContextFixture({ debugFlags: opts.debugFlags ?? 0, ...(opts.configText !== undefined ? { configText: opts.configText } : {}) });
    const path = join(dir, 'run', 'control.sock');
    const server = await startControlServer(f.ctx, {
      path, ...(opts.maxClients !== undefined ? { maxClients: opts.maxClients } : {}),
      ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    });
    try {
      await fn(f, server, path);
    } finally {
      await server.close();
    }
  });
}

const ask = async (path: string, command: string): Promise<string> => (await callControl({ path, command })).output;

/** The remote error a command gets. */
async function refusal(path: string, command: string): Promise<ControlCommandError> {
  try {
    await callControl({ path, command });
  } catch (e) {
    assert.ok(e instanceof ControlCommandError, String(e));
    return e;
  }
  assert.fail(`${command} was not refused`);
}

const host = (text: string): Uint32Array => parseIp(text)!;

/**
 * Three hosts: 10.1.0.7 intercepted at 1 s from port 31219, then logged in with one downloaded
 * entry and sends one permitted and one denied packet; 10.1.0.5 intercepted at 2 s from port
 * 4001; 2001:db8:1::7 intercepted at 3 s from port 40000.
 */
function populate(f: ContextFixture): void {
  f.clock.nowMs = 1000;
  assert.equal(f.handle(tcp({ src: '10.1.0.7', dst: '10.2.0.9', sport: 31219, dport: 80, flags: 'SYN', seq: 1 })), VERDICT_INTERCEPT);
  assert.deepEqual(f.engine.authorizeHost(host('10.1.0.7'), 'alice', [{ n: 1, text: 'permit tcp any host 10.2.0.9 eq www' }], 1000), { ok: true });
  f.clock.nowMs = 2000;
  assert.equal(f.handle(tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 1 })), VERDICT_INTERCEPT);
  f.clock.nowMs = 3000;
  assert.equal(f.handle(tcp({ src: '2001:db8:1::7', dst: '2001:db8:2::9', sport: 40000, dport: 80, flags: 'SYN', seq: 1 })), VERDICT_INTERCEPT);
  f.clock.nowMs = 4000;
  assert.equal(f.handle(tcp({ src: '10.1.0.7', dst: '10.2.0.9', sport: 31220, dport: 80, flags: 'SYN', seq: 1 })), VERDICT_FORWARD);
  assert.equal(f.handle(tcp({ src: '10.1.0.7', dst: '10.2.0.9', sport: 31221, dport: 22, flags: 'SYN', seq: 1 })), VERDICT_DROP);
  f.drainTx();
}

test('show ip auth-proxy cache, configuration and access lists through the socket, as spec §4 prints them', async () => {
  await withServer(async (f, _server, path) => {
    populate(f);
    // Spec §4: one line per host, oldest first: client IP (IPv6 in upper case, spec §1), the
    // port of the connection that made the entry, the rule's inactivity time (the global
    // auth-cache-time 5), the state by name.
    assert.equal(await ask(path, 'show ip auth-proxy cache'), [
      'Authentication Proxy Cache',
      ' Client IP 10.1.0.7 Port 31219, timeout 5, state HTTP_ESTAB',
      ' Client IP 10.1.0.5 Port 4001, timeout 5, state INIT',
      ' Client IP 2001:DB8:1::7 Port 40000, timeout 5, state INIT',
      '',
    ].join('\n'));
    assert.equal(await ask(path, 'sh ip auth ca'), await ask(path, 'show ip auth-proxy cache'), 'IOS abbreviations');
    assert.equal(await ask(path, 'show ip auth-proxy configuration'), [
      'Authentication global cache time is 5 minutes',
      'Authentication global absolute time is 0 minutes',
      'Authentication Proxy Rule Configuration',
      ' Auth-proxy name web',
      '    http list not specified auth-cache-time 5 minutes',
      '',
    ].join('\n'));
    // Dynamic entries first, unnumbered, `any` replaced by the host, www by name; static entries
    // numbered 10, 20 …; `(1 match)` in the singular.
    const ipLists = [
      'Extended IP access list 101',
      '    permit tcp host 10.1.0.7 host 10.2.0.9 eq www (1 match)',
      '    10 permit udp any any eq domain',
      '    20 deny tcp any any (1 match)',
      'Extended IP access list 102',
      '    10 deny ip any any',
      '',
    ].join('\n');
    assert.equal(await ask(path, 'show ip access-lists'), ipLists);
    assert.equal(await ask(path, 'show ip access-list 102'), 'Extended IP access list 102\n    10 deny ip any any\n');
    assert.equal(await ask(path, 'show ipv6 access-list'), [
      'IPv6 access list inside6',
      '    permit udp any any eq domain sequence 10',
      '    deny tcp any any sequence 20',
      '',
    ].join('\n'));
    assert.equal(await ask(path, 'show ipv6 access-list inside6'), await ask(path, 'show ipv6 access-list'));
  });
});

test('show ip auth-proxy statistics: gauges, then every nonzero counter (README format)', async () => {
  await withServer(async (f, _server, path) => {
    // One intercepted SYN (a host entry, a half-open connection, the SYN-ACK written out), one
    // DNS query the ACL permits (a flow), one ssh SYN the ACL denies.
    assert.equal(f.handle(tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 1 })), VERDICT_INTERCEPT);
    assert.equal(f.drainTx(), 1);
    assert.equal(f.handle(udp('10.1.0.5', '10.2.0.9', 5000, 53)), VERDICT_FORWARD);
    assert.equal(f.handle(tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4002, dport: 22, flags: 'SYN', seq: 1 })), VERDICT_DROP);
    assert.equal(await ask(path, 'show ip auth-proxy statistics'), [
      'Authentication Proxy Statistics',
      ' cache-entries           1',
      ' half-open               1',
      ' intercepted-connections 1',
      ' flows                   1',
      ' packets                 3',
      ' forwarded               1',
      ' dropped                 1',
      ' intercepted             1',
      ' emitted                 1',
      ' drop-acl-in             1',
      ' flows-created           1',
      ' hosts-created           1',
      '',
    ].join('\n'));
  });
});

test('clear ip auth-proxy cache ADDRESS removes the host: its entries go and its web traffic is intercepted again', async () => {
  await withServer(async (f, _server, path) => {
    populate(f);
    const kicks = f.kicks();
    assert.equal(await ask(path, 'clear ip auth-proxy cache 10.1.0.7'), '', 'IOS answers nothing');
    assert.equal(f.kicks(), kicks + 1, 'the gateway was kicked');
    assert.ok(f.engine.cache.lookup(host('10.1.0.7')) < 0, 'no entry');
    assert.ok(f.engine.cache.lookup(host('10.1.0.5')) >= 0, 'other hosts stay');
    assert.doesNotMatch(f.engine.acls.showIpAccessLists('101'), /10\.1\.0\.7/, 'its downloaded entry is gone');
    f.clock.nowMs = 5000;
    assert.equal(f.handle(tcp({ src: '10.1.0.7', dst: '10.2.0.9', sport: 31230, dport: 80, flags: 'SYN', seq: 1 })), VERDICT_INTERCEPT,
      'a web connection of the cleared host is intercepted again');
    // An IPv6 host by any spelling of its address; an absent host is an error naming it as IOS prints it.
    assert.equal(await ask(path, 'clear ip auth-proxy cache 2001:0db8:1:0::7'), '');
    assert.ok(f.engine.cache.lookup(host('2001:db8:1::7')) < 0);
    const e = await refusal(path, 'clear ip auth-proxy cache 2001:db8:1::99');
    assert.equal(e.remoteCode, 'ERR_CONTROL_NO_ENTRY');
    assert.equal(e.message, 'no auth-proxy cache entry for 2001:DB8:1::99');
    assert.equal(await ask(path, 'clear ip auth-proxy cache *'), '');
    assert.equal(f.engine.cache.count, 0);
    assert.equal(await ask(path, 'show ip auth-proxy cache'), 'Authentication Proxy Cache\n');
  });
});

test('show and clear ip auth-proxy watch-list: listed hosts as README prints them; a cleared host is intercepted again', async () => {
  const configText = FIXTURE_CONFIG.replace('ip auth-proxy auth-cache-time 5\n', 'ip auth-proxy auth-cache-time 5\n'
    + 'ip auth-proxy watch-list enable\nip auth-proxy watch-list expiry-time 30\nip auth-proxy watch-list add-item 10.1.0.42\n');
  await withServer(async (f, _server, path) => {
    // 10.1.0.5 fails its logins at 60 s until the default max-login-attempts (5) lists it for
    // 30 minutes; 2001:db8:1::42 is added by hand at 90 s; 10.1.0.42 by the config at start.
    for (let i = 0; i < 5; i++) f.engine.loginFailed(host('10.1.0.5'), 60_000);
    assert.equal(f.engine.watchListAdd(host('2001:db8:1::42'), 90_000), true);
    f.clock.nowMs = 120_000;
    // Oldest first; 10.1.0.5 expires at 60 s + 30 min, 29 minutes after 120 s.
    assert.equal(await ask(path, 'show ip auth-proxy watch-list'), [
      'Authentication Proxy Watch List is enabled, expiry time 30 minutes',
      ' Client IP 10.1.0.42, type MANUAL_ENTRY, violations N/A, never expires',
      ' Client IP 10.1.0.5, type MAX_ATTEMPTS, violations 5, expires in 29 minutes',
      ' Client IP 2001:DB8:1::42, type MANUAL_ENTRY, violations N/A, never expires',
      '',
    ].join('\n'));
    const syn = tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 1 });
    assert.equal(f.handle(syn), VERDICT_DROP, 'a listed host\'s web connection is dropped');
    const kicks = f.kicks();
    assert.equal(await ask(path, 'clear ip auth-proxy watch-list 10.1.0.5'), '');
    assert.equal(f.kicks(), kicks + 1);
    assert.equal(f.engine.isWatchListed(host('10.1.0.5'), f.clock.nowMs), false);
    assert.equal(f.handle(syn), VERDICT_INTERCEPT, 'intercepted again once cleared');
    const e = await refusal(path, 'clear ip auth-proxy watch-list 10.1.0.5');
    assert.equal(e.remoteCode, 'ERR_CONTROL_NO_ENTRY');
    assert.equal(e.message, 'no auth-proxy watch-list entry for 10.1.0.5');
    assert.equal(await ask(path, 'clear ip auth-proxy watch *'), '');
    assert.equal(await ask(path, 'show ip auth-proxy watch-list'), 'Authentication Proxy Watch List is enabled, expiry time 30 minutes\n');
  }, { configText });
});

test('addresses are checked: a bad one is refused with the word and what was expected', async () => {
  await withServer(async (_f, _server, path) => {
    for (const bad of ['10.1.0.300', '10.1.0', '2001:db8::1::2', '2001:db8::/64', 'fe80::1%eth0', 'host']) {
      const e = await refusal(path, `clear ip auth-proxy cache ${bad}`);
      assert.equal(e.remoteCode, 'ERR_CONTROL_INPUT');
      assert.equal(e.message, `clear ip auth-proxy cache ${bad}: invalid input at word 5: expected "*" or an IPv4 or IPv6 address, found "${bad}"`);
    }
  });
});

test('debug ip auth-proxy streams live lines while packets are handled, and its flags go when the client leaves', async () => {
  await withServer(async (f, server, path) => {
    const lines: string[] = [];
    const stop = new AbortController();
    let started = '';
    const call = callControl({
      path, command: 'debug ip auth-proxy detailed', signal: stop.signal,
      onStreamStart: (o) => {
        started = o;
      },
      onLine: (l) => lines.push(l),
    });
    await waitFor(() => started !== '', 'the stream to start');
    assert.equal(started, 'AUTH-PROXY detailed debugging is on\n');
    assert.equal(f.engine.debugFlags, DEBUG_DETAILED);
    f.clock.nowMs = 534;
    f.handle(tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 100 }));
    await waitFor(() => lines.length >= 4, 'four debug lines');
    assert.deepEqual(lines, [
      '*Mar 1 21:18:18.534: AUTH-PROXY:proto_flag=1, dstport_index=4',
      '*Mar 1 21:18:18.534: SYN SEQ 100 LEN 0',
      '*Mar 1 21:18:18.534: dst_addr 10.2.0.9 src_addr 10.1.0.5 dst_port 80 src_port 4001',
      '*Mar 1 21:18:18.534: AUTH-PROXY:auth_proxy_half_open_count++ 1',
    ]);
    stop.abort();
    assert.deepEqual(await call, { output: started, streamEnd: 'interrupted' });
    await waitFor(() => server.clientCount === 0, 'the server to see the client leave');
    assert.equal(f.engine.debugFlags, 0, 'debugging off once no one streams');
    assert.equal(f.debugLines.subscriberCount, 0);
  });
});

test('debug flags: the gateway\'s own are kept and restored; two clients stream the union; undebug all ends every stream', async () => {
  await withServer(async (f, server, path) => {
    const a: string[] = [];
    const b: string[] = [];
    const stopA = new AbortController();
    let startedA = false;
    let startedB = false;
    const callA = callControl({
      path, command: 'debug ip auth-proxy object-creation,object-deletion', signal: stopA.signal,
      onStreamStart: () => { startedA = true; }, onLine: (l) => a.push(l),
    });
    const callB = callControl({
      path, command: 'deb ip auth-proxy detailed', onStreamStart: () => { startedB = true; }, onLine: (l) => b.push(l),
    });
    await waitFor(() => startedA && startedB, 'both streams');
    assert.equal(f.engine.debugFlags, DEBUG_DETAILED | DEBUG_OBJECT_CREATION | DEBUG_OBJECT_DELETION);
    stopA.abort();
    assert.equal((await callA).streamEnd, 'interrupted');
    await waitFor(() => server.clientCount === 1, 'A to leave');
    assert.equal(f.engine.debugFlags, DEBUG_DETAILED, 'A\'s flags went with A; B\'s stay');
    // undebug all from a third client: B's stream ends with the reason, and everything is off.
    assert.equal(await ask(path, 'undebug all'), 'All possible debugging has been turned off\n');
    assert.deepEqual(await callB, { output: 'AUTH-PROXY detailed debugging is on\n', streamEnd: 'undebug all' });
    assert.equal(f.engine.debugFlags, 0);
    assert.equal(f.debugLines.subscriberCount, 0);
    assert.equal(await ask(path, 'no debug all'), 'All possible debugging has been turned off\n');
  }, { debugFlags: 0 });
  await withServer(async (f, server, path) => {
    const stop = new AbortController();
    let started = false;
    const lines: string[] = [];
    const call = callControl({
      path, command: 'debug ip auth-proxy object-deletion', signal: stop.signal,
      onStreamStart: () => { started = true; }, onLine: (l) => lines.push(l),
    });
    await waitFor(() => started, 'the stream');
    assert.equal(f.engine.debugFlags, DEBUG_DETAILED | DEBUG_OBJECT_DELETION, 'the gateway\'s detailed plus the client\'s');
    // A clear prints its object-deletion line to the streaming client, stamped with the gateway's clock.
    f.clock.nowMs = 60_000;
    f.handle(tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 1 }));
    const before = lines.length;
    assert.equal(await ask(path, 'clear ip auth-proxy cache 10.1.0.5'), '');
    await waitFor(() => lines.slice(before).some((l) => l.includes('OBJ_DELETE')), 'the deletion line');
    assert.match(lines.slice(before).find((l) => l.includes('OBJ_DELETE'))!, /^\*Mar 1 21:19:18\.000: AUTH-PROXY OBJ_DELETE:.*10\.1\.0\.5.*\(clear\)/);
    stop.abort();
    await call;
    await waitFor(() => server.clientCount === 0, 'the client to leave');
    assert.equal(f.engine.debugFlags, DEBUG_DETAILED, 'the gateway\'s own flags restored');
  }, { debugFlags: DEBUG_DETAILED });
});

test('malformed requests get an error and the connection stays usable; an oversized one closes it; the gateway lives on', async () => {
  await withServer(async (f, server, path) => {
    const c = await RawClient.connect(path);
    c.write('this is not json\n');
    assert.deepEqual(await c.message(1), { ok: false, error: { code: 'ERR_CONTROL_PROTOCOL',
      message: 'request is not JSON: expected {"command": "..."} on one line' } });
    c.write('{"cmd": "show ip auth-proxy cache"}\n[1,2]\n\n{"command": 7}\n');
    for (const n of [2, 3, 4]) {
      assert.deepEqual(await c.message(n), { ok: false, error: { code: 'ERR_CONTROL_PROTOCOL',
        message: 'request has no "command" string: expected {"command": "..."}' } });
    }
    c.write('{"command": "show ip auth-proxy cahce"}\n');
    assert.deepEqual(await c.message(5), { ok: false, error: { code: 'ERR_CONTROL_INPUT',
      message: 'show ip auth-proxy cahce: invalid input at word 4: expected cache, configuration, statistics or watch-list, ' +
        'found "cahce" (did you mean "cache"?)' } });
    // A request split across writes, with a multi-byte character split too, still parses.
    c.write('{"command": "show ip access-lists ');
    c.write(Buffer.from('\u00e9', 'utf8').subarray(0, 1));
    c.write(Buffer.concat([Buffer.from('\u00e9', 'utf8').subarray(1), Buffer.from('"}\n')]));
    assert.deepEqual(await c.message(6), { ok: true, output: '' });
    // Oversized: answered, then closed.
    c.write('{"command": "' + 'x'.repeat(MAX_REQUEST_BYTES) + '"}\n');
    assert.deepEqual(await c.message(7), { ok: false, error: { code: 'ERR_CONTROL_PROTOCOL',
      message: `request longer than ${MAX_REQUEST_BYTES} bytes; closing the connection` } });
    await waitFor(() => c.closed, 'the connection to close');
    // Oversized without any newline at all.
    const d = await RawClient.connect(path);
    d.write(Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x61));
    assert.equal((await d.message(1) as { error: { code: string } }).error.code, 'ERR_CONTROL_PROTOCOL');
    await waitFor(() => d.closed, 'the second connection to close');
    await waitFor(() => server.clientCount === 0, 'both gone');
    // The gateway still answers.
    assert.equal(await ask(path, 'show ip auth-proxy cache'), 'Authentication Proxy Cache\n');
    assert.equal(f.engine.debugFlags, 0);
  });
});

test('clients beyond the limit are told the gateway is busy; the socket is 0600 in a 0700 directory', async () => {
  await withServer(async (_f, server, path) => {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700);
    const a = await RawClient.connect(path);
    const b = await RawClient.connect(path);
    await waitFor(() => server.clientCount === 2, 'two clients');
    const e = await refusal(path, 'show ip auth-proxy cache');
    assert.equal(e.remoteCode, 'ERR_CONTROL_PROTOCOL');
    assert.equal(e.message, 'busy: 2 clients are connected');
    a.end();
    b.end();
    await waitFor(() => server.clientCount === 0, 'the clients to leave');
    assert.equal(await ask(path, 'show ip auth-proxy cache'), 'Authentication Proxy Cache\n');
  }, { maxClients: 2 });
});

test('an idle client is told and closed; a client streaming debug lines is not idle', async () => {
  await withServer(async (_f, server, path) => {
    const streaming = await RawClient.connect(path);
    streaming.write('{"command": "debug ip auth-proxy detailed"}\n');
    assert.equal((await streaming.message(1) as { streaming?: boolean }).streaming, true);
    const idle = await RawClient.connect(path);
    assert.deepEqual(await idle.message(1), { ok: false, error: { code: 'ERR_CONTROL_PROTOCOL', message: 'idle for 0.3 s; closing' } });
    await waitFor(() => idle.closed, 'the idle client to be closed');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(streaming.closed, false, 'the streaming client stays');
    assert.equal(server.clientCount, 1);
    streaming.end();
  }, { idleTimeoutMs: 300 });
});

test('a debug client that does not read is cut at a bounded backlog; the dropped lines are counted, not kept', async () => {
  await withTempDir(async (dir) => {
    const f = makeContextFixture();
    const path = join(dir, 'control.sock');
    const server = await startControlServer(f.ctx, { path, maxDebugBacklogBytes: 4096 });
    try {
      const c = await RawClient.connect(path);
      c.write('{"command": "debug ip auth-proxy detailed"}\n');
      await c.message(1);
      let printed = 0;
      f.ctx.debugLines.subscribe(() => printed++);
      c.socket.pause();
      // Far more debug output than the socket buffers and the backlog hold.
      const syn = tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport: 4001, dport: 80, flags: 'SYN', seq: 1 });
      for (let i = 0; i < 20_000; i++) {
        f.handle(syn);
        f.drainTx();
      }
      c.socket.resume();
      f.handle(syn);
      const lineCount = (): number => c.messages.filter((m) => typeof (m as { line?: unknown }).line === 'string').length;
      const droppedCount = (): number => c.messages.map((m) => (m as { dropped?: number }).dropped ?? 0).reduce((x, y) => x + y, 0);
      await waitFor(() => lineCount() + droppedCount() === printed, 'every printed line delivered or counted dropped');
      assert.ok(droppedCount() > printed / 2, `most lines were dropped, not kept (${lineCount()} delivered, ${droppedCount()} dropped)`);
      c.end();
    } finally {
      await server.close();
    }
  });
});

test('close ends debug streams with a reason, restores the flags and removes the socket', async () => {
  await withTempDir(async (dir) => {
    const f = makeContextFixture();
    const path = join(dir, 'run', 'control.sock');
    const server = await startControlServer(f.ctx, { path });
    let started = false;
    const call = callControl({ path, command: 'debug ip auth-proxy all', onStreamStart: () => { started = true; } });
    await waitFor(() => started, 'the stream');
    assert.notEqual(f.engine.debugFlags, 0);
    await server.close();
    assert.equal((await call).streamEnd, 'the gateway is stopping');
    assert.equal(f.engine.debugFlags, 0);
    assert.throws(() => statSync(path), { code: 'ENOENT' });
  });
});
