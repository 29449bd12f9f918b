/**
 * End to end over IPv4: client — gateway — server namespaces joined by veth, the real servers
 * (web on 80, an sshd-like listener on 22), `portcullis run` in the gateway namespace on the
 * demo's config, curl in the client namespace. Without the gateway both ports answer; with it,
 * before login, the web port gets the login page (from the server's own address) and the ssh
 * port nothing, and `--debug detailed` prints the intercepted connection; `show ip auth-proxy
 * cache`, `debug ip auth-proxy detailed` (streamed) and `clear ip auth-proxy cache` work through
 * the control socket; a credential POST over plain HTTP is refused; a wrong password gets the
 * failure page; after an HTTPS login (curl checking the gateway's own certificate) the web port
 * reaches the real server while ssh stays blocked, until `clear` closes the door again. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { findForm, loginFields } from '../../src/demo/client.js';
import { DEMO_PASSWORD, DEMO_USER } from '../../src/demo/config.js';
import { portcullisBin } from '../../src/demo/gateway-process.js';
import { SERVER_PAGE_TITLE, SERVER_SSH_BANNER } from '../../src/demo/servers.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const CLIENT4 = ADDR.client4.replace(/\./g, '\\.');

test('IPv4: login page, ssh blocked, show/debug/clear, plain-HTTP POST refused, wrong and right password', async (t) => {
  await withE2eNet('login4', async (net) => {
    // Without the gateway the kernel forwards everything: both ports answer.
    assert.equal(await net.probe(ADDR.server4, 22), `open ${SERVER_SSH_BANNER}`);
    assert.equal((await net.curl.request(urlOf('http', ADDR.server4))).status, 200);
    const gw = await net.startGateway();
    const page = urlOf('http', ADDR.server4, '/docs/index.html?x=1');
    const show = (): Promise<string> => gw.control(['show', 'ip', 'auth-proxy', 'cache']);

    await t.test('before login: the web port gets the login page, from the server\'s address', async () => {
      const a = await net.curl.request(page);
      assert.equal(a.status, 200, a.curlError);
      assert.doesNotMatch(a.body, new RegExp(SERVER_PAGE_TITLE));
      const form = findForm(a.body, page);
      assert.ok(form, a.body);
      assert.equal(form.method, 'post');
      assert.equal(form.action, urlOf('https', ADDR.gatewayInside4));
      assert.deepEqual(form.inputs.filter((n) => n === 'uname' || n === 'pwd'), ['uname', 'pwd']);
    });

    await t.test('before login: the ssh port is blocked', async () => {
      assert.equal(await net.probe(ADDR.server4, 22), 'timeout');
    });

    await t.test('debug ip auth-proxy detailed (run --debug) printed the intercepted connection', () => {
      const lines = gw.debugLines().join('\n');
      assert.match(lines, new RegExp('AUTH-PROXY:proto_flag=1, dstport_index=4\\n.*SYN SEQ \\d+ LEN 0\\n' +
        `.*dst_addr 10\\.50\\.2\\.2 src_addr ${CLIENT4} dst_port 80 src_port \\d+\\n.*AUTH-PROXY:auth_proxy_half_open_count\\+\\+ 1`));
      assert.match(lines, /AUTH-PROXY:Protocol not configured on if_input/, 'the ssh attempt');
    });

    await t.test('show ip auth-proxy cache through the control socket: the host, not authenticated', async () => {
      const s = await show();
      assert.match(s, new RegExp(`^Authentication Proxy Cache\\n Client IP ${CLIENT4} Port \\d+, timeout 60, state (?!HTTP_ESTAB)\\w+\\n$`), s);
    });

    await t.test('debug ip auth-proxy detailed through the control socket streams the live lines', async () => {
      const debug = spawn(process.execPath, [portcullisBin(), 'debug', 'ip', 'auth-proxy', 'detailed', '--control', gw.controlPath],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      let said = '';
      debug.stdout.setEncoding('utf8').on('data', (d: string) => { text += d; });
      debug.stderr.setEncoding('utf8').on('data', (d: string) => { said += d; });
      const exited = new Promise<void>((resolve) => debug.on('exit', () => resolve()));
      try {
        // The gateway's answer to the request, as IOS prints it, says the stream has begun.
        const deadline0 = Date.now() + 20_000;
        while (!said.includes('AUTH-PROXY detailed debugging is on\n') && Date.now() < deadline0) await sleep(50);
        assert.equal(said, 'AUTH-PROXY detailed debugging is on\n');
        assert.doesNotMatch(text, /SYN SEQ/, 'only lines from now on');
        assert.equal((await net.curl.request(page)).status, 200);
        const deadline = Date.now() + 5000;
        while (!/FIN ACK/.test(text) && Date.now() < deadline) await sleep(100);
        assert.match(text, new RegExp(`SYN SEQ \\d+ LEN 0\\n.*dst_addr 10\\.50\\.2\\.2 src_addr ${CLIENT4} dst_port 80`));
      } finally {
        debug.kill('SIGINT');
        await exited;
      }
    });

    await t.test('clear ip auth-proxy cache * empties the cache', async () => {
      await gw.control(['clear', 'ip', 'auth-proxy', 'cache', '*']);
      assert.equal(await show(), 'Authentication Proxy Cache\n');
    });

    const jar = `${net.dir}/cookies.txt`;
    await t.test('a credential POST over plain HTTP is refused and nothing is checked', async () => {
      const a = await net.curl.request(page, { cookieJar: jar });
      const form = findForm(a.body, page)!;
      const r = await net.curl.request(page, { cookieJar: jar, form: loginFields(form, DEMO_USER, DEMO_PASSWORD) });
      assert.equal(r.status, 403, r.curlError);
      assert.match(r.body, /<h1>Credentials Refused<\/h1>/);
      assert.match(r.body, /Credentials are taken only over HTTPS, and this request came over plain HTTP/);
      assert.match(r.body, /nothing was checked/);
      // The right password went over plain HTTP, and still the door is shut.
      assert.ok(findForm((await net.curl.request(page)).body, page), 'still the login page');
      assert.doesNotMatch(await show(), /HTTP_ESTAB/);
    });

    await t.test('a wrong password gets the failure page (the form again, with the reason)', async () => {
      const form = findForm((await net.curl.request(page, { cookieJar: jar })).body, page)!;
      const r = await net.curl.request(form.action, {
        cookieJar: jar, caFile: net.certFile, form: loginFields(form, DEMO_USER, 'not-the-password'),
      });
      assert.equal(r.status, 403, r.curlError);
      assert.doesNotMatch(r.body, /Authentication Successful/i);
      assert.match(r.body, /<p class="message">Authentication failed\.<\/p>/, 'the reason once, not "Authentication failed: Authentication failed."');
      assert.ok(findForm(r.body, form.action), 'the form again');
      assert.doesNotMatch(r.body, /not-the-password/);
      assert.match(await show(), /state AUTHC_FAIL/);
    });

    await t.test('an HTTPS login, with the gateway\'s certificate checked, opens the web port only', async () => {
      const form = findForm((await net.curl.request(page, { cookieJar: jar })).body, page)!;
      const r = await net.curl.request(form.action, {
        cookieJar: jar, caFile: net.certFile, form: loginFields(form, DEMO_USER, DEMO_PASSWORD),
      });
      assert.equal(r.status, 200, r.curlError);
      assert.match(r.body, /<h1>Authentication Successful<\/h1>/);
      assert.ok(r.body.includes(`<a href="${page}">`), 'links back to the page asked for');
      const b = await net.curl.request(page);
      assert.equal(b.status, 200, b.curlError);
      assert.match(b.body, new RegExp(`<title>${SERVER_PAGE_TITLE}</title>`));
      assert.match(b.body, /You asked for \/docs\/index\.html\?x=1/);
      assert.match(b.body, new RegExp(`from ${CLIENT4}<`));
      assert.equal(await net.probe(ADDR.server4, 22), 'timeout', 'ssh stays blocked');
      assert.equal(await net.probe(ADDR.server4, 443), 'timeout', 'so does any other port');
      assert.match(await show(), new RegExp(`Client IP ${CLIENT4} Port \\d+, timeout 60, state HTTP_ESTAB`));
    });

    await t.test('clear ip auth-proxy cache ADDRESS closes the door again', async () => {
      await gw.control(['clear', 'ip', 'auth-proxy', 'cache', ADDR.client4]);
      assert.doesNotMatch(await show(), /HTTP_ESTAB/);
      const a = await net.curl.request(page);
      assert.equal(a.status, 200, a.curlError);
      assert.ok(findForm(a.body, page), 'the login page again');
      assert.doesNotMatch(a.body, new RegExp(SERVER_PAGE_TITLE));
    });

    await t.test('the password appears in nothing the gateway printed', () => {
      assert.doesNotMatch(gw.stdoutText() + gw.stderrText(), new RegExp(DEMO_PASSWORD));
    });
  });
});
