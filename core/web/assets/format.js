// Number and size formatting shared by the panels, charts and process table.

/** `14.2%` with one decimal, or an en dash when unknown. */
export function percent(value) {
  return isFiniteNumber(value) ? `${value.toFixed(1)}%` : '–';
}

/** GiB as the server reports them (its wire keys say GB; they are binary), two decimals. */
export function gb(value) {
  return isFiniteNumber(value) ? `${value.toFixed(2)} GiB` : '–';
}

/**
 * A filesystem's use as the Grafana dashboard (contrib/grafana) computes it: 1 - available /
 * size, so blocks reserved for root count as used; `null` for a filesystem of size 0.
 */
export function diskUse(disk) {
  if (!isFiniteNumber(disk?.total) || !isFiniteNumber(disk?.free) || disk.total <= 0) return null;
  return Math.round(1000 * (1 - disk.free / disk.total)) / 10;
}

/** MiB with two decimals, as the process table's memory column. */
export function mib(value) {
  return isFiniteNumber(value) ? `${value.toFixed(2)} MiB` : '–';
}

/** A byte count in binary units: `1.3 MiB`. */
export function bytes(value) {
  if (!isFiniteNumber(value)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A rate in bytes per second: `1.3 MiB/s`. */
export function rate(value) {
  return isFiniteNumber(value) ? `${bytes(value)}/s` : '–';
}

/** MHz as sent, rounded to whole MHz. */
export function mhz(value) {
  return isFiniteNumber(value) ? `${Math.round(value)} MHz` : 'not reported';
}

/** Degrees Celsius with one decimal. */
export function celsius(value) {
  return isFiniteNumber(value) ? `${value.toFixed(1)} °C` : 'no sensor';
}

/** Load averages as `1.37, 1.10, 0.96`. */
export function load(values) {
  return Array.isArray(values) && values.length > 0
    ? values.map((v) => (isFiniteNumber(v) ? v.toFixed(2) : '–')).join(', ')
    : 'not reported';
}

/** Axis label or readout for a value with the chart's unit. */
export function axis(value, unit) {
  if (!isFiniteNumber(value)) return 'no data';
  if (unit === 'B/s') return rate(value);
  if (unit === '%') return `${value >= 10 || value === 0 ? Math.round(value) : value.toFixed(1)}%`;
  return `${value >= 10 || value === 0 ? Math.round(value) : value.toFixed(2)}${unit ? ` ${unit}` : ''}`;
}

const two = (n) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A UNIX time in local time, as precise as a chart spanning `span` seconds needs: `14:05:09`
 * (under 10 minutes), `14:05` (up to two days), `Dec 6 14:05` (longer); `short` drops the time
 * of day on the longer spans (axis labels: `Dec 6`).
 */
export function clock(t, span, short = false) {
  const d = new Date(t * 1000);
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (span <= 600) return `${hm}:${two(d.getSeconds())}`;
  if (span <= 2 * 86400) return hm;
  const day = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  return short ? day : `${day} ${hm}`;
}

/** Whether `value` is a finite number. */
export function isFiniteNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}
