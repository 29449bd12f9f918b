import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, loadConfig } from '../../src/config/parse.js';
import { renderShowAuthProxyConfiguration } from '../../src/log/show-config.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('renders the example of spec §4 byte for byte', () => {
  // Spec §4: global cache time 60 (the default), absolute 0, rule authname with http and a
  // per-rule auth-cache-time of 3.
  const cfg = parseConfig('ip auth-proxy name authname http auth-cache-time 3\n', 'spec.cfg');
  assert.equal(renderShowAuthProxyConfiguration(cfg),
    'Authentication global cache time is 60 minutes\n'
    + 'Authentication global absolute time is 0 minutes\n'
    + 'Authentication Proxy Rule Configuration\n'
    + ' Auth-proxy name authname\n'
    + '    http list not specified auth-cache-time 3 minutes\n');
});

test('the seed config: the global cache time stands in for the rule\'s', () => {
  const cfg = loadConfig(join(ROOT, 'test', 'config', 'fixtures', 'seed-running-config.txt'));
  assert.equal(renderShowAuthProxyConfiguration(cfg),
    'Authentication global cache time is 3 minutes\n'
    + 'Authentication global absolute time is 0 minutes\n'
    + 'Authentication Proxy Rule Configuration\n'
    + ' Auth-proxy name authname\n'
    + '    http list not specified auth-cache-time 3 minutes\n');
});

test('several rules and protocols, lists, https and the absolute timer', () => {
  const cfg = parseConfig([
    'ip auth-proxy auth-cache-time 45',
    'ip auth-proxy absolute-timer 600',
    'ip auth-proxy name inside telnet list 105',
    'ip auth-proxy name inside http auth-cache-time 10 list WEB',
    'ip auth-proxy name guests https',
    'ip auth-proxy name inside ftp',
    'access-list 105 permit tcp any any',
    'ip access-list extended WEB',
    ' permit tcp any any eq www',
  ].join('\n'), 'many.cfg');
  assert.equal(renderShowAuthProxyConfiguration(cfg),
    'Authentication global cache time is 45 minutes\n'
    + 'Authentication global absolute time is 600 minutes\n'
    + 'Authentication Proxy Rule Configuration\n'
    + ' Auth-proxy name inside\n'
    + '    telnet list 105 auth-cache-time 45 minutes\n'
    + '    http list WEB auth-cache-time 10 minutes\n'
    + '    ftp list not specified auth-cache-time 45 minutes\n'
    + ' Auth-proxy name guests\n'
    + '    https list not specified auth-cache-time 45 minutes\n');
});

test('no rules: only the global lines', () => {
  assert.equal(renderShowAuthProxyConfiguration(parseConfig('', 'e.cfg')),
    'Authentication global cache time is 60 minutes\n'
    + 'Authentication global absolute time is 0 minutes\n'
    + 'Authentication Proxy Rule Configuration\n');
});

test('the login modes beyond IOS are listed as configured, before the captive-portal values', () => {
  const cfg = parseConfig([
    'ip auth-proxy name webauth http',
    'ip auth-proxy login-redirect https://sso.example.net/login',
    'ip auth-proxy status-511',
    'ip auth-proxy captive-portal-api',
    'ip auth-proxy proxy-listener port 3128 realm corp',
    'interface g1',
    ' ip address 10.1.0.1 255.255.255.0',
    ' ip auth-proxy webauth',
  ].join('\n'), 'modes.cfg');
  assert.equal(renderShowAuthProxyConfiguration(cfg),
    'Authentication global cache time is 60 minutes\n'
    + 'Authentication global absolute time is 0 minutes\n'
    + 'Authentication Proxy Rule Configuration\n'
    + ' Auth-proxy name webauth\n'
    + '    http list not specified auth-cache-time 60 minutes\n'
    + 'Login modes (portcullis extensions)\n'
    + '    login-redirect https://sso.example.net/login\n'
    + '    status-511\n'
    + '    captive-portal-api\n'
    + '    proxy-listener port 3128 realm corp\n'
    + 'Captive Portal API (RFC 8908) and its RFC 8910 option values, by inside interface\n'
    + ' g1\n'
    + '    DHCPv4 option 114: https://10.1.0.1/captive-portal/api\n');
  const quoted = parseConfig('ip auth-proxy proxy-listener port 3128 realm "Corp Proxy"\n', 'q.cfg');
  assert.match(renderShowAuthProxyConfiguration(quoted), /\n {4}proxy-listener port 3128 realm "Corp Proxy"\n/, 'quoted as the config writes it');
  const own = parseConfig('ip auth-proxy login-redirect\n', 'own.cfg');
  assert.match(renderShowAuthProxyConfiguration(own), /\nLogin modes \(portcullis extensions\)\n {4}login-redirect \(the login service\)\n$/);
});
