/**
 * The logins benchmark's anchor (bench/logins.ts): a bare `node:https` server on the gateway's
 * certificate that does what a login needs and nothing more — the TLS handshake, reading and
 * parsing the urlencoded POST (`uname`, `pwd`), and the password check of the same local
 * authenticator the gateway uses (src/aaa/local.ts, scrypt on the thread pool) — then answers
 * "Authentication Successful" or 401. No data plane, no engine, no ACL.
 *
 * Run as `node bare-login-server.js JSON` with {configPath, certPath, keyPath, address, port};
 * prints `listening PORT` when ready, runs until SIGTERM ({@link startBareLoginServer} does
 * that in a namespace).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/parse.js';
import { createLocalAuthenticator } from '../../src/aaa/local.js';
import type { Topology } from '../../src/netns/topology.js';
import { stopChild } from './dataplanes.js';
import { waitForOutput } from './iperf.js';

/** What the parent passes. */
export interface BareLoginServerRequest {
  readonly configPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly address: string;
  readonly port: number;
}

/** Largest body read, as the login service's limit. */
const MAX_BODY = 64 * 1024;

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '') as BareLoginServerRequest;
  const authenticator = await createLocalAuthenticator(loadConfig(req.configPath));
  const server = https.createServer({ cert: readFileSync(req.certPath, 'utf8'), key: readFileSync(req.keyPath, 'utf8') }, (rq, rs) => {
    if (rq.method !== 'POST') {
      rs.writeHead(405, { 'content-type': 'text/plain' }).end('POST only\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    rq.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        rs.writeHead(413).end();
        rq.destroy();
        return;
      }
      chunks.push(c);
    });
    rq.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      authenticator.authenticate({ user: form.get('uname') ?? '', password: form.get('pwd') ?? '', client: rq.socket.remoteAddress ?? '' })
        .then((o) => {
          const ok = o.kind === 'accept';
          rs.writeHead(ok ? 200 : 401, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
            .end(ok ? '<html><body><h1>Authentication Successful</h1></body></html>\n'
              : '<html><body><h1>Authentication Failed</h1></body></html>\n');
        }, () => { rs.writeHead(500).end(); });
    });
  });
  server.listen(req.port, req.address, () => {
    const a = server.address();
    process.stdout.write(`listening ${typeof a === 'object' && a !== null ? a.port : req.port}\n`);
  });
  process.on('SIGTERM', () => { server.close(); process.exit(0); });
}

/**
 * Starts this server in the gateway namespace (the parent's side) and resolves when it listens;
 * the result stops it.
 */
export async function startBareLoginServer(topo: Topology, req: BareLoginServerRequest,
  track: (p: ChildProcess) => void): Promise<{ stop(): Promise<void> }> {
  const proc = topo.spawn('gateway', [process.execPath, fileURLToPath(import.meta.url), JSON.stringify(req)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  const stop = (): Promise<void> => stopChild(proc);
  try {
    await waitForOutput(proc, /listening \d+\n/, 10_000, 'bare login server');
  } catch (e) {
    await stop();
    throw e;
  }
  proc.stdout!.resume();
  proc.stderr!.resume();
  return { stop };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    process.stderr.write(`bare-login-server: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
