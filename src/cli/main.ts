/**
 * The `portcullis` command: argument parsing, dispatch, and the mapping of typed errors to
 * one-line messages and exit codes (stacks only with `--verbose`).
 */
import { PortcullisError, UsageError } from '../errors.js';
import { loadConfig } from '../config/parse.js';
import { formatWarning } from '../ios/tokens.js';
import { compileAcls } from '../acl/index.js';
import { DEBUG_KEYWORDS } from '../engine/debug.js';
import { DEFAULT_CONTROL_PATH } from '../control/protocol.js';
import { runControlCli } from './control.js';
import { runReplay, REPLAY_SHOW_NAMES } from './replay.js';
import { DEFAULT_STATE_DIR, runGateway } from './run.js';
import { routesCommand } from './routes.js';
import { writeStderr, writeStdout } from './stdio.js';
import { packageRoot } from './package-root.js';
import { runDemo } from './demo.js';
import { totpEnroll } from './totp.js';

const USAGE = `usage: portcullis <command> [options]

commands:
  replay CAPTURE --config FILE [--debug KEYWORDS] [--out FILE] [--dropped FILE] [--seed N]
         [--show cache,statistics,access-lists] [--no-summary]
      Feed a pcap/pcapng capture through the engine with the capture's clock.
      --debug takes a comma-separated list of: ${[...DEBUG_KEYWORDS.keys()].join(', ')}, all
      (debug lines go to stdout; progress and summary to stderr). --show prints those
      show outputs on stdout after the last packet.
  run --config FILE [--debug KEYWORDS] [--no-routes] [--no-offload] [--state-dir DIR | --no-state-dir]
      [--control PATH]
      Run the live gateway (root): one TUN device per configured interface, fed by policy
      routing it installs (unless --no-routes); SIGTERM or SIGINT stops it. Forwarding between
      the interfaces stays refused after it stops (fail closed) until routes --remove.
      --state-dir (default ${DEFAULT_STATE_DIR}) keeps the login certificate and the last
      accepted TOTP steps (--no-state-dir: none, a self-signed certificate is made in memory for
      the run and the steps stay in memory); --control
      (default ${DEFAULT_CONTROL_PATH}) is the control socket. --debug prints debug lines on stdout.
      --no-offload opens the TUN devices without IFF_VNET_HDR: one packet per read, no
      super-packets (for kernels or NICs whose offloads misbehave, and for measuring).
  routes --config FILE        Print the policy routing run installs.
  routes --remove             Remove every rule and route portcullis installed (prohibit rules too).
  show ip auth-proxy cache|configuration|statistics|watch-list [--control PATH]
  show aaa servers [--control PATH]
  show ip access-lists [NAME] [--control PATH]
  show ipv6 access-list [NAME] [--control PATH]
  clear ip auth-proxy cache|watch-list '*'|ADDRESS [--control PATH]
  debug ip auth-proxy KEYWORD... [--control PATH]
  undebug all [--control PATH]
      Ask the running gateway through its control socket (default ${DEFAULT_CONTROL_PATH}).
      debug streams the gateway's debug lines to stdout until Ctrl-C; KEYWORDs as --debug's.
  show ip access-lists [NAME] --config FILE
  show ipv6 access-list [NAME] --config FILE
  show ip auth-proxy configuration --config FILE
      The same, offline: from a configuration, without a gateway.
  check-config FILE           Parse and validate a configuration; print warnings.
  totp enroll --user NAME [--issuer ISSUER] [--algorithm sha1|sha256|sha512] [--digits 6|7|8]
              [--period SECONDS]
      A new TOTP secret for local user NAME (RFC 6238): prints the "username NAME otp totp …"
      line to add to the configuration and the otpauth:// URI for the user's authenticator app.
  demo                        A live gateway in three network namespaces (root): login over
                              HTTPS, debug lines, show ip auth-proxy cache; replays the seed
                              capture where namespaces cannot be made.

  CAPTURE may be - (standard input), a pipe or a FIFO: tcpdump -w - ... | portcullis replay - ...

options: --verbose (stack traces on errors), --help (-h), --version (-V)

exit status: 0 success, 1 a reported error, 2 usage, 3 the host is not as the gateway needs it
(a TUN device that cannot be opened, a missing device or address, a routing command that
failed), 70 internal error, 141 standard output closed by its reader (as a filter killed by SIGPIPE)
`;

