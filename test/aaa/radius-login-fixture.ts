/**
 * Test helper of the AAA fault tests: the login service (src/login/service.ts) on an engine of
 * the test's own (test/gateway/context-fixture.ts), its authenticator the real method list with
 * `group radius` pointing at a scripted RADIUS server on a loopback port (the test decides what
 * it answers to each Access-Request, and when), clients whose intercepted connections make
 * their cache entries, and the HTTPS login POST.
 */
import { createSocket } from 'node:dgram';
import { makeContextFixture } from '../gateway/context-fixture.js';
import { startLoginService, type LoginService } from '../../src/login/service.js';
import { createMethodList, type MethodListAuthenticator } from '../../src/aaa/methods.js';
import { RADIUS_ATTR, RADIUS_CODE } from '../../src/aaa/radius/dictionary.js';
import { decodePacket, encodePacket, vendorAttribute } from '../../src/aaa/radius/packet.js';
import type { RadiusAttribute, RadiusPacket } from '../../src/aaa/radius/packet.js';
import { signReply } from '../../src/aaa/radius/authenticators.js';
import { PacketNet } from '../login/packet-net.js';
import { httpsPost, interceptedGet, serviceConfig, type ServiceSetup } from '../login/service-fixture.js';
import { testCertificate } from '../login/tls-fixture.js';

/** The shared key of the scripted server and the gateway. */
export const FIXTURE_KEY = 'fault-fixture-K3y';
/** The password every test login uses. */
export const FIXTURE_PASSWORD = 'fault-fixture-Passw0rd';

const text = (t: string): Uint8Array => new TextEncoder().encode(t);

/** A reply of `code` to `req` carrying a Message-Authenticator first and `attrs`, signed with the fixture's key. */
export function signedReply(code: number, req: RadiusPacket, attrs: readonly RadiusAttribute[]): Uint8Array {
  const bytes = encodePacket(code, req.identifier, new Uint8Array(16), [{ type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(16) }, ...attrs]);
  signReply(bytes, 22, req.authenticator, text(FIXTURE_KEY));
  return bytes;
}

/** An Access-Accept to `req`, signed with `secret`, carrying a Message-Authenticator first, priv-lvl 15 and `entries`. */
export function signedAccept(req: RadiusPacket, entries: readonly string[], opts: { secret?: string; id?: number; extra?: RadiusAttribute[] } = {}): Uint8Array {
  const bytes = encodePacket(RADIUS_CODE.ACCESS_ACCEPT, opts.id ?? req.identifier, new Uint8Array(16), [
    { type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: new Uint8Array(16) },
    vendorAttribute(9, 1, text('auth-proxy:priv-lvl=15')),
    ...entries.map((e, i) => vendorAttribute(9, 1, text(`auth-proxy:proxyacl#${i + 1}=${e}`))),
    ...(opts.extra ?? []),
  ]);
  signReply(bytes, 22, req.authenticator, text(opts.secret ?? FIXTURE_KEY));
  return bytes;
}

/** What the scripted server does with an Access-Request: `send` answers it (any bytes, any time). */
export type OnRequest = (req: RadiusPacket, send: (bytes: Uint8Array) => void) => void;

export interface ScriptedServer {
  readonly port: number;
  requests(): number;
  close(): Promise<void>;
}

async function scriptedServer(onRequest: OnRequest): Promise<ScriptedServer> {
  const s = createSocket('udp4');
  let requests = 0;
  s.on('message', (msg, rinfo) => {
    const d = decodePacket(new Uint8Array(msg));
    if (!d.ok || d.packet.code !== RADIUS_CODE.ACCESS_REQUEST) return;
    requests++;
    onRequest(d.packet, (bytes) => s.send(bytes, rinfo.port, rinfo.address));
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return { port: s.address().port, requests: () => requests, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

/** The gateway's config: `group radius` with the scripted server, `timeoutSec` and `retransmit`. */
function fixtureConfig(port: number, timeoutSec: number, retransmit: number): string {
  return serviceConfig(`aaa new-model
aaa authentication login default group radius
aaa authorization auth-proxy default group radius
radius-server host 127.0.0.1 auth-port ${port} acct-port ${port + 1} key ${FIXTURE_KEY}
radius-server timeout ${timeoutSec}
radius-server retransmit ${retransmit}
ip auth-proxy auth-cache-time 5
`);
}

export interface RadiusLoginSetup {
  readonly fx: ReturnType<typeof makeContextFixture>;
  readonly net: PacketNet;
  readonly service: LoginService;
  readonly auth: MethodListAuthenticator;
  readonly server: ScriptedServer;
  readonly cert: string;
  /** Every page the test received (for the grep of secrets). */
  readonly pages: string[];
  /** The intercepted login page for `src` (which makes the host's cache entry); its form token. */
  loginPageToken(src: string, sport: number): Promise<string>;
  /** POSTs a login from `src` (the fixture's password unless given); status, body and milliseconds. */
  post(src: string, token: string, password?: string): Promise<{ status: number; body: string; ms: number }>;
  /** POSTs these form fields from `src`. */
  postFields(src: string, fields: Readonly<Record<string, string>>): Promise<{ status: number; body: string; ms: number }>;
  close(): Promise<void>;
}

/** Builds the setup (see the module comment); `close` releases it. */
export async function radiusLoginSetup(onRequest: OnRequest, opts: { timeoutSec?: number; retransmit?: number } = {}): Promise<RadiusLoginSetup> {
  const server = await scriptedServer(onRequest);
  const fx = makeContextFixture({ configText: fixtureConfig(server.port, opts.timeoutSec ?? 30, opts.retransmit ?? 0) });
  const auth = createMethodList({ config: fx.config });
  const { cert, key } = testCertificate();
  const service = await startLoginService(fx.ctx, { authenticator: auth, tls: { cert, key }, addresses: ['127.0.0.1'], port: 0 });
  const net = new PacketNet(fx.engine, fx.clock, () => service.app.settle());
  const pages: string[] = [];
  const setup: ServiceSetup = { fx, net, service, auth, cert, outputs: pages };
  const postFields = async (src: string, fields: Readonly<Record<string, string>>): Promise<{ status: number; body: string; ms: number }> => {
    const t0 = performance.now();
    const r = await httpsPost(setup, src, new URLSearchParams(fields).toString());
    return { status: r.status, body: r.body, ms: performance.now() - t0 };
  };
  return {
    fx, net, service, auth, server, cert, pages,
    async loginPageToken(src, sport) {
      const page = await interceptedGet(setup, src, sport, '/');
      return /name="ap_token" value="([^"]+)"/.exec(page)![1]!;
    },
    post(src, token, password = FIXTURE_PASSWORD) {
      return postFields(src, { uname: 'alice', pwd: password, ap_token: token });
    },
    postFields,
    async close() {
      await service.close();
      await auth.close();
      await server.close();
    },
  };
}

/** IPv4-mapped words of `a`. */
export const words = (a: string): Uint32Array => new Uint32Array([0, 0, 0xffff, a.split('.').reduce((v, x) => v * 256 + Number(x), 0) >>> 0]);

/** Waits (up to 10 s) until `f` holds. */
export async function until(what: string, f: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
