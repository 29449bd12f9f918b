/**
 * `portcullis demo` (the main job, `npm start`): a live gateway in three network namespaces —
 * client, gateway, server (`src/netns/topology.ts`) — on the embedded configuration of
 * `src/demo/config.ts`. It shows an unauthenticated request intercepted (what curl got: the login
 * page, from the server's own address), the server's ssh port blocked, a login over HTTPS, the
 * same request passing, the gateway's AUTH-PROXY debug lines and `show ip auth-proxy cache`, and
 * tears everything down — also on Ctrl-C or an error.
 *
 * Where namespaces cannot be made (not root, no `ip`, no CAP_NET_ADMIN), it says so in one line
 * and replays the seed capture with `debug ip auth-proxy detailed` instead, as `npm start` did
 * before the live gateway existed.
 */
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DEBUG_DETAILED } from '../engine/debug.js';
import { runReplay } from './replay.js';
import { packageRoot } from './package-root.js';
import { writeStderr, writeStdout } from './stdio.js';
import { createTopology, netnsPrefix, removeStaleTopologies, TOPOLOGY_ADDRESSES as A, type Topology } from '../netns/topology.js';
import { startServers, SERVER_SSH_PORT, type RunningServers } from '../demo/servers.js';
import { CurlClient, findForm, loginFields, tcpProbe, type HttpAnswer } from '../demo/client.js';
import { DEMO_PASSWORD, DEMO_USER, demoConfig } from '../demo/config.js';
import { startGatewayProcess, type GatewayProcess } from '../demo/gateway-process.js';

/** Where the demo's output goes (tests capture it). */
export interface DemoOptions {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

/** Namespaces are `pcdemo-PID-client|gateway|server`. */
const NETNS_TAG = 'pcdemo';
/** The page the client asks the server for. */
const PAGE = '/welcome.html';

/**
 * Why a live demo cannot run here, or undefined when it may try: namespaces need root (in
 * truth CAP_SYS_ADMIN and CAP_NET_ADMIN; creating them tells) and iproute2's `ip`.
 */
export function liveDemoUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  const uid = process.getuid?.();
  if (uid !== 0) return `network namespaces need root (running as uid ${uid})`;
  const ip = spawnSync('ip', ['-V'], { stdio: 'ignore' });
  if (ip.error !== undefined || ip.status !== 0) return 'network namespaces need iproute2\'s ip command, which is not installed';
  return undefined;
}

/** Runs the demo; resolves with the exit status. */
export async function runDemo(o: DemoOptions = {}): Promise<number> {
  const out = o.stdout ?? writeStdout;
  const err = o.stderr ?? writeStderr;
  const why = liveDemoUnavailable();
  if (why !== undefined) return replaySeed(why, out, err);
  let topo: Topology;
  try {
    removeStaleTopologies(NETNS_TAG);
    topo = createTopology({ prefix: netnsPrefix(NETNS_TAG), ipv6: true });
  } catch (e) {
    return replaySeed(`network namespaces cannot be made here (${firstLine(e)})`, out, err);
  }
  return runLive(topo, out, err);
}

/** The fallback: one line saying why, then the seed capture replayed with debug detailed. */
async function replaySeed(why: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  err(`portcullis demo: ${why}; replaying the seed capture instead\n`);
  const root = packageRoot().dir;
  const stats = await runReplay({
    capturePath: join(root, 'captures', 'seed-https-authproxy.pcap'),
    configPath: join(root, 'captures', 'seed-https-authproxy.cfg'),
    debugFlags: DEBUG_DETAILED,
    progress: true,
    summary: true,
    stdout: out,
    stderr: err,
  });
  if (stats.captureError !== undefined) {
    err(`portcullis: ${stats.captureError.message}\n`);
    return 1;
  }
  return 0;
}

/** Ctrl-C or SIGTERM during the live demo. */
class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

