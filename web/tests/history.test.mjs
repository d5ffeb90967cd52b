// The charts are filled from GET /history right after sign-in, so they show the last minutes at
// once instead of starting empty.
//
// GET /history is being built on the history branch. While this server answers 404 there, the
// browser answers the page's /history request itself with a body in the documented shape
// (DESIGN 5.4); once the route exists, the real server answers and the same checks apply.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { openPage, pixelsOfColor, signIn, waitLive } from './support/browser.mjs';
import { PASSWORD, startServer } from './support/server.mjs';

let server;
let real;
before(async () => {
  server = await startServer();
  const login = await fetch(`${server.url}/authenticate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'PSMonitor', password: PASSWORD }),
  });
  const { token } = await login.json();
  const probe = await fetch(`${server.url}/history?series=cpu.usage`, { headers: { Authorization: `Bearer ${token}` } });
  real = probe.status !== 404;
});
after(async () => {
  await server?.stop();
});

test('the charts start filled from /history', async () => {
  const { context, page } = await openPage(server.url);
  try {
    const asked = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/history') asked.push(new URL(r.url()).searchParams);
    });
    if (!real) {
      await page.route((url) => url.pathname === '/history', (route) => {
        const now = Math.floor(Date.now() / 1000);
        const times = Array.from({ length: 60 }, (_, i) => now - 600 + i * 10);
        const wave = (base) => times.map((_, i) => (i === 30 ? null : base + 20 * Math.sin(i / 5)));
        const series = { 'cpu.usage': wave(40), 'mem.percent': wave(60) };
        for (const name of ['enp3s0', 'wlan0', 'docker0']) {
          series[`net.rx_bytes_per_sec@${name}`] = wave(50000);
          series[`net.tx_bytes_per_sec@${name}`] = wave(20000);
        }
        return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ step: 10, times, series }) });
      });
    }
    await signIn(page);
    await waitLive(page);
    await page.waitForFunction(() => performance.getEntriesByName('psmonitor-first-frame').length === 1);
    await page.waitForTimeout(real ? 1500 : 500);
    assert.equal(asked.length, 1, 'one /history request');
    const [query] = asked;
    const series = query.get('series').split(',');
    assert.deepEqual(series.slice(0, 2), ['cpu.usage', 'mem.percent']);
    assert.ok(series.includes('net.rx_bytes_per_sec@wlan0') && !series.some((s) => s.endsWith('@lo')), series.join());
    const since = Number(query.get('since'));
    assert.ok(Math.abs(since - (Date.now() / 1000 - 600)) < 30, `since=${since}`);
    if (!real) {
      // Ten minutes of history span the whole width: far more line than two live frames draw.
      for (const [id, color] of [['chart-cpu', '--cpu'], ['chart-mem', '--mem'], ['chart-net', '--rx']]) {
        const pixels = await pixelsOfColor(page, id, color);
        assert.ok(pixels > 400, `${id}: ${pixels} pixels`);
      }
    }
  } finally {
    await context.close();
  }
});
