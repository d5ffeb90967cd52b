// Measures the dashboard's budgets against running servers (not part of the test run):
//   1. bytes of the first load, uncompressed: the page and all its assets (goal < 150 KB),
//      and the same plus the first /system and /network answers after signing in;
//   2. time from navigation (and from pressing Sign in) to the first live frame, median of 5;
//   3. the page's own main-thread CPU in Chromium over 60 s at one frame per second, from the
//      DevTools Performance metrics (TaskDuration, ScriptDuration, LayoutDuration, ...), with
//      the stream the page asks for (the detailed one, detail=full, since issue 24).
// With several binaries (PSMONITOR_BINS="before=/path/a,after=/path/b") each is measured in turn
// in the same run, so a before/after comparison shares the machine's state.
//
// usage: node budget.mjs [--seconds 60] [--runs 5]   (PSMONITOR_BIN or PSMONITOR_BINS)

import { openPage, signIn, waitLive } from './support/browser.mjs';
import { BIN, startServer } from './support/server.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('--seconds', 60);
const RUNS = arg('--runs', 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bins = (process.env.PSMONITOR_BINS ?? `this=${BIN}`).split(',').map((pair) => pair.split('='));

async function measure(label, bin) {
  console.log(`== ${label}: ${bin}`);
  const server = await startServer({ bin });
  try {
    // 1 and 2: a fresh browser profile (empty cache) per run.
    const toFrame = [];
    const fromSignIn = [];
    let assets = null;
    let withData = null;
    for (let run = 0; run < RUNS; run += 1) {
      const { context, page } = await openPage(server.url);
      await page.waitForLoadState('load');
      if (run === 0) {
        assets = await page.evaluate(() => [performance.getEntriesByType('navigation')[0],
          ...performance.getEntriesByType('resource')].map((e) => [new URL(e.name).pathname, e.decodedBodySize]));
      }
      await signIn(page);
      await waitLive(page);
      await page.waitForSelector('#net tbody tr');
      const marks = await page.evaluate(() => ({
        frame: performance.getEntriesByName('psmonitor-first-frame')[0].startTime,
        signIn: performance.getEntriesByName('psmonitor-sign-in')[0].startTime,
        bytes: [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
          .map((e) => [new URL(e.name).pathname, e.decodedBodySize]),
      }));
      toFrame.push(marks.frame);
      fromSignIn.push(marks.frame - marks.signIn);
      if (run === 0) withData = marks.bytes;
      await context.close();
    }
    const sum = (list) => list.reduce((a, [, b]) => a + b, 0);
    console.log('first load, uncompressed bytes:');
    for (const [path, size] of assets) console.log(`  ${path.padEnd(22)} ${size}`);
    console.log(`  page + assets: ${sum(assets)} bytes (${(sum(assets) / 1024).toFixed(1)} KiB), ${assets.length} requests`);
    console.log(`  with the first /system, /network (and /history) answers: ${sum(withData)} bytes, ${withData.length} requests`);
    console.log(`navigation -> first live frame (sign-in typed by the driver at load): median ${median(toFrame).toFixed(0)} ms of ${RUNS} (${toFrame.map((v) => v.toFixed(0)).join(', ')})`);
    console.log(`Sign in pressed -> first live frame: median ${median(fromSignIn).toFixed(0)} ms (${fromSignIn.map((v) => v.toFixed(0)).join(', ')})`);

    // 3: CPU over SECONDS with the stream at 1 Hz and /network every 3 s.
    const { context, page } = await openPage(server.url);
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    let frameBytes = 0;
    let frames = 0;
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
      if (String(payload).startsWith('{')) {
        frames += 1;
        frameBytes += String(payload).length;
      }
    }));
    await signIn(page);
    await waitLive(page);
    await new Promise((done) => setTimeout(done, 5000));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const before = await metrics();
    const framesBefore = frames;
    const bytesBefore = frameBytes;
    const started = Date.now();
    await new Promise((done) => setTimeout(done, SECONDS * 1000));
    const after = await metrics();
    const wall = (Date.now() - started) / 1000;
    const d = (k) => after[k] - before[k];
    const detailed = sockets.some((u) => new URL(u).searchParams.get('detail') === 'full');
    const n = frames - framesBefore;
    console.log(`page CPU over ${wall.toFixed(1)} s, ${n} frames (${detailed ? 'detailed' : 'classic'} stream, ${((frameBytes - bytesBefore) / Math.max(1, n)).toFixed(0)} bytes each; main thread, DevTools metrics):`);
    for (const k of ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration']) {
      console.log(`  ${k.padEnd(20)} ${(d(k) * 1000).toFixed(0)} ms = ${((d(k) / wall) * 100).toFixed(2)} % of one core`);
    }
    console.log(`  JS heap used at the end: ${(after.JSHeapUsedSize / 1048576).toFixed(2)} MiB; nodes ${after.Nodes}`);
    await context.close();
  } finally {
    await server.stop();
  }
}

for (const [label, bin] of bins) await measure(label, bin);
