// The audit log (every management change is a ledger event), with filters in the URL.
import { get, qs } from '../api.js';
import { h, time, table, panel, csvButton } from '../ui.js';

export default async function audit({ query, setQuery }) {
  const f = {
    action: query.get('action') || '', key_id: query.get('key_id') || '',
    start_date: query.get('start_date') || '', end_date: query.get('end_date') || '',
  };
  const rows = await get(`/api/audit-logs${qs({ ...f, limit: 200 })}`);
  const form = h('form.filters.no-print', { id: 'audit-filters', 'aria-label': 'Filters' },
    h('label', 'Action', h('input', { name: 'action', value: f.action, placeholder: 'credits.added' })),
    h('label', 'Key id', h('input', { name: 'key_id', value: f.key_id, size: 8 })),
    h('label', 'From', h('input', { name: 'start_date', type: 'date', value: f.start_date })),
    h('label', 'To', h('input', { name: 'end_date', type: 'date', value: f.end_date })),
    h('button.primary', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setQuery(Object.fromEntries(Object.keys(f).map((k) => [k, form.elements[k].value.trim()])));
  });
  const holder = h('div');
  holder.append(table([
    { label: 'Seq', num: true, value: (a) => a.seq },
    { label: 'Time', value: (a) => time(a.timestamp), csv: (a) => a.timestamp },
    { label: 'Action', value: (a) => h('code', a.action) },
    { label: 'By user', num: true, value: (a) => a.actor_user_id ?? '—' },
    { label: 'Target', value: (a) => `${a.target_type} ${a.target_id}` },
    { label: 'Account', num: true, value: (a) => a.account_id },
    { label: 'Outcome', value: (a) => a.outcome },
    { label: 'Details', value: (a) => a.details },
  ], rows, { empty: 'No entries match.' }));
  return h('div', form, panel(`${rows.length} entries, newest first`, holder, csvButton(holder, 'audit.csv')));
}
