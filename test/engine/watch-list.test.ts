/**
 * The engine's watch list: a host listed after `max-login-attempts` failures has its
 * intercepted connections dropped (counted `drop-watch-list`) until its entry expires or is
 * cleared; cache states AUTHC_FAIL and WATCH_LIST; `object-creation`/`object-deletion` lines;
 * `add-item` from the config; `show ip auth-proxy watch-list`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { compileAcls } from '../../src/acl/index.js';
import { engineSettingsOf } from '../../src/config/engine-settings.js';
import { Engine, VERDICT_DROP, VERDICT_INTERCEPT } from '../../src/engine/engine.js';
import { DEBUG_DETAILED, DEBUG_OBJECT_CREATION, DEBUG_OBJECT_DELETION } from '../../src/engine/debug.js';
import { COUNTER_DROP_WATCH_LIST } from '../../src/engine/counters.js';
import { AP_STATE_AUTHC_FAIL, AP_STATE_INIT, AP_STATE_WATCH_LIST } from '../../src/authproxy/states.js';
import { FAILURE_COUNTED, FAILURE_LISTED } from '../../src/authproxy/watch-list.js';
import { AuthProxyDebugFormatter } from '../../src/log/auth-proxy-debug.js';
import { renderShowAuthProxyWatchList } from '../../src/log/show-watch-list.js';
import { renderShowAuthProxyCache } from '../../src/log/show-cache.js';
import { CaptureBuilder } from '../../captures/tools/builder.js';
import type { TcpPacket } from '../../captures/tools/builder.js';
import { seededRng } from '../../src/io/rng.js';
import { LINKTYPE_RAW } from '../../src/wire/packet.js';

const MIN = 60_000;
const config = (extra: string): string => `hostname gw
ip auth-proxy name web http
ip auth-proxy max-login-attempts 3
${extra}interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ip auth-proxy web
 ip access-group 101 in
interface Gi0/1
 ip address 10.2.0.1 255.255.255.0
access-list 101 deny tcp any any
end
`;

function makeEngine(extra: string): { engine: Engine; lines: string[] } {
  const cfg = parseConfig(config(extra), 'w.cfg');
  const lines: string[] = [];
  const engine = new Engine({
    settings: engineSettingsOf(cfg), acls: compileAcls(cfg.acls), rng: seededRng(3), replay: false,
    debug: new AuthProxyDebugFormatter((l) => lines.push(l)),
    debugFlags: DEBUG_DETAILED | DEBUG_OBJECT_CREATION | DEBUG_OBJECT_DELETION,
  });
  return { engine, lines };
}

function tcp(p: Omit<TcpPacket, 'timeMs'>): Uint8Array {
  return new CaptureBuilder({ kind: 'raw' }).tcp({ ...p, timeMs: 0 }).packets()[0]!.bytes;
}
const syn = (sport: number): Uint8Array => tcp({ src: '10.1.0.5', dst: '10.2.0.9', sport, dport: 80, flags: 'SYN', seq: 100 });
const handle = (e: Engine, b: Uint8Array, t: number): number => e.handle(b, 0, b.length, LINKTYPE_RAW, t);
const A = new Uint32Array([0, 0, 0xffff, 0x0a010005]);

test('max-login-attempts failures list the host: its intercepted connections are dropped until the entry expires', () => {
  const { engine, lines } = makeEngine('ip auth-proxy watch-list enable\nip auth-proxy watch-list expiry-time 10\n');
  assert.equal(handle(engine, syn(4000), 0), VERDICT_INTERCEPT);
  const slot = engine.cache.lookup(A);
  assert.equal(engine.loginFailed(A, 1000), FAILURE_COUNTED);
  assert.equal(engine.cache.state[slot], AP_STATE_AUTHC_FAIL);
  engine.loginFailed(A, 2000);
  assert.equal(engine.loginFailed(A, 3000), FAILURE_LISTED);
  assert.equal(engine.cache.state[slot], AP_STATE_WATCH_LIST);
  assert.equal(engine.isWatchListed(A, 3000), true);
  assert.ok(lines.some((l) => l.endsWith('AUTH-PROXY OBJ_CREATE: watch-list entry for 10.1.0.5 (MAX_ATTEMPTS)\n')), lines.join(''));
  lines.length = 0;
  assert.equal(handle(engine, syn(4001), 4000), VERDICT_DROP);
  assert.equal(engine.counters[COUNTER_DROP_WATCH_LIST], 1);
  assert.ok(lines.includes('*Jan 1 00:00:04.000: clientport 4000 state 5\n'), lines.join(''));
  assert.equal(renderShowAuthProxyWatchList(engine, 4000),
    'Authentication Proxy Watch List is enabled, expiry time 10 minutes\n' +
    ' Client IP 10.1.0.5, type MAX_ATTEMPTS, violations 3, expires in 10 minutes\n');
  assert.match(renderShowAuthProxyCache(engine), /state WATCH_LIST\n/);
  // The entry expires 10 minutes after the listing.
  assert.equal(engine.nextDeadline() <= 3000 + 10 * MIN, true);
  engine.poll(3000 + 10 * MIN - 1);
  assert.equal(engine.isWatchListed(A, 3000 + 10 * MIN - 1), true);
  assert.equal(engine.dueBy(3000 + 10 * MIN), true);
  engine.poll(3000 + 10 * MIN);
  assert.equal(engine.watchList.listedCount, 0);
  assert.ok(lines.some((l) => l.endsWith('AUTH-PROXY OBJ_DELETE: delete watch-list entry for 10.1.0.5 (expired)\n')), lines.join(''));
  assert.equal(renderShowAuthProxyWatchList(engine, 3000 + 10 * MIN), 'Authentication Proxy Watch List is enabled, expiry time 10 minutes\n');
  const t = 3000 + 10 * MIN + 1;
  const after = engine.cache.lookup(A);
  if (after >= 0) assert.equal(engine.cache.state[after], AP_STATE_INIT);
  assert.equal(handle(engine, syn(4002), t), VERDICT_INTERCEPT, 'intercepted again');
  assert.equal(engine.counters[COUNTER_DROP_WATCH_LIST], 1);
});

test('watch list off by default: failures never list the host', () => {
  const { engine } = makeEngine('');
  handle(engine, syn(4000), 0);
  for (let i = 0; i < 10; i++) engine.loginFailed(A, i);
  assert.equal(engine.isWatchListed(A, 10), false);
  assert.equal(handle(engine, syn(4001), 20), VERDICT_INTERCEPT);
  assert.equal(renderShowAuthProxyWatchList(engine, 20), 'Authentication Proxy Watch List is disabled, expiry time 30 minutes\n');
});

test('add-item hosts are listed from the start, never expire, and go with clear', () => {
  const { engine, lines } = makeEngine('ip auth-proxy watch-list enable\nip auth-proxy watch-list add-item 10.1.0.5\n'
    + 'ip auth-proxy watch-list expiry-time 0\n');
  assert.equal(handle(engine, syn(4000), 0), VERDICT_DROP, 'no entry is made for a listed host');
  assert.equal(engine.cache.count, 0);
  assert.equal(renderShowAuthProxyWatchList(engine, 1e9),
    'Authentication Proxy Watch List is enabled, expiry time infinite\n' +
    ' Client IP 10.1.0.5, type MANUAL_ENTRY, violations N/A, never expires\n');
  assert.equal(engine.nextDeadline(), Infinity);
  assert.equal(engine.clearWatchList(new Uint32Array([0, 0, 0xffff, 0x0a010006]), 5), 0);
  assert.equal(engine.clearWatchList(null, 5), 1);
  assert.ok(lines.some((l) => l.endsWith('AUTH-PROXY OBJ_DELETE: delete watch-list entry for 10.1.0.5 (clear)\n')));
  assert.equal(handle(engine, syn(4001), 6), VERDICT_INTERCEPT);
  assert.equal(engine.watchListAdd(A, 7), true);
  assert.equal(engine.cache.state[engine.cache.lookup(A)], AP_STATE_WATCH_LIST);
  assert.equal(engine.clearWatchList(A, 8), 1);
  assert.equal(engine.cache.state[engine.cache.lookup(A)], AP_STATE_INIT);
});
