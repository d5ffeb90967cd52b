// The dashboard: login, then live panels from the websocket stream, /network polling and
// /history on load. Drawing stops while the tab is hidden.

import { ApiError, explain } from './api.js';
import { LineChart } from './chart.js';
import { clock } from './format.js';
import { MoreCharts } from './more.js';
import { showFrame, showNetwork, showSystem } from './panels.js';
import { ProcessTable } from './processes.js';
import { Session } from './session.js';
import { Stream } from './stream.js';

const NETWORK_POLL_MS = 3000;
const SYSTEM_POLL_MS = 30000;
/** What "Live" shows: the last ten minutes, sliding. */
const LIVE_SECS = 600;
/** The time ranges: button value -> [seconds, label]. */
const RANGES = {
  live: [LIVE_SECS, 'Live'],
  3600: [3600, '1 h'],
  21600: [21600, '6 h'],
  86400: [86400, '24 h'],
  604800: [604800, '7 d'],
  2592000: [2592000, '30 d'],
};
const RANGE_KEY = 'psmonitor-range';

const $ = (id) => document.getElementById(id);

const session = new Session(() => showLogin('Your session ended. Sign in again to continue.'));
const stream = new Stream(session, { onFrame, onState });
const charts = {
  cpu: new LineChart($('chart-cpu'), {
    series: [{ key: 'cpu.usage', color: '--cpu' }], unit: '%', max: 100, readout: $('chart-cpu-at'),
  }),
  mem: new LineChart($('chart-mem'), {
    series: [{ key: 'mem.percent', color: '--mem' }], unit: '%', max: 100, readout: $('chart-mem-at'),
  }),
  net: new LineChart($('chart-net'), {
    series: [{ key: 'rx', color: '--rx', label: 'received' }, { key: 'tx', color: '--tx', label: 'sent' }],
    unit: 'B/s',
    readout: $('chart-net-at'),
  }),
};
for (const chart of Object.values(charts)) chart.canvas.addEventListener('chartredraw', () => draw());
const more = new MoreCharts($('more'), $('more-charts'), () => draw());
/** The main charts and the host's extra ones. */
const allCharts = () => [...Object.values(charts), ...more.all()];
/** Resolved by the first frame (or after 3 s): the extra charts exist then, for /history. */
let firstFrame = () => {};
let range = storedRange();
/** The span dragged across a chart, {since, until} in UNIX seconds, while zoomed in. */
let zoom = null;
let historyTimer = 0;
let historyGeneration = 0;
const processes = new ProcessTable($('procs'), $('proc-filter'), $('proc-count'));
let netTimer = 0;
let ticker = 0;
/** When the stream will try again (ms since the epoch), for the banner's countdown. */
let retryAt = 0;
/** When the last frame arrived (ms), and the usual time between frames (ms). */
let lastFrameAt = 0;
let frameGap = 1000;
let systemTimer = 0;
let lastNet = null;
let framesSeen = 0;

function showLogin(note = '') {
  stopLive();
  $('dashboard').hidden = true;
  $('logout').hidden = true;
  $('banner').hidden = true;
  $('live').textContent = '';
  $('login-view').hidden = false;
  $('login-note').textContent = note;
  $('password').focus();
}

