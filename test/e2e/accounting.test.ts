/**
 * End to end through `portcullis run`: RADIUS accounting and RFC 5176 dynamic authorization of
 * the live gateway. FreeRADIUS (the fixture, its `detail` file) runs on the loopback of the
 * gateway namespace as the accounting server; `radclient` there is the Dynamic Authorization
 * Server. The demo user logs in from the client namespace (curl), fetches the web page through
 * the gateway, and: a Disconnect-Request removes the host (Disconnect-ACK; `show ip auth-proxy
 * cache` empty, the web port refused again; Stop with Admin-Reset and the octets and packets
 * the data plane counted); after a second login, the gateway's SIGTERM ends the session with
 * a Stop with Admin-Reboot. No key appears in anything the gateway printed. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execInNamespace, findForm, loginFields } from '../../src/demo/client.js';
import { DEMO_PASSWORD, DEMO_USER } from '../../src/demo/config.js';
import { detailRecords, startFreeRadius } from '../aaa/radius/freeradius-fixture.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';

const ACCT_KEY = 'e2e-Acct-K3y-77';
const DA_KEY = 'e2e-Coa-K3y-88';
const DA_PORT = 13799;

/** Waits (up to 10 s) for `cond`. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('accounting and dynamic authorization through portcullis run: Start, Disconnect-Request (ACK, host removed, Stop Admin-Reset with the counts), SIGTERM (Stop Admin-Reboot)', async () => {
  await withE2eNet('acct', async (net) => {
    const fr = await startFreeRadius(ACCT_KEY, { ns: net.ns.gateway });
    net.onCleanup(() => fr.stop());
    const gw = await net.startGateway({
      debug: 'all',
      extra: [
        `radius-server host 127.0.0.1 auth-port ${fr.port} acct-port ${fr.acctPort} key ${ACCT_KEY}`,
        'radius-server timeout 1',
        'aaa accounting auth-proxy default start-stop group radius',
        'aaa server radius dynamic-author',
        ` client 127.0.0.1 server-key ${DA_KEY}`,
        ` port ${DA_PORT}`,
      ],
    });
    assert.match(gw.stderrText(), new RegExp(`dynamic authorization \\(RFC 5176\\) on UDP port ${DA_PORT}`));
    const asked = urlOf('http', ADDR.server4, '/index.html');
    const jar = `${net.dir}/cookies.txt`;
    const login = async (): Promise<void> => {
      const form = findForm((await net.curl.request(asked, { cookieJar: jar })).body, asked);
      assert.ok(form, 'the login page');
      const r = await net.curl.request(form.action, { cookieJar: jar, caFile: net.certFile, form: loginFields(form, DEMO_USER, DEMO_PASSWORD) });
      assert.equal(r.status, 200, r.body);
    };
    const ofClient = (): Map<string, string>[] => detailRecords(fr).filter((r) => r.get('Framed-IP-Address') === ADDR.client4);

    await login();
    await until(() => ofClient().length === 1, 'the Start');
    const start = ofClient()[0]!;
    assert.equal(start.get('Acct-Status-Type'), 'Start');
    assert.equal(start.get('User-Name'), DEMO_USER);
    assert.equal(start.get('NAS-IP-Address'), ADDR.gatewayInside4);
    assert.equal(start.get('Acct-Authentic'), 'Local', 'a local user (RFC 2866 §5.6)');
    const id = start.get('Acct-Session-Id')!;
    assert.match(gw.debugLines().join('\n'), new RegExp(`OBJ_CREATE: acct-session-id ${id} cache entry for ${ADDR.client4.replace(/\./g, '\\.')}`));
    const page = await net.curl.request(asked);
    assert.equal(page.status, 200, 'the web page through the gateway');

    const input = `Framed-IP-Address = ${ADDR.client4}\nEvent-Timestamp = ${Math.floor(Date.now() / 1000)}\nMessage-Authenticator = 0x00\n`;
    const rc = await execInNamespace(net.ns.gateway, ['radclient', '-x', '-t', '2', '-r', '1', `127.0.0.1:${DA_PORT}`, 'disconnect', DA_KEY], input);
    assert.match(rc.stdout + rc.stderr, /Received Disconnect-ACK/, rc.stdout + rc.stderr);
    assert.doesNotMatch(await gw.control(['show', 'ip', 'auth-proxy', 'cache']), new RegExp(ADDR.client4.replace(/\./g, '\\.')));
    await until(() => ofClient().length === 2, 'the Stop');
    const stop = ofClient()[1]!;
    assert.equal(stop.get('Acct-Status-Type'), 'Stop');
    assert.equal(stop.get('Acct-Session-Id'), id);
    assert.equal(stop.get('Acct-Terminate-Cause'), 'Admin-Reset');
    assert.equal(stop.get('Acct-Authentic'), 'Local');
    assert.ok(Number(stop.get('Acct-Input-Packets')) >= 3, `the client's packets: ${stop.get('Acct-Input-Packets')}`);
    assert.ok(Number(stop.get('Acct-Output-Packets')) >= 3, `the server's answers: ${stop.get('Acct-Output-Packets')}`);
    assert.ok(Number(stop.get('Acct-Output-Octets')) > Number(stop.get('Acct-Input-Octets')), 'the page is bigger than the request');
    assert.match((await net.curl.request(asked)).body, /<form/i, 'the login page again');
    const aaa = await gw.control(['show', 'aaa', 'servers']);
    assert.match(aaa, /RADIUS accounting\n {5}Records: sent 2, answered 2, unanswered 0, dropped 0, waited for their Start 0; sessions accounted now 0\n/, aaa);
    assert.match(aaa, new RegExp(`Dynamic authorization \\(RFC 5176\\), UDP port ${DA_PORT}\n {5}Requests: disconnect 1 \\(ACK 1, NAK 0\\), CoA 0`), aaa);
    assert.match(aaa, / {5}Account: request 2, timeouts 0, failover 0, retransmission 0\n {13}Request: start 1, interim 0, stop 1\n {13}Response: start 1, interim 0, stop 1\n/,
      'one RADIUS client, shared with the login: the server\'s own accounting counters');

    await login();
    await until(() => ofClient().length === 3, 'the second Start');
    await gw.stop();
    await until(() => ofClient().length === 4, 'the Stop on SIGTERM');
    assert.equal(ofClient()[3]!.get('Acct-Terminate-Cause'), 'Admin-Reboot');
    const printed = gw.stdoutText() + gw.stderrText();
    assert.ok(!printed.includes(ACCT_KEY) && !printed.includes(DA_KEY), 'no key in what the gateway printed');
  });
});
