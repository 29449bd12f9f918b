/** The HTTP server room: `ip http …` and `no ip http server|secure-server`. */
import { expectedAt } from '../ios/tokens.js';
import { clip, echoLine } from '../ios/echo.js';
import type { TokenLine } from '../ios/tokens.js';
import { dirname, resolve } from 'node:path';
import type { HttpServerConfig, HttpsCertificateFiles } from './types.js';
import { CONFIG_DEFAULTS } from './context.js';
import type { ParseContext } from './context.js';
import { expectEnd, numberAt, wordAt } from './values.js';

/** `ip http …` keywords IOS has and portcullis accepts without implementing. */
const HTTP_IGNORED: ReadonlySet<string> = new Set([
  'access-class', 'path', 'max-connections', 'timeout-policy', 'secure-ciphersuite', 'secure-client-auth', 'client',
  'active-session-modules', 'secure-active-session-modules', 'session-module-list', 'help-path', 'digest',
]);

/** `ip http …` lines. */
export class HttpSection {
  private readonly state = {
    server: false,
    secureServer: false,
    authentication: undefined as string | undefined,
    secureTrustpoint: undefined as string | undefined,
    port: CONFIG_DEFAULTS.httpPort as number,
    securePort: CONFIG_DEFAULTS.httpSecurePort as number,
    secureCertificate: undefined as HttpsCertificateFiles | undefined,
  };

  constructor(private readonly ctx: ParseContext) {}

  /** An `ip http …` line. */
  parse(tl: TokenLine): void {
    const http = this.state;
    const w2 = wordAt(tl, 2);
    switch (w2) {
      case 'server':
        http.server = true;
        return expectEnd(tl, 3);
      case 'secure-server':
        http.secureServer = true;
        return expectEnd(tl, 3);
      case 'port':
        http.port = numberAt(tl, 3, 1, 65535);
        return expectEnd(tl, 4);
      case 'secure-port':
        http.securePort = numberAt(tl, 3, 1, 65535);
        return expectEnd(tl, 4);
      case 'secure-trustpoint': {
        const name = tl.tokens[3]?.text;
        if (name === undefined) throw expectedAt(tl, 3, 'a trustpoint name');
        http.secureTrustpoint = name;
        expectEnd(tl, 4);
        this.ctx.warn(tl, 3, `trustpoint "${clip(name)}" is not read (portcullis has no PKI trustpoints): the login `
          + 'certificate comes from "ip http secure-certificate CERT-FILE key KEY-FILE", else it is self-signed');
        return;
      }
      case 'secure-certificate': {
        // portcullis's own: `ip http secure-certificate CERT-FILE key KEY-FILE`, relative paths
        // from the config file's directory (IOS keeps certificates in a trustpoint instead).
        const cert = tl.tokens[3]?.text;
        if (cert === undefined) throw expectedAt(tl, 3, 'a certificate file (PEM)');
        if (wordAt(tl, 4) !== 'key') throw expectedAt(tl, 4, '"key"');
        const key = tl.tokens[5]?.text;
        if (key === undefined) throw expectedAt(tl, 5, 'a private key file (PEM)');
        expectEnd(tl, 6);
        const base = dirname(this.ctx.file);
        http.secureCertificate = { certFile: resolve(base, cert), keyFile: resolve(base, key), source: this.ctx.source(tl) };
        return;
      }
      case 'authentication': {
        const w3 = wordAt(tl, 3);
        if (w3 !== 'aaa' && w3 !== 'local' && w3 !== 'enable') throw expectedAt(tl, 3, '"aaa", "local" or "enable"');
        if (w3 !== 'aaa') expectEnd(tl, 4);
        // `aaa` may name method lists (`aaa login-authentication LIST`); they are kept as written.
        http.authentication = tl.tokens.slice(3).map((t) => t.text).join(' ');
        return;
      }
      default:
        if (w2 !== undefined && HTTP_IGNORED.has(w2)) {
          this.ctx.warn(tl, 0, `ignored "${echoLine(tl)}": not implemented by portcullis`);
          return;
        }
        throw expectedAt(tl, 2, '"server", "secure-server", "authentication", "port", "secure-port", "secure-trustpoint" or "secure-certificate"');
    }
  }

  /** `no ip http server|secure-server`; false for other `no ip http` forms. */
  parseNo(tl: TokenLine): boolean {
    const w3 = wordAt(tl, 3);
    if (w3 !== 'server' && w3 !== 'secure-server') return false;
    expectEnd(tl, 4);
    if (w3 === 'server') this.state.server = false;
    else this.state.secureServer = false;
    return true;
  }

  result(): HttpServerConfig {
    return { ...this.state };
  }
}