/** Exit codes. */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
/** The host is not as the gateway needs it: TUN devices, network devices and addresses, routing. */
const EXIT_HOST = 3;
const EXIT_INTERNAL = 70;
/** 128 + SIGPIPE: what a shell reports for a filter whose reader went away (`… | head`). */
const EXIT_STDOUT_CLOSED = 141;

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--config', '--debug', '--out', '--dropped', '--seed', '--show', '--state-dir', '--control',
  '--user', '--issuer', '--algorithm', '--digits', '--period']);
const BOOL_FLAGS = new Set(['--verbose', '--help', '--version', '--no-summary', '--no-progress', '--no-routes', '--no-state-dir', '--no-offload', '--remove']);

function parseArgs(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (VALUE_FLAGS.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, v);
      } else if (BOOL_FLAGS.has(name)) {
        flags.set(name, true);
      } else {
        throw new UsageError(`unknown option ${name}`);
      }
    } else if (a === '-h') {
      flags.set('--help', true);
    } else if (a === '-V') {
      flags.set('--version', true);
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}

/** Parses `--debug detailed,object-creation` into DEBUG_* bits. */
export function parseDebugKeywords(text: string): number {
  let flags = 0;
  for (const k of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    if (k === 'all') {
      for (const v of DEBUG_KEYWORDS.values()) flags |= v;
      continue;
    }
    const f = DEBUG_KEYWORDS.get(k);
    if (f === undefined) throw new UsageError(`unknown debug keyword "${k}" (one of: ${[...DEBUG_KEYWORDS.keys()].join(', ')}, all)`);
    flags |= f;
  }
  return flags;
}

function requireConfig(p: Parsed): string {
  const c = p.flags.get('--config');
  if (typeof c !== 'string') throw new UsageError('--config FILE is required');
  return c;
}

const out = writeStdout;
const err = writeStderr;

async function dispatch(p: Parsed): Promise<number> {
  const [cmd, ...rest] = p.positional;
  if (p.flags.has('--version')) {
    out(`portcullis ${packageRoot().version}\n`);
    return EXIT_OK;
  }
  if (cmd === undefined || p.flags.has('--help')) {
    out(USAGE);
    return cmd === undefined && !p.flags.has('--help') ? EXIT_USAGE : EXIT_OK;
  }
  switch (cmd) {
    case 'replay': {
      if (rest.length !== 1) throw new UsageError('replay takes one capture file');
      const debug = p.flags.get('--debug');
      const seed = p.flags.get('--seed');
      const showAtEnd = (strFlag(p, '--show') ?? '').split(',').filter((x) => x.length > 0);
      for (const s of showAtEnd) {
        if (!(REPLAY_SHOW_NAMES as readonly string[]).includes(s)) {
          throw new UsageError(`--show takes ${REPLAY_SHOW_NAMES.join(', ')}; not "${s}"`);
        }
      }
      const stats = await runReplay({
        capturePath: rest[0]!,
        configPath: requireConfig(p),
        debugFlags: typeof debug === 'string' ? parseDebugKeywords(debug) : 0,
        outPath: strFlag(p, '--out'),
        droppedPath: strFlag(p, '--dropped'),
        ...(typeof seed === 'string' ? { seed: parseSeed(seed) } : {}),
        showAtEnd,
        progress: !p.flags.has('--no-progress'),
        summary: !p.flags.has('--no-summary'),
      });
      if (stats.captureError !== undefined) {
        err(`portcullis: ${stats.captureError.message}\n`);
        return EXIT_FAILURE;
      }
      return EXIT_OK;
    }
    case 'run': {
      if (rest.length !== 0) throw new UsageError('run takes no arguments besides its options');
      const debug = strFlag(p, '--debug');
      return await runGateway({
        configPath: requireConfig(p),
        debugFlags: debug !== undefined ? parseDebugKeywords(debug) : 0,
        routes: !p.flags.has('--no-routes'),
        ...(p.flags.has('--no-offload') ? { offloads: 0 } : {}),
        stateDir: p.flags.has('--no-state-dir') ? undefined : strFlag(p, '--state-dir') ?? DEFAULT_STATE_DIR,
        controlPath: strFlag(p, '--control') ?? DEFAULT_CONTROL_PATH,
      });
    }
    case 'routes':
      if (rest.length !== 0) throw new UsageError('routes takes no arguments besides its options');
      return routesCommand(strFlag(p, '--config'), p.flags.has('--remove'));
    case 'show':
    case 'clear':
    case 'debug':
    case 'undebug':
      return runControlCli([cmd, ...rest], { controlPath: strFlag(p, '--control'), configPath: strFlag(p, '--config') });
    case 'check-config': {
      const file = rest[0] ?? strFlag(p, '--config');
      if (file === undefined) throw new UsageError('check-config takes a config file');
      const cfg = loadConfig(file);
      compileAcls(cfg.acls);
      for (const w of cfg.warnings) err(formatWarning(w) + '\n');
      out(`${file}: OK (${cfg.interfaces.length} interfaces, ${cfg.authProxyRules.size} auth-proxy rules, ` +
        `${cfg.acls.names.length} access lists, ${cfg.warnings.length} warnings)\n`);
      return EXIT_OK;
    }
    case 'totp':
      if (rest.length !== 1 || rest[0] !== 'enroll') throw new UsageError('totp takes one subcommand: enroll');
      out(await totpEnroll({
        user: strFlag(p, '--user'), issuer: strFlag(p, '--issuer'), algorithm: strFlag(p, '--algorithm'),
        digits: strFlag(p, '--digits'), period: strFlag(p, '--period'),
      }));
      return EXIT_OK;
    case 'demo':
      if (rest.length !== 0) throw new UsageError('demo takes no arguments');
      return runDemo();
    default:
      throw new UsageError(`unknown command "${cmd}" (try --help)`);
  }
}

