/**
 * End to end with a real browser: Debian's chromium, driven by playwright-core, runs inside the
 * client namespace, opens an http URL of the server through the gateway, gets the login page,
 * submits a wrong password (the failure page), then the right one (the success page), and lands
 * on the page it asked for, served by the real server. The login, failure and success pages
 * are saved as docs/screenshots/*.png (README shows them); the test asserts what each page says.
 * Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD, DEMO_USER } from '../../src/demo/config.js';
import { SERVER_PAGE_TITLE } from '../../src/demo/servers.js';
import { ADDR, urlOf, withE2eNet } from './harness.js';
import { launchChromiumIn } from './browser.js';

/** docs/screenshots of the project (tests run compiled, from dist/test/e2e). */
const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');

async function submit(page: Page, user: string, password: string): Promise<void> {
  await page.fill('input[name="uname"]', user);
  await page.fill('input[name="pwd"]', password);
  await Promise.all([page.waitForNavigation({ timeout: 20_000 }), page.click('input[type="submit"], button[type="submit"]')]);
}

test('chromium through the gateway: login page, wrong password, right password, the page asked for', async () => {
  await withE2eNet('browser', async (net) => {
    await net.startGateway();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const browser = await launchChromiumIn(net.ns.client, net.dir);
    try {
      // The gateway's certificate is self-signed: the browser is told to accept it, as a user
      // would click through (curl checks it properly in login.test.ts).
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 800, height: 600 } });
      const page = await context.newPage();
      const asked = urlOf('http', ADDR.server4, '/reports/today.html');
      await page.goto(asked);

      assert.equal(page.url(), asked, 'the login page comes from the address asked for');
      assert.equal(await page.locator('form').count(), 1);
      assert.equal(await page.getAttribute('form', 'action'), urlOf('https', ADDR.gatewayInside4));
      assert.equal(await page.locator('input[name="uname"]').count(), 1);
      assert.equal(await page.locator('input[name="pwd"]').getAttribute('type'), 'password');
      assert.equal(await page.title(), 'portcullis-demo Authentication Proxy Login');
      await page.screenshot({ path: join(SCREENSHOTS, 'login.png') });

      await submit(page, DEMO_USER, 'not-the-password');
      assert.equal(await page.textContent('.message'), 'Authentication failed.');
      assert.doesNotMatch(await page.textContent('body') ?? '', /Authentication Successful/i);
      assert.doesNotMatch(await page.content(), /not-the-password/);
      assert.equal(await page.locator('input[name="pwd"]').count(), 1, 'the form again');
      await page.screenshot({ path: join(SCREENSHOTS, 'failure.png') });

      // The success page sends the browser back to the page it asked for (a refresh after two
      // seconds, and a link). That request is held until the success page's screenshot is taken.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => { release = resolve; });
      await page.route(asked, async (route) => {
        await held;
        await route.continue();
      });
      await submit(page, DEMO_USER, DEMO_PASSWORD);
      assert.equal(await page.textContent('h1'), 'Authentication Successful');
      assert.equal(await page.getAttribute('a', 'href'), asked);
      await page.screenshot({ path: join(SCREENSHOTS, 'success.png') });
      release();
      await page.waitForURL(asked, { timeout: 15_000 });
      await page.waitForLoadState('load');
      assert.equal(await page.title(), SERVER_PAGE_TITLE);
      assert.equal(await page.textContent('#path'), 'You asked for /reports/today.html');
      assert.equal(await page.textContent('#client'), `from ${ADDR.client4}`);
    } finally {
      await browser.close();
    }
  });
});
