// The charts a host has or has not: load, per-core CPU, disk I/O per device, network per
// interface, temperatures, fans, GPUs and batteries, from the detailed stream (DESIGN 5.7). A
// chart appears the first time a frame carries its data, so a VM without sensors shows none.
// Charts whose series the server keeps (load, per core, per interface) are filled from /history
// like the main ones; the rest are live only (the last ten minutes whatever the range, and
// their captions say so). Each has a line under it with the current values,
// coloured when a threshold is crossed (temperature near critical, battery nearly empty).
// Disk and network charts also say what the device is (model and size; addresses, MAC and
// link speed) when the server sends it (disk_info, net_info).

import { LineChart } from './chart.js';
import * as fmt from './format.js';

/** What the live-only charts show whatever the range: the last ten minutes, sliding. */
const LIVE_WINDOW = [600, true];
const PALETTE = ['--s1', '--s2', '--s3', '--s4', '--s5', '--s6', '--s7', '--s8'];
/** Temperatures from here are high, and from here near critical (most CPUs throttle near 95-100). */
export const TEMP_WARN = 80;
export const TEMP_BAD = 90;

/** The level of a temperature: '' (fine), 'warn' or 'bad'. */
export function tempLevel(celsius) {
  if (!fmt.isFiniteNumber(celsius)) return '';
  return celsius >= TEMP_BAD ? 'bad' : celsius >= TEMP_WARN ? 'warn' : '';
}

const sensorName = (s) => (s.label ? `${s.chip} ${s.label}` : s.chip);
const named = (list, name) => (Array.isArray(list) ? list.find((d) => d && d.name === name) : undefined);

/** What a block device is: `Samsung SSD 980 PRO 1TB · 931.5 GiB SSD`; '' when unknown. */
export function diskAbout(info) {
  if (!info) return '';
  // SATA disks name their bus, not their maker, as vendor.
  const maker = [info.vendor === 'ATA' ? null : info.vendor, info.model].filter((v) => typeof v === 'string' && v);
  const kind = info.rotational === true ? 'HDD' : info.rotational === false ? 'SSD' : '';
  const size = fmt.isFiniteNumber(info.size) && info.size > 0 ? `${fmt.bytes(info.size)}${kind ? ` ${kind}` : ''}` : kind;
  return [maker.join(' '), size, info.removable === true ? 'removable' : ''].filter(Boolean).join(' · ');
}

/** Mbit/s as written on the box: `100 Mbit/s`, `2.5 Gbit/s`. */
export function linkSpeed(mbps) {
  if (!fmt.isFiniteNumber(mbps)) return 'unknown';
  return mbps >= 1000 && mbps % 100 === 0 ? `${mbps / 1000} Gbit/s` : `${mbps} Mbit/s`;
}

/** What an interface is: addresses, MAC, link speed and state; '' when unknown. */
export function netAbout(info) {
  if (!info) return '';
  const list = (a) => (Array.isArray(a) && a.length > 0 ? a.join(', ') : 'none');
  return [
    `IPv4 ${list(info.ipv4)}`,
    `IPv6 ${list(info.ipv6)}`,
    `MAC ${info.mac || 'unknown'}`,
    `link ${linkSpeed(info.speed_mbps)}`,
    `${info.operstate || 'state unknown'}${fmt.isFiniteNumber(info.mtu) ? `, MTU ${info.mtu}` : ''}`,
  ].join(' · ');
}

/**
 * What a frame has to draw: one spec per chart, with its series (a `key` that is a /history
 * series name when `history` is set), current values, a summary and a threshold level.
 */
