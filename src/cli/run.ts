/**
 * `portcullis run --config FILE` (DESIGN.md §4): starts the live gateway, prints what it runs on,
 * optionally streams `debug ip auth-proxy` lines to stdout (`--debug`), and runs until SIGTERM or
 * SIGINT, then stops cleanly (the prohibit rules stay: fail closed) and prints the engine's
 * statistics on stderr.
 */
import { loadConfig } from '../config/parse.js';
import { formatWarning } from '../ios/tokens.js';
import {
  offloadNames, TUN_READ_BATCHES, TUN_READ_DROPPED, TUN_READ_PACKETS, TUN_WRITE_PACKETS, TUN_WRITE_REFUSED,
} from '../io/tun.js';
import { renderShowAuthProxyStatistics } from '../log/show-cache.js';
import { renderShowProxyStatistics } from '../log/show-proxy.js';
import { startGateway, type Gateway } from '../gateway/gateway.js';
import { startControlServer } from '../control/server.js';
import { startLoginService, type LoginService } from '../login/service.js';
import { loadOrCreateCertificate, type LoginCertificate } from '../login/certificate.js';
import { createAaaAuthenticator } from '../aaa/methods.js';
import { openTotpStepFile, type TotpStepFile } from '../state/totp-steps.js';
import { startAaaServices } from '../gateway/aaa-services.js';
import type { Config } from '../config/types.js';
import { formatIpv4, formatIpv6 } from '../wire/addr.js';
import { RULE_PRIORITY_FIRST, RULE_PRIORITY_END } from '../gateway/routes.js';
import { StdoutClosedError } from '../errors.js';
import { writeStderr, writeStdout } from './stdio.js';

export interface RunOptions {
  readonly configPath: string;
  /** DEBUG_* flags whose lines go to stdout (0: none). */
  readonly debugFlags: number;
  /** Install the policy routing (false: `--no-routes`). */
  readonly routes: boolean;
  /**
   * Where the gateway keeps its state (the login service's certificate, the last accepted TOTP
   * steps), `--state-dir`; undefined (`--no-state-dir`, the demo) keeps none: a self-signed
   * certificate is made in memory for this run, and the TOTP steps stay in memory.
   */
  readonly stateDir: string | undefined;
  /** The control socket's path, `--control`. */
  readonly controlPath: string;
  /** TUN_F_* offloads to ask for (default: all). */
  readonly offloads?: number;
}

/** Default `--state-dir`. */
export const DEFAULT_STATE_DIR = '/var/lib/portcullis';
/** Default `--control` (the control socket's protocol module holds it). */
export { DEFAULT_CONTROL_PATH } from '../control/protocol.js';

