/**
 * A throw-away FreeRADIUS 3.2 (Debian's `freeradius`) for the tests and the `aaa` benchmark,
 * after /work/shared/recipes/freeradius.md: its config in a temp dir, listening on free loopback
 * ports (authentication and accounting), run as `nobody` when started as root, optionally inside
 * a network namespace. `require_message_authenticator = yes`, so it refuses any Access-Request
 * whose Message-Authenticator is missing or wrong, and every reply (Accept, Reject, Challenge)
 * carries one.
 *
 * Accounting: every Accounting-Request is answered (its attributes appear in {@link FreeRadius.log}
 * with the full debug output) and written to the `detail` module's file ({@link FreeRadius.detail}),
 * as an operator's FreeRADIUS records it.
 *
 * The users file is the caller's; one user may be answered with an Access-Challenge
 * ({@link FreeRadiusChallenge}). The tests' users are test/aaa/radius/freeradius-fixture.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running throw-away FreeRADIUS. */
export interface FreeRadius {
  readonly port: number;
  /** Its accounting port (answers every Accounting-Request whose authenticators verify). */
  readonly acctPort: number;
  readonly secret: string;
  /** FreeRADIUS's output so far. */
  log(): string;
  /** The accounting detail file (rlm_detail) so far: one block of `Attribute = value` lines per record. */
  detail(): string;
  stop(): Promise<void>;
}

/**
 * A user whose right password is answered with an Access-Challenge (State `stateHex`,
 * Reply-Message `prompt`); the Access-Request answering it with that State and the password
 * `code` is accepted with `avPairs` (Cisco-AVPair values), anything else with a State rejected.
 */
export interface FreeRadiusChallenge {
  readonly user: string;
  readonly stateHex: string;
  readonly prompt: string;
  readonly code: string;
  readonly avPairs: readonly string[];
}

/** How to run the throw-away server. */
export interface FreeRadiusOptions {
  /** The users file (FreeRADIUS `files` module syntax). */
  readonly users: string;
  /**
   * Run it inside this network namespace (`ip netns exec`), listening on the namespace's own
   * loopback: e.g. the end-to-end tests' gateway namespace, where `portcullis run` reaches it.
   */
  readonly ns?: string | undefined;
  /** A user answered with an Access-Challenge (none by default). */
  readonly challenge?: FreeRadiusChallenge | undefined;
  /**
   * Run it as in production, threaded, logging only its start and errors (`-f -l stdout`)
   * instead of single-threaded with the full debug output (`-X`): for benchmarks. {@link FreeRadius.log}
   * then holds no request's attributes.
   */
  readonly quiet?: boolean | undefined;
}

function radiusdConf(dir: string, port: number, acctPort: number, secret: string, challenge: FreeRadiusChallenge | undefined): string {
  return `prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = ${dir}
sbindir = /usr/sbin
logdir = ${dir}/log
raddbdir = ${dir}
radacctdir = ${dir}/log/radacct
name = freeradius
confdir = ${dir}
modconfdir = ${dir}
run_dir = ${dir}/run
db_dir = ${dir}
libdir = /usr/lib/freeradius
pidfile = ${dir}/run/freeradius.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
  destination = stdout
  colourise = no
  auth = yes
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = yes
}
thread pool {
  start_servers = 1
  max_servers = 4
  min_spare_servers = 1
  max_spare_servers = 4
  max_requests_per_server = 0
}
client localhost {
  ipaddr = 127.0.0.1
  secret = "${secret}"
  require_message_authenticator = yes
}
modules {
  pap {
  }
  files {
    filename = ${dir}/users
  }
  always reject {
    rcode = reject
  }
  always ok {
    rcode = ok
  }
  always handled {
    rcode = handled
  }
  detail {
    filename = ${dir}/log/detail
    escape_filenames = no
    permissions = 0600
    header = "%t"
    locking = no
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${port}
  }
  listen {
    type = acct
    ipaddr = 127.0.0.1
    port = ${acctPort}
  }
  preacct {
    ok
  }
  accounting {
    detail
    ok
  }
  authorize {
${challenge === undefined ? '' : challengeAuthorize(challenge)}    files
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
${challenge === undefined ? '' : challengeAuthenticate(challenge)}    }
  }
  post-auth {
    update reply {
      &Message-Authenticator := 0x00
    }
    Post-Auth-Type REJECT {
      update {
        &reply: !* ANY
      }
      update reply {
        &Message-Authenticator := 0x00
      }
    }
  }
}
`;
}

