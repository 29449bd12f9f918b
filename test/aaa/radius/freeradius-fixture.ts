/**
 * A throw-away FreeRADIUS 3.2 (Debian's `freeradius`) for tests, after
 * /work/shared/recipes/freeradius.md: its config in a temp dir, listening on a free loopback
 * port, run as `nobody` when the tests run as root. `require_message_authenticator = yes`, so it
 * refuses any Access-Request of ours whose Message-Authenticator is missing or wrong, and every
 * reply (Accept, Reject, Challenge) carries one.
 *
 * Accounting: every Accounting-Request is answered (its attributes appear in {@link FreeRadius.log})
 * and written to the `detail` module's file ({@link FreeRadius.detail}), as an operator's
 * FreeRADIUS records it.
 *
 * Users: `alice`/`alicepass` (priv-lvl 15 and two proxyacl entries, Reply-Message), `bob`/`bobpass`
 * (priv-lvl 15, no entries), `erin`/`erinpass` (auth-proxy priv-lvl 14), `frank`/`frankpass` (a
 * shell priv-lvl only), `grace`, whose server expects the passcode after the password
 * (`gracepass,654321`, as a Duo-style proxy does, seed 003), and `carol`/`carolpass`, whose right password is answered with an
 * Access-Challenge (State {@link CHALLENGE_STATE_HEX}, Reply-Message {@link CHALLENGE_PROMPT});
 * the Access-Request answering it with that State and {@link CHALLENGE_CODE} is accepted,
 * anything else rejected. A test may bring its own users file (carol is challenged whatever it
 * says) and run the server inside a network namespace ({@link FreeRadiusOptions}).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHALLENGE_STATE_HEX = '6f74702d73746570';
export const CHALLENGE_PROMPT = 'Enter the code from your token';
export const CHALLENGE_CODE = '123456';

export interface FreeRadius {
  readonly port: number;
  /** Its accounting port (answers every Accounting-Request whose authenticators verify). */
  readonly acctPort: number;
  readonly secret: string;
  /** FreeRADIUS's debug output so far. */
  log(): string;
  /** The accounting detail file (rlm_detail) so far: one block of `Attribute = value` lines per record. */
  detail(): string;
  stop(): Promise<void>;
}

const USERS = `alice	Cleartext-Password := "alicepass"
	Cisco-AVPair += "auth-proxy:priv-lvl=15",
	Cisco-AVPair += "auth-proxy:proxyacl#2=permit udp any host 10.0.0.53 eq 53",
	Cisco-AVPair += "auth-proxy:proxyacl#1=permit tcp any host 10.0.0.5 eq 80",
	Cisco-AVPair += "shell:priv-lvl=3",
	Reply-Message := "welcome alice"
bob	Cleartext-Password := "bobpass"
	Cisco-AVPair += "auth-proxy:priv-lvl=15"
carol	Cleartext-Password := "carolpass"
	Cisco-AVPair += "auth-proxy:priv-lvl=15"
erin	Cleartext-Password := "erinpass"
	Cisco-AVPair += "auth-proxy:priv-lvl=14",
	Cisco-AVPair += "auth-proxy:proxyacl#1=permit tcp any host 10.0.0.5 eq 80"
frank	Cleartext-Password := "frankpass"
	Cisco-AVPair += "shell:priv-lvl=15"
grace	Cleartext-Password := "gracepass,654321"
	Cisco-AVPair += "auth-proxy:priv-lvl=15"
`;

/** What a test may change of the throw-away server. */
export interface FreeRadiusOptions {
  /**
   * Run it inside this network namespace (`ip netns exec`), listening on the namespace's own
   * loopback: e.g. the end-to-end tests' gateway namespace, where `portcullis run` reaches it.
   */
  readonly ns?: string | undefined;
  /** The users file (default: the users of the module comment). `carol` is challenged whatever it says. */
  readonly users?: string | undefined;
  /** The Cisco-AVPairs carol's accepted answer carries (default: priv-lvl 15 and one entry to 10.0.0.7 port 443). */
  readonly challengeAvPairs?: readonly string[] | undefined;
  /**
   * Run it as in production, threaded, logging only its start and errors (`-f -l stdout`)
   * instead of single-threaded with the full debug output (`-X`): for benchmarks. {@link FreeRadius.log}
   * then holds no request's attributes.
   */
  readonly quiet?: boolean | undefined;
}

/** The Cisco-AVPairs of carol's accept after the challenge, by default. */
const CHALLENGE_AVPAIRS = ['auth-proxy:priv-lvl=15', 'auth-proxy:proxyacl#1=permit tcp any host 10.0.0.7 eq 443'];

function radiusdConf(dir: string, port: number, acctPort: number, secret: string,
  challengeAvPairs: readonly string[] = CHALLENGE_AVPAIRS): string {
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
    if (&State) {
      if (&User-Name == "carol" && &State == 0x${CHALLENGE_STATE_HEX} && &User-Password == "${CHALLENGE_CODE}") {
        update control {
          &Auth-Type := Accept
        }
        update reply {
${challengeAvPairs.map((a) => `          &Cisco-AVPair += "${a}"\n`).join('')}          &Reply-Message := "second factor accepted"
        }
        ok
        return
      }
      reject
    }
    files
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
      if (ok && &User-Name == "carol") {
        update {
          &reply: !* ANY
        }
        update reply {
          &State := 0x${CHALLENGE_STATE_HEX}
          &Reply-Message := "${CHALLENGE_PROMPT}"
          &Message-Authenticator := 0x00
        }
        update control {
          &Response-Packet-Type := Access-Challenge
        }
        handled
      }
    }
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

/** A UDP port free on 127.0.0.1 at the time of asking. */
export async function freeUdpPort(): Promise<number> {
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
export async function startFreeRadius(secret: string, opts: FreeRadiusOptions = {}): Promise<FreeRadius> {
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
  writeFileSync(join(dir, 'users'), opts.users ?? USERS);
  writeFileSync(join(dir, 'radiusd.conf'), radiusdConf(dir, port, acctPort, secret, opts.challengeAvPairs));
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

/**
 * Waits (up to 10 s) until FreeRADIUS's output includes `text`: it writes its debug lines of a
 * request around the reply, so a client can have its answer before the lines arrive.
 */
export async function waitForLog(fr: FreeRadius, text: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!fr.log().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return fr.log();
}

/** Runs radclient with `input` (attribute lines) against `fr`; its output. */
export function radclient(fr: FreeRadius, input: string, timeoutSec = 3): { status: number | null; output: string } {
  const r = spawnSync('radclient', ['-x', '-r', '1', '-t', String(timeoutSec), `127.0.0.1:${fr.port}`, 'auth', fr.secret],
    { input, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** The records of `fr`'s accounting detail file, each as attribute → value (quotes removed), in order. */
export function detailRecords(fr: FreeRadius): Map<string, string>[] {
  return fr.detail().split(/\n\s*\n/).filter((b) => b.trim() !== '').map((block) => {
    const m = new Map<string, string>();
    for (const line of block.split('\n')) {
      const x = /^\s+([A-Za-z0-9-]+) = (.*)$/.exec(line);
      if (x !== null) m.set(x[1]!, x[2]!.replace(/^"(.*)"$/, '$1'));
    }
    return m;
  });
}
