/**
 * `show ip auth-proxy configuration`: the global timers, then one block per named rule with
 * one line per protocol, in the format of spec `auth-proxy-log.md` §4.
 */
import type { Config } from '../config/types.js';
import { CAPTIVE_PORTAL_API_PATH } from '../config/login-modes.js';
import { formatIpv4, formatIpv6 } from '../wire/addr.js';
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
  return out + loginModes(config) + captivePortalOptions(config);
}

/**
 * portcullis's own `ip auth-proxy` login modes, as configured (nothing when none is): so that
 * `show` tells an operator which answer an intercepted request gets. The consent terms are not
 * repeated.
 */
function loginModes(config: Config): string {
  const m = config.loginModes;
  let lines = '';
  if (m.redirect !== undefined) lines += `    login-redirect ${m.redirect.url ?? '(the login service)'}\n`;
  if (m.status511) lines += '    status-511\n';
  if (m.captivePortalApi !== undefined) lines += '    captive-portal-api\n';
  if (m.consent !== undefined) lines += `    consent attribute-list ${m.consent.attributeList}\n`;
  if (m.proxyListener !== undefined) {
    const r = m.proxyListener.realm;
    // As the config writes it: quoted when it holds a blank.
    const realm = r === undefined ? '' : r.includes(' ') ? ` realm "${r}"` : ` realm ${r}`;
    lines += `    proxy-listener port ${m.proxyListener.port}${realm}\n`;
  }
  return lines === '' ? '' : `Login modes (portcullis extensions)\n${lines}`;
}

/**
 * With `ip auth-proxy captive-portal-api`: the API's URI on each inside interface's address (the
 * login service, `ip http secure-port`) and the option values that hand it to clients (RFC 8910
 * §2: DHCPv4 option 114 and DHCPv6 option 103 carry the URI's bytes as they are; the IPv6 router
 * advertisement option, type 37, carries them padded with zero octets to a multiple of 8,
 * its length counted in 8-octet units, printed whole in hex).
 */
function captivePortalOptions(config: Config): string {
  if (config.loginModes.captivePortalApi === undefined) return '';
  const port = config.http.securePort === 443 ? '' : `:${config.http.securePort}`;
  const uri = (host: string): string => `https://${host}${port}${CAPTIVE_PORTAL_API_PATH}`;
  let out = 'Captive Portal API (RFC 8908) and its RFC 8910 option values, by inside interface\n';
  for (const itf of config.interfaces) {
    if (itf.authProxy === undefined) continue;
    const v4 = itf.ipv4[0];
    // A global address rather than a link-local one (fe80::/10), which a URI would need a zone for.
    const v6 = itf.ipv6.find((a) => (a.address[0]! >>> 22) !== 0x3fa) ?? itf.ipv6[0];
    out += ` ${itf.name}\n`;
    if (v4 !== undefined) out += `    DHCPv4 option 114: ${uri(formatIpv4(v4.address))}\n`;
    if (v6 !== undefined) {
      const u = uri(`[${formatIpv6(v6.address)}]`);
      const octets = Math.ceil((2 + u.length) / 8) * 8;
      const ra = Buffer.alloc(octets);
      ra[0] = 37;
      ra[1] = octets / 8;
      ra.write(u, 2, 'latin1');
      out += `    DHCPv6 option 103: ${u}\n    IPv6 RA option 37, length ${octets / 8}: ${ra.toString('hex')}\n`;
    }
    if (v4 === undefined && v6 === undefined) out += '    no address\n';
  }
  return out;
}
