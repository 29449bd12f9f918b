/**
 * The TACACS+ packet codec (RFC 8907): the 12-octet header (§4.1), body obfuscation with the
 * shared key (§4.5), and the bodies the auth-proxy needs — authentication START, REPLY and
 * CONTINUE (§5.1-§5.3, ASCII and PAP login) and authorization REQUEST and RESPONSE (§6.1-§6.2).
 *
 * Decoding is bounded and total: a header shorter than 12 octets, a body length past
 * {@link TACACS_MAX_BODY}, a body whose length fields do not add up to exactly its length, or a
 * packet of the wrong type is returned as a numeric {@link TACACS_FAULT}, never thrown. A body
 * de-obfuscated with the wrong key does not add up (§4.5: "the only way to detect a key mismatch
 * is that the body is malformed"), so a wrong key is such a fault too.
 *
 * Encoding throws {@link TacacsEncodeError} for a field longer than its length field holds (a
 * user name or password comes from a login form; the caller turns that into a refused login).
 */
import { createHash } from 'node:crypto';
import { TacacsEncodeError } from '../../errors.js';

/** Header length (RFC 8907 §4.1). */
export const TACACS_HEADER_LEN = 12;
/** Largest body portcullis reads; the 4-octet length field allows more, no auth-proxy answer needs it. */
export const TACACS_MAX_BODY = 65_536;

/** major 0xc, minor 0 (default) and minor 1 (PAP, CHAP), §4.1. */
export const TACACS_VERSION = { DEFAULT: 0xc0, ONE: 0xc1 } as const;
/** Packet types, §4.1. */
export const TACACS_TYPE = { AUTHEN: 1, AUTHOR: 2, ACCT: 3 } as const;
/** Header flags, §4.1. */
export const TACACS_FLAG = { UNENCRYPTED: 0x01, SINGLE_CONNECT: 0x04 } as const;
/** Authentication START action, type and service, §5.1. */
export const TACACS_AUTHEN = {
  ACTION_LOGIN: 1, TYPE_ASCII: 1, TYPE_PAP: 2, SERVICE_LOGIN: 1, METHOD_TACACSPLUS: 6,
} as const;
/** Authentication REPLY status, §5.2. */
export const TACACS_AUTHEN_STATUS = {
  PASS: 1, FAIL: 2, GETDATA: 3, GETUSER: 4, GETPASS: 5, RESTART: 6, ERROR: 7, FOLLOW: 0x21,
} as const;
/** REPLY flag NOECHO (§5.2) and CONTINUE flag ABORT (§5.3). */
export const TACACS_REPLY_FLAG_NOECHO = 0x01;
export const TACACS_CONTINUE_FLAG_ABORT = 0x01;
/** Authorization RESPONSE status, §6.2. */
export const TACACS_AUTHOR_STATUS = { PASS_ADD: 1, PASS_REPL: 2, FAIL: 0x10, ERROR: 0x11, FOLLOW: 0x21 } as const;

/** Why octets are not the TACACS+ packet expected (see the module comment). */
export const TACACS_FAULT = {
  /** Fewer octets than the header, or than the header's length says. */
  SHORT: 1,
  /** The body length is past {@link TACACS_MAX_BODY}. */
  LENGTH: 2,
  /** Major version is not 0xc. */
  VERSION: 3,
  /** Not the packet type (or sequence number parity) expected. */
  TYPE: 4,
  /** The body's fields do not fill it exactly (a malformed body, or a wrong key). */
  BODY: 5,
  /** An unobfuscated packet while a key is configured (§4.5: refused). */
  UNENCRYPTED: 6,
} as const;
export type TacacsFault = (typeof TACACS_FAULT)[keyof typeof TACACS_FAULT];

/** Names of the faults, for counters and messages. */
export const TACACS_FAULT_NAMES: Readonly<Record<TacacsFault, string>> = {
  1: 'short', 2: 'length', 3: 'version', 4: 'type', 5: 'body', 6: 'unencrypted',
};