/** Runs the gateway until a signal stops it; resolves with the exit status (throws on start-up errors). */
export async function runGateway(o: RunOptions): Promise<number> {
  const config = loadConfig(o.configPath);
  // Live, each packet's ingress interface is its TUN device's: no reverse-path lookup to warn about.
  for (const w of config.warnings) if (w.topic !== 'no-default-route') writeStderr(formatWarning(w) + '\n');
  const messages = (line: string): void => writeStderr(line + '\n');
  // What the login service needs is made before anything changes on the host: a user's secret
  // that cannot be used, or a certificate file that is not one, starts nothing.
  const addresses = insideAddresses(config);
  const totp = config.users.some((u) => u.otp !== undefined);
  const totpSteps = totp && o.stateDir !== undefined ? await openTotpStepFile(o.stateDir) : undefined;
  if (totpSteps?.kept.kind === 'unreadable') {
    messages(`portcullis: ${totpSteps.path}: ${totpSteps.kept.reason}; the last accepted TOTP steps are unknown, so every TOTP ` +
      'user\'s codes are refused up to the time step after the current one (about two periods); the file is written anew on the next accepted code');
  }
  const authenticator = await createAaaAuthenticator(config, { totpSteps });
  let certificate: LoginCertificate;
  try {
    certificate = await loadOrCreateCertificate({ config, stateDir: o.stateDir, addresses });
  } catch (e) {
    await authenticator.close();
    throw e;
  }
  const gw = startGateway({
    config, debugFlags: o.debugFlags, routes: o.routes, messages,
    ...(o.offloads !== undefined ? { offloads: o.offloads } : {}),
  });
  gw.onStop(() => authenticator.close());
  let login: LoginService;
  try {
    const services = await startAaaServices(gw, authenticator.radius, messages);
    login = await startLoginService(gw, { authenticator, tls: certificate, addresses });
    gw.onStop(() => login.close());
    const control = await startControlServer(gw, {
      path: o.controlPath, onError: (e) => messages(`portcullis: control socket: ${e.message}`),
      aaa: {
        radius: authenticator.radius, tacacs: authenticator.tacacs,
        accounting: services.accounting?.sessions, dynamicAuthor: services.dynamicAuthor, logins: login.stats.logins,
      },
      proxy: login.proxy,
    });
    gw.onStop(() => control.close());
  } catch (e) {
    await gw.stop();
    throw e;
  }
  const stop = (): void => {
    void gw.stop();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (o.debugFlags !== 0) subscribeStdout(gw);
  writeStderr(describe(gw, o, login, certificate, addresses, totp, totpSteps));
  const error = await gw.stopped;
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  writeStderr(renderShowAuthProxyStatistics(gw.engine) + (login.proxy === undefined ? '' : renderShowProxyStatistics(login.proxy)) + deviceSummary(gw));
  if (error !== undefined) throw error;
  writeStderr(`portcullis: stopped${o.routes ? '; forwarding between the interfaces stays refused until `portcullis routes --remove`' : ''}\n`);
  return 0;
}

/**
 * The addresses the login service listens on: those of the interfaces with an auth-proxy rule
 * (the inside ones, where the clients who log in are), else every interface's.
 */
function insideAddresses(config: Config): string[] {
  const inside = config.interfaces.filter((i) => i.authProxy !== undefined);
  return (inside.length > 0 ? inside : config.interfaces)
    .flatMap((i) => [...i.ipv4.map((a) => formatIpv4(a.address)), ...i.ipv6.map((a) => formatIpv6(a.address))]);
}

/**
 * What the gateway runs on: one line per interface, the login service, where the used TOTP steps
 * are kept (when a user has TOTP), the control socket and the routing.
 */
function describe(gw: Gateway, o: RunOptions, login: LoginService, certificate: LoginCertificate, addresses: readonly string[],
  totp: boolean, totpSteps: TotpStepFile | undefined): string {
  const lines = gw.plan.interfaces.map((itf, i) => {
    const dev = gw.devices[i]!;
    return `portcullis: interface ${itf.name}: TUN ${dev.name} mtu ${dev.mtu} offloads ${offloadNames(dev.offloads)}` +
      (o.routes ? `, table ${itf.table}` : '');
  });
  lines.push(login.port === 0
    ? 'portcullis: login service: off (no ip http secure-server)'
    : `portcullis: login service on port ${login.port} of ${addresses.join(', ')}; certificate ${certificate.source}`);
  if (login.proxy !== undefined) lines.push(`portcullis: explicit proxy on port ${login.proxy.port} of ${addresses.join(', ')}`);
  if (totp) {
    lines.push(totpSteps !== undefined
      ? `portcullis: last accepted TOTP steps kept in ${totpSteps.path}`
      : 'portcullis: last accepted TOTP steps kept in memory (--no-state-dir): after a restart the current codes are accepted once more');
  }
  lines.push(`portcullis: control socket ${o.controlPath}`);
  lines.push(o.routes
    ? `portcullis: policy routing installed (rule priorities ${RULE_PRIORITY_FIRST}-${RULE_PRIORITY_END - 1}); running`
    : 'portcullis: --no-routes: routing left to the operator (portcullis routes --config FILE); running');
  return lines.join('\n') + '\n';
}

/** One line per TUN device: what it read (a super-packet counts once) and wrote. */
function deviceSummary(gw: Gateway): string {
  return gw.devices.map((d) => {
    const c = d.counters;
    return `portcullis: ${d.name}: read ${c[TUN_READ_PACKETS]} packets in ${c[TUN_READ_BATCHES]} batches ` +
      `(${c[TUN_READ_DROPPED]} dropped), wrote ${c[TUN_WRITE_PACKETS]} (${c[TUN_WRITE_REFUSED]} refused)\n`;
  }).join('');
}

/** `--debug`: the gateway's debug lines on stdout, written once per turn of the event loop. */
function subscribeStdout(gw: Gateway): void {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const text = pending.join('\n') + '\n';
    pending = [];
    try {
      writeStdout(text);
    } catch (e) {
      if (!(e instanceof StdoutClosedError)) throw e;
      unsubscribe();
    }
  };
  const unsubscribe = gw.debugLines.subscribe((line) => {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}