export function specsOf(frame) {
  const specs = [];
  const cpu = frame.cpu ?? {};
  if (Array.isArray(cpu.load) && cpu.load.length === 3) {
    const cores = Array.isArray(cpu.cores) ? cpu.cores.length : 0;
    specs.push({
      id: 'load', title: 'Load average (1, 5 and 15 min), runnable tasks', unit: '', history: true,
      series: ['1', '5', '15'].map((m) => ({ key: `load.${m}`, label: `${m} min` })),
      values: cpu.load,
      now: `Now ${fmt.load(cpu.load)}${cores > 0 ? ` on ${cores} cores` : ''}`,
      level: cores > 0 && cpu.load[0] > 2 * cores ? 'bad' : cores > 0 && cpu.load[0] > cores ? 'warn' : '',
    });
  }
  if (Array.isArray(cpu.cores) && cpu.cores.length > 1) {
    specs.push({
      id: 'cores', title: 'CPU busy per core, %', unit: '%', max: 100, history: true,
      series: cpu.cores.map((_, i) => ({ key: `cpu.usage@${i}`, label: `#${i}` })),
      values: cpu.cores,
      now: `Busiest core now ${fmt.percent(Math.max(...cpu.cores))}`,
      level: '',
    });
  }
  for (const io of Array.isArray(frame.disk_io) ? frame.disk_io : []) {
    specs.push({
      id: `io-${io.name}`, title: `Disk ${io.name}, bytes/s (read, written)`, unit: 'B/s', history: false,
      series: [{ key: `read@${io.name}`, label: 'read' }, { key: `write@${io.name}`, label: 'written' }],
      values: [io.read_bytes_per_sec, io.write_bytes_per_sec],
      now: `Now reading ${fmt.rate(io.read_bytes_per_sec)}, writing ${fmt.rate(io.write_bytes_per_sec)}`
        + (fmt.isFiniteNumber(io.busy_percent) ? `, busy ${fmt.percent(io.busy_percent)}` : ''),
      level: io.busy_percent >= 90 ? 'warn' : '',
      about: diskAbout(named(frame.disk_info, io.name)),
    });
  }
  for (const [name, r] of Object.entries(frame.net ?? {})) {
    if (name === 'lo') continue;
    specs.push({
      id: `net-${name}`, title: `Network ${name}, bytes/s (received, sent)`, unit: 'B/s', history: true,
      series: [{ key: `net.rx_bytes_per_sec@${name}`, label: 'received' }, { key: `net.tx_bytes_per_sec@${name}`, label: 'sent' }],
      values: [r.rx_bytes_per_sec, r.tx_bytes_per_sec],
      now: `Now receiving ${fmt.rate(r.rx_bytes_per_sec)}, sending ${fmt.rate(r.tx_bytes_per_sec)}`,
      level: '',
      about: netAbout(named(frame.net_info, name)),
    });
  }
  const sensors = frame.sensors ?? {};
  const temps = (Array.isArray(sensors.temps) ? sensors.temps : []).slice(0, PALETTE.length);
  if (temps.length > 0) {
    const hottest = temps.reduce((a, b) => (b.celsius > a.celsius ? b : a));
    specs.push({
      id: 'temps', title: 'Temperatures, °C', unit: '°C', history: false,
      series: temps.map((s) => ({ key: `temp@${sensorName(s)}`, label: sensorName(s) })),
      values: temps.map((s) => s.celsius),
      now: `Hottest now ${sensorName(hottest)} ${fmt.celsius(hottest.celsius)}`
        + (tempLevel(hottest.celsius) === 'bad' ? ', near critical' : tempLevel(hottest.celsius) === 'warn' ? ', high' : ''),
      level: tempLevel(hottest.celsius),
    });
  }
  const fans = (Array.isArray(sensors.fans) ? sensors.fans : []).slice(0, PALETTE.length);
  if (fans.length > 0) {
    specs.push({
      id: 'fans', title: 'Fans, RPM', unit: 'RPM', history: false,
      series: fans.map((f) => ({ key: `fan@${sensorName(f)}`, label: sensorName(f) })),
      values: fans.map((f) => f.rpm),
      now: `Now ${fans.map((f) => `${sensorName(f)} ${Math.round(f.rpm)} RPM`).join(', ')}`,
      level: '',
    });
  }
  (Array.isArray(frame.gpus) ? frame.gpus : []).forEach((g, i) => {
    const vram = fmt.isFiniteNumber(g.vram_used) && g.vram_total > 0 ? (100 * g.vram_used) / g.vram_total : null;
    if (!fmt.isFiniteNumber(g.busy) && vram === null) return;
    const parts = [];
    if (fmt.isFiniteNumber(g.busy)) parts.push(`busy ${fmt.percent(g.busy)}`);
    if (vram !== null) parts.push(`memory ${fmt.mib(g.vram_used)} of ${fmt.mib(g.vram_total)}`);
    if (fmt.isFiniteNumber(g.temp)) parts.push(fmt.celsius(g.temp));
    if (fmt.isFiniteNumber(g.power)) parts.push(`${g.power.toFixed(1)} W`);
    specs.push({
      id: `gpu-${i}`, title: `GPU ${g.name || g.vendor}, % (busy, memory used)`, unit: '%', max: 100, history: false,
      series: [{ key: `gpu.busy@${i}`, label: 'busy' }, { key: `gpu.vram@${i}`, label: 'memory' }],
      values: [g.busy ?? null, vram],
      now: `Now ${parts.join(', ')}`,
      level: tempLevel(g.temp),
    });
  });
  (Array.isArray(frame.battery) ? frame.battery : []).forEach((b) => {
    if (!fmt.isFiniteNumber(b.percent)) return;
    const low = b.state === 'Discharging' && b.percent < 20;
    specs.push({
      id: `bat-${b.name}`, title: `Battery ${b.name}, % charged`, unit: '%', max: 100, history: false,
      series: [{ key: `battery@${b.name}`, label: 'charge' }],
      values: [b.percent],
      now: `Now ${fmt.percent(b.percent)}${b.state ? `, ${b.state.toLowerCase()}` : ''}`
        + (fmt.isFiniteNumber(b.power) ? `, ${b.power.toFixed(1)} W` : ''),
      level: low && b.percent < 10 ? 'bad' : low ? 'warn' : '',
    });
  });
  return specs;
}

