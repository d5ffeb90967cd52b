// A small line chart on <canvas>: a sliding time window, one or more series, colours taken from
// the page's CSS custom properties so light and dark follow the system setting.

import { axis } from './format.js';

const style = () => getComputedStyle(document.documentElement);

/** A live line chart. */
export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{series: {key: string, color: string}[], unit: string, max?: number, windowSecs?: number}} options
   */
  constructor(canvas, { series, unit, max = null, windowSecs = 600 }) {
    this.canvas = canvas;
    this.series = series;
    this.unit = unit;
    this.max = max;
    this.windowSecs = windowSecs;
    /** @type {{t: number, v: (number|null)[]}[]} oldest first */
    this.points = [];
    this.dirty = true;
  }

  /** Fills the chart from `/history`: `times` and one array per series key (nulls allowed). */
  setHistory(times, seriesByKey) {
    const older = [];
    const first = this.points.length > 0 ? this.points[0].t : Infinity;
    times.forEach((t, i) => {
      if (t >= first) return;
      const v = this.series.map((s) => seriesByKey[s.key]?.[i] ?? null);
      // Nothing sampled then (the server was not running): no point, so the time axis starts
      // at the first real sample instead of at the start of the asked-for window.
      if (v.every((x) => x === null)) return;
      older.push({ t, v });
    });
    this.points = older.concat(this.points);
    this.dirty = true;
  }

  /** Adds a point at `t` (UNIX seconds). */
  push(t, values) {
    this.points.push({ t, v: values });
    const oldest = t - this.windowSecs;
    let drop = 0;
    while (drop < this.points.length && this.points[drop].t < oldest) drop += 1;
    if (drop > 0) this.points.splice(0, drop);
    this.dirty = true;
  }

  /** Draws if something changed since the last draw (or `force`). */
  draw(force = false) {
    if (!this.dirty && !force) return;
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const height = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    this.dirty = false;
    const css = style();
    const color = (name) => css.getPropertyValue(name).trim() || '#888';
    ctx.clearRect(0, 0, width, height);

    const now = this.points.length > 0 ? this.points[this.points.length - 1].t : Date.now() / 1000;
    // Show at least the last minute, growing to the whole window as data arrives.
    const first = this.points.length > 0 ? this.points[0].t : now;
    const span = Math.min(this.windowSecs, Math.max(60, now - first));
    const start = now - span;
    let top = this.max ?? 0;
    if (this.max === null) {
      for (const p of this.points) for (const v of p.v) if (v !== null && v > top) top = v;
      top = niceCeil(top);
    }
    const pad = { left: 4 * dpr, right: 4 * dpr, top: 14 * dpr, bottom: 4 * dpr };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const x = (t) => pad.left + ((t - start) / span) * plotW;
    const y = (v) => pad.top + plotH - (top > 0 ? (v / top) * plotH : 0);

    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    ctx.lineWidth = 1 * dpr;
    ctx.strokeStyle = color('--grid');
    ctx.fillStyle = color('--muted');
    for (const f of [0, 0.5, 1]) {
      const gy = Math.round(y(top * f)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, gy);
      ctx.lineTo(width - pad.right, gy);
      ctx.stroke();
    }
    ctx.textBaseline = 'bottom';
    ctx.fillText(axis(top, this.unit), pad.left + 2 * dpr, pad.top - 1 * dpr);

    ctx.lineWidth = 2 * dpr;
    ctx.lineJoin = 'round';
    this.series.forEach((s, i) => {
      ctx.strokeStyle = color(s.color);
      ctx.beginPath();
      let pen = false;
      for (const p of this.points) {
        const v = p.v[i];
        if (v === null || v === undefined || p.t < start) {
          pen = false;
          continue;
        }
        const px = x(p.t);
        const py = y(Math.min(v, top));
        if (pen) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
        pen = true;
      }
      ctx.stroke();
    });
  }
}

/** 1, 2 or 5 times a power of ten, at least `v` (and at least 1). */
function niceCeil(v) {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
