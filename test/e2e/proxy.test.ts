/**
 * End to end: the explicit proxy (`ip auth-proxy proxy-listener port 3128`) of `portcullis
 * run` in the gateway namespace, used by curl `--proxy` in the client namespace against the
 * real web server in the server namespace. Without credentials and with wrong ones 407 with
 * `Proxy-Authenticate: Basic`, with the demo user's the page (a plain request, and through a
 * CONNECT tunnel); the host is then authenticated (`show ip auth-proxy cache`); a CONNECT to a
 * port the user's ACL does not open (22) is 403; never a 401; no password in the gateway's
 * output. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execInNamespace } from '../../src/demo/client.js';
import { DEMO_PASSWORD, DEMO_USER } from '../../src/demo/config.js';
import { SERVER_PAGE_TITLE } from '../../src/demo/servers.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';

const PROXY = `http://${ADDR.gatewayInside4}:3128`;

test('the explicit proxy through portcullis run: 407 without or with wrong credentials, the page with the right ones, CONNECT too, never 401', async () => {
  await withE2eNet('proxy', async (net) => {
    const gw = await net.startGateway({ extra: ['ip auth-proxy proxy-listener port 3128 realm portcullis'], debug: 'http' });
    assert.match(gw.stderrText(), new RegExp(`explicit proxy on port 3128 of ${ADDR.gatewayInside4.replace(/\./g, '\\.')}`));
    const statuses: number[] = [];
    const curl = async (...args: string[]): Promise<{ out: string; status: number | null }> => {
      const r = await execInNamespace(net.ns.client, ['curl', '-sS', '-D', '-', '--max-time', '10', '--proxy', PROXY, ...args]);
      statuses.push(...[...r.stdout.matchAll(/^HTTP\/1\.[01] (\d{3}) /gm)].map((m) => Number(m[1])));
      return { out: r.stdout, status: r.status };
    };
    const page = urlOf('http', ADDR.server4, '/through/the/proxy.html');

    const none = await curl(page);
    assert.match(none.out, /^HTTP\/1\.1 407 Proxy Authentication Required\r\n/, none.out);
    assert.match(none.out, /\r\nProxy-Authenticate: Basic realm="portcullis", charset="UTF-8"\r\n/);
    const wrong = await curl('--proxy-user', `${DEMO_USER}:not-the-password`, page);
    assert.match(wrong.out, /^HTTP\/1\.1 407 /);
    assert.doesNotMatch(await gw.control(['show', 'ip', 'auth-proxy', 'cache']), /HTTP_ESTAB/);

    const good = await curl('--proxy-user', `${DEMO_USER}:${DEMO_PASSWORD}`, page);
    assert.match(good.out, /^HTTP\/1\.1 200 /, good.out);
    assert.match(good.out, new RegExp(`<title>${SERVER_PAGE_TITLE}</title>`));
    assert.match(good.out, /You asked for \/through\/the\/proxy\.html/);
    assert.match(await gw.control(['show', 'ip', 'auth-proxy', 'cache']), /state HTTP_ESTAB/);

    const tunnel = await curl('--proxytunnel', '--proxy-user', `${DEMO_USER}:${DEMO_PASSWORD}`, page);
    assert.match(tunnel.out, /^HTTP\/1\.1 200 Connection Established\r\n/, tunnel.out);
    assert.match(tunnel.out, new RegExp(`<title>${SERVER_PAGE_TITLE}</title>`));
    const noTunnel = await curl('--proxytunnel', page);
    assert.match(noTunnel.out, /^HTTP\/1\.1 407 /, 'CONNECT without credentials');

    // The user's downloaded entry opens www only: a tunnel to 22 is refused by the proxy's ACL check.
    const ssh = await curl('--proxytunnel', '--proxy-user', `${DEMO_USER}:${DEMO_PASSWORD}`, `http://${ADDR.server4}:22/`);
    assert.match(ssh.out, /^HTTP\/1\.1 403 Forbidden\r\n/, ssh.out);
    const deadline = Date.now() + 5000;
    while (!/refused by the access list/.test(gw.stdoutText()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const lines = gw.stdoutText();
    assert.match(lines, /AUTH-PROXY: explicit proxy: \S+ to 10\.50\.2\.2:22 refused by the access list/);
    assert.match(lines, new RegExp(`AUTH-PROXY: \\S+ authenticated as "${DEMO_USER}"`), 'the login\'s own debug line');

    assert.ok(statuses.length === 7 && !statuses.includes(401), `never 401: ${statuses.join(' ')}`);
    assert.doesNotMatch(gw.stdoutText() + gw.stderrText(), new RegExp(DEMO_PASSWORD));
  });
});