/** The extra charts, created as the host shows it has them. */
export class MoreCharts {
  /**
   * @param {HTMLElement} section shown once there is at least one chart
   * @param {HTMLElement} container where the figures go
   * @param {() => void} redraw asks the page to draw on the next animation frame
   */
  constructor(section, container, redraw) {
    this.section = section;
    this.container = container;
    this.redraw = redraw;
    /** @type {Map<string, {chart: LineChart, spec: object, now: HTMLElement}>} */
    this.charts = new Map();
    this.window = [600, true];
  }

  /** Every chart, for drawing and marking dirty. */
  all() {
    return [...this.charts.values()].map((c) => c.chart);
  }

  /** Adds the frame's values at `t`, creating the charts it is the first to carry. */
  update(frame, t) {
    for (const spec of specsOf(frame)) {
      let entry = this.charts.get(spec.id);
      if (!entry || entry.spec.series.length !== spec.series.length) {
        entry?.figure.remove();
        entry = this.create(spec);
        this.charts.set(spec.id, entry);
      }
      entry.spec = spec;
      entry.chart.push(t, spec.values.map((v) => (fmt.isFiniteNumber(v) ? v : null)));
      if (entry.now.textContent !== spec.now) entry.now.textContent = spec.now;
      const about = spec.about ?? '';
      if (entry.about.textContent !== about) entry.about.textContent = about;
      entry.about.hidden = about === '';
      const cls = `now${spec.level ? ` ${spec.level}` : ''}`;
      if (entry.now.className !== cls) entry.now.className = cls;
    }
    this.section.hidden = this.charts.size === 0;
  }

  create(spec) {
    const n = this.container.children.length;
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    caption.id = `more-${n}-title`;
    caption.textContent = spec.history ? spec.title : `${spec.title}, live only`;
    const canvas = document.createElement('canvas');
    canvas.id = `more-${n}`;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-labelledby', caption.id);
    canvas.setAttribute('aria-describedby', `more-${n}-about more-${n}-now chart-hint`);
    const about = document.createElement('p');
    about.id = `more-${n}-about`;
    about.className = 'about';
    about.hidden = true;
    const readout = document.createElement('output');
    readout.className = 'readout';
    const now = document.createElement('p');
    now.id = `more-${n}-now`;
    now.className = 'now';
    figure.append(caption, about);
    if (spec.series.length > 1) {
      const legend = document.createElement('ul');
      legend.className = 'legend';
      legend.setAttribute('aria-hidden', 'true');
      spec.series.forEach((s, i) => {
        const li = document.createElement('li');
        li.className = `c${(i % PALETTE.length) + 1}`;
        li.textContent = s.label;
        legend.append(li);
      });
      figure.append(legend);
    }
    figure.append(canvas, readout, now);
    this.container.append(figure);
    const chart = new LineChart(canvas, {
      series: spec.series.map((s, i) => ({ key: s.key, label: s.label, color: PALETTE[i % PALETTE.length] })),
      unit: spec.unit,
      max: spec.max ?? null,
      readout,
    });
    chart.setWindow(...(spec.history ? this.window : LIVE_WINDOW));
    canvas.addEventListener('chartredraw', () => this.redraw());
    return { chart, spec, now, about, figure };
  }

  /** The /history series names of the charts that have them. */
  historyKeys() {
    return [...this.charts.values()].filter((c) => c.spec.history).flatMap((c) => c.spec.series.map((s) => s.key));
  }

  /**
   * Same as LineChart.setWindow for every chart the server keeps history for (and those made
   * later); the live-only ones keep showing the last ten minutes, sliding.
   */
  setWindow(secs, live, end = null) {
    this.window = [secs, live, end];
    for (const { chart, spec } of this.charts.values()) {
      if (!spec.history) continue;
      chart.setWindow(secs, live, end);
      chart.clear();
    }
  }

  /** Fills the charts that keep history from a /history answer. */
  setHistory(times, series) {
    for (const { chart, spec } of this.charts.values()) {
      if (spec.history) chart.setHistory(times, series);
    }
  }
}
