// Units and consistency: binary sizes written as GiB, "no swap" for a swapless host, disk use
// computed as the Grafana dashboard does (and said so), a 360 px layout where the process
// table's name, CPU (the default sort) and memory columns fit without cutting names mid-word,
// and a login form that says where the password comes from.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { openPage, signIn, waitLive } from './support/browser.mjs';
import { ROOT, startServer } from './support/server.mjs';

const host = (name) => join(ROOT, `fixtures/hosts/${name}.json`);

test('a swapless host says "no swap", sizes are GiB and disk use follows Grafana', async () => {
  const system = JSON.parse(readFileSync(join(ROOT, 'fixtures/golden/no-swap-many-disks/system.json'), 'utf8'));
  assert.equal(system.swap.total, 0);
  const server = await startServer({ fixture: host('no-swap-many-disks') });
  const { context, page } = await openPage(server.url);
  try {
    await signIn(page);
    await waitLive(page);
    await page.waitForFunction(() => document.querySelectorAll('#disks tbody tr').length > 5);
    assert.equal(await page.isVisible('#no-swap'), true);
    assert.equal((await page.textContent('#no-swap')).trim(), 'No swap: this host has no swap space.');
    assert.equal(await page.isVisible('#swap-facts'), false, 'no 0.00 GiB / 0.0 %');
    assert.equal(await page.isVisible('#swap-meter'), false);
    assert.equal(await page.textContent('#mem-total'), `${system.mem.total.toFixed(2)} GiB`);
    const body = await page.textContent('#dashboard');
    assert.doesNotMatch(body, /\d GB\b/, 'no decimal-looking GB labels on binary sizes');
    const how = await page.getAttribute('#disk-use-how', 'title');
    assert.match(how, /1 − available ÷ size/);
    assert.match(how, /Grafana/);
    const root = system.disks.find((d) => d.mount === '/');
    const shown = await page.$eval('#disks tbody tr', () => [...document.querySelectorAll('#disks tbody tr')]
      .map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
    const expected = (Math.round(1000 * (1 - root.free / root.total)) / 10).toFixed(1);
    assert.deepEqual(shown.find(([m]) => m === '/'), ['/', `${expected}%`]);
  } finally {
    await context.close();
    await server.stop();
  }
});

test('at 360 px the process names, CPU and memory fit and names are not broken', async () => {
  const server = await startServer({ fixture: host('nvidia-laptop') });
  const { context, page } = await openPage(server.url, { viewport: { width: 360, height: 740 } });
  try {
    const help = await page.textContent('#login-help');
    assert.match(help, /printed when the\s+server first started/);
    assert.match(help, /psmonitor credentials show/);
    assert.match(help, /API token/);
    await signIn(page);
    await waitLive(page);
    await page.waitForSelector('#procs tbody tr');
    await page.$eval('#procs', (t) => t.scrollIntoView());
    const layout = await page.evaluate(() => {
      const table = document.getElementById('procs');
      const box = table.closest('.scroll').getBoundingClientRect();
      const fits = (el) => {
        const r = el.getBoundingClientRect();
        return r.left >= box.left - 0.5 && r.right <= Math.min(box.right, window.innerWidth) + 0.5;
      };
      const head = [...table.tHead.rows[0].cells];
      const rows = [...table.tBodies[0].rows];
      const lineHeight = parseFloat(getComputedStyle(rows[0].cells[0]).lineHeight) || 20;
      return {
        order: head.map((th) => th.textContent),
        fit: head.slice(0, 3).map(fits),
        cellsFit: rows.slice(0, 5).map((tr) => [0, 1, 2].every((i) => fits(tr.cells[i]))),
        tallest: Math.max(...rows.map((tr) => tr.cells[0].getBoundingClientRect().height)),
        lineHeight,
        pageWidth: document.documentElement.scrollWidth,
        cut: rows.filter((tr) => tr.cells[0].scrollWidth > tr.cells[0].clientWidth)
          .map((tr) => [tr.cells[0].textContent, tr.cells[0].title]),
      };
    });
    assert.deepEqual(layout.order.slice(0, 3), ['Name', 'CPU', 'Memory']);
    assert.deepEqual(layout.fit, [true, true, true], JSON.stringify(layout));
    assert.ok(layout.cellsFit.every(Boolean), JSON.stringify(layout));
    assert.ok(layout.tallest < 2 * layout.lineHeight, `a name cell is ${layout.tallest} px tall: wrapped`);
    assert.ok(layout.pageWidth <= 360, `the page is ${layout.pageWidth} px wide`);
    for (const [text, title] of layout.cut) assert.equal(title, text, 'a cut name has its full text as title');
  } finally {
    await context.close();
    await server.stop();
  }
});
