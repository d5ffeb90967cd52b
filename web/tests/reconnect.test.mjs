// Stop the server under a live page: the banner appears; start it again on the same port and
// data dir: live data returns without a reload.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { openPage, signIn, unexpectedConsoleErrors, waitLive } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await openPage(server.url);
});
after(async () => {
  await browser?.context.close();
  await server?.stop();
});

test('a restarted server is reconnected to, behind a banner, without a reload', async () => {
  const { page, watch } = browser;
  // The page asks for /history once it is live; stopping the server while that request is in
  // flight gets it a 503 ("shutting down"), so the stop waits for its answer.
  const history = page.waitForResponse((r) => new URL(r.url()).pathname === '/history');
  await signIn(page);
  await waitLive(page);
  await history;
  await page.evaluate(() => { globalThis.sameDocument = true; });

  await server.stop();
  await page.waitForSelector('#banner', { state: 'visible', timeout: 20000 });
  assert.match(await page.textContent('#banner'), /^Connection to the server lost .*Reconnecting in \d+ s…$/);
  assert.equal(await page.textContent('#live'), 'Disconnected');

  server = await startServer({ port: server.port, dataDir: server.dataDir });
  await waitLive(page, 40000);
  assert.equal(await page.isVisible('#banner'), false);
  assert.equal(await page.evaluate(() => globalThis.sameDocument), true, 'no reload');
  const uptime = await page.textContent('#sys-uptime');
  await page.waitForFunction((u) => document.getElementById('sys-uptime').textContent !== u, uptime, { timeout: 5000 });
  assert.equal(await page.isVisible('#login-view'), false);

  assert.deepEqual(watch.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(watch, [
    ['404', '/history'], ['ERR_CONNECTION_REFUSED', ''], ['WebSocket connection', '/connect'],
  ]), []);
});
