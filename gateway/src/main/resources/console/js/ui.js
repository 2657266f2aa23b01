// Small DOM helpers shared by the pages: elements, money, times, tables, bars, CSV, messages.

/** h('tag.class#id', {attrs}, ...children): children may be strings, nodes, arrays or null. */
export function h(spec, attrs, ...children) {
  const [, tag, rest] = spec.match(/^([a-z0-9]+)(.*)$/i);
  const el = document.createElement(tag);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** USD decimals from the API (exact to the micro-unit) as integer micro-units. */
export const micros = (usd) => Math.round(Number(usd || 0) * 1e6);

const cents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const fine = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 6 });

/** Integer micro-units as dollars: cents when whole cents, else up to the micro-unit (small calls cost fractions of a cent). */
export function money(microUnits) {
  const m = Math.trunc(Number(microUnits || 0));
  return (m % 10000 === 0 ? cents : fine).format(m / 1e6);
}

export const usd = (decimal) => money(micros(decimal));
export const num = (n) => Number(n || 0).toLocaleString('en-US');

/** A time in UTC, with the reader's local time on hover. */
export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const utc = d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  return h('time', { datetime: d.toISOString(), title: `Local: ${d.toLocaleString()}` }, utc);
}

export const today = () => new Date().toISOString().slice(0, 10);
export function daysAgo(n) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}
export const monthStart = () => today().slice(0, 8) + '01';

/** A bar showing part of a whole (0..1+); against a limit it warns from 80 % and is over at 100 %. */
export function bar(fraction, label, { limit = true } = {}) {
  const f = Math.max(0, Number.isFinite(fraction) ? fraction : 0);
  const inner = h('span');
  inner.style.width = `${Math.min(100, f * 100).toFixed(1)}%`;
  return h(`div.bar${!limit ? '' : f >= 1 ? '.over' : f >= 0.8 ? '.warn' : ''}`, {
    role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(f * 100),
    'aria-label': label || `${Math.round(f * 100)} %`,
  }, inner);
}

/**
 * A table from column specs {label, value(row) -> node|string, num?, csv?(row)}; rows are kept on the
 * element so "Export CSV" writes exactly what is shown.
 */
export function table(columns, rows, { onRow, caption, empty = 'Nothing here yet.' } = {}) {
  if (!rows.length) return h('p.muted', empty);
  const t = h('table', caption ? h('caption.muted', caption) : null,
    h('thead', h('tr', columns.map((c) => h(c.num ? 'th.num' : 'th', { scope: 'col' }, c.label)))),
    h('tbody', rows.map((r) => {
      const tr = h('tr', columns.map((c) => h(c.num ? 'td.num' : 'td', c.value(r))));
      if (onRow) {
        tr.classList.add('clickable');
        tr.tabIndex = 0;
        tr.addEventListener('click', () => onRow(r, tr));
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') onRow(r, tr); });
      }
      return tr;
    })));
  t.csv = () => toCsv([columns.map((c) => c.label),
    ...rows.map((r) => columns.map((c) => (c.csv ? c.csv(r) : textOf(c.value(r)))))]);
  return h('div.scroll', t);
}

function textOf(v) {
  return v instanceof Node ? v.textContent : v === null || v === undefined ? '' : String(v);
}

/** RFC 4180 CSV; a cell a spreadsheet would run as a formula gets a leading quote, as the server's export does. */
export function toCsv(rows) {
  return rows.map((r) => r.map((cell) => {
    let s = cell === null || cell === undefined ? '' : String(cell);
    if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',')).join('\r\n') + '\r\n';
}

/** A button that downloads the CSV of the table inside `holder` (what is on screen). */
export function csvButton(holder, filename) {
  return h('button.no-print', {
    type: 'button',
    onclick: () => {
      const t = holder.querySelector('table');
      if (!t || !t.csv) return;
      const a = h('a', { href: URL.createObjectURL(new Blob([t.csv()], { type: 'text/csv' })), download: filename });
      document.body.append(a);
      a.click();
      a.remove();
    },
  }, 'Export CSV');
}

export function toast(text, isError = false) {
  const box = document.getElementById('toast');
  const item = h(isError ? 'div.error' : 'div', text);
  box.append(item);
  setTimeout(() => item.remove(), isError ? 8000 : 4000);
}

/** Runs an action from a form or button, reporting its error instead of failing silently. */
export async function attempt(action, success) {
  try {
    const result = await action();
    if (success) toast(success);
    return result;
  } catch (e) {
    toast(e.message, true);
    return undefined;
  }
}

/** The values of a form's named fields. */
export function fields(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value.trim();
  }
  return out;
}

export function field(label, input) {
  return h('label', label, input);
}

/** A secret shown once, with a copy button. */
export function secretBox(secret, note) {
  const code = h('code', secret);
  return h('div.secret', { role: 'alert' },
    h('strong', note || 'Copy this key now; it will not be shown again:'), code,
    h('button', {
      type: 'button',
      onclick: async (e) => {
        try {
          await navigator.clipboard.writeText(secret);
          e.target.textContent = 'Copied';
        } catch {
          const range = document.createRange();
          range.selectNodeContents(code);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
          e.target.textContent = 'Selected: press Ctrl+C';
        }
      },
    }, 'Copy'));
}

export function tile(label, value, title) {
  return h('div.tile', title ? { title } : null, h('div.label', label), h('div.value', value));
}

export function panel(title, ...children) {
  return h('section.panel', title ? h('h2', title) : null, ...children);
}