/** `authorize` lines of the challenged user's second step: the right State and code is accepted, any other State rejected. */
function challengeAuthorize(c: FreeRadiusChallenge): string {
  return `    if (&State) {
      if (&User-Name == "${c.user}" && &State == 0x${c.stateHex} && &User-Password == "${c.code}") {
        update control {
          &Auth-Type := Accept
        }
        update reply {
${c.avPairs.map((a) => `          &Cisco-AVPair += "${a}"\n`).join('')}          &Reply-Message := "second factor accepted"
        }
        ok
        return
      }
      reject
    }
`;
}

/** `Auth-Type PAP` lines that answer the challenged user's right password with an Access-Challenge. */
function challengeAuthenticate(c: FreeRadiusChallenge): string {
  return `      if (ok && &User-Name == "${c.user}") {
        update {
          &reply: !* ANY
        }
        update reply {
          &State := 0x${c.stateHex}
          &Reply-Message := "${c.prompt}"
          &Message-Authenticator := 0x00
        }
        update control {
          &Response-Packet-Type := Access-Challenge
        }
        handled
      }
`;
}

/** A UDP port free on 127.0.0.1 at the time of asking. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Starts FreeRADIUS (see the module comment); rejects with its output if it does not come up in
 * 20 s. A port taken between choosing it and FreeRADIUS binding it (other tests bind ports
 * too) is retried with other ports, twice.
 */
export async function spawnFreeRadius(secret: string, opts: FreeRadiusOptions): Promise<FreeRadius> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(secret, opts);
    } catch (e) {
      if (attempt === 3 || !/Address already in use/.test(String(e))) throw e;
    }
  }
}

async function startOnce(secret: string, opts: FreeRadiusOptions): Promise<FreeRadius> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-freeradius-'));
  mkdirSync(join(dir, 'log'));
  mkdirSync(join(dir, 'run'));
  const port = await freeUdpPort();
  let acctPort = await freeUdpPort();
  while (acctPort === port) acctPort = await freeUdpPort();
  writeFileSync(join(dir, 'dictionary'), '$INCLUDE /usr/share/freeradius/dictionary\n');
  writeFileSync(join(dir, 'users'), opts.users);
  writeFileSync(join(dir, 'radiusd.conf'), radiusdConf(dir, port, acctPort, secret, opts.challenge));
  const root = process.getuid?.() === 0;
  let argv = ['freeradius', ...(opts.quiet === true ? ['-f', '-l', 'stdout'] : ['-X']), '-d', dir, '-n', 'radiusd'];
  if (root) {
    const uid = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim());
    for (const p of [dir, join(dir, 'log'), join(dir, 'run'), join(dir, 'users'), join(dir, 'radiusd.conf'), join(dir, 'dictionary')]) {
      chownSync(p, uid, gid);
    }
    argv = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', ...argv];
  }
  // `ip netns exec` execs its command in place: the child is still FreeRADIUS itself.
  if (opts.ns !== undefined) argv = ['ip', 'netns', 'exec', opts.ns, ...argv];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const deadline = Date.now() + 20_000;
  while (!out.includes('Ready to process requests')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`FreeRADIUS did not start:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const detail = (): string => {
    try {
      return readFileSync(join(dir, 'log', 'detail'), 'utf8');
    } catch {
      return '';
    }
  };
  return { port, acctPort, secret, log: () => out, detail, stop };
}
