/**
 * Reading the login form from a POST: `application/x-www-form-urlencoded` (HTML 5 §4.10.21.7),
 * at most {@link LOGIN_MAX_BODY_BYTES}, fields `uname`, `pwd`, `ap_token`, `ap_orig`, `ap_state`
 * (the second step of a challenge) and `ap_accept` (the consent page's checkbox) each at most once and within their own limits. The raw bytes are zeroed as soon as they are parsed
 * (the password then lives only in the string handed to the Authenticator). The time limit is
 * the server's (`requestTimeout`).
 */
import type http from 'node:http';

/** Largest login POST body: the form is four short fields. */
export const LOGIN_MAX_BODY_BYTES = 4096;
/** Longest user name and password accepted (IOS: 64 and 127 characters; the page's maxlength). */
export const MAX_USER_LENGTH = 64;
export const MAX_PASSWORD_LENGTH = 128;

/** A login form as posted. */
export interface LoginForm {
  readonly user: string;
  readonly password: string;
  readonly token: string | undefined;
  readonly originalUrl: string | undefined;
  /** The state of an AAA challenge this form answers (the password is then the answer typed). */
  readonly state: string | undefined;
  /** The consent page's checkbox was ticked (`ap_accept=yes`). */
  readonly accept: boolean;
}

/** Why a POST is not a login form. */
export type FormFault = 'too-large' | 'content-type' | 'malformed' | 'aborted';

/** Reads `req`'s body as a login form, or says why it is not one. Never rejects. */
export function readLoginForm(req: http.IncomingMessage): Promise<LoginForm | FormFault> {
  return new Promise((resolve) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > LOGIN_MAX_BODY_BYTES) {
      resolve('too-large');
      return;
    }
    if (type !== 'application/x-www-form-urlencoded') {
      resolve('content-type');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const wipe = (): void => {
      for (const c of chunks) c.fill(0);
      chunks.length = 0;
    };
    const finish = (r: LoginForm | FormFault): void => {
      if (done) return;
      done = true;
      wipe();
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) {
        chunk.fill(0);
        return;
      }
      size += chunk.length;
      if (size > LOGIN_MAX_BODY_BYTES) {
        chunk.fill(0);
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      const body = Buffer.concat(chunks);
      const form = parseLoginForm(body.toString('latin1'));
      body.fill(0);
      finish(form);
    });
    req.on('error', () => finish('aborted'));
    req.on('aborted', () => finish('aborted'));
  });
}

/** Parses the urlencoded text of a login form (ASCII; fields decoded as UTF-8). */
export function parseLoginForm(text: string): LoginForm | FormFault {
  if (!/^[\x20-\x7e]*$/.test(text)) return 'malformed';
  const fields = new Map<string, string>();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    const value = decode(eq < 0 ? '' : part.slice(eq + 1));
    if (name === undefined || value === undefined) return 'malformed';
    if (name !== 'uname' && name !== 'pwd' && name !== 'ap_token' && name !== 'ap_orig' && name !== 'ap_state' && name !== 'ap_accept') continue;
    if (fields.has(name)) return 'malformed';
    fields.set(name, value);
  }
  const user = fields.get('uname') ?? '';
  const password = fields.get('pwd') ?? '';
  const state = fields.get('ap_state');
  if ([...user].length > MAX_USER_LENGTH || [...password].length > MAX_PASSWORD_LENGTH || (state?.length ?? 0) > 512) return 'malformed';
  return {
    user, password, token: fields.get('ap_token'), originalUrl: fields.get('ap_orig'), state: state === '' ? undefined : state,
    accept: fields.get('ap_accept') === 'yes',
  };
}

/** `application/x-www-form-urlencoded` decoding of one name or value; undefined if it is not valid UTF-8. */
function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
