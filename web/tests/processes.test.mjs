// Processes come from the detailed stream (detail=full): every process with its own CPU, so a
// process burning a core with almost no memory (which the classic top 10 by memory never shows)
// is on top of the table, sorted by CPU by default, with a caption that says so.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';

import { openPage, signIn, waitLive } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

let server;
let busy;
before(async () => {
  // A real busy child: a shell spinning on one core with ~1 MiB resident.
  busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  server = await startServer({ fixture: null });
});
after(async () => {
  busy?.kill('SIGKILL');
  await server?.stop();
});

test('a busy child process is on top when sorted by CPU', async () => {
  const { context, page } = await openPage(server.url);
  try {
    const urls = [];
    page.on('websocket', (ws) => urls.push(ws.url()));
    await signIn(page);
    await waitLive(page);
    assert.ok(urls.some((u) => new URL(u).searchParams.get('detail') === 'full'), urls.join());
    const pid = String(busy.pid);
    // On a machine shared with other busy processes the order among full cores may swap for a
    // frame: wait until the child leads, which an idle machine shows from the second frame.
    await page.waitForFunction((p) => document.querySelector('#procs tbody tr')?.dataset.pid === p,
      pid, { timeout: 20000 });
    const top = await page.$eval('#procs tbody tr', (tr) => [...tr.cells].map((c) => c.textContent));
    assert.equal(top[0], 'sh');
    assert.equal(top[5], pid);
    // Near 100 % on an idle machine; far less on a crowded one, but still the most.
    assert.ok(parseFloat(top[1]) > 0, `the child shows ${top[1]} CPU`);
    assert.ok(parseFloat(top[2]) < 50, `the child shows ${top[2]} of memory`);
    assert.match(await page.textContent('#proc-count'), /^\d+ processes, by CPU, busiest first$/);
    assert.equal(await page.getAttribute('#procs th:nth-child(2)', 'aria-sort'), 'descending');

    // Sorted: every row's CPU is at most the one above it.
    const cpus = await page.$$eval('#procs tbody tr', (rows) => rows.map((r) => parseFloat(r.cells[1].textContent) || 0));
    assert.ok(cpus.length > 10, `${cpus.length} rows`);
    cpus.slice(1).forEach((v, i) => assert.ok(v <= cpus[i] + 1e-9, `row ${i + 1}: ${v} after ${cpus[i]}`));

    // The name filter finds it too.
    await page.fill('#proc-filter', 'sh');
    assert.ok(await page.$(`#procs tbody tr[data-pid="${pid}"]`), 'the filter keeps the child');
  } finally {
    await context.close();
  }
});
