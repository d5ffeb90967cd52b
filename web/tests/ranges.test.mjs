// Time ranges: live, 1 h, 6 h, 24 h, 7 d, 30 d. Choosing one (by keyboard or pointer) asks
// /history for exactly that range at a step that gives about one point per pixel, draws the
// answer across the whole chart with a time axis, shows the time and value under the pointer,
// zooms to a span dragged across a chart, and is remembered when the page is reloaded in the
// same session.
//
// A fresh server has minutes of history, not days: as in history.test.mjs, the browser answers
// the ranged /history requests itself with seeded history in the documented shape (DESIGN 5.4);
// the live request goes to the real server.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { axeViolations, openPage, screenshot, signIn, waitLive } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

/** The seeded CPU value at time `t` of a range `secs` long: a slow wave between 15 and 85. */
const seededCpu = (t, secs) => Math.round((50 + 35 * Math.sin((t / secs) * 12)) * 10) / 10;

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

/** The share of the canvas's width that has pixels of the CSS colour `color`. */
async function coverage(page, id, color) {
  // The page draws on the next animation frame after its data lands: wait for two frames so the
  // pixels read are the ones drawn from the latest data.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  return page.evaluate(([canvasId, name]) => {
    const canvas = document.getElementById(canvasId);
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    let columns = 0;
    for (let x = 0; x < width; x += 1) {
      for (let y = 0; y < height; y += 1) {
        const i = (y * width + x) * 4;
        if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) <= 40) {
          columns += 1;
          break;
        }
      }
    }
    return columns / width;
  }, [id, color]);
}

