// What each device is, beside its chart: a disk's model, size and kind, and an interface's
// addresses, MAC and link speed, from the detailed stream's disk_info and net_info. Where the
// host's sysfs lacked a file the text says "unknown"; a server without them shows no line.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { diskAbout, linkSpeed, netAbout } from '../../core/web/assets/more.js';
import { axeViolations, openPage, screenshot, signIn, waitLive } from './support/browser.mjs';
import { ROOT, startServer } from './support/server.mjs';

const host = (name) => join(ROOT, `fixtures/hosts/${name}.json`);

/** Signs in on a server replaying `fixture`, waits for the extra charts, and hands over the page. */
async function withHost(fixture, check) {
  const server = await startServer({ fixture: host(fixture) });
  const { context, page } = await openPage(server.url);
  try {
    await signIn(page);
    await waitLive(page);
    await page.waitForFunction(() => !document.getElementById('more').hidden);
    await check(page);
  } finally {
    await context.close();
    await server.stop();
  }
}

/** Each extra chart's caption with its identity line ('' when hidden). */
const abouts = (page) => page.$$eval('#more-charts figure', (figures) => Object.fromEntries(figures.map((f) => {
  const about = f.querySelector('.about');
  return [f.querySelector('figcaption').textContent, about && !about.hidden ? about.textContent : ''];
})));

test('disk and network charts say what the device is', async () => {
  await withHost('amd-gpu-desktop', async (page) => {
    await page.waitForFunction(() => [...document.querySelectorAll('#more-charts .about')].some((p) => !p.hidden));
    const byTitle = await abouts(page);
    const of = (prefix) => Object.entries(byTitle).find(([t]) => t.startsWith(prefix))?.[1];
    assert.equal(of('Disk nvme0n1,'), 'Samsung SSD 980 PRO 1TB · 931.5 GiB SSD');
    assert.equal(of('Disk sda,'), 'WDC WD40EFZX-68A · 3.6 TiB HDD');
    assert.equal(of('Network enp7s0,'), 'IPv4 192.168.1.40/24 · IPv6 fd12:3456:789a:1::40/64, '
      + 'fe80::aaa1:59ff:fe3c:4d21/64 · MAC a8:a1:59:3c:4d:21 · link 2.5 Gbit/s · up, MTU 1500');
    assert.equal(of('Network docker0,'), 'IPv4 172.17.0.1/16 · IPv6 none · MAC 02:42:5e:1c:8a:03 · link unknown · down, MTU 1500');
    assert.equal(of('Load average'), '', 'only device charts carry an identity line');
    const described = await page.$eval('#more-charts figure:has(.about:not([hidden])) canvas',
      (c) => c.getAttribute('aria-describedby'));
    assert.match(described, /-about /, 'screen readers hear it with the chart');
    await page.evaluate(() => document.querySelector('#more-charts .about:not([hidden])').scrollIntoView());
    await screenshot(page, 'dashboard-device-identity.png');
    const serious = await axeViolations(page);
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), []);
  });
});

test('what the host does not expose is unknown, and an older recording shows no identity line', async () => {
  await withHost('real-debian-vm', async (page) => {
    await page.waitForFunction(() => [...document.querySelectorAll('#more-charts .about')].some((p) => !p.hidden));
    const byTitle = await abouts(page);
    const of = (prefix) => Object.entries(byTitle).find(([t]) => t.startsWith(prefix))?.[1];
    assert.equal(of('Disk vda,'), '0x1af4 · 256.0 GiB HDD', 'a virtio disk has no model file');
    assert.match(of('Network eth0,'), /^IPv4 192\.0\.2\.2\/24 · .* · link unknown · up, MTU 1400$/);
  });
  await withHost('vm-no-sensors', async (page) => {
    await page.waitForTimeout(1500);
    const byTitle = await abouts(page);
    const ens3 = Object.entries(byTitle).find(([t]) => t.startsWith('Network ens3,'));
    assert.ok(ens3, JSON.stringify(byTitle));
    assert.equal(ens3[1], '', 'no net_info: no line, no crash');
  });
});

test('identity lines: speeds as on the box, nulls as unknown, nothing without identity', () => {
  assert.deepEqual([10, 100, 1000, 2500, 10000, 1234, null].map(linkSpeed),
    ['10 Mbit/s', '100 Mbit/s', '1 Gbit/s', '2.5 Gbit/s', '10 Gbit/s', '1234 Mbit/s', 'unknown']);
  assert.equal(diskAbout(undefined), '');
  assert.equal(netAbout(undefined), '');
  assert.equal(diskAbout({ name: 'sdb', vendor: 'SanDisk', model: 'Cruzer Blade', size: 32015679488, rotational: true, removable: true }),
    'SanDisk Cruzer Blade · 29.8 GiB HDD · removable');
  assert.equal(diskAbout({ name: 'x', model: null, vendor: null, size: null, rotational: null, removable: null }), '');
  assert.equal(netAbout({ name: 'tun0', mac: null, ipv4: ['10.8.0.2/24'], ipv6: [], speed_mbps: null, mtu: null, operstate: null }),
    'IPv4 10.8.0.2/24 · IPv6 none · MAC unknown · link unknown · state unknown');
});
