// A small line chart on <canvas>: a time window (sliding when live, fixed for a chosen range),
// one or more series, a value axis with its unit and a time axis with clock times or dates.
// Hovering or focusing the chart (arrow keys move, Home/End jump) shows the time and values of
// the nearest point in a readout beside it; dragging across a chart asks the page to zoom to
// that span. Colours come from the page's CSS custom properties,
// so light and dark follow the system setting.

import { axis, clock } from './format.js';

const style = () => getComputedStyle(document.documentElement);

/**
 * Charts scrolled out of view are not drawn (they stay dirty); coming into view asks the page
 * for a redraw with a `chartredraw` event, as a cursor move does.
 */
const seen = typeof IntersectionObserver === 'function'
  ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const chart = charts.get(entry.target);
      if (!chart) continue;
      chart.visible = entry.isIntersecting;
      if (chart.visible && chart.dirty) entry.target.dispatchEvent(new Event('chartredraw'));
    }
  })
  : null;
const charts = new WeakMap();

/** A line chart. */
export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{series: {key: string, color: string, label?: string}[], unit: string, max?: number,
   *   windowSecs?: number, readout?: HTMLElement|null}} options
   */
  constructor(canvas, { series, unit, max = null, windowSecs = 600, readout = null }) {
    this.canvas = canvas;
    this.series = series;
    this.unit = unit;
    this.max = max;
    this.windowSecs = windowSecs;
    /** Live: the window slides with the newest point; else it ends at `end`. */
    this.live = true;
    this.end = null;
    this.readout = readout;
    /** @type {{t: number, v: (number|null)[]}[]} oldest first */
    this.points = [];
    /** Index into `points` of the point under the pointer or keyboard cursor, or null. */
    this.cursor = null;
    this.dirty = true;
    /**
     * Whether any of the canvas is in the viewport (drawing waits until it is); the observer's
     * first report, which always comes, says.
     */
    this.visible = seen === null;
    /** The plot's mapping from the last draw, for hit-testing. */
    this.frame = null;
    charts.set(canvas, this);
    seen?.observe(canvas);
    canvas.tabIndex = 0;
    /** A drag in progress: where it started and where it is, in CSS px from the left. */
    this.drag = null;
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || !this.frame) return;
      this.drag = { from: e.offsetX, to: e.offsetX };
      canvas.setPointerCapture?.(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      this.pointAt(e.offsetX);
      if (this.drag) {
        this.drag.to = e.offsetX;
        this.dirty = true;
        canvas.dispatchEvent(new Event('chartredraw'));
      }
    });
    canvas.addEventListener('pointerup', (e) => this.endDrag(e.offsetX));
    canvas.addEventListener('pointercancel', () => this.endDrag(null));
    canvas.addEventListener('pointerleave', () => {
      if (document.activeElement !== canvas) this.pick(null);
    });
    canvas.addEventListener('blur', () => this.pick(null));
    canvas.addEventListener('focus', () => {
      if (this.cursor === null && this.points.length > 0) this.pick(this.points.length - 1);
    });
    canvas.addEventListener('keydown', (e) => this.key(e));
  }

  /** Shows the last `secs` seconds, sliding with new points (`live`), or ending at `end` (now). */
  setWindow(secs, live, end = null) {
    this.windowSecs = secs;
    this.live = live;
    this.end = live ? null : end ?? Date.now() / 1000;
    this.cursor = null;
    this.dirty = true;
  }

  /** Forgets every point (a new range is loading). */
  clear() {
    this.points = [];
    this.cursor = null;
    this.dirty = true;
  }

  /**
   * Fills the chart from `/history`: `times` and one array per series key (nulls allowed).
   * Points older than the first one held are added in front; live points stay.
   */
  setHistory(times, seriesByKey) {
    const older = [];
    const first = this.points.length > 0 ? this.points[0].t : Infinity;
    times.forEach((t, i) => {
      if (t >= first) return;
      const v = this.series.map((s) => seriesByKey[s.key]?.[i] ?? null);
      // Nothing sampled then (the server was not running): no point, so a live chart's time
      // axis starts at the first real sample instead of at the start of the asked-for window.
      if (v.every((x) => x === null)) return;
      older.push({ t, v });
    });
    this.points = older.concat(this.points);
    this.cursor = null;
    this.dirty = true;
  }

  /** Adds a point at `t` (UNIX seconds); ignored while a fixed range is shown. */
  push(t, values) {
    if (!this.live) return;
    this.points.push({ t, v: values });
    const oldest = t - this.windowSecs;
    let drop = 0;
    while (drop < this.points.length && this.points[drop].t < oldest) drop += 1;
    if (drop > 0) {
      this.points.splice(0, drop);
      if (this.cursor !== null) this.cursor = this.cursor >= drop ? this.cursor - drop : null;
    }
    this.dirty = true;
    if (this.cursor !== null) this.showReadout();
  }

  /** The time span drawn: [start, end] in UNIX seconds. */
  span() {
    if (!this.live) {
      const end = this.end ?? Date.now() / 1000;
      return [end - this.windowSecs, end];
    }
    const now = this.points.length > 0 ? this.points[this.points.length - 1].t : Date.now() / 1000;
    // Show at least the last minute, growing to the whole window as data arrives.
    const first = this.points.length > 0 ? this.points[0].t : now;
    return [now - Math.min(this.windowSecs, Math.max(60, now - first)), now];
  }

  /**
   * Ends a drag: one wider than 8 px asks the page to zoom to its time span with a `chartzoom`
   * event (`detail: {since, until}`, UNIX seconds).
   */
  endDrag(offsetX) {
    const drag = this.drag;
    this.drag = null;
    this.dirty = true;
    this.canvas.dispatchEvent(new Event('chartredraw'));
    if (!drag || offsetX === null || Math.abs(offsetX - drag.from) <= 8 || !this.frame) return;
    const { start, end, left, width } = this.frame;
    const at = (px) => start + ((Math.max(left, Math.min(left + width, px)) - left) / width) * (end - start);
    const [since, until] = [at(drag.from), at(offsetX)].sort((a, b) => a - b);
    this.canvas.dispatchEvent(new CustomEvent('chartzoom', { bubbles: true, detail: { since: Math.floor(since), until: Math.ceil(until) } }));
  }

  pointAt(offsetX) {
    if (!this.frame || this.points.length === 0) return;
    const { start, end, left, width } = this.frame;
    const t = start + ((offsetX - left) / width) * (end - start);
    let best = null;
    let bestDistance = Infinity;
    this.points.forEach((p, i) => {
      const d = Math.abs(p.t - t);
      if (p.t >= start && d < bestDistance) {
        best = i;
        bestDistance = d;
      }
    });
    this.pick(best);
  }

  key(event) {
    const last = this.points.length - 1;
    if (last < 0) return;
    const at = this.cursor ?? last;
    const moves = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: last, PageUp: at - 10, PageDown: at + 10 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    this.pick(Math.max(0, Math.min(last, moves[event.key])));
  }

  pick(index) {
    if (this.cursor === index) return;
    this.cursor = index;
    this.dirty = true;
    this.showReadout();
    this.canvas.dispatchEvent(new Event('chartredraw'));
  }

  /** Writes the time and values under the cursor into the readout ('' without a cursor). */
  showReadout() {
    if (!this.readout) return;
    const p = this.cursor === null ? null : this.points[this.cursor];
    const [start, end] = this.span();
    const text = p
      ? `${clock(p.t, end - start)}: ${this.series.map((s, i) => `${s.label ? `${s.label} ` : ''}${axis(p.v[i], this.unit)}`).join(', ')}`
      : '';
    if (this.readout.textContent !== text) this.readout.textContent = text;
  }

  /** Draws if something changed since the last draw (or `force`). */
  draw(force = false) {
    if ((!this.dirty || !this.visible) && !force) return;
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

    const [start, end] = this.span();
    const span = Math.max(1, end - start);
    let top = this.max ?? 0;
    if (this.max === null) {
      for (const p of this.points) for (const v of p.v) if (v !== null && v > top) top = v;
      top = niceCeil(top);
    }
    const pad = { left: 4 * dpr, right: 4 * dpr, top: 14 * dpr, bottom: 16 * dpr };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const x = (t) => pad.left + ((t - start) / span) * plotW;
    const y = (v) => pad.top + plotH - (top > 0 ? (v / top) * plotH : 0);
    this.frame = { start, end, left: pad.left / dpr, width: plotW / dpr };

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

    // Time axis: a few ticks on round times, labelled with the clock or the date.
    ctx.textBaseline = 'top';
    const tick = tickStep(span, plotW / (70 * dpr));
    const offset = new Date().getTimezoneOffset() * 60;
    const align = tick >= 86400 ? offset : 0; // whole days fall on local midnight
    for (let t = Math.ceil((start - align) / tick) * tick + align; t <= end; t += tick) {
      const tx = Math.round(x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(tx, pad.top + plotH);
      ctx.lineTo(tx, pad.top + plotH + 3 * dpr);
      ctx.stroke();
      const label = clock(t, span, true);
      const w = ctx.measureText(label).width;
      ctx.fillText(label, Math.max(0, Math.min(width - w, tx - w / 2)), pad.top + plotH + 3 * dpr);
    }

    ctx.lineWidth = 2 * dpr;
    ctx.lineJoin = 'round';
    // Points further apart than three times their usual spacing (and 10 s: polled series come
    // every few seconds beside 1 s history) are a gap: the server was down.
    const gap = Math.max(10, 3 * typicalSpacing(this.points));
    this.series.forEach((s, i) => {
      ctx.strokeStyle = color(s.color);
      ctx.fillStyle = color(s.color);
      ctx.beginPath();
      let pen = null;
      for (const p of this.points) {
        const v = p.v[i];
        if (v === null || v === undefined || p.t < start) {
          pen = null;
          continue;
        }
        const px = x(p.t);
        const py = y(Math.min(v, top));
        if (pen !== null && p.t - pen <= gap) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
        pen = p.t;
      }
      ctx.stroke();
    });

    if (this.drag) {
      const a = Math.min(this.drag.from, this.drag.to) * dpr;
      const b = Math.max(this.drag.from, this.drag.to) * dpr;
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = color('--accent');
      ctx.fillRect(a, pad.top, b - a, plotH);
      ctx.globalAlpha = 1;
    }

    const p = this.cursor === null ? null : this.points[this.cursor];
    if (p && p.t >= start) {
      const cx = Math.round(x(p.t)) + 0.5;
      ctx.lineWidth = 1 * dpr;
      ctx.strokeStyle = color('--text');
      ctx.beginPath();
      ctx.moveTo(cx, pad.top);
      ctx.lineTo(cx, pad.top + plotH);
      ctx.stroke();
      this.series.forEach((s, i) => {
        if (typeof p.v[i] !== 'number') return;
        ctx.fillStyle = color(s.color);
        ctx.beginPath();
        ctx.arc(cx, y(Math.min(p.v[i], top)), 3.5 * dpr, 0, 2 * Math.PI);
        ctx.fill();
      });
    }
  }
}

/** The median time between consecutive points (1 s when there are fewer than two). */
function typicalSpacing(points) {
  if (points.length < 2) return 1;
  const gaps = [];
  const every = Math.max(1, Math.floor(points.length / 64));
  for (let i = every; i < points.length; i += every) gaps.push(points[i].t - points[i - every].t);
  gaps.sort((a, b) => a - b);
  return Math.max(1, gaps[Math.floor(gaps.length / 2)] / every);
}

const TICKS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** The smallest round tick spacing that gives at most `count` ticks over `span` seconds. */
export function tickStep(span, count) {
  const want = span / Math.max(1, count);
  return TICKS.find((s) => s >= want) ?? 604800;
}

/** 1, 2 or 5 times a power of ten, at least `v` (and at least 1). */
function niceCeil(v) {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