test('24 h and 30 d load /history for their range and draw it; a drag zooms in', async () => {
  const { context, page, watch } = await openPage(server.url);
  try {
    const ranged = [];
    await page.route((url) => url.pathname === '/history', (route) => {
      const query = new URL(route.request().url()).searchParams;
      if (!query.has('until')) return route.continue();
      const since = Number(query.get('since'));
      const until = Number(query.get('until'));
      const step = Number(query.get('step'));
      ranged.push({ since, until, step, series: query.get('series').split(',') });
      const times = [];
      for (let t = Math.ceil(since / step) * step; t <= until; t += step) times.push(t);
      const series = {};
      for (const name of query.get('series').split(',')) {
        series[name] = times.map((t) => (name === 'cpu.usage' ? seededCpu(t, until - since)
          : name === 'mem.percent' ? 40 : 1000));
      }
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ step, times, series }) });
    });
    await signIn(page);
    await waitLive(page);
    assert.equal(await page.getAttribute('#ranges [data-range="live"]', 'aria-pressed'), 'true');

    for (const [secs, how] of [[86400, 'keyboard'], [2592000, 'pointer']]) {
      const asked = ranged.length;
      const button = `#ranges [data-range="${secs}"]`;
      if (how === 'keyboard') {
        await page.focus(button);
        await page.keyboard.press('Enter');
      } else {
        await page.click(button);
      }
      const label = secs === 86400 ? '24 h' : '30 d';
      await page.waitForFunction((l) => document.getElementById('range-note').textContent
        .startsWith(`The last ${l}, one point every `), label);
      assert.ok(ranged.length > asked, 'a new /history request');
      const request = ranged[ranged.length - 1];
      assert.equal(request.until - request.since, secs, JSON.stringify(request));
      assert.ok(Math.abs(request.until - Date.now() / 1000) < 30, `until ${request.until}`);
      assert.deepEqual(request.series.slice(0, 2), ['cpu.usage', 'mem.percent']);
      const width = await page.evaluate(() => Math.max(...['chart-cpu', 'chart-mem', 'chart-net']
        .map((id) => document.getElementById(id).clientWidth)));
      assert.equal(request.step, Math.ceil(secs / width), `step for ${width} px`);
      assert.equal(await page.getAttribute(button, 'aria-pressed'), 'true');
      assert.equal(await page.getAttribute('#ranges [data-range="live"]', 'aria-pressed'), 'false');

      // The seeded points span the whole chart (live frames alone could not).
      const share = await coverage(page, 'chart-cpu', '--cpu');
      assert.ok(share > 0.9, `the CPU line covers ${(share * 100).toFixed(0)} % of the width`);

      // Hover: the readout names a time and the seeded value at that time.
      const box = await page.locator('#chart-cpu').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const readout = await page.textContent('#chart-cpu-at');
      const match = /^(.+): (\d+(?:\.\d)?)%$/.exec(readout);
      assert.ok(match, `readout "${readout}"`);
      const middle = (request.since + request.until) / 2;
      const seeded = [];
      for (let t = Math.ceil(request.since / request.step) * request.step; t <= request.until; t += request.step) seeded.push(t);
      const nearest = seeded.reduce((a, t) => (Math.abs(t - middle) < Math.abs(a - middle) ? t : a));
      const value = seededCpu(nearest, secs);
      assert.ok(Math.abs(Number(match[2]) - value) <= Math.max(0.1, 2 * (35 * 12 * request.step) / secs) + 1,
        `readout ${readout}: the seeded value near the middle is ${value}`);
      if (secs > 2 * 86400) assert.match(match[1], /^[A-Z][a-z]{2} \d{1,2} \d\d:\d\d$/);
      else assert.match(match[1], /^\d\d:\d\d$/);
      await screenshot(page, `dashboard-range-${label.replace(' ', '')}.png`);
      const serious = await axeViolations(page);
      assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), []);
      await page.mouse.move(0, 0);
    }

    // Dragging across the middle third of the 30 d chart zooms to those ten days, at a finer
    // step; Reset goes back to the last 30 d.
    {
      const asked = ranged.length;
      const box = await page.locator('#chart-cpu').boundingBox();
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width / 3, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2, y, { steps: 4 });
      await page.mouse.move(box.x + (2 * box.width) / 3, y, { steps: 4 });
      await page.mouse.up();
      await page.waitForFunction(() => document.getElementById('range-note').textContent.startsWith('Zoomed to '));
      assert.ok(ranged.length > asked, 'a /history request for the zoomed span');
      const zoomed = ranged[ranged.length - 1];
      const span = zoomed.until - zoomed.since;
      assert.ok(Math.abs(span - 2592000 / 3) < 0.1 * 2592000 / 3, `zoomed span ${span} s`);
      assert.ok(zoomed.until < Date.now() / 1000 - 2592000 / 4, 'the span ends in the past');
      const width = await page.evaluate(() => Math.max(...['chart-cpu', 'chart-mem', 'chart-net']
        .map((id) => document.getElementById(id).clientWidth)));
      assert.equal(zoomed.step, Math.ceil(span / width));
      const share = await coverage(page, 'chart-cpu', '--cpu');
      assert.ok(share > 0.9, `the zoomed CPU line covers ${(share * 100).toFixed(0)} % of the width`);
      assert.equal(await page.isVisible('#zoom-reset'), true);
      await page.click('#zoom-reset');
      await page.waitForFunction(() => document.getElementById('range-note').textContent.startsWith('The last 30 d'));
      const back = ranged[ranged.length - 1];
      assert.equal(back.until - back.since, 2592000);
      assert.equal(await page.isVisible('#zoom-reset'), false);
    }

    // The server keeps no history of sensors: their chart stays live (and says so) while the
    // load chart follows the range.
    const titles = await page.$$eval('#more-charts figcaption', (els) => els.map((e) => e.textContent));
    assert.ok(titles.includes('Temperatures, °C, live only'), JSON.stringify(titles));
    assert.ok(titles.some((t) => /^Load average/.test(t) && !t.includes('live only')), JSON.stringify(titles));
    const temps = await page.evaluate(async () => {
      const figure = [...document.querySelectorAll('#more-charts figure')]
        .find((f) => f.querySelector('figcaption').textContent.startsWith('Temperatures'));
      const canvas = figure.querySelector('canvas');
      canvas.scrollIntoView({ block: 'center' });
      await new Promise((done) => setTimeout(done, 2500));
      // Pixels in a series colour (not the grid or the axis labels).
      const css = getComputedStyle(document.documentElement);
      const colors = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => {
        const probe = document.createElement('canvas').getContext('2d');
        probe.fillStyle = css.getPropertyValue(`--s${k}`).trim();
        probe.fillRect(0, 0, 1, 1);
        return probe.getImageData(0, 0, 1, 1).data;
      });
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 200 && colors.some(([r, g, b]) => Math.abs(data[i] - r) + Math.abs(data[i + 1] - g)
          + Math.abs(data[i + 2] - b) <= 40)) inked += 1;
      }
      return inked;
    });
    assert.ok(temps > 10, `the live-only temperature chart still draws under 30 d: ${temps} pixels`);
    await page.evaluate(() => window.scrollTo(0, 0));

    // Remembered for the session: a reload signs in to the 30 d range and asks for it again.
    const before = ranged.length;
    await page.reload();
    await signIn(page);
    await waitLive(page);
    await page.waitForFunction(() => /^The last 30 d/.test(document.getElementById('range-note').textContent));
    assert.equal(await page.getAttribute('#ranges [data-range="2592000"]', 'aria-pressed'), 'true');
    assert.ok(ranged.length > before && ranged[ranged.length - 1].until - ranged[ranged.length - 1].since === 2592000);
    assert.deepEqual(watch.pageErrors, []);
  } finally {
    await context.close();
  }
});
