// The process table: every column sorts (click or Enter/Space on its header button, again to
// reverse), and the filter keeps rows whose name contains the text, ignoring case.

import { mib, percent } from './format.js';

const COLUMNS = [
  { key: 'pid', label: 'PID', numeric: true, show: (v) => String(v) },
  { key: 'name', label: 'Name', numeric: false, show: (v) => v },
  { key: 'username', label: 'User', numeric: false, show: (v) => v },
  { key: 'cpu', label: 'CPU', numeric: true, show: percent, optional: true },
  { key: 'mem', label: 'Memory', numeric: true, show: mib },
];

/** Renders rows into a table element with sortable headers. */
export class ProcessTable {
  /**
   * @param {HTMLTableElement} table
   * @param {HTMLInputElement} filter
   * @param {HTMLElement} count where "N of M processes" goes
   */
  constructor(table, filter, count) {
    this.table = table;
    this.filter = filter;
    this.count = count;
    this.rows = [];
    this.sort = { key: 'mem', descending: true };
    this.columns = [];
    this.shownKey = '';
    filter.addEventListener('input', () => this.render());
  }

  /** New rows from a frame. */
  update(rows) {
    this.rows = Array.isArray(rows) ? rows : [];
    this.render();
  }

  render() {
    const columns = COLUMNS.filter((c) => !c.optional || this.rows.some((r) => c.key in r));
    if (columns.map((c) => c.key).join() !== this.columns.map((c) => c.key).join()) {
      this.columns = columns;
      this.renderHead();
    }
    const needle = this.filter.value.trim().toLowerCase();
    const shown = this.rows.filter((r) => String(r.name ?? '').toLowerCase().includes(needle));
    const column = this.columns.find((c) => c.key === this.sort.key) ?? this.columns[0];
    const sign = this.sort.descending ? -1 : 1;
    shown.sort((a, b) => sign * compare(a[column.key], b[column.key], column.numeric)
      || compare(a.pid, b.pid, true));
    const key = JSON.stringify([shown, this.columns.length]);
    if (key !== this.shownKey) {
      this.shownKey = key;
      const body = this.table.tBodies[0];
      body.replaceChildren(...shown.map((row) => {
        const tr = document.createElement('tr');
        for (const c of this.columns) {
          const td = document.createElement('td');
          td.textContent = row[c.key] === undefined ? '–' : c.show(row[c.key]);
          if (c.numeric) td.className = 'num';
          if (c.key === 'name') td.className = 'name';
          tr.append(td);
        }
        return tr;
      }));
    }
    const total = this.rows.length;
    this.count.textContent = needle
      ? `${shown.length} of ${total} process groups match “${this.filter.value.trim()}”`
      : `${total} process groups, by memory`;
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
    this.markSort();
  }

  /** Sorts by `key`; the same key again reverses the order. */
  sortBy(key) {
    const column = this.columns.find((c) => c.key === key);
    if (!column) return;
    if (this.sort.key === key) this.sort.descending = !this.sort.descending;
    else this.sort = { key, descending: column.numeric };
    this.markSort();
    this.render();
  }

  markSort() {
    for (const th of this.table.tHead.rows[0].cells) {
      const key = th.querySelector('button')?.dataset.key;
      if (key === this.sort.key) th.setAttribute('aria-sort', this.sort.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
  }
}

function compare(a, b, numeric) {
  if (numeric) return (Number(a) || 0) - (Number(b) || 0);
  return String(a ?? '').localeCompare(String(b ?? ''), undefined, { sensitivity: 'base' });
}
