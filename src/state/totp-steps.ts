/**
 * The last accepted TOTP time step of each local user, kept in the state directory so that a
 * code accepted once is not accepted again after a restart (RFC 6238 §5.2; src/aaa/totp.ts).
 *
 * The file, {@link TOTP_STEPS_FILE} (0600, in the 0700 state directory, written whole through a
 * temporary file renamed into place): one small record per TOTP user of the config — the step
 * and its period, no password, secret or code — rewritten on every accepted code, so users no
 * longer in the config drop out on the next write. Writes are made one after another, in the
 * order they were asked for.
 *
 * A file that is missing means no code was accepted yet. A file that cannot be read or trusted —
 * unreadable, not a regular file, writable by others than its owner, too large, or not the
 * format below — does not stop the gateway and is not taken as "nothing accepted": it is
 * reported as unreadable and the local authenticator refuses, for every TOTP user, the codes of
 * every time step up to the start (src/aaa/totp.ts `fence`), the only ones that can have been
 * accepted before. The next accepted code writes the file anew.
 *
 * Format (JSON): `{"format":"portcullis-totp-steps 1","users":{"NAME":{"step":T,"period":X}}}`,
 * T = floor(unix seconds / X) as in RFC 6238 §4.2.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeErrno, errnoOf } from '../errors.js';
import { TOTP_PERIOD_RANGE } from '../aaa/totp.js';
import type { KeptTotpStep, KeptTotpSteps, TotpStepStore } from '../aaa/totp.js';
import { makeStateDir, writeAtomic } from './state-dir.js';

/** Name of the file in the state directory. */
export const TOTP_STEPS_FILE = 'totp-steps.json';
/** The file's `format` field. */
export const TOTP_STEPS_FORMAT = 'portcullis-totp-steps 1';
/** Largest file read (some 50 bytes a user: room for tens of thousands of TOTP users). */
export const MAX_TOTP_STEPS_BYTES = 4 << 20;
/** The file's mode. */
export const TOTP_STEPS_MODE = 0o600;

/** The state directory's step file as a {@link TotpStepStore}. */
export interface TotpStepFile extends TotpStepStore {
  /** The file's path. */
  readonly path: string;
}

/**
 * Makes the state directory `dir` if missing (a {@link StateDirError} when it cannot be) and
 * reads the kept steps from its {@link TOTP_STEPS_FILE}.
 */
export async function openTotpStepFile(dir: string): Promise<TotpStepFile> {
  await makeStateDir(dir);
  const path = join(dir, TOTP_STEPS_FILE);
  const kept = await readSteps(path);
  let queue: Promise<void> = Promise.resolve();
  return {
    path,
    kept,
    save(steps: ReadonlyMap<string, KeptTotpStep>): Promise<void> {
      const text = formatSteps(steps);
      const write = queue.then(() => writeAtomic(path, text, TOTP_STEPS_MODE));
      queue = write.catch(() => undefined);
      return write;
    },
  };
}

/** The file's text for `steps`. */
export function formatSteps(steps: ReadonlyMap<string, KeptTotpStep>): string {
  const users: Record<string, { step: number; period: number }> = {};
  for (const [name, k] of steps) Object.defineProperty(users, name, { value: { step: k.step, period: k.periodSec }, enumerable: true });
  return JSON.stringify({ format: TOTP_STEPS_FORMAT, users }) + '\n';
}

/** What the file at `path` keeps (see the module comment for a missing or untrusted file). */
async function readSteps(path: string): Promise<KeptTotpSteps> {
  const unreadable = (why: string): KeptTotpSteps => ({ kind: 'unreadable', reason: why });
  const sysError = (what: string, e: unknown): KeptTotpSteps => {
    const errno = errnoOf(e);
    return unreadable(`${what}: ${errno === undefined ? String(e) : describeErrno(errno)}`);
  };
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile()) return unreadable('not a regular file');
    if ((st.mode & 0o022) !== 0) return unreadable(`writable by others than its owner (mode ${(st.mode & 0o777).toString(8)})`);
    if (st.size > MAX_TOTP_STEPS_BYTES) return unreadable(`${st.size} bytes, more than the ${MAX_TOTP_STEPS_BYTES} such a file can have`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return { kind: 'kept', steps: new Map() };
    return sysError('cannot read it', e);
  }
  const steps = parseSteps(text);
  return typeof steps === 'string' ? unreadable(steps) : { kind: 'kept', steps };
}

/** The steps of the file's `text`, or why it is not the format. */
export function parseSteps(text: string): Map<string, KeptTotpStep> | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!isObject(doc) || doc['format'] !== TOTP_STEPS_FORMAT) return `not a "${TOTP_STEPS_FORMAT}" file`;
  const users = doc['users'];
  if (!isObject(users)) return 'no "users" object';
  const steps = new Map<string, KeptTotpStep>();
  for (const [name, rec] of Object.entries(users)) {
    const step = isObject(rec) ? rec['step'] : undefined;
    const period = isObject(rec) ? rec['period'] : undefined;
    if (!Number.isSafeInteger(step) || (step as number) < 0 || !Number.isInteger(period)
      || (period as number) < TOTP_PERIOD_RANGE[0] || (period as number) > TOTP_PERIOD_RANGE[1]) {
      return `user ${JSON.stringify(name)}: no valid "step" and "period"`;
    }
    steps.set(name, { step: step as number, periodSec: period as number });
  }
  return steps;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
