// The connection state is always in view: with the page scrolled to its end, stopping the
// server shows the banner inside the viewport, its countdown ticks, and once no frame has come
// for more than two intervals the figures are greyed and the header says from when they are.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { axeViolations, openPage, screenshot, signIn, waitLive } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const inViewport = (page, selector) => page.$eval(selector, (el) => {
  const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
});

test('the banner is in view after the server stops while the page is scrolled', async () => {
  const { context, page } = await openPage(server.url, { viewport: { width: 360, height: 740 } });
  try {
    await signIn(page);
    await waitLive(page);
    await page.waitForSelector('#procs tbody tr');
    assert.equal(await page.$eval('#dashboard', (d) => d.classList.contains('stale')), false);
    assert.equal(await page.isVisible('#updated'), false, 'fresh figures carry no note');
    const scrolled = await page.evaluate(() => {
      window.scrollTo(0, document.documentElement.scrollHeight);
      return window.scrollY;
    });
    assert.ok(scrolled > 1000, `scrolled to ${scrolled}`);

    await server.stop();
    await page.waitForSelector('#banner', { state: 'visible', timeout: 20000 });
    assert.ok(await page.evaluate(() => window.scrollY) > 1000, 'still scrolled');
    assert.ok(await inViewport(page, '#banner'), 'the banner is inside the viewport');
    assert.ok(await inViewport(page, '#live'), 'the status is inside the viewport');
    assert.match(await page.textContent('#banner'), /^Connection to the server lost .*Reconnecting(…| in \d+ s…)$/);

    // The countdown ticks (the stream's back-off is 1 s, then 2 s, 4 s, ... with jitter).
    const first = await page.textContent('#banner-count');
    await page.waitForFunction((t) => document.getElementById('banner-count').textContent !== t, first, { timeout: 5000 });

    // No frame for more than two intervals: greyed and time-stamped, in view.
    await page.waitForFunction(() => document.getElementById('dashboard').classList.contains('stale'), null, { timeout: 5000 });
    const note = await page.textContent('#updated');
    assert.match(note, /^Figures from \d\d:\d\d:\d\d, \d+ s old$/);
    assert.ok(await inViewport(page, '#updated'), 'the note is inside the viewport');
    const [shown, muted] = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--muted)';
      document.body.append(probe);
      const colors = [getComputedStyle(document.getElementById('cpu-usage')).color, getComputedStyle(probe).color];
      probe.remove();
      return colors;
    });
    assert.equal(shown, muted, 'the CPU figure is greyed');
    await screenshot(page, 'dashboard-360x740-disconnected.png');
    const serious = await axeViolations(page);
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), []);
  } finally {
    await context.close();
  }
});
