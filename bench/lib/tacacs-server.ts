/**
 * A small TACACS+ server for the tests and the `aaa` benchmark (RFC 8907; Debian packages none):
 * users with passwords and authorization arguments, on a loopback port, with the codec of
 * src/aaa/tacacs/packet.ts on the server's side. It answers authentication START (PAP; ASCII with GETUSER/GETPASS and CONTINUE)
 * and authorization REQUEST (`service=auth-proxy`: the user's arguments, PASS_ADD; anything else
 * or an unknown user: FAIL). A packet it cannot read with its key (a wrong key makes the body not
 * add up, §4.5) is counted in `malformed` and the connection closed without an answer. The
 * connection stays open after a session only when both sides set SINGLE_CONNECT (§4.3).
 *
 * Modes for fault tests: `silent` accepts connections and never answers; `garbage` answers
 * every packet with a reply whose body does not add up.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import {
  decodeAuthenContinue, decodeAuthenStart, decodeAuthorRequest, decodeHeader, encodeAuthenReply, encodeAuthorResponse,
  encodePacket, openBody, TACACS_AUTHEN, TACACS_AUTHEN_STATUS, TACACS_AUTHOR_STATUS, TACACS_FLAG, TACACS_HEADER_LEN,
  TACACS_REPLY_FLAG_NOECHO, TACACS_TYPE,
} from '../../src/aaa/tacacs/packet.js';
import type { TacacsHeader } from '../../src/aaa/tacacs/packet.js';

export interface TestUser {
  readonly password: string;
  /** Arguments returned for `service=auth-proxy`, e.g. `priv-lvl=15`, `proxyacl#1=permit …`. */
  readonly args: readonly string[];
}

export interface TacacsTestServerOptions {
  readonly key: string;
  readonly users: Readonly<Record<string, TestUser>>;
  readonly mode?: 'normal' | 'silent' | 'garbage';
}

export interface TacacsTestServer {
  readonly port: number;
  /** What the server saw. */
  readonly stats: {
    connections: number; authenStarts: number; authenPass: number; authenFail: number;
    authorRequests: number; malformed: number; singleConnect: number;
  };
  /** Authorization requests' arguments, in order. */
  readonly authorArgs: string[][];
  stop(): Promise<void>;
}

interface Session {
  user: string;
  waiting: 'user' | 'pass' | undefined;
}

