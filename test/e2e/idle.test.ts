/**
 * End to end: the inactivity timer closes the door again. `ip auth-proxy inactivity-timer 1`
 * (one minute, the config's smallest unit): after a login the web port passes; after a minute
 * without traffic from the host the entry is gone (`show ip auth-proxy cache`, which sends
 * nothing through the gateway) and the web port gets the login page again. Needs root; takes
 * a little over a minute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findForm, loginFields } from '../../src/demo/client.js';
import { DEMO_PASSWORD, DEMO_USER } from '../../src/demo/config.js';
import { SERVER_PAGE_TITLE } from '../../src/demo/servers.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('the inactivity timer (1 minute) closes the door again', async () => {
  await withE2eNet('idle', async (net) => {
    const gw = await net.startGateway({ inactivityMin: 1 });
    const page = urlOf('http', ADDR.server4, '/idle.html');
    const form = findForm((await net.curl.request(page)).body, page);
    assert.ok(form, 'the login page');
    const r = await net.curl.request(form.action, { insecure: true, form: loginFields(form, DEMO_USER, DEMO_PASSWORD) });
    assert.match(r.body, /Authentication Successful/, r.curlError);
    const passed = await net.curl.request(page);
    assert.match(passed.body, new RegExp(`<title>${SERVER_PAGE_TITLE}</title>`), passed.curlError);
    const lastTraffic = Date.now();
    assert.match(await gw.control(['show', 'ip', 'auth-proxy', 'cache']), /timeout 1, state HTTP_ESTAB/);

    // Half a minute on, the entry is still there (the timer is not shorter than it says) ...
    await sleep(30_000);
    assert.match(await gw.control(['show', 'ip', 'auth-proxy', 'cache']), /HTTP_ESTAB/);
    // ... and within 20 s after the minute it is gone.
    let show = '';
    while (Date.now() - lastTraffic < 80_000) {
      await sleep(2000);
      show = await gw.control(['show', 'ip', 'auth-proxy', 'cache']);
      if (!/HTTP_ESTAB/.test(show)) break;
    }
    const idleMs = Date.now() - lastTraffic;
    assert.doesNotMatch(show, /HTTP_ESTAB/, `still authenticated after ${idleMs} ms idle`);
    assert.ok(idleMs >= 58_000, `expired after ${idleMs} ms, before the minute`);
    const again = await net.curl.request(page);
    assert.equal(again.status, 200, again.curlError);
    assert.ok(findForm(again.body, page), 'the login page again');
    assert.doesNotMatch(again.body, new RegExp(SERVER_PAGE_TITLE));
  });
});