/** The header of a packet (§4.1). */
export interface TacacsHeader {
  readonly version: number;
  readonly type: number;
  readonly seqNo: number;
  readonly flags: number;
  readonly sessionId: number;
  readonly length: number;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly fault: TacacsFault };

const te = new TextEncoder();
const td = new TextDecoder();

function fault<T>(f: TacacsFault): Decoded<T> {
  return { ok: false, fault: f };
}

/** Reads a header from the first 12 octets of `bytes` (the body need not be there yet). */
export function decodeHeader(bytes: Uint8Array): Decoded<TacacsHeader> {
  if (bytes.length < TACACS_HEADER_LEN) return fault(TACACS_FAULT.SHORT);
  const v = new DataView(bytes.buffer, bytes.byteOffset, TACACS_HEADER_LEN);
  const version = bytes[0]!;
  if (version >> 4 !== 0xc) return fault(TACACS_FAULT.VERSION);
  const length = v.getUint32(8);
  if (length > TACACS_MAX_BODY) return fault(TACACS_FAULT.LENGTH);
  return { ok: true, value: { version, type: bytes[1]!, seqNo: bytes[2]!, flags: bytes[3]!, sessionId: v.getUint32(4), length } };
}

/**
 * XORs `body` in place with the pseudo-pad of §4.5: MD5(session_id, key, version, seq_no), then
 * MD5 of the same followed by the previous hash, concatenated and truncated to the body's length.
 * Applying it twice gives the body back.
 */
export function obfuscate(body: Uint8Array, h: Pick<TacacsHeader, 'sessionId' | 'version' | 'seqNo'>, key: Uint8Array): void {
  const prefix = new Uint8Array(4 + key.length + 2);
  new DataView(prefix.buffer).setUint32(0, h.sessionId);
  prefix.set(key, 4);
  prefix[4 + key.length] = h.version;
  prefix[5 + key.length] = h.seqNo;
  let prev: Buffer | undefined;
  for (let off = 0; off < body.length; off += 16) {
    const md5 = createHash('md5').update(prefix);
    if (prev !== undefined) md5.update(prev);
    prev = md5.digest();
    const n = Math.min(16, body.length - off);
    for (let i = 0; i < n; i++) body[off + i]! ^= prev[i]!;
  }
}

/**
 * A whole packet: header and `body`, obfuscated with `key` (when `key` is undefined the
 * UNENCRYPTED flag is set and the body goes as it is, §4.5).
 */
export function encodePacket(h: Omit<TacacsHeader, 'length'>, body: Uint8Array, key: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(TACACS_HEADER_LEN + body.length);
  const flags = key === undefined ? h.flags | TACACS_FLAG.UNENCRYPTED : h.flags & ~TACACS_FLAG.UNENCRYPTED;
  out[0] = h.version;
  out[1] = h.type;
  out[2] = h.seqNo;
  out[3] = flags;
  const v = new DataView(out.buffer);
  v.setUint32(4, h.sessionId >>> 0);
  v.setUint32(8, body.length);
  out.set(body, TACACS_HEADER_LEN);
  if (key !== undefined) obfuscate(out.subarray(TACACS_HEADER_LEN), h, key);
  return out;
}

/**
 * The clear body of a packet whose header is `h` and whose obfuscated body is `body` (copied),
 * or UNENCRYPTED when the packet is not obfuscated but a key is configured.
 */
export function openBody(h: TacacsHeader, body: Uint8Array, key: Uint8Array | undefined): Decoded<Uint8Array> {
  if (body.length < h.length) return fault(TACACS_FAULT.SHORT);
  const clear = body.slice(0, h.length);
  const unencrypted = (h.flags & TACACS_FLAG.UNENCRYPTED) !== 0;
  if (unencrypted && key !== undefined) return fault(TACACS_FAULT.UNENCRYPTED);
  if (!unencrypted && key !== undefined) obfuscate(clear, h, key);
  return { ok: true, value: clear };
}

// ---------------------------------------------------------------------------------------------
// Bodies

