/**
 * `show aaa servers` rendered from a config's servers and clients' counters: every counter in
 * its place, malformed packets by fault, RADIUS and TACACS+ servers UP or DEAD as their client's
 * dead-time has them, the AAA answers the login service ignored as late, and no key anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parse.js';
import { RadiusClient } from '../../src/aaa/radius/client.js';
import { TacacsClient } from '../../src/aaa/tacacs/client.js';
import { aaaShowState, renderShowAaaServers } from '../../src/log/show-aaa.js';

const CONFIG = `hostname gw
radius-server host 192.0.2.10 auth-port 1812 acct-port 1813 key radkey-1
radius server R2
 address ipv4 192.0.2.11 auth-port 1645 acct-port 1646
 key radkey-2
tacacs-server host 192.0.2.20 port 4949 key tackey-3
tacacs server T2
 address ipv4 192.0.2.21
 key tackey-4
end
`;

test('show aaa servers: counters, malformed by fault, RADIUS and TACACS+ servers UP or DEAD, late answers the login ignored, no key', () => {
  const config = parseConfig(CONFIG, 'aaa.cfg');
  const radius = new RadiusClient({ deadtimeMs: 60_000, nasIdentifier: 'gw' });
  const tacacs = new TacacsClient();
  Object.assign(radius.counters, {
    requests: 7, retransmits: 3, timeouts: 2, accepts: 4, rejects: 1, challenges: 1, malformed: 3,
    malformedBy: { short: 1, 'attribute-overflow': 2 }, unknownIdentifier: 5, badAuthenticator: 6, badMessageAuthenticator: 8,
    missingMessageAuthenticator: 9, unexpectedCode: 10, markedDead: 1,
  });
  Object.assign(tacacs.counters, { sessions: 2, connections: 2, timeouts: 1, malformed: 1, malformedBy: { 'bad-body': 1 }, markedDead: 4 });
  const dead = { host: '192.0.2.11', authPort: 1645, acctPort: 1646 };
  const text = renderShowAaaServers(aaaShowState(config, {
    radius: { counters: radius.counters, isDead: (s) => s.host === dead.host && s.authPort === dead.authPort && s.acctPort === dead.acctPort },
    tacacs: { counters: tacacs.counters, isDead: (s) => s.port === 4949 },
    logins: { stale: 2 },
  }));
  assert.equal(text, [
    'RADIUS client',
    '     Requests: 7, retransmissions 3, timeouts 2, servers marked dead 1, send errors 0',
    '     Responses: accept 4, reject 1, challenge 1, accounting 0',
    '     Dropped: bad authenticator 6, missing Message-Authenticator 9, bad Message-Authenticator 8',
    '              unknown identifier 5, unexpected code 10, malformed 3 (attribute-overflow 2, short 1)',
    '     Server 192.0.2.10 auth-port 1812 acct-port 1813: UP',
    '     Server R2 192.0.2.11 auth-port 1645 acct-port 1646: DEAD',
    'TACACS+ client',
    '     Sessions: 2, connections 2, connect errors 0, timeouts 1, closed early 0, servers marked dead 4',
    '     Dropped: unexpected 0, malformed 1 (bad-body 1)',
    '     Server 192.0.2.20 port 4949: DEAD',
    '     Server T2 192.0.2.21 port 49: UP',
    'Login service',
    '     AAA answers ignored: late 2',
    '',
  ].join('\n'));
  assert.doesNotMatch(text, /radkey|tackey/);
});
