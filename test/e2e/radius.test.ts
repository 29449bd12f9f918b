/**
 * End to end against a real RADIUS server: FreeRADIUS (Debian's, the throw-away of
 * test/aaa/radius/freeradius-fixture.ts) runs on the loopback of the gateway namespace, and
 * `portcullis run` there has `aaa authentication login default group radius` with two servers:
 * first one that never answers (a bound UDP socket that reads and says nothing), then
 * FreeRADIUS. Through the client namespace: an accept installs the user's Cisco-AVPair
 * `proxyacl#N` entries (the permitted port reaches the server, another does not), a wrong
 * password and an unknown user get the failure page, a `proxyacl` entry that does not parse
 * refuses the login with the reason and installs nothing, and chromium answers an
 * Access-Challenge (password, the second-step page showing the server's Reply-Message, the
 * code, the success page, the page asked for; the second step is saved as
 * docs/screenshots/challenge.png). Every login waits once for the silent server (one try and
 * one retransmission of a second each), then `radius-server deadtime` skips it; with
 * FreeRADIUS stopped too, the login gets the "did not answer" page within the configured
 * timeouts, never a hang. Neither the passwords nor the shared key appear in anything the
 * gateway printed (`--debug all`), answered to `show`, or sent as accounting (FreeRADIUS's
 * detail file of the Start and Stop records). Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { findForm, loginFields } from '../../src/demo/client.js';
import { SERVER_PAGE_TITLE } from '../../src/demo/servers.js';
import { startFreeRadius } from '../aaa/radius/freeradius-fixture.js';
import { CHALLENGE_CODE, CHALLENGE_PROMPT } from '../aaa/radius/freeradius-fixture.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';
import { launchChromiumIn } from './browser.js';

/** docs/screenshots of the project (tests run compiled, from dist/test/e2e). */
const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');

const SECRET = 'e2e-Radius-shared-K3y';
const ALICE_PASSWORD = 'alice-e2e-Passw0rd';
const CAROL_PASSWORD = 'carol-e2e-Passw0rd';
const DAVE_PASSWORD = 'dave-e2e-Passw0rd';
const WRONG_PASSWORD = 'not-alices-passw0rd';
const WEB = `permit tcp any host ${ADDR.server4} eq 80`;

/** The users file: alice may reach the web server, dave's entry does not parse, carol is challenged. */
const USERS = `alice	Cleartext-Password := "${ALICE_PASSWORD}"
	Cisco-AVPair += "auth-proxy:priv-lvl=15",
	Cisco-AVPair += "auth-proxy:proxyacl#1=${WEB}",
	Reply-Message := "welcome alice"
carol	Cleartext-Password := "${CAROL_PASSWORD}"
	Cisco-AVPair += "auth-proxy:priv-lvl=15"
dave	Cleartext-Password := "${DAVE_PASSWORD}"
	Cisco-AVPair += "auth-proxy:priv-lvl=15",
	Cisco-AVPair += "auth-proxy:proxyacl#1=permit tcp any host ${ADDR.server4} eq 80",
	Cisco-AVPair += "auth-proxy:proxyacl#2=permit tcp any hots 10.50.2.2 eq 22"
`;

/** The silent first server's port on the gateway's loopback. */
const SILENT_PORT = 18999;
const SILENT_PROGRAM = `const s = require('node:dgram').createSocket('udp4');
s.on('message', () => {});
s.bind(${SILENT_PORT}, '127.0.0.1', () => console.log('silent server ready'));`;

const CLIENT4 = ADDR.client4.replace(/\./g, '\\.');

async function submit(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) await page.fill(`input[name="${name}"]`, value);
  await Promise.all([page.waitForNavigation({ timeout: 20_000 }), page.click('input[type="submit"]')]);
}

