/**
 * End to end over IPv6 (issue point 5): an unauthenticated dual-stack host's IPv6 traffic is
 * intercepted and blocked like its IPv4 (the bypass most captive portals suffer from: filtering
 * IPv4 only); the login page comes over IPv6 too, its form posting to the gateway's IPv6
 * address; the login works over IPv6 (curl checking the certificate against the IPv6 address),
 * and the door it opens is that address's only. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm, loginFields } from '../../src/demo/client.js';
import { DEMO_PASSWORD, DEMO_USER } from '../../src/demo/config.js';
import { SERVER_PAGE_TITLE, SERVER_SSH_BANNER } from '../../src/demo/servers.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';

test('IPv6: intercepted and blocked like IPv4 before login; login over IPv6 opens the web port of that address only', async (t) => {
  await withE2eNet('login6', async (net) => {
    // Without the gateway the kernel forwards both families: every port answers.
    assert.equal(await net.probe(ADDR.server6, 22), `open ${SERVER_SSH_BANNER}`);
    assert.equal(await net.probe(ADDR.server4, 22), `open ${SERVER_SSH_BANNER}`);
    const gw = await net.startGateway();
    const page6 = urlOf('http', ADDR.server6, '/six.html');
    const page4 = urlOf('http', ADDR.server4, '/four.html');
    const jar = `${net.dir}/cookies.txt`;

    await t.test('before login: IPv6 web gets the login page posting to the gateway\'s IPv6 address', async () => {
      const a = await net.curl.request(page6, { cookieJar: jar });
      assert.equal(a.status, 200, a.curlError);
      assert.doesNotMatch(a.body, new RegExp(SERVER_PAGE_TITLE));
      const form = findForm(a.body, page6);
      assert.ok(form, a.body);
      assert.equal(form.action, urlOf('https', ADDR.gatewayInside6));
    });

    await t.test('before login: IPv6 ssh is blocked, as IPv4 ssh is', async () => {
      assert.equal(await net.probe(ADDR.server6, 22), 'timeout');
      assert.equal(await net.probe(ADDR.server4, 22), 'timeout');
      assert.equal(await net.probe(ADDR.server6, 8080), 'timeout', 'a port nothing listens on: dropped, not reset by the server');
    });

    await t.test('debug ip auth-proxy detailed printed the IPv6 connection, addresses as IOS prints them', () => {
      const lines = gw.debugLines().join('\n');
      assert.match(lines, /SYN SEQ \d+ LEN 0\n.*dst_addr FD00:50:2::2 src_addr FD00:50:1::2 dst_port 80 src_port \d+\n.*AUTH-PROXY:auth_proxy_half_open_count\+\+ 1/);
    });

    await t.test('a wrong password over IPv6 gets the failure page', async () => {
      const form = findForm((await net.curl.request(page6, { cookieJar: jar })).body, page6)!;
      const r = await net.curl.request(form.action, { cookieJar: jar, caFile: net.certFile, form: loginFields(form, DEMO_USER, 'wrong') });
      assert.equal(r.status, 403, r.curlError);
      assert.doesNotMatch(r.body, /Authentication Successful/i);
      assert.ok(findForm(r.body, form.action), 'the form again');
    });

    await t.test('an HTTPS login over IPv6 (certificate checked against the IPv6 address) opens IPv6 web', async () => {
      const form = findForm((await net.curl.request(page6, { cookieJar: jar })).body, page6)!;
      const r = await net.curl.request(form.action, { cookieJar: jar, caFile: net.certFile, form: loginFields(form, DEMO_USER, DEMO_PASSWORD) });
      assert.equal(r.status, 200, r.curlError);
      assert.match(r.body, /<h1>Authentication Successful<\/h1>/);
      assert.ok(r.body.includes(`<a href="${page6}">`), 'links back to the page asked for');
      const b = await net.curl.request(page6);
      assert.equal(b.status, 200, b.curlError);
      assert.match(b.body, new RegExp(`<title>${SERVER_PAGE_TITLE}</title>`));
      assert.match(b.body, /You asked for \/six\.html/);
      assert.match(b.body, new RegExp(`from ${ADDR.client6}<`));
      assert.equal(await net.probe(ADDR.server6, 22), 'timeout', 'IPv6 ssh stays blocked');
    });

    await t.test('the IPv4 address of the same host is still unauthenticated', async () => {
      const a = await net.curl.request(page4);
      assert.equal(a.status, 200, a.curlError);
      assert.ok(findForm(a.body, page4), 'the login page');
      assert.equal(await net.probe(ADDR.server4, 22), 'timeout');
    });

    await t.test('show ip auth-proxy cache lists the IPv6 host, in upper case as IOS prints it', async () => {
      const show = await gw.control(['show', 'ip', 'auth-proxy', 'cache']);
      assert.match(show, new RegExp(`${ADDR.client6.toUpperCase()}.*HTTP_ESTAB`));
      assert.doesNotMatch(show, new RegExp(`${ADDR.client4.replace(/\./g, '\\.')}.*HTTP_ESTAB`));
    });
  });
});