async function runLive(topo: Topology, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-demo-'));
  let servers: RunningServers | undefined;
  let gateway: GatewayProcess | undefined;
  let onSignal: ((s: NodeJS.Signals) => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onSignal = (s) => reject(new Interrupted(s));
  });
  interrupted.catch(() => { /* raced below */ });
  process.on('SIGINT', onSignal!);
  process.on('SIGTERM', onSignal!);
  const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, interrupted]);
  let status = 0;
  try {
    const ns = topo.ns;
    out('portcullis demo: a live authentication proxy between two network namespaces\n\n' +
      `  client   ${pad(A.client4)}  namespace ${ns.client}\n` +
      `  gateway  ${pad(`${A.gatewayInside4} | ${A.gatewayOutside4}`)}  namespace ${ns.gateway}: portcullis run, debug ip auth-proxy detailed\n` +
      `  server   ${pad(A.server4)}  namespace ${ns.server}: a web server on port 80, an ssh-like listener on 22\n\n` +
      `  user ${DEMO_USER} may reach the web port after logging in (proxyacl#1 "permit tcp any any eq www")\n\n`);
    servers = await step(startServers(ns.server));
    gateway = await step(startGatewayProcess({ ns: ns.gateway, dir, config: demoConfig(), debug: true }));
    const curl = new CurlClient(ns.client);
    const pageUrl = `http://${A.server4}${PAGE}`;

    out(`1. The client asks the server for a page before logging in:\n   client$ curl -i ${pageUrl}\n`);
    const before = await step(curl.request(pageUrl));
    out(indentAnswer(before));
    const form = findForm(before.body, pageUrl);
    if (before.status !== 200 || form === undefined) throw new Error(`the gateway did not answer with its login page (${describe(before)})`);
    out(`   The gateway answered as ${A.server4} port 80 with its login page; the form posts to ${form.action}\n\n`);

    out(`2. The client tries the server's ssh port:\n   client$ nc ${A.server4} ${SERVER_SSH_PORT}\n`);
    const ssh = await step(tcpProbe(ns.client, A.server4, SERVER_SSH_PORT, 2000));
    out(`   ${ssh === 'timeout' ? 'no answer: the gateway drops it (access-list 101)' : ssh}\n\n`);

    out(`3. The client logs in over HTTPS as ${DEMO_USER}:\n   client$ curl -k -i ${form.action} --data 'uname=${DEMO_USER}&pwd=${'*'.repeat(DEMO_PASSWORD.length)}&…'\n`);
    const login = await step(curl.request(form.action, { form: loginFields(form, DEMO_USER, DEMO_PASSWORD), insecure: true, maxTimeS: 15 }));
    out(indentAnswer(login));
    if (!/Authentication Successful/i.test(login.body)) throw new Error(`the login did not succeed (${describe(login)})`);
    out('\n');

    out(`4. The same request again:\n   client$ curl -i ${pageUrl}\n`);
    const after = await step(curl.request(pageUrl));
    out(indentAnswer(after));
    out('   The server itself answered.\n\n');

    out(`5. The client tries the server's ssh port again:\n   client$ nc ${A.server4} ${SERVER_SSH_PORT}\n`);
    const ssh2 = await step(tcpProbe(ns.client, A.server4, SERVER_SSH_PORT, 2000));
    out(`   ${ssh2 === 'timeout' ? 'no answer: the user\'s entries permit the web port only' : ssh2}\n\n`);

    out('6. What the gateway printed (debug ip auth-proxy detailed):\n');
    for (const line of gateway.debugLines()) out(`   ${line}\n`);
    out('\n');

    out('7. gateway# show ip auth-proxy cache\n');
    const cache = await step(gateway.control(['show', 'ip', 'auth-proxy', 'cache']));
    out(cache.replace(/^(?=.)/gm, '   ') + '\n');
  } catch (e) {
    if (e instanceof Interrupted) {
      err(`portcullis demo: ${e.message}; tearing down\n`);
      status = e.signal === 'SIGINT' ? 130 : 143;
    } else {
      err(`portcullis demo: ${firstLine(e)}\n`);
      if (gateway !== undefined) err(gateway.stderrText());
      status = 1;
    }
  } finally {
    process.off('SIGINT', onSignal!);
    process.off('SIGTERM', onSignal!);
    await gateway?.stop();
    await servers?.stop();
    topo.remove();
    rmSync(dir, { recursive: true, force: true });
    out('Torn down: gateway and servers stopped, namespaces removed.\n');
  }
  return status;
}

function pad(s: string): string {
  return s.padEnd(24);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

function describe(a: HttpAnswer): string {
  return a.status !== 0 ? `HTTP ${a.status}` : (a.curlError !== '' ? a.curlError : `curl exit ${a.curlStatus}`);
}

/** Most lines of one answer the demo shows, and most characters of one line (the rest: …). */
const ANSWER_LINES = 40;
const LINE_WIDTH = 120;

/** What curl printed, indented (long answers and lines cut), or its error. */
function indentAnswer(a: HttpAnswer): string {
  if (a.status === 0) return `   ${a.curlError !== '' ? a.curlError : `curl exit ${a.curlStatus}`}\n`;
  const lines = a.raw.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, ANSWER_LINES).map((l) => `   | ${l.length > LINE_WIDTH ? `${l.slice(0, LINE_WIDTH - 1)}…` : l}\n`).join('');
  return shown + (lines.length > ANSWER_LINES ? `   | … (${lines.length - ANSWER_LINES} more lines)\n` : '');
}