test('RADIUS end to end: FreeRADIUS behind a silent server; accept, reject, a proxyacl that does not parse, a challenge answered in chromium, no answer', async (t) => {
  await withE2eNet('radius', async (net) => {
    const silent = net.topo.spawn('gateway', [process.execPath, '-e', SILENT_PROGRAM], { stdio: ['ignore', 'pipe', 'inherit'] });
    net.onCleanup(() => { silent.kill('SIGKILL'); });
    await new Promise<void>((resolve, reject) => {
      silent.stdout!.once('data', () => resolve());
      silent.once('exit', (code) => reject(new Error(`silent server exited ${code}`)));
    });
    const fr = await startFreeRadius(SECRET, { ns: net.ns.gateway, users: USERS, challengeAvPairs: ['auth-proxy:priv-lvl=15', `auth-proxy:proxyacl#1=${WEB}`] });
    net.onCleanup(() => fr.stop());
    const gw = await net.startGateway({
      debug: 'all',
      extra: [
        'aaa authentication login default group radius',
        'aaa authorization auth-proxy default group radius',
        'aaa accounting auth-proxy default start-stop group radius',
        'radius-server timeout 1',
        'radius-server retransmit 1',
        'radius-server deadtime 1',
        `radius-server host 127.0.0.1 auth-port ${SILENT_PORT} acct-port ${SILENT_PORT + 1} key ${SECRET}`,
        `radius-server host 127.0.0.1 auth-port ${fr.port} acct-port ${fr.acctPort} key ${SECRET}`,
      ],
    });
    const asked = urlOf('http', ADDR.server4, '/radius/index.html');
    const show = (): Promise<string> => gw.control(['show', 'ip', 'auth-proxy', 'cache']);
    const jar = `${net.dir}/cookies.txt`;
    const login = async (user: string, password: string): Promise<{ status: number; body: string; ms: number }> => {
      const form = findForm((await net.curl.request(asked, { cookieJar: jar })).body, asked);
      assert.ok(form, 'the login page');
      const t0 = performance.now();
      const r = await net.curl.request(form.action, { cookieJar: jar, caFile: net.certFile, form: loginFields(form, user, password), maxTimeS: 30 });
      assert.equal(r.curlStatus, 0, r.curlError);
      return { status: r.status, body: r.body, ms: performance.now() - t0 };
    };

    await t.test('a wrong password: the failure page after the silent server\'s two tries and FreeRADIUS\'s reject', async () => {
      const r = await login('alice', WRONG_PASSWORD);
      assert.equal(r.status, 403);
      assert.match(r.body, /<p class="message">Authentication failed: [^<]+<\/p>/);
      assert.ok(r.ms >= 1900 && r.ms < 15_000, `${r.ms.toFixed(0)} ms: two tries of 1 s at the silent server, then FreeRADIUS`);
      assert.match(await show(), new RegExp(`Client IP ${CLIENT4} Port \\d+, timeout 60, state AUTHC_FAIL`));
    });

    await t.test('an unknown user: the failure page, at once (the silent server is dead for a minute)', async () => {
      const r = await login('mallory', ALICE_PASSWORD);
      assert.equal(r.status, 403);
      assert.match(r.body, /Authentication failed: /);
      assert.ok(r.ms < 1900, `${r.ms.toFixed(0)} ms: the dead server is skipped`);
    });

    await t.test('show aaa servers: the silent server\'s timeout, marked dead; FreeRADIUS up, its answers counted', async () => {
      const out = await gw.control(['show', 'aaa', 'servers']);
      // Each server in IOS's layout, in config order, with its own counters.
      assert.match(out, new RegExp(`^RADIUS: id 1, priority 1, host 127\\.0\\.0\\.1, auth-port ${SILENT_PORT}, acct-port ${SILENT_PORT + 1}\n`
        + ' {5}State: current DEAD, duration \\d+s, previous duration \\d+s\n {5}Dead: total time \\d+s, count 1\n'
        + ' {5}Authen: request 1, timeouts 1, failover 1, retransmission 1\n {13}Response: accept 0, reject 0, challenge 0\n'
        + ' {13}Response: unexpected 0, server error 0, incorrect 0, time 0ms\n {13}Transaction: success 0, failure 1\n'), out);
      assert.match(out, new RegExp(`\nRADIUS: id 2, priority 2, host 127\\.0\\.0\\.1, auth-port ${fr.port}, acct-port ${fr.acctPort}\n`
        + ' {5}State: current UP, duration \\d+s, previous duration 0s\n {5}Dead: total time 0s, count 0\n'
        + ' {5}Authen: request 2, timeouts 0, failover 0, retransmission 0\n {13}Response: accept 0, reject 2, challenge 0\n'
        + ' {13}Response: unexpected 0, server error 0, incorrect 0, time \\d+ms\n {13}Transaction: success 2, failure 0\n'), out);
      assert.match(out, /\nRADIUS client, all servers\n {5}Dropped: bad authenticator 0, /, out);
      assert.match(out, /\nLogin service\n {5}AAA answers ignored: late 0\n/, out);
      assert.ok(!out.includes(SECRET));
    });

    await t.test('a proxyacl entry that does not parse: refused with the reason, nothing installed', async () => {
      await gw.control(['clear', 'ip', 'auth-proxy', 'watch-list', '*']);
      const r = await login('dave', DAVE_PASSWORD);
      assert.equal(r.status, 403, r.body);
      assert.match(r.body, /proxyacl#2/);
      assert.doesNotMatch(r.body, /Authentication Successful/);
      assert.doesNotMatch(await show(), /HTTP_ESTAB/);
      const acl = await gw.control(['show', 'ip', 'access-lists']);
      assert.doesNotMatch(acl, new RegExp(`host ${CLIENT4}`), 'not even proxyacl#1 is installed');
      const page = await net.curl.request(asked);
      assert.ok(findForm(page.body, asked), 'still the login page');
    });

    await t.test('alice is accepted: her proxyacl entry is installed, the web port reaches the server, ssh does not', async () => {
      await gw.control(['clear', 'ip', 'auth-proxy', 'watch-list', '*']);
      const r = await login('alice', ALICE_PASSWORD);
      assert.equal(r.status, 200, r.body);
      assert.match(r.body, /<h1>Authentication Successful<\/h1>/);
      assert.match(await show(), new RegExp(`Client IP ${CLIENT4} Port \\d+, timeout 60, state HTTP_ESTAB`));
      const acl = await gw.control(['show', 'ip', 'access-lists']);
      assert.match(acl, new RegExp(`permit tcp host ${CLIENT4} host 10\\.50\\.2\\.2 eq (www|80)`), acl);
      const b = await net.curl.request(asked);
      assert.equal(b.status, 200, b.curlError);
      assert.match(b.body, new RegExp(`<title>${SERVER_PAGE_TITLE}</title>`));
      assert.equal(await net.probe(ADDR.server4, 22), 'timeout', 'ssh stays blocked');
      await gw.control(['clear', 'ip', 'auth-proxy', 'cache', ADDR.client4]);
    });

    await t.test('chromium answers an Access-Challenge: password, the server\'s question, the code, the page asked for', async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const browser = await launchChromiumIn(net.ns.client, net.dir);
      try {
        const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 800, height: 600 } });
        const page = await context.newPage();
        await page.goto(asked);
        assert.equal(await page.locator('input[name="uname"]').getAttribute('type'), 'text', 'the first step asks for the user name');
        await submit(page, { uname: 'carol', pwd: CAROL_PASSWORD });

        // The second step: the server's Reply-Message as the question, one field for the code.
        assert.equal(await page.locator('input[name="uname"]').getAttribute('type'), 'hidden', 'the user is not asked again');
        assert.equal(await page.locator('input[name="ap_state"]').count(), 1);
        assert.equal(await page.locator('input[name="pwd"]').getAttribute('autocomplete'), 'one-time-code');
        assert.match(await page.textContent('form') ?? '', new RegExp(CHALLENGE_PROMPT));
        assert.doesNotMatch(await page.content(), new RegExp(CAROL_PASSWORD));
        assert.doesNotMatch(await show(), /HTTP_ESTAB/, 'nothing is let through before the answer');
        await page.screenshot({ path: join(SCREENSHOTS, 'challenge.png') });

        await submit(page, { pwd: CHALLENGE_CODE });
        assert.equal(await page.textContent('h1'), 'Authentication Successful');
        await page.waitForURL(asked, { timeout: 15_000 });
        await page.waitForLoadState('load');
        assert.equal(await page.title(), SERVER_PAGE_TITLE);
        assert.equal(await page.textContent('#path'), 'You asked for /radius/index.html');
        // FreeRADIUS saw the answer in an Access-Request carrying the challenge's State.
        assert.match(fr.log(), /State = 0x6f74702d73746570/);
      } finally {
        await browser.close();
      }
      assert.match(await show(), new RegExp(`Client IP ${CLIENT4} Port \\d+, timeout 60, state HTTP_ESTAB`));
      await gw.control(['clear', 'ip', 'auth-proxy', 'cache', ADDR.client4]);
    });

    let detail = '';
    await t.test('no server answers: the "did not answer" page within the configured timeouts, never a hang', async () => {
      detail = fr.detail();
      await fr.stop();
      // Wait past the silent server's dead-time (1 minute from its last timeout) is not needed:
      // it is skipped while dead, FreeRADIUS then gets its two tries of a second.
      const r = await login('alice', ALICE_PASSWORD);
      assert.equal(r.status, 503, r.body);
      assert.match(r.body, /did not answer/);
      assert.ok(r.ms >= 1900 && r.ms < 8000, `${r.ms.toFixed(0)} ms: at most 2 servers x 2 tries x 1 s`);
      assert.match(await show(), /state HTTP_NO_RESP/);
    });

    await t.test('no password and not the shared key in anything the gateway printed or sent as accounting', async () => {
      // The accounting records FreeRADIUS wrote (its detail file): alice's and carol's sessions.
      assert.match(detail, /Acct-Status-Type = Start[^]*User-Name = "alice"|User-Name = "alice"[^]*Acct-Status-Type = Start/);
      assert.match(detail, /Acct-Status-Type = Stop/);
      const all = gw.stdoutText() + gw.stderrText() + detail + await gw.control(['show', 'aaa', 'servers'])
        + await gw.control(['show', 'ip', 'auth-proxy', 'statistics']) + await gw.control(['show', 'ip', 'auth-proxy', 'cache']);
      for (const secret of [SECRET, ALICE_PASSWORD, CAROL_PASSWORD, DAVE_PASSWORD, WRONG_PASSWORD]) {
        assert.ok(!all.includes(secret), `${secret} printed`);
      }
      assert.match(all, /AAA response for user "alice" from [^:]+: accept/, 'the debug lines were looked at');
    });
  });
});
