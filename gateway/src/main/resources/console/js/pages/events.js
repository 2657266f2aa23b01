// Usage events explorer: server-side filters and cursor paging (never the whole ledger in the
// browser); a row opens the event's full ledger record with its seq.
import { api, get, qs } from '../api.js';
import { h, usd, num, time, table, panel, csvButton } from '../ui.js';

const FILTERS = [['model', 'Model'], ['cost_centre', 'Cost centre'], ['user_id', 'User id'], ['virtual_key_id', 'Key id'],
  ['from', 'From'], ['to', 'To']];

export default async function events({ query, me, setQuery }) {
  const money = me.role !== 'user';
  const f = Object.fromEntries(FILTERS.map(([k]) => [k, query.get(k) || '']));
  const cursor = query.get('cursor') || '';
  const base = money ? '/api/admin/usage-events' : '/api/usage-events';
  const [{ data: rows, headers }, accounts] = await Promise.all([
    api('GET', `${base}${qs({ ...f, cursor, limit: 50 })}`),
    money ? get('/api/admin/balances') : Promise.resolve([{ user_id: me.id, email: me.email }])]);
  const emails = new Map(accounts.map((a) => [a.user_id, a.email]));
  const next = headers.get('X-Next-Cursor');

  const form = h('form.filters.no-print', { id: 'event-filters', 'aria-label': 'Filters' },
    FILTERS.filter(([k]) => money || (k !== 'user_id' && k !== 'cost_centre')).map(([k, label]) => h('label', label,
      h('input', { name: k, value: f[k], type: k === 'from' || k === 'to' ? 'date' : 'text', size: 14 }))),
    h('button.primary', { type: 'submit' }, 'Apply'),
    h('button', { type: 'button', onclick: () => setQuery({}) }, 'Clear'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setQuery(Object.fromEntries(FILTERS.map(([k]) => [k, form.elements[k] ? form.elements[k].value.trim() : ''])));
  });

  const detail = h('div#event-detail');
  const holder = h('div');
  holder.append(table([
    { label: 'Seq', num: true, value: (r) => r.seq },
    { label: 'Time', value: (r) => time(r.timestamp), csv: (r) => r.timestamp },
    { label: 'Model', value: (r) => r.model },
    { label: 'User', value: (r) => emails.get(r.user_id) || `#${r.user_id}` },
    { label: 'Key', num: true, value: (r) => r.virtual_key_id },
    { label: 'Cost centre', value: (r) => r.cost_centre || '—' },
    { label: 'Env', value: (r) => r.environment },
    { label: 'Tokens', num: true, value: (r) => num(r.total_tokens) },
    { label: 'Cost', num: true, value: (r) => usd(r.cost), csv: (r) => r.cost },
    { label: 'Status', num: true, value: (r) => r.status },
  ], rows, { empty: 'No usage events match.', onRow: (r, tr) => open(r, tr, detail, money) }));

  const pager = h('div.pager.no-print',
    cursor ? h('button', { type: 'button', onclick: () => setQuery(f) }, 'First page') : null,
    next ? h('button', { type: 'button', id: 'next-page', onclick: () => setQuery({ ...f, cursor: next }) }, 'Next page') : null,
    h('span.muted', `${rows.length} events on this page, newest first`));
  return h('div', form, panel(null, holder, pager, csvButton(holder, 'usage-events.csv')), detail);
}

async function open(row, tr, detail, finance) {
  tr.parentElement.querySelectorAll('tr.selected').forEach((x) => x.classList.remove('selected'));
  tr.classList.add('selected');
  let record = null;
  if (finance) {
    const page = await get(`/api/ledger/events${qs({ after_seq: row.seq - 1, limit: 1 })}`);
    record = page.events.find((e) => e.seq === row.seq) || null;
  }
  detail.replaceChildren(panel(`Event seq ${row.seq}`,
    h('p.muted', 'request ', h('code', row.request_id), ' · ', time(row.timestamp)),
    h('h3', 'Usage row'), h('pre.record', JSON.stringify(row, null, 2)),
    record ? [h('h3', 'Ledger record (as written, immutable)'), h('pre.record#ledger-record', JSON.stringify(record, null, 2))] : null));
  detail.scrollIntoView({ behavior: 'smooth', block: 'start' });
}