/** Starts the server on 127.0.0.1 at a free port. */
export async function startTacacsTestServer(opts: TacacsTestServerOptions): Promise<TacacsTestServer> {
  const key = new TextEncoder().encode(opts.key);
  const mode = opts.mode ?? 'normal';
  const stats = { connections: 0, authenStarts: 0, authenPass: 0, authenFail: 0, authorRequests: 0, malformed: 0, singleConnect: 0 };
  const authorArgs: string[][] = [];
  const sockets = new Set<Socket>();

  const serve = (sock: Socket): void => {
    stats.connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => { /* the peer went */ });
    let buf = new Uint8Array(0);
    const sessions = new Map<number, Session>();
    let single = false;

    const send = (h: TacacsHeader, type: number, body: Uint8Array, last: boolean): void => {
      const flags = single ? TACACS_FLAG.SINGLE_CONNECT : 0;
      sock.write(encodePacket({ version: h.version, type, seqNo: (h.seqNo + 1) & 0xff, flags, sessionId: h.sessionId }, body, key));
      if (last) {
        sessions.delete(h.sessionId);
        if (!single) sock.end();
      }
    };
    const bad = (): void => {
      stats.malformed++;
      sock.destroy();
    };

    const handle = (h: TacacsHeader, body: Uint8Array): void => {
      if (mode === 'silent') return;
      if (mode === 'garbage') {
        sock.write(encodePacket({ version: h.version, type: h.type, seqNo: h.seqNo + 1, flags: 0, sessionId: h.sessionId },
          Uint8Array.of(1, 0, 0, 9, 0, 0), key));
        return;
      }
      const clear = openBody(h, body, key);
      if (!clear.ok) return bad();
      if (h.seqNo === 1 && (h.flags & TACACS_FLAG.SINGLE_CONNECT) !== 0 && !single) {
        single = true;
        stats.singleConnect++;
      }
      if (h.type === TACACS_TYPE.AUTHEN && h.seqNo === 1) {
        const s = decodeAuthenStart(clear.value);
        if (!s.ok) return bad();
        stats.authenStarts++;
        const st = s.value;
        if (st.authenType === TACACS_AUTHEN.TYPE_PAP) {
          return verdict(h, st.user, new TextDecoder().decode(st.data));
        }
        if (st.authenType !== TACACS_AUTHEN.TYPE_ASCII) {
          return send(h, TACACS_TYPE.AUTHEN, encodeAuthenReply({ status: TACACS_AUTHEN_STATUS.FAIL, flags: 0, serverMsg: 'unsupported', data: new Uint8Array(0) }), true);
        }
        const session: Session = { user: st.user, waiting: st.user === '' ? 'user' : 'pass' };
        sessions.set(h.sessionId, session);
        return ask(h, session);
      }
      if (h.type === TACACS_TYPE.AUTHEN) {
        const session = sessions.get(h.sessionId);
        const c = decodeAuthenContinue(clear.value);
        if (!c.ok) return bad();
        if (session === undefined || session.waiting === undefined) return bad();
        const text = new TextDecoder().decode(c.value.userMsg);
        if (session.waiting === 'user') {
          session.user = text;
          session.waiting = 'pass';
          return ask(h, session);
        }
        return verdict(h, session.user, text);
      }
      if (h.type === TACACS_TYPE.AUTHOR) {
        const r = decodeAuthorRequest(clear.value);
        if (!r.ok) return bad();
        stats.authorRequests++;
        authorArgs.push([...r.value.args]);
        const user = opts.users[r.value.user];
        const proxy = r.value.args.includes('service=auth-proxy');
        const status = user !== undefined && proxy ? TACACS_AUTHOR_STATUS.PASS_ADD : TACACS_AUTHOR_STATUS.FAIL;
        return send(h, TACACS_TYPE.AUTHOR, encodeAuthorResponse({
          status, serverMsg: '', data: '', args: status === TACACS_AUTHOR_STATUS.PASS_ADD ? user!.args : [],
        }), true);
      }
      return bad();
    };

    const ask = (h: TacacsHeader, s: Session): void => {
      const pass = s.waiting === 'pass';
      send(h, TACACS_TYPE.AUTHEN, encodeAuthenReply({
        status: pass ? TACACS_AUTHEN_STATUS.GETPASS : TACACS_AUTHEN_STATUS.GETUSER,
        flags: pass ? TACACS_REPLY_FLAG_NOECHO : 0, serverMsg: pass ? 'Password: ' : 'Username: ', data: new Uint8Array(0),
      }), false);
    };

    const verdict = (h: TacacsHeader, user: string, password: string): void => {
      const u = opts.users[user];
      const ok = u !== undefined && u.password === password;
      if (ok) stats.authenPass++;
      else stats.authenFail++;
      send(h, TACACS_TYPE.AUTHEN, encodeAuthenReply({
        status: ok ? TACACS_AUTHEN_STATUS.PASS : TACACS_AUTHEN_STATUS.FAIL, flags: 0,
        serverMsg: ok ? '' : 'Authentication failed', data: new Uint8Array(0),
      }), true);
    };

    sock.on('data', (chunk: Buffer) => {
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
      while (buf.length >= TACACS_HEADER_LEN && !sock.destroyed) {
        const h = decodeHeader(buf);
        if (!h.ok) return bad();
        const total = TACACS_HEADER_LEN + h.value.length;
        if (buf.length < total) return;
        const body = buf.subarray(TACACS_HEADER_LEN, total);
        buf = buf.slice(total);
        handle(h.value, body);
      }
    });
  };

  const server: Server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port, stats, authorArgs,
    async stop(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
