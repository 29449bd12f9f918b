/**
 * The tests' throw-away FreeRADIUS: bench/lib/freeradius.ts (the server the `aaa` benchmark runs
 * too) with the tests' users and one challenged user, and what tests ask of it (its log, radclient,
 * the accounting records).
 *
 * Users: `alice`/`alicepass` (priv-lvl 15 and two proxyacl entries, Reply-Message), `bob`/`bobpass`
 * (priv-lvl 15, no entries), `erin`/`erinpass` (auth-proxy priv-lvl 14), `frank`/`frankpass` (a
 * shell priv-lvl only), `grace`, whose server expects the passcode after the password
 * (`gracepass,654321`, as a Duo-style proxy does, seed 003), and `carol`/`carolpass`, whose right password is answered with an
 * Access-Challenge (State {@link CHALLENGE_STATE_HEX}, Reply-Message {@link CHALLENGE_PROMPT});
 * the Access-Request answering it with that State and {@link CHALLENGE_CODE} is accepted,
 * anything else rejected. A test may bring its own users file (carol is challenged whatever it
 * says) and run the server inside a network namespace ({@link TestFreeRadiusOptions}).
 */
import { spawnSync } from 'node:child_process';
import { spawnFreeRadius } from '../../../bench/lib/freeradius.js';
import type { FreeRadius } from '../../../bench/lib/freeradius.js';

export type { FreeRadius } from '../../../bench/lib/freeradius.js';

export const CHALLENGE_STATE_HEX = '6f74702d73746570';
export const CHALLENGE_PROMPT = 'Enter the code from your token';
export const CHALLENGE_CODE = '123456';

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
export interface TestFreeRadiusOptions {
  /**
   * Run it inside this network namespace (`ip netns exec`), listening on the namespace's own
   * loopback: e.g. the end-to-end tests' gateway namespace, where `portcullis run` reaches it.
   */
  readonly ns?: string | undefined;
  /** The users file (default: the users of the module comment). `carol` is challenged whatever it says. */
  readonly users?: string | undefined;
  /** The Cisco-AVPairs carol's accepted answer carries (default: priv-lvl 15 and one entry to 10.0.0.7 port 443). */
  readonly challengeAvPairs?: readonly string[] | undefined;
}

/** The Cisco-AVPairs of carol's accept after the challenge, by default. */
const CHALLENGE_AVPAIRS = ['auth-proxy:priv-lvl=15', 'auth-proxy:proxyacl#1=permit tcp any host 10.0.0.7 eq 443'];

/** Starts the tests' FreeRADIUS (see the module comment) with the full debug output (`-X`). */
export function startFreeRadius(secret: string, opts: TestFreeRadiusOptions = {}): Promise<FreeRadius> {
  return spawnFreeRadius(secret, {
    users: opts.users ?? USERS,
    ns: opts.ns,
    challenge: {
      user: 'carol', stateHex: CHALLENGE_STATE_HEX, prompt: CHALLENGE_PROMPT, code: CHALLENGE_CODE,
      avPairs: opts.challengeAvPairs ?? CHALLENGE_AVPAIRS,
    },
  });
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
