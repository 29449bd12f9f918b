/**
 * End to end over IPv6 (issue point 5): an unauthenticated dual-stack host's IPv6 traffic is
 * intercepted and blocked like its IPv4 (the bypass most captive portals suffer from: filtering
 * IPv4 only); the login page comes over IPv6 too, its form posting to the gateway's IPv6
 * address. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm } from '../../src/demo/client.js';
import { SERVER_PAGE_TITLE, SERVER_SSH_BANNER } from '../../src/demo/servers.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';

test('IPv6 before login: intercepted and blocked like IPv4', async (t) => {
  await withE2eNet('login6', async (net) => {
    // Without the gateway the kernel forwards both families: every port answers.
    assert.equal(await net.probe(ADDR.server6, 22), `open ${SERVER_SSH_BANNER}`);
    assert.equal(await net.probe(ADDR.server4, 22), `open ${SERVER_SSH_BANNER}`);
    const gw = await net.startGateway();
    const page6 = urlOf('http', ADDR.server6, '/six.html');
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
  });
});
