// The page's Content-Security-Policy lets websockets reach its own origin only (connect-src
// 'self', DESIGN 5.6): the live stream over ws: to the same host and port works in Chromium,
// while a websocket or fetch to another host or port is refused by the browser itself.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { openPage, signIn, waitLive } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('websockets reach the page origin and nothing else', async () => {
  const { context, page } = await openPage(server.url);
  try {
    const policy = (await page.context().request.get(`${server.url}/`)).headers()['content-security-policy'];
    assert.match(policy, /connect-src 'self';/);
    await signIn(page);
    await waitLive(page); // the stream itself: ws: to the same origin under 'self'

    const blocked = await page.evaluate(async (port) => {
      const violations = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.blockedURI));
      const targets = [`ws://127.0.0.2:${port}/connect`, `ws://${location.hostname}:${port + 1}/connect`];
      for (const url of targets) {
        try {
          new WebSocket(url).close();
        } catch {
          violations.push(`threw:${url}`);
        }
      }
      try {
        await fetch(`http://127.0.0.2:${port}/system`);
      } catch {
        // refused by the policy; the violation event says which
      }
      await new Promise((done) => setTimeout(done, 200));
      return violations;
    }, server.port);
    assert.equal(blocked.length, 3, `policy violations: ${JSON.stringify(blocked)}`);
    assert.ok(blocked.some((u) => u.includes('127.0.0.2')), JSON.stringify(blocked));
  } finally {
    await context.close();
  }
});