async function onLogin(event) {
  event.preventDefault();
  const password = $('password');
  const error = $('login-error');
  const submit = $('login-submit');
  error.textContent = '';
  if (password.value === '') {
    error.textContent = 'Enter the password.';
    password.focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = 'Signing in…';
  performance.mark('psmonitor-sign-in');
  try {
    await session.login($('username').value, password.value);
  } catch (err) {
    error.textContent = explain(err, location.host);
    password.select();
    return;
  } finally {
    password.value = '';
    submit.disabled = false;
    submit.textContent = 'Sign in';
  }
  startLive();
}

function startLive() {
  $('login-view').hidden = true;
  $('login-note').textContent = '';
  $('dashboard').hidden = false;
  $('logout').hidden = false;
  $('live').textContent = 'Connecting…';
  $('main').focus();
  framesSeen = 0;
  zoom = null;
  lastFrameAt = 0;
  frameGap = 1000;
  clearInterval(ticker);
  ticker = setInterval(tick, 1000);
  showRange();
  pollSystem();
  stream.start();
  const framed = new Promise((done) => {
    firstFrame = done;
    setTimeout(done, 3000);
  });
  Promise.all([pollNetwork(), framed]).then(loadHistory);
}

/** The range chosen earlier in this browser session, else live. */
function storedRange() {
  try {
    const value = sessionStorage.getItem(RANGE_KEY);
    return value && value in RANGES ? value : 'live';
  } catch {
    return 'live';
  }
}

/** Marks the chosen range's button and sets every chart's window (emptied for a new range). */
function showRange() {
  for (const button of $('ranges').querySelectorAll('button')) {
    button.setAttribute('aria-pressed', String(button.dataset.range === range));
  }
  const live = range === 'live' && !zoom;
  const secs = zoom ? zoom.until - zoom.since : RANGES[range][0];
  const end = zoom ? zoom.until : null;
  for (const chart of Object.values(charts)) {
    chart.setWindow(secs, live, end);
    chart.clear();
  }
  more.setWindow(secs, live, end);
  $('zoom-reset').hidden = !zoom;
  $('range-note').textContent = zoom ? 'Zooming…' : live ? '' : `Loading the last ${RANGES[range][1]}…`;
  draw();
}

/** Shows the span dragged across a chart (at least a minute), from /history. */
function zoomTo({ since, until }) {
  const middle = (since + until) / 2;
  const secs = Math.max(60, until - since);
  zoom = { since: Math.floor(middle - secs / 2), until: Math.ceil(middle + secs / 2) };
  showRange();
  loadHistory();
}

function chooseRange(value) {
  if (!(value in RANGES)) return;
  range = value;
  zoom = null;
  try {
    sessionStorage.setItem(RANGE_KEY, value);
  } catch {
    // Storage off: the choice lasts until the page is reloaded.
  }
  showRange();
  loadHistory();
}

/** Platform, user and the disk table (the stream frame has neither), every 30 s. */
async function pollSystem() {
  clearTimeout(systemTimer);
  if (!session.active) return;
  try {
    const system = await session.call('GET', '/system');
    showSystem(system);
    if (framesSeen === 0) {
      showFrame(system);
      showProcesses(system);
    }
  } catch {
    // Shown by the stream's banner; tried again on the next round.
  }
  if (session.active) systemTimer = setTimeout(pollSystem, SYSTEM_POLL_MS);
}

function stopLive() {
  stream.stop();
  clearInterval(ticker);
  $('updated').hidden = true;
  $('dashboard').classList.remove('stale');
  clearTimeout(historyTimer);
  historyGeneration += 1;
  clearTimeout(systemTimer);
  clearTimeout(netTimer);
  lastNet = null;
}

function onFrame(frame) {
  const at = Date.now();
  if (lastFrameAt > 0) frameGap = Math.min(60000, Math.max(200, 0.8 * frameGap + 0.2 * (at - lastFrameAt)));
  lastFrameAt = at;
  framesSeen += 1;
  if (framesSeen === 1) {
    performance.mark('psmonitor-first-frame');
    firstFrame();
  }
  showFrame(frame);
  showProcesses(frame);
  const t = Date.now() / 1000;
  charts.cpu.push(t, [frame.cpu?.usage ?? null]);
  charts.mem.push(t, [frame.mem?.percent ?? null]);
  more.update(frame, t);
  $('chart-cpu-now').textContent = `Now ${frame.cpu?.usage ?? 'unknown'} % busy.`;
  $('chart-mem-now').textContent = `Now ${frame.mem?.percent ?? 'unknown'} % used.`;
  draw();
}

/** Per-process rows of the detailed stream when present, else the classic process groups. */
function showProcesses(body) {
  if (Array.isArray(body.procs)) processes.update(body.procs, false);
  else processes.update(body.processes, true);
}

function onState(state, detail) {
  const banner = $('banner');
  if (state === 'live') {
    banner.hidden = true;
    $('banner-text').textContent = '';
    $('banner-count').textContent = '';
    $('live').textContent = 'Live';
    retryAt = 0;
    tick();
    return;
  }
  retryAt = Date.now() + detail.delay;
  $('banner-text').textContent = `Connection to the server lost (${detail.reason}).`;
  banner.hidden = false;
  $('live').textContent = 'Disconnected';
  tick();
}

/**
 * Once a second while signed in: the banner's countdown to the next attempt, and whether the
 * figures are stale (no frame for more than two intervals, with a little slack for jitter):
 * then they are greyed and the header says from when they are.
 */
function tick() {
  if (!$('banner').hidden) {
    const secs = Math.ceil((retryAt - Date.now()) / 1000);
    const count = secs > 0 ? `Reconnecting in ${secs} s…` : 'Reconnecting…';
    if ($('banner-count').textContent !== count) $('banner-count').textContent = count;
  }
  const age = Date.now() - lastFrameAt;
  const stale = lastFrameAt > 0 && age > 2 * frameGap + 250;
  $('dashboard').classList.toggle('stale', stale);
  const updated = $('updated');
  updated.hidden = !stale;
  if (stale) {
    const note = `Figures from ${clock(lastFrameAt / 1000, 0)}, ${Math.round(age / 1000)} s old`;
    if (updated.textContent !== note) updated.textContent = note;
  }
}

async function pollNetwork() {
  clearTimeout(netTimer);
  if (!session.active) return;
  if (!document.hidden) {
    try {
      const network = await session.call('GET', '/network');
      const now = performance.now() / 1000;
      const rates = new Map();
      let rx = 0;
      let tx = 0;
      for (const [name, s] of Object.entries(network.statistics ?? {})) {
        const before = lastNet?.network.statistics?.[name];
        const dt = lastNet ? now - lastNet.at : 0;
        const r = {
          rx: s.rx_bytes_per_sec ?? (before && dt > 0 ? Math.max(0, (s.mb_received - before.mb_received) * 1048576 / dt) : null),
          tx: s.tx_bytes_per_sec ?? (before && dt > 0 ? Math.max(0, (s.mb_sent - before.mb_sent) * 1048576 / dt) : null),
        };
        rates.set(name, r);
        if (name !== 'lo') {
          rx += r.rx ?? 0;
          tx += r.tx ?? 0;
        }
      }
      lastNet = { network, at: now };
      showNetwork(network, rates);
      charts.net.push(Date.now() / 1000, [rx, tx]);
      $('chart-net-now').textContent = `Now receiving ${Math.round(rx)} and sending ${Math.round(tx)} bytes per second.`;
      draw();
    } catch {
      // The stream's banner tells about a lost server; polling simply tries again.
    }
  }
  if (session.active) netTimer = setTimeout(pollNetwork, NETWORK_POLL_MS);
}

/** Whole seconds as `10 s`, `5 min`, `2 h`. */
function duration(secs) {
  if (secs < 120) return `${secs} s`;
  if (secs < 7200) return `${Math.round(secs / 60)} min`;
  return `${Math.round(secs / 3600)} h`;
}

/**
 * Fills the charts from /history for the range in force: live asks for the last ten minutes at
 * the finest step; a chosen range asks for [now - range, now] at a step giving about one point
 * per pixel of the widest chart, and is reloaded every step (at least every minute) to stay
 * current. A 404 (history off) is quietly ignored; a 400 (an interface without history) is
 * tried again without the network series.
 */
async function loadHistory() {
  clearTimeout(historyTimer);
  if (!session.active) return;
  const generation = ++historyGeneration;
  const chosen = range;
  const zoomed = zoom;
  const live = chosen === 'live' && !zoomed;
  const label = RANGES[chosen][1];
  const secs = zoomed ? zoomed.until - zoomed.since : RANGES[chosen][0];
  const ifaces = lastNet ? Object.keys(lastNet.network.statistics ?? {}).filter((n) => n !== 'lo') : [];
  const net = ifaces.flatMap((n) => [`net.rx_bytes_per_sec@${n}`, `net.tx_bytes_per_sec@${n}`]);
  const now = zoomed ? zoomed.until : Math.floor(Date.now() / 1000);
  const width = Math.max(1, ...Object.values(charts).map((c) => c.canvas.clientWidth));
  const step = Math.max(1, Math.ceil(secs / width));
  const base = ['cpu.usage', 'mem.percent'];
  const extra = more.historyKeys().filter((k) => !net.includes(k));
  const tries = [[...base, ...net, ...extra], [...base, ...net], base].filter((t, i, all) => i === 0 || t.length < all[i - 1].length);
  for (const series of tries) {
    const query = new URLSearchParams({ series: series.join(','), since: String(now - secs) });
    if (!live) {
      query.set('until', String(now));
      query.set('step', String(step));
    }
    let history;
    try {
      history = await session.call('GET', `/history?${query}`);
    } catch (err) {
      if (generation !== historyGeneration) return;
      if (err instanceof ApiError && err.kind === 'failed' && err.status === 400) continue;
      if (!live) {
        $('range-note').textContent = err instanceof ApiError && err.kind === 'not-found'
          ? 'This server keeps no history (--history off).'
          : `Could not load the last ${label}: ${err.message}. Trying again shortly.`;
        historyTimer = setTimeout(loadHistory, 30000);
      }
      return;
    }
    if (generation !== historyGeneration) return;
    const s = history?.series ?? {};
    const times = Array.isArray(history?.times) ? history.times : [];
    if (!live) {
      for (const chart of Object.values(charts)) {
        chart.clear();
        chart.setWindow(secs, false, now);
      }
      more.setWindow(secs, false, now);
    }
    more.setHistory(times, s);
    charts.cpu.setHistory(times, s);
    charts.mem.setHistory(times, s);
    const sum = (prefix) => times.map((_, i) => {
      const values = ifaces.map((n) => s[`${prefix}@${n}`]?.[i]).filter((v) => typeof v === 'number');
      return values.length > 0 ? values.reduce((a, b) => a + b, 0) : null;
    });
    if (net.length > 0 && series.includes(net[0])) charts.net.setHistory(times, { rx: sum('net.rx_bytes_per_sec'), tx: sum('net.tx_bytes_per_sec') });
    if (!live) {
      const every = typeof history.step === 'number' ? history.step : step;
      if (zoomed) {
        // A zoomed span is in the past: nothing to reload.
        $('range-note').textContent = `Zoomed to ${clock(now - secs, secs)} – ${clock(now, secs)}, one point every ${duration(every)}.`;
      } else {
        $('range-note').textContent = `The last ${label}, one point every ${duration(every)}.`;
        historyTimer = setTimeout(loadHistory, Math.max(60, every) * 1000);
      }
    }
    draw();
    return;
  }
}

let drawQueued = false;
function draw() {
  if (document.hidden || drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    if (document.hidden) return;
    for (const chart of allCharts()) chart.draw();
  });
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  for (const chart of allCharts()) chart.dirty = true;
  draw();
  stream.nudge();
  if (session.active) pollNetwork();
});
window.addEventListener('online', () => stream.nudge());
new ResizeObserver(() => {
  for (const chart of allCharts()) chart.dirty = true;
  draw();
}).observe($('dashboard'));
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const chart of allCharts()) chart.dirty = true;
  draw();
});

$('dashboard').addEventListener('chartzoom', (event) => zoomTo(event.detail));
$('zoom-reset').addEventListener('click', () => {
  zoom = null;
  showRange();
  loadHistory();
  $('ranges').querySelector('[aria-pressed="true"]')?.focus();
});
$('ranges').addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-range]') : null;
  if (button) chooseRange(button.dataset.range);
});
$('login-form').addEventListener('submit', onLogin);
$('logout').addEventListener('click', () => {
  session.signOut();
  showLogin('Signed out.');
});
showLogin();
