// Fills the panels from /system, stream frames and /network. Text only (textContent): nothing
// the server sends is ever parsed as HTML.

import * as fmt from './format.js';
import { tempLevel } from './more.js';

/** Disk use from here is flagged (red, "full"), as the alert rules' disk-filling threshold. */
export const DISK_FULL = 90;
/** Memory use from here is high (amber) and from here under pressure (red). */
export const MEM_HIGH = 80;
export const MEM_PRESSURE = 90;

const $ = (id) => document.getElementById(id);

function text(id, value, level) {
  const el = $(id);
  if (!el) return;
  if (el.textContent !== value) el.textContent = value;
  if (level !== undefined && el.className !== level) el.className = level;
}

const levelWords = { warn: ' (high)', bad: ' (near critical)' };

/** The parts of a stream frame or /system body that both carry. */
export function showFrame(frame) {
  const cpu = frame.cpu ?? {};
  text('cpu-usage', fmt.percent(cpu.usage));
  text('cpu-freq', fmt.mhz(cpu.freq));
  const heat = tempLevel(cpu.temp);
  text('cpu-temp', `${fmt.celsius(cpu.temp)}${levelWords[heat] ?? ''}`, heat);
  text('cpu-load', fmt.load(cpu.load));
  showCores(Array.isArray(cpu.cores) ? cpu.cores : []);

  const mem = frame.mem ?? {};
  const pressure = mem.percent >= MEM_PRESSURE ? 'bad' : mem.percent >= MEM_HIGH ? 'warn' : '';
  text('mem-percent', fmt.percent(mem.percent), pressure);
  text('mem-used', fmt.gb(mem.used));
  text('mem-free', fmt.gb(mem.free));
  text('mem-total', fmt.gb(mem.total));
  $('mem-meter').value = fmt.isFiniteNumber(mem.percent) ? mem.percent : 0;

  // A swapless host sends zeros (or nothing): say so instead of "0.00 GiB / 0.0%".
  const swap = frame.swap;
  const hasSwap = swap && swap.total > 0;
  $('swap-facts').hidden = !hasSwap;
  $('swap-meter').hidden = !hasSwap;
  $('no-swap').hidden = hasSwap || !swap;
  if (hasSwap) {
    text('swap-used', fmt.gb(swap.used));
    text('swap-percent', fmt.percent(swap.percent));
    text('swap-total', fmt.gb(swap.total));
    $('swap-meter').value = fmt.isFiniteNumber(swap.percent) ? swap.percent : 0;
  }

  // The classic frame has only the root filesystem: /system (polled) fills the table then.
  if (Array.isArray(frame.disks)) showDisks(frame.disks);

  const uptime = frame.uptime ?? frame.platform?.uptime;
  if (typeof uptime === 'string') text('sys-uptime', uptime);
}

/** The fields only /system has. */
export function showSystem(system) {
  const platform = system.platform ?? {};
  text('sys-hostname', platform.hostname ?? '–');
  text('sys-distro', platform.distro ?? '–');
  text('sys-kernel', platform.kernel ?? '–');
  text('sys-user', system.user ?? '–');
  const disks = Array.isArray(system.disks) && system.disks.length > 0
    ? system.disks
    : system.disk ? [{ mount: '/', ...system.disk }] : [];
  showDisks(disks);
  const name = platform.hostname ?? location.host;
  text('host', name);
  document.title = `${name} · PSMonitor`;
}

function showCores(cores) {
  const list = $('cpu-cores');
  if (list.children.length !== cores.length) {
    list.replaceChildren(...cores.map((_, i) => {
      const li = document.createElement('li');
      const label = document.createElement('span');
      label.textContent = `#${i}`;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.setAttribute('aria-hidden', 'true');
      const fill = document.createElement('span');
      fill.className = 'fill';
      bar.append(fill);
      const pct = document.createElement('span');
      pct.className = 'pct';
      li.append(label, bar, pct);
      return li;
    }));
  }
  cores.forEach((usage, i) => {
    const li = list.children[i];
    const shown = fmt.percent(usage);
    li.setAttribute('aria-label', `Core ${i}: ${shown}`);
    li.lastChild.textContent = shown;
    li.children[1].firstChild.style.width = `${Math.max(0, Math.min(100, usage || 0))}%`;
  });
}

function showDisks(disks) {
  const body = $('disks').tBodies[0];
  const key = JSON.stringify(disks);
  if (body.dataset.key === key) return;
  body.dataset.key = key;
  body.replaceChildren(...disks.map((d) => {
    const use = fmt.diskUse(d);
    // A read-only image (squashfs: snaps) is always full by design.
    const full = use !== null && use > DISK_FULL && d.fs !== 'squashfs';
    return row([
      [d.mount, 'name'],
      full ? [`${fmt.percent(use)} full`, 'num bad'] : [fmt.percent(use), 'num'],
      [fmt.gb(d.used), 'num'], [fmt.gb(d.total), 'num'], [d.device ?? ''], [d.fs ?? ''],
    ]);
  }));
}

/**
 * The network table: totals from /network, rates from its `*_bytes_per_sec` keys when present,
 * else from the change since the previous poll.
 */
export function showNetwork(network, rates) {
  const stats = network.statistics ?? {};
  const names = Array.isArray(network.interfaces) ? network.interfaces : Object.keys(stats);
  const body = $('net').tBodies[0];
  body.replaceChildren(...names.filter((n) => stats[n]).map((name) => {
    const s = stats[name];
    const r = rates.get(name) ?? {};
    return row([
      [name, 'name'],
      [fmt.rate(r.rx), 'num'], [fmt.rate(r.tx), 'num'],
      [fmt.bytes(s.mb_received * 1048576), 'num'], [fmt.bytes(s.mb_sent * 1048576), 'num'],
    ]);
  }));
  const w = network.wireless;
  text('wireless', w && typeof w === 'object'
    ? `Wireless ${w.name}: signal ${w.signal}, quality ${w.quality}, channel ${w.channel}, ${w.encryption}`
    : '');
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const [value, cls] of cells) {
    const td = document.createElement('td');
    td.textContent = value;
    if (cls) td.className = cls;
    if (cls === 'name') td.title = value;
    tr.append(td);
  }
  return tr;
}
