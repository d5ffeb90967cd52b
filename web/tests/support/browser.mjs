// Debian's Chromium driven by playwright-core: headless, fresh profile, and a watch on console
// errors, uncaught exceptions and every request's origin.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { PASSWORD, ROOT, tempDir } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'target/screenshots');

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Opens a browser page on `serverUrl` and records what goes wrong.
 * @param {string} serverUrl
 * @param {{viewport?: {width: number, height: number}, colorScheme?: 'light'|'dark'}} options
 */
export async function openPage(serverUrl, { viewport = { width: 1280, height: 800 }, colorScheme = 'light' } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium)`);
  }
  const context = await chromium.launchPersistentContext(tempDir('psmonitor-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport,
    colorScheme,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const origin = new URL(serverUrl).origin;
  const watch = { consoleErrors: [], pageErrors: [], foreignRequests: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') {
      watch.consoleErrors.push({ text: message.text(), url: message.location().url ?? '' });
    }
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  context.on('request', (request) => {
    const url = request.url();
    watch.requests.push(url);
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const o = new URL(url);
    const same = o.host === new URL(origin).host && (o.protocol === 'http:' || o.protocol === 'ws:');
    if (!same) watch.foreignRequests.push(url);
  });
  await page.goto(`${serverUrl}/`);
  return { context, page, watch, origin };
}

/**
 * Console errors that are not expected: `allowed` lists [status text, URL part] pairs the case
 * provokes on purpose (Chromium logs every failed request as a console error).
 */
export function unexpectedConsoleErrors(watch, allowed = []) {
  return watch.consoleErrors.filter(({ text, url }) => !allowed.some(([what, where]) =>
    text.includes(what) && (url.includes(where) || text.includes(where))));
}

/** Signs in through the form. */
export async function signIn(page, password = PASSWORD) {
  await page.fill('#password', password);
  await page.press('#password', 'Enter');
}

/** Waits until the page shows live data (the status says Live and the banner is gone). */
export async function waitLive(page, timeout = 15000) {
  await page.waitForFunction(() => document.getElementById('live')?.textContent === 'Live'
    && document.getElementById('banner')?.hidden, null, { timeout });
}

/** Runs axe-core in the page (evaluated through the driver, so the page's CSP stays on). */
export async function axeViolations(page) {
  const require = createRequire(import.meta.url);
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const results = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Saves a screenshot under target/screenshots/. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Pixels of the canvas whose colour is within `tolerance` of the CSS custom property `color`. */
export async function pixelsOfColor(page, canvasId, color, tolerance = 40) {
  return page.evaluate(([id, name, tol]) => {
    const canvas = document.getElementById(id);
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) <= tol) count += 1;
    }
    return count;
  }, [canvasId, color, tolerance]);
}
