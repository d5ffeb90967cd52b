// The session outlives its tokens through POST /refresh, and never through the password.
//
// POST /refresh is being added on the lead's branch. Until it is merged, this server answers 404
// there, and the page must fall back to the login form (tested below); the "stays live" case is
// then skipped with a note. After the merge, set PSMONITOR_REQUIRE_REFRESH=1 (scripts/
// browser-tests.sh does when REQUIRE_REFRESH=1) so a missing /refresh fails instead of skipping.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { openPage, signIn, unexpectedConsoleErrors, waitLive } from './support/browser.mjs';
import { PASSWORD, startServer } from './support/server.mjs';

const TTL_SECS = 3;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Whether the server has POST /refresh: log in from node and try it. */
async function hasRefresh(url) {
  const login = await fetch(`${url}/authenticate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'PSMonitor', password: PASSWORD }),
  });
  const { token } = await login.json();
  const refresh = await fetch(`${url}/refresh`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  return refresh.status !== 404;
}

describe(`tokens that live ${TTL_SECS} s`, () => {
  let server;
  let refresh;
  before(async () => {
    server = await startServer({ tokenTtl: `${TTL_SECS}s` });
    refresh = await hasRefresh(server.url);
    if (!refresh && process.env.PSMONITOR_REQUIRE_REFRESH === '1') {
      throw new Error('POST /refresh answers 404, but PSMONITOR_REQUIRE_REFRESH=1');
    }
  });
  after(async () => {
    await server?.stop();
  });

  test('the page stays live past several token lifetimes', async (t) => {
    if (!refresh) {
      t.skip('this server has no POST /refresh yet (lead branch): enable with PSMONITOR_REQUIRE_REFRESH=1 after merging');
      return;
    }
    const { context, page, watch } = await openPage(server.url);
    try {
      const refreshes = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/refresh')) refreshes.push(r.status());
      });
      await signIn(page);
      await waitLive(page);
      const uptime = await page.textContent('#sys-uptime');
      await sleep(4 * TTL_SECS * 1000);
      assert.equal(await page.isVisible('#login-view'), false, 'no login prompt');
      await waitLive(page, 3000);
      assert.notEqual(await page.textContent('#sys-uptime'), uptime, 'frames still arrive');
      assert.ok(refreshes.filter((s) => s === 200).length >= 3, `refreshes: ${refreshes}`);
      // The network poll, which needs a valid token, still works after the last lifetime.
      const network = await page.waitForResponse((r) => r.url().endsWith('/network'), { timeout: 5000 });
      assert.equal(network.status(), 200);
      assert.deepEqual(watch.pageErrors, []);
      assert.deepEqual(unexpectedConsoleErrors(watch, [['404', '/history']]), []);
    } finally {
      await context.close();
    }
  });

  test('without POST /refresh the page asks for the password again', async (t) => {
    if (refresh) {
      t.skip('this server has POST /refresh');
      return;
    }
    const { context, page } = await openPage(server.url);
    try {
      const ended = page.waitForResponse((r) => r.url().endsWith('/refresh'), { timeout: TTL_SECS * 1000 + 5000 });
      await signIn(page);
      await page.waitForSelector('#dashboard', { state: 'visible' });
      // The renewal, due before the token expires, finds no /refresh: back to the login form.
      assert.equal((await ended).status(), 404);
      await page.waitForSelector('#login-view', { state: 'visible', timeout: 5000 });
      assert.equal(await page.textContent('#login-note'), 'Your session ended. Sign in again to continue.');
      assert.equal(await page.isVisible('#dashboard'), false);
      assert.equal(await page.inputValue('#password'), '', 'the password was not kept');
    } finally {
      await context.close();
    }
  });
});
