/**
 * `show ip auth-proxy configuration`: the global timers, then one block per named rule with
 * one line per protocol, in the format of spec `auth-proxy-log.md` §4.
 */
import type { Config } from '../config/types.js';
import { AP_PROTO_FTP, AP_PROTO_HTTP, AP_PROTO_HTTPS, AP_PROTO_TELNET } from '../authproxy/protocols.js';

/** Protocol keyword printed for each AP_PROTO_* bit (as written in `ip auth-proxy name N <proto>`). */
const PROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [AP_PROTO_HTTP, 'http'], [AP_PROTO_FTP, 'ftp'], [AP_PROTO_TELNET, 'telnet'], [AP_PROTO_HTTPS, 'https'],
]);

/**
 * Renders `show ip auth-proxy configuration` for `config`. Rules appear in the order they were
 * first defined, protocol lines in config order; a protocol line without its own
 * `auth-cache-time` shows the global one. Every line ends with `\n`.
 */
export function renderShowAuthProxyConfiguration(config: Config): string {
  const ap = config.authProxy;
  let out = `Authentication global cache time is ${ap.authCacheTimeMin} minutes\n`
    + `Authentication global absolute time is ${ap.absoluteTimeMin} minutes\n`
    + 'Authentication Proxy Rule Configuration\n';
  for (const rule of config.authProxyRules.values()) {
    out += ` Auth-proxy name ${rule.name}\n`;
    for (const p of rule.protocols) {
      const list = p.list === undefined ? 'list not specified' : `list ${p.list}`;
      const cacheMin = p.authCacheTimeMin ?? ap.authCacheTimeMin;
      out += `    ${PROTO_NAMES.get(p.proto) ?? String(p.proto)} ${list} auth-cache-time ${cacheMin} minutes\n`;
    }
  }
  return out;
}
