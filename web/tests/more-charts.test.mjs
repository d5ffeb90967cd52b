// The extra charts appear only where the host has the hardware: a laptop with a GPU, batteries,
// fans and an NVMe disk shows them all; a VM without sensors shows load, per-core CPU and its
// network only. Thresholds are coloured and worded: a disk over 90 % is "full", a hot sensor
// "high", a load above twice the cores red.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { axeViolations, openPage, screenshot, signIn, waitLive } from './support/browser.mjs';
import { ROOT, startServer } from './support/server.mjs';

const host = (name) => join(ROOT, `fixtures/hosts/${name}.json`);

/** Signs in on a server replaying `fixture`, waits for two frames, and hands over the page. */
async function withHost(fixture, check) {
  const server = await startServer({ fixture: host(fixture) });
  const { context, page } = await openPage(server.url);
  try {
    await signIn(page);
    await waitLive(page);
    await page.waitForFunction(() => !document.getElementById('more').hidden);
    await page.waitForTimeout(2500);
    await check(page);
  } finally {
    await context.close();
    await server.stop();
  }
}

const captions = (page) => page.$$eval('#more-charts figcaption', (els) => els.map((e) => e.textContent));
/**
 * How many pixels of each extra chart are drawn in one of the series colours (each scrolled into
 * view first: charts out of view are not drawn).
 */
const inked = (page) => page.evaluate(async () => {
  const counts = [];
  for (const canvas of document.querySelectorAll('#more-charts canvas')) {
    canvas.scrollIntoView({ block: 'center' });
    await new Promise((done) => setTimeout(done, 250));
    counts.push(count(canvas));
  }
  return counts;

  function count(canvas) {
    const css = getComputedStyle(document.documentElement);
    const colors = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => {
      const probe = document.createElement('canvas').getContext('2d');
      probe.fillStyle = css.getPropertyValue(`--s${k}`).trim();
      probe.fillRect(0, 0, 1, 1);
      return probe.getImageData(0, 0, 1, 1).data;
    });
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && colors.some(([r, g, b]) => Math.abs(data[i] - r) + Math.abs(data[i + 1] - g)
        + Math.abs(data[i + 2] - b) <= 40)) n += 1;
    }
    return n;
  }
});

test('a laptop with a GPU, batteries and fans gets a chart for each', async () => {
  await withHost('nvidia-laptop', async (page) => {
    const titles = await captions(page);
    for (const want of [/^Load average/, /^CPU busy per core/, /^Disk nvme0n1,/, /^Network wlan0,/, /^Network enp3s0,/,
      /^Temperatures/, /^Fans/, /^GPU NVIDIA GeForce RTX 4060 Laptop GPU/, /^Battery BAT0/, /^Battery BAT1/]) {
      assert.ok(titles.some((t) => want.test(t)), `${want} in ${JSON.stringify(titles)}`);
    }
    assert.ok(!titles.some((t) => /GPU card0/.test(t)), 'a GPU reporting nothing gets no chart');
    assert.ok(!titles.some((t) => /Network lo,/.test(t)), 'no loopback chart');
    // A chart out of view is not drawn at all (the page's CPU budget), until scrolled to.
    const lastUnseen = await page.evaluate(async () => {
      window.scrollTo(0, 0);
      await new Promise((done) => setTimeout(done, 2500));
      const canvases = document.querySelectorAll('#more-charts canvas');
      const last = canvases[canvases.length - 1];
      const data = last.getContext('2d').getImageData(0, 0, last.width, last.height).data;
      return [last.getBoundingClientRect().top > window.innerHeight, data.some((v, i) => i % 4 === 3 && v > 0)];
    });
    assert.deepEqual(lastUnseen, [true, false], '[below the fold, anything drawn]');
    // Two or three frames make a short segment at the right end of live-only charts.
    (await inked(page)).forEach((n, i) => assert.ok(n > 4, `chart ${titles[i]}: ${n} pixels`));
    const nows = await page.$$eval('#more-charts .now', (els) => els.map((e) => e.textContent));
    assert.ok(nows.some((t) => /^Now busy 29\.0%, memory .* MiB of .* MiB/.test(t)), JSON.stringify(nows));
    assert.ok(nows.some((t) => /^Now 72\.0%, /.test(t)), JSON.stringify(nows));
    await page.evaluate(() => document.getElementById('more').scrollIntoView());
    await screenshot(page, 'dashboard-more-nvidia-laptop.png');
    const serious = await axeViolations(page);
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), []);
  });
});

test('a VM without sensors gets no sensor, GPU, battery or disk I/O chart', async () => {
  await withHost('vm-no-sensors', async (page) => {
    const titles = await captions(page);
    assert.ok(titles.some((t) => /^Load average/.test(t)), JSON.stringify(titles));
    assert.ok(titles.some((t) => /^Network ens3,/.test(t)), JSON.stringify(titles));
    for (const absent of [/^Temperatures/, /^Fans/, /^GPU/, /^Battery/, /^Disk /]) {
      assert.ok(!titles.some((t) => absent.test(t)), `${absent} in ${JSON.stringify(titles)}`);
    }
  });
});

test('thresholds: full disks, a hot sensor and a load above the cores are flagged in words', async () => {
  await withHost('no-swap-many-disks', async (page) => {
    await page.waitForFunction(() => document.querySelectorAll('#disks tbody tr').length > 5);
    const rows = await page.$$eval('#disks tbody tr', (trs) => trs.map((tr) => [tr.cells[0].textContent,
      tr.cells[1].textContent, tr.cells[1].className]));
    const byMount = Object.fromEntries(rows.map(([m, use, cls]) => [m, [use, cls]]));
    assert.deepEqual(byMount['/srv/backup'], ['100.0% full', 'num bad']);
    // 89.8 % by psutil's used / (used + available), 90.3 % as Grafana computes it (1 - 2030 / 21000).
    assert.deepEqual(byMount['/srv/media'], ['90.3% full', 'num bad']);
    assert.deepEqual(byMount['/srv/backup'], ['100.0% full', 'num bad']);
    assert.deepEqual(byMount['/'], ['36.5%', 'num'], '1 - 139 / 219');
    assert.deepEqual(byMount['/snap/core22/1586'], ['100.0%', 'num'], 'a read-only image is full by design');
    assert.deepEqual(byMount['/mnt/empty'], ['–', 'num'], 'a filesystem of size 0 has no use');
  });
  await withHost('many-processes', async (page) => {
    const nows = await page.$$eval('#more-charts .now', (els) => els.map((e) => [e.textContent, e.className]));
    const load = nows.find(([t]) => t.startsWith('Now 31.02'));
    assert.ok(load && load[1] === 'now bad', JSON.stringify(nows));
    const temps = nows.find(([t]) => t.startsWith('Hottest now'));
    assert.ok(temps && temps[1] === 'now warn' && temps[0].endsWith(', high'), JSON.stringify(nows));
  });
});
