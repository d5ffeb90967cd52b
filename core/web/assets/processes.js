// The process table. From the detailed stream (`procs`: one row per process with CPU, memory,
// threads and owner) it sorts by CPU, busiest first, so the worst offender is on top; from the
// classic frame or /system (process groups by memory, no CPU) it sorts by memory. Every column
// sorts (click or Enter/Space on its header button, again to reverse); the filter keeps rows
// whose name contains the text, ignoring case; the caption names the sort in force. Rows are
// reused and only changed cells are written, so a frame a second costs little.

import { mib, percent } from './format.js';

// Name and the default sort columns first, so a narrow screen shows them without scrolling.
const COLUMNS = [
  { key: 'name', label: 'Name', numeric: false, show: (v) => v, words: ['by name', 'A to Z', 'Z to A'] },
  { key: 'cpu', label: 'CPU', numeric: true, show: percent, optional: true, words: ['by CPU', 'least busy first', 'busiest first'] },
  { key: 'mem', label: 'Memory', numeric: true, show: mib, words: ['by memory', 'smallest first', 'largest first'] },
  { key: 'threads', label: 'Threads', numeric: true, show: (v) => String(v), optional: true, words: ['by threads', 'fewest first', 'most first'] },
  { key: 'username', label: 'User', numeric: false, show: (v) => v, words: ['by user', 'A to Z', 'Z to A'] },
  { key: 'pid', label: 'PID', numeric: true, show: (v) => String(v), words: ['by PID', 'lowest first', 'highest first'] },
];

/** Renders rows into a table element with sortable headers. */
export class ProcessTable {
  /**
   * @param {HTMLTableElement} table
   * @param {HTMLInputElement} filter
   * @param {HTMLElement} count where "N processes, by CPU, busiest first" goes
   */
  constructor(table, filter, count) {
    this.table = table;
    this.filter = filter;
    this.count = count;
    this.rows = [];
    /** Null until the user picks a column: then the default follows what the rows carry. */
    this.chosen = null;
    this.columns = [];
    this.grouped = true;
    filter.addEventListener('input', () => this.render());
  }

  /**
   * New rows: the detailed stream's `procs` (per process) or the classic `processes` (groups).
   * @param {object[]} rows
   * @param {boolean} grouped whether the rows are process groups (the classic list)
   */
  update(rows, grouped = false) {
    this.rows = Array.isArray(rows) ? rows : [];
    this.grouped = grouped;
    this.render();
  }

  /** The sort in force: the user's choice, else CPU when the rows have it, else memory. */
  get sort() {
    if (this.chosen && this.columns.some((c) => c.key === this.chosen.key)) return this.chosen;
    return { key: this.columns.some((c) => c.key === 'cpu') ? 'cpu' : 'mem', descending: true };
  }

  render() {
    const columns = COLUMNS.filter((c) => !c.optional || this.rows.some((r) => r[c.key] !== undefined));
    if (columns.map((c) => c.key).join() !== this.columns.map((c) => c.key).join()) {
      this.columns = columns;
      this.renderHead();
    }
    const sort = this.sort;
    this.markSort(sort);
    const needle = this.filter.value.trim().toLowerCase();
    const shown = needle ? this.rows.filter((r) => String(r.name ?? '').toLowerCase().includes(needle)) : [...this.rows];
    const column = this.columns.find((c) => c.key === sort.key) ?? this.columns[0];
    const sign = sort.descending ? -1 : 1;
    shown.sort((a, b) => sign * compare(a[column.key], b[column.key], column.numeric)
      || compare(a.pid, b.pid, true));
    this.fill(shown);
    const total = this.rows.length;
    const what = this.grouped ? 'process groups' : 'processes';
    const order = `${column.words[0]}, ${column.words[sort.descending ? 2 : 1]}`;
    const caption = needle
      ? `${shown.length} of ${total} ${what} match “${this.filter.value.trim()}”, ${order}`
      : `${total} ${what}, ${order}`;
    if (this.count.textContent !== caption) this.count.textContent = caption;
  }

  /** Writes the rows into the body, reusing its rows and cells. */
  fill(shown) {
    const body = this.table.tBodies[0];
    const width = this.columns.length;
    while (body.rows.length > shown.length) body.lastElementChild.remove();
    shown.forEach((row, i) => {
      let tr = body.rows[i];
      if (!tr || tr.cells.length !== width) {
        const fresh = document.createElement('tr');
        for (const c of this.columns) {
          const td = document.createElement('td');
          td.className = c.key === 'name' ? 'name' : c.numeric ? 'num' : '';
          fresh.append(td);
        }
        if (tr) tr.replaceWith(fresh);
        else body.append(fresh);
        tr = fresh;
      }
      tr.dataset.pid = String(row.pid);
      this.columns.forEach((c, j) => {
        const value = row[c.key];
        const text = value === undefined || value === null ? '–' : c.show(value);
        const td = tr.cells[j];
        if (td.textContent !== text) {
          td.textContent = text;
          if (c.key === 'name') td.title = text;
        }
      });
    });
  }

  renderHead() {
    const tr = this.table.tHead.rows[0];
    tr.replaceChildren(...this.columns.map((c) => {
      const th = document.createElement('th');
      th.scope = 'col';
      if (c.numeric) th.className = 'num';
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = c.label;
      button.dataset.key = c.key;
      button.addEventListener('click', () => this.sortBy(c.key));
      th.append(button);
      return th;
    }));
  }

  /** Sorts by `key`; the same key again reverses the order. */
  sortBy(key) {
    const column = this.columns.find((c) => c.key === key);
    if (!column) return;
    const sort = this.sort;
    this.chosen = sort.key === key
      ? { key, descending: !sort.descending }
      : { key, descending: column.numeric };
    this.render();
  }

  markSort(sort) {
    for (const th of this.table.tHead.rows[0].cells) {
      const key = th.querySelector('button')?.dataset.key;
      const want = key === sort.key ? (sort.descending ? 'descending' : 'ascending') : null;
      if (th.getAttribute('aria-sort') === want) continue;
      if (want) th.setAttribute('aria-sort', want);
      else th.removeAttribute('aria-sort');
    }
  }
}

function compare(a, b, numeric) {
  if (numeric) return (Number(a) || 0) - (Number(b) || 0);
  return String(a ?? '').localeCompare(String(b ?? ''), undefined, { sensitivity: 'base' });
}