function strFlag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

function parseSeed(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--seed must be an integer 0..4294967295, not "${s}"`);
  return n;
}

/**
 * Exit status of each error code the CLI reports (sysexits-like: 1 a reported failure, 2 a usage
 * error); a code not listed here exits 1. Anything that is no {@link PortcullisError} is an
 * internal error (70, EX_SOFTWARE).
 */
const EXIT_BY_CODE: Readonly<Record<string, number>> = {
  ERR_USAGE: EXIT_USAGE,
  ERR_CONTROL_INPUT: EXIT_USAGE,
  ERR_STDOUT_CLOSED: EXIT_STDOUT_CLOSED,
  ERR_TUN_OPEN: EXIT_HOST,
  ERR_TUN_IO: EXIT_HOST,
  ERR_INTERFACE_MISSING: EXIT_HOST,
  ERR_INTERFACE_ADDRESS: EXIT_HOST,
  ERR_INTERFACE_UNUSABLE: EXIT_HOST,
  ERR_HOST_NETWORK: EXIT_HOST,
  ERR_PACKET_TAP: EXIT_HOST,
  ERR_DYNAMIC_AUTHOR_LISTEN: EXIT_HOST,
};

/** Exit status for an error raised out of a command. */
export function exitStatusOf(e: unknown): number {
  if (!(e instanceof PortcullisError)) return EXIT_INTERNAL;
  return EXIT_BY_CODE[e.code] ?? EXIT_FAILURE;
}

/** Runs the command line; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    const p = parseArgs(argv);
    verbose = p.flags.has('--verbose');
    return await dispatch(p);
  } catch (e) {
    const status = exitStatusOf(e);
    // A reader that went away is no error: end quietly, as coreutils do when SIGPIPE kills them.
    if (status === EXIT_STDOUT_CLOSED) return status;
    const ex = e as { message?: string; stack?: string };
    err(status === EXIT_INTERNAL ? `portcullis: internal error: ${ex.message ?? String(e)}\n` : `portcullis: ${ex.message}\n`);
    if (verbose && ex.stack !== undefined) err(ex.stack + '\n');
    return status;
  }
}
