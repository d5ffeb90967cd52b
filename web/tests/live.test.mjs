// The figures follow the stream: on a host whose CPU load changes every second, the CPU figure
// and its chart change as frames arrive, without polling.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { openPage, signIn, unexpectedConsoleErrors, waitLive } from './support/browser.mjs';
import { startServer, varyingCpuFixture } from './support/server.mjs';

let server;
let browser;
before(async () => {
  server = await startServer({ fixture: varyingCpuFixture() });
  browser = await openPage(server.url);
});
after(async () => {
  await browser?.context.close();
  await server?.stop();
});

test('the CPU figure changes as frames arrive', async () => {
  const { page, watch } = browser;
  const frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    if (String(payload).startsWith('{')) frames.push(JSON.parse(payload).cpu.usage);
  }));
  await signIn(page);
  await waitLive(page);
  const seen = [];
  for (let i = 0; i < 6; i += 1) {
    const before = frames.length;
    const deadline = Date.now() + 5000;
    while (frames.length === before && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    await new Promise((done) => setTimeout(done, 100));
    seen.push(await page.textContent('#cpu-usage'));
  }
  assert.ok(frames.length >= 6, `${frames.length} frames`);
  assert.ok(new Set(seen).size >= 3, `the figure stayed ${JSON.stringify(seen)}`);
  // What is shown is what the last frame said.
  assert.equal(await page.textContent('#cpu-usage'), `${frames[frames.length - 1].toFixed(1)}%`);
  assert.deepEqual(watch.pageErrors, []);
  assert.deepEqual(unexpectedConsoleErrors(watch, [['404', '/history']]), []);
});

test('a hidden tab stops drawing and polling, and catches up when shown', async () => {
  const { page, watch } = browser;
  const picture = () => page.evaluate(() => document.getElementById('chart-cpu').toDataURL());
  const setHidden = (hidden) => page.evaluate((h) => {
    // Headless Chromium never hides a tab: stand in for the browser's visibility switch.
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

  const shown = await picture();
  await sleep(1500);
  assert.notEqual(await picture(), shown, 'a visible chart moves with each frame');

  await setHidden(true);
  await sleep(300);
  const frozen = await picture();
  const polls = watch.requests.filter((u) => u.endsWith('/network')).length;
  const cpuText = await page.textContent('#cpu-usage');
  await sleep(4000);
  assert.equal(await picture(), frozen, 'nothing drawn while hidden');
  assert.equal(watch.requests.filter((u) => u.endsWith('/network')).length, polls, 'no /network polls while hidden');
  assert.notEqual(await page.textContent('#cpu-usage'), cpuText, 'frames still update the text');

  await setHidden(false);
  await sleep(500);
  assert.notEqual(await picture(), frozen, 'redrawn when shown');
  assert.ok(watch.requests.filter((u) => u.endsWith('/network')).length > polls, 'polling resumes');
});
