// Sign-in failures in the browser: too many wrong passwords (429 with its wait from
// Retry-After) and a server that is not running.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { openPage, signIn, unexpectedConsoleErrors } from './support/browser.mjs';
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

async function attempt(page, password) {
  await page.evaluate(() => { document.getElementById('login-error').textContent = ''; });
  await signIn(page, password);
  await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
  return page.textContent('#login-error');
}

test('repeated wrong passwords are told to wait as long as Retry-After says', async () => {
  const { page } = browser;
  const messages = [];
  for (let i = 0; i < 7; i += 1) messages.push(await attempt(page, `wrong-${i}`));
  assert.deepEqual(messages.slice(0, 5), Array(5).fill('Wrong user name or password.'));
  assert.match(messages[6], /^Too many failed attempts\. Try again in \d+ seconds?\.$/);
  assert.equal(await page.isVisible('#dashboard'), false);
});

test('a server that is not running is named as unreachable', async () => {
  const { page, watch } = browser;
  await server.stop();
  const message = await attempt(page, 'whatever');
  assert.equal(message, `Cannot reach the server at ${new URL(server.url).host}. Is it running?`);
  assert.deepEqual(watch.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(watch, [['401', '/authenticate'], ['429', '/authenticate'],
    ['ERR_CONNECTION_REFUSED', '/authenticate']]), []);
});