/**
 * The fields that name the user and the session, alike in an authentication START (§5.1) and
 * an authorization REQUEST (§6.1): priv_lvl, authen_type, authen_service, user, port, rem_addr.
 */
export interface TacacsSessionFields {
  readonly privLvl: number;
  readonly authenType: number;
  readonly service: number;
  readonly user: string;
  readonly port: string;
  readonly remAddr: string;
}

/** Authentication START (§5.1). */
export interface AuthenStart extends TacacsSessionFields {
  readonly action: number;
  /** PAP: the password; ASCII: empty. */
  readonly data: Uint8Array;
}

/** Authentication REPLY (§5.2). */
export interface AuthenReply {
  readonly status: number;
  readonly flags: number;
  readonly serverMsg: string;
  readonly data: Uint8Array;
}

/** Authentication CONTINUE (§5.3). */
export interface AuthenContinue {
  readonly userMsg: Uint8Array;
  readonly data: Uint8Array;
  readonly flags: number;
}

/** Authorization REQUEST (§6.1). */
export interface AuthorRequest extends TacacsSessionFields {
  readonly authenMethod: number;
  /** `attribute=value` (mandatory) or `attribute*value` (optional), e.g. `service=auth-proxy`. */
  readonly args: readonly string[];
}

/** Authorization RESPONSE (§6.2). */
export interface AuthorResponse {
  readonly status: number;
  readonly serverMsg: string;
  readonly data: string;
  readonly args: readonly string[];
}

function bytesOf(field: string, value: string | Uint8Array, limit: number): Uint8Array {
  const b = typeof value === 'string' ? te.encode(value) : value;
  if (b.length > limit) throw new TacacsEncodeError(field, b.length, limit);
  return b;
}

/** Concatenates a fixed part and the variable fields. */
function join(fixed: Uint8Array, fields: readonly Uint8Array[]): Uint8Array {
  let n = fixed.length;
  for (const f of fields) n += f.length;
  const out = new Uint8Array(n);
  out.set(fixed);
  let off = fixed.length;
  for (const f of fields) {
    out.set(f, off);
    off += f.length;
  }
  return out;
}

export function encodeAuthenStart(s: AuthenStart): Uint8Array {
  const f = [bytesOf('user', s.user, 255), bytesOf('port', s.port, 255), bytesOf('rem_addr', s.remAddr, 255), bytesOf('data', s.data, 255)];
  return join(Uint8Array.of(s.action, s.privLvl, s.authenType, s.service, f[0]!.length, f[1]!.length, f[2]!.length, f[3]!.length), f);
}

export function encodeAuthenReply(r: AuthenReply): Uint8Array {
  const msg = bytesOf('server_msg', r.serverMsg, 0xffff);
  const data = bytesOf('data', r.data, 0xffff);
  return join(Uint8Array.of(r.status, r.flags, msg.length >> 8, msg.length & 0xff, data.length >> 8, data.length & 0xff), [msg, data]);
}

export function encodeAuthenContinue(c: AuthenContinue): Uint8Array {
  const msg = bytesOf('user_msg', c.userMsg, 0xffff);
  const data = bytesOf('data', c.data, 0xffff);
  return join(Uint8Array.of(msg.length >> 8, msg.length & 0xff, data.length >> 8, data.length & 0xff, c.flags), [msg, data]);
}

export function encodeAuthorRequest(r: AuthorRequest): Uint8Array {
  if (r.args.length > 255) throw new TacacsEncodeError('arg_cnt', r.args.length, 255);
  const args = r.args.map((a) => bytesOf('arg', a, 255));
  const f = [bytesOf('user', r.user, 255), bytesOf('port', r.port, 255), bytesOf('rem_addr', r.remAddr, 255)];
  const fixed = Uint8Array.of(r.authenMethod, r.privLvl, r.authenType, r.service, f[0]!.length, f[1]!.length, f[2]!.length,
    args.length, ...args.map((a) => a.length));
  return join(fixed, [...f, ...args]);
}

