/**
 * The hosts behind the gateway in the demo and the end-to-end tests: a small web server on port
 * 80 and an sshd-like TCP listener on port 22, both dual-stack, run as one Node program inside
 * the server namespace. The program is source text run with `node -e`, so that the bundled CLI
 * (`portcullis demo`) and the compiled tests start the very same servers without a file of
 * their own to find.
 *
 * The web server answers every request with a page naming the path asked for and the client's
 * address (so a test can tell the real server's answer from the gateway's login page); the
 * listener on 22 sends an SSH identification string (RFC 4253 §4.2) and closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The web server's port. */
export const SERVER_WEB_PORT = 80;
/** The sshd-like listener's port. */
export const SERVER_SSH_PORT = 22;
/** The title of every page the web server sends. */
export const SERVER_PAGE_TITLE = 'portcullis test server';
/** The identification line the listener on port 22 sends. */
export const SERVER_SSH_BANNER = 'SSH-2.0-portcullis_test_server';
/** The line the program prints on standard output once both ports listen. */
export const SERVER_READY_LINE = 'servers ready';

/**
 * The program (for `node -e`). Listens on `::` with IPv6-only off, so IPv4 clients reach it as
 * mapped addresses, which it prints unmapped.
 */
export const SERVER_PROGRAM = `
'use strict';
const http = require('node:http');
const net = require('node:net');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const peer = (a) => String(a).replace(/^::ffff:(?=\\d+\\.)/, '');
const web = http.createServer((req, res) => {
  const body = '<!DOCTYPE html>\\n<html><head><meta charset="utf-8"><title>${SERVER_PAGE_TITLE}</title></head>\\n' +
    '<body><h1>Welcome to the server behind the gateway</h1>\\n' +
    '<p id="path">You asked for ' + esc(req.url) + '</p>\\n' +
    '<p id="client">from ' + esc(peer(req.socket.remoteAddress)) + '</p></body></html>\\n';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
});
const ssh = net.createServer((s) => { s.on('error', () => {}); s.end('${SERVER_SSH_BANNER}\\r\\n'); });
let pending = 2;
const up = () => { if (--pending === 0) process.stdout.write('${SERVER_READY_LINE}\\n'); };
const fail = (e) => { process.stderr.write('server: ' + e.message + '\\n'); process.exit(1); };
web.on('error', fail);
ssh.on('error', fail);
web.listen({ host: '::', port: ${SERVER_WEB_PORT}, ipv6Only: false }, up);
ssh.listen({ host: '::', port: ${SERVER_SSH_PORT}, ipv6Only: false }, up);
process.on('SIGTERM', () => process.exit(0));
`;

/** The server program running in its namespace. */
export interface RunningServers {
  readonly process: ChildProcess;
  /** Stops the program (SIGTERM, then SIGKILL after a second); resolves when it has exited. */
  stop(): Promise<void>;
}

/** Starts {@link SERVER_PROGRAM} in network namespace `ns`; resolves once both ports listen. */
export async function startServers(ns: string, timeoutMs = 10_000): Promise<RunningServers> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER_PROGRAM], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = (): Promise<void> => stopChild(child);
  try {
    await waitForLine(child, (l) => l === SERVER_READY_LINE, timeoutMs, 'the test servers');
  } catch (e) {
    await stop();
    throw e;
  }
  return { process: child, stop };
}

/**
 * Resolves when `child` prints a line on `stream` (default stdout) that `match` accepts; rejects
 * if it exits first or after `timeoutMs` (naming `what`, with what it printed on stderr).
 */
export function waitForLine(child: ChildProcess, match: (line: string) => boolean, timeoutMs: number, what: string,
  stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const watched = stream === 'stdout' ? child.stdout! : child.stderr!;
    const finish = (f: () => void): void => {
      clearTimeout(timer);
      watched.off('data', onOut);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      f();
    };
    const onOut = (d: Buffer | string): void => {
      out += d.toString();
      let i: number;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        if (match(line)) return finish(() => resolve(line));
      }
    };
    const onErr = (d: Buffer | string): void => { err += d.toString(); };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(() => reject(new Error(`${what}: exited (${signal ?? code}) before it was ready: ${err.trim()}`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`${what}: not ready after ${timeoutMs} ms: ${err.trim()}`))), timeoutMs);
    watched.on('data', onOut);
    child.stderr?.on('data', onErr);
    child.on('exit', onExit);
  });
}

/** Ends a child process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 1000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
