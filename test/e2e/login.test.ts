/**
 * End to end over IPv4: client — gateway — server namespaces joined by veth, the real servers
 * (web on 80, an sshd-like listener on 22), `portcullis run` in the gateway namespace on the
 * demo's config, curl in the client namespace. Without the gateway both ports answer; with it,
 * before login, the web port gets the login page (from the server's own address) and the ssh
 * port nothing, and `--debug detailed` prints the intercepted connection. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm } from '../../src/demo/client.js';
import { SERVER_PAGE_TITLE, SERVER_SSH_BANNER } from '../../src/demo/servers.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';

test('IPv4 before login: the login page from the server\'s address, ssh blocked, the debug lines', async (t) => {
  await withE2eNet('login4', async (net) => {
    // Without the gateway the kernel forwards everything: both ports answer.
    assert.equal(await net.probe(ADDR.server4, 22), `open ${SERVER_SSH_BANNER}`);
    assert.equal((await net.curl.request(urlOf('http', ADDR.server4))).status, 200);
    const gw = await net.startGateway();
    const page = urlOf('http', ADDR.server4, '/docs/index.html?x=1');
    const jar = `${net.dir}/cookies.txt`;

    await t.test('before login: the web port gets the login page, from the server\'s address', async () => {
      const a = await net.curl.request(page, { cookieJar: jar });
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
      assert.match(lines, /AUTH-PROXY:proto_flag=1, dstport_index=4\n.*SYN SEQ \d+ LEN 0\n.*dst_addr 10\.50\.2\.2 src_addr 10\.50\.1\.2 dst_port 80 src_port \d+\n.*AUTH-PROXY:auth_proxy_half_open_count\+\+ 1/);
      assert.match(lines, /AUTH-PROXY:Protocol not configured on if_input/, 'the ssh attempt');
    });
  });
});