export function encodeAuthorResponse(r: AuthorResponse): Uint8Array {
  if (r.args.length > 255) throw new TacacsEncodeError('arg_cnt', r.args.length, 255);
  const args = r.args.map((a) => bytesOf('arg', a, 255));
  const msg = bytesOf('server_msg', r.serverMsg, 0xffff);
  const data = bytesOf('data', r.data, 0xffff);
  const fixed = Uint8Array.of(r.status, args.length, msg.length >> 8, msg.length & 0xff, data.length >> 8, data.length & 0xff,
    ...args.map((a) => a.length));
  return join(fixed, [msg, data, ...args]);
}

/** Reads `lengths` consecutive fields after `at`; undefined unless they end exactly at the body's end. */
function fields(b: Uint8Array, at: number, lengths: readonly number[]): Uint8Array[] | undefined {
  let total = at;
  for (const n of lengths) total += n;
  if (total !== b.length) return undefined;
  const out: Uint8Array[] = [];
  let off = at;
  for (const n of lengths) {
    out.push(b.subarray(off, off + n));
    off += n;
  }
  return out;
}

export function decodeAuthenStart(b: Uint8Array): Decoded<AuthenStart> {
  if (b.length < 8) return fault(TACACS_FAULT.BODY);
  const f = fields(b, 8, [b[4]!, b[5]!, b[6]!, b[7]!]);
  if (f === undefined) return fault(TACACS_FAULT.BODY);
  return {
    ok: true,
    value: {
      action: b[0]!, privLvl: b[1]!, authenType: b[2]!, service: b[3]!,
      user: td.decode(f[0]), port: td.decode(f[1]), remAddr: td.decode(f[2]), data: f[3]!.slice(),
    },
  };
}

export function decodeAuthenReply(b: Uint8Array): Decoded<AuthenReply> {
  if (b.length < 6) return fault(TACACS_FAULT.BODY);
  const f = fields(b, 6, [(b[2]! << 8) | b[3]!, (b[4]! << 8) | b[5]!]);
  if (f === undefined) return fault(TACACS_FAULT.BODY);
  return { ok: true, value: { status: b[0]!, flags: b[1]!, serverMsg: td.decode(f[0]), data: f[1]!.slice() } };
}

export function decodeAuthenContinue(b: Uint8Array): Decoded<AuthenContinue> {
  if (b.length < 5) return fault(TACACS_FAULT.BODY);
  const f = fields(b, 5, [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!]);
  if (f === undefined) return fault(TACACS_FAULT.BODY);
  return { ok: true, value: { userMsg: f[0]!.slice(), data: f[1]!.slice(), flags: b[4]! } };
}

export function decodeAuthorRequest(b: Uint8Array): Decoded<AuthorRequest> {
  if (b.length < 8) return fault(TACACS_FAULT.BODY);
  const argc = b[7]!;
  if (b.length < 8 + argc) return fault(TACACS_FAULT.BODY);
  const f = fields(b, 8 + argc, [b[4]!, b[5]!, b[6]!, ...b.subarray(8, 8 + argc)]);
  if (f === undefined) return fault(TACACS_FAULT.BODY);
  return {
    ok: true,
    value: {
      authenMethod: b[0]!, privLvl: b[1]!, authenType: b[2]!, service: b[3]!,
      user: td.decode(f[0]), port: td.decode(f[1]), remAddr: td.decode(f[2]), args: f.slice(3).map((a) => td.decode(a)),
    },
  };
}

export function decodeAuthorResponse(b: Uint8Array): Decoded<AuthorResponse> {
  if (b.length < 6) return fault(TACACS_FAULT.BODY);
  const argc = b[1]!;
  if (b.length < 6 + argc) return fault(TACACS_FAULT.BODY);
  const f = fields(b, 6 + argc, [(b[2]! << 8) | b[3]!, (b[4]! << 8) | b[5]!, ...b.subarray(6, 6 + argc)]);
  if (f === undefined) return fault(TACACS_FAULT.BODY);
  return {
    ok: true,
    value: { status: b[0]!, serverMsg: td.decode(f[0]), data: td.decode(f[1]), args: f.slice(2).map((a) => td.decode(a)) },
  };
}
