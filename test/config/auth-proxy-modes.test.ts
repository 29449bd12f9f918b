/**
 * The config side of the login modes: the warning for a web rule without `ip http
 * secure-server` (no login service runs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';

const BASE = `hostname gw
ip auth-proxy name web http
interface Gi0/0
 ip address 10.1.0.1 255.255.255.0
 ip auth-proxy web
`;

test('a web auth-proxy rule without ip http secure-server is warned about at the interface line that applies it', () => {
  const cfg = parseConfig(BASE, 'gw.cfg');
  const w = cfg.warnings.filter((x) => x.topic === 'no-secure-server');
  assert.equal(w.length, 1);
  assert.deepEqual({ line: w[0]!.line, column: w[0]!.column }, { line: 5, column: 16 });
  assert.match(w[0]!.message, /^auth-proxy rule "web" intercepts web traffic on Gi0\/0, but "ip http secure-server" is not configured: .*logging in is unavailable$/);
  assert.deepEqual(parseConfig(`${BASE}ip http secure-server\n`, 'gw.cfg').warnings, []);
  // A telnet-only rule has no web login to miss.
  assert.deepEqual(parseConfig(BASE.replace('name web http', 'name web telnet'), 'gw.cfg').warnings, []);
});
