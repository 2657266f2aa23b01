// Credits: every account's balance, a top-up (with an idempotency key, so a double submit books once)
// and the history of grants from the audit log.
import { get, post, qs } from '../api.js';
import { h, usd, table, panel, field, fields, attempt, time, csvButton, toast } from '../ui.js';

export default async function credits({ setQuery }) {
  const [balances, history] = await Promise.all([
    get('/api/admin/balances'),
    get(`/api/audit-logs${qs({ action: 'credits.added', limit: 100 })}`),
  ]);
  const emails = new Map(balances.map((b) => [b.account_id, b.email]));
  const holder = h('div');
  holder.append(table([
    { label: 'Account', value: (b) => b.email },
    { label: 'Plan', value: (b) => b.plan || '—' },
    { label: 'Credits', num: true, value: (b) => usd(b.credits), csv: (b) => b.credits },
    { label: 'Spent', num: true, value: (b) => usd(b.spent), csv: (b) => b.spent },
    { label: 'In flight', num: true, value: (b) => usd(b.reserved), csv: (b) => b.reserved },
    { label: 'Available', num: true, value: (b) => usd(b.available), csv: (b) => b.available },
    { label: 'This month', num: true, value: (b) => usd(b.spent_this_month), csv: (b) => b.spent_this_month },
  ], balances));

  const idempotency = h('input', { name: 'idempotency_key', required: true, value: crypto.randomUUID(), size: 36 });
  const form = h('form.inline', { id: 'top-up', 'aria-label': 'Top up credits' },
    field('Account', h('select', { name: 'account_id', required: true },
      balances.map((b) => h('option', { value: b.account_id }, b.email)))),
    field('Amount (USD)', h('input', { name: 'amount', type: 'number', min: '0.01', step: '0.01', required: true })),
    field('Reason', h('input', { name: 'reason', placeholder: 'Invoice 2026-118' })),
    field('Idempotency key', idempotency),
    h('button.primary', { type: 'submit' }, 'Add credits'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(form);
    const r = await attempt(() => post('/api/admin/credits', { ...v, amount: Number(v.amount), reason: v.reason || undefined }));
    if (r) {
      alertDone(r);
      setQuery({ done: r.duplicate ? 'duplicate' : 'added', at: Date.now() });
    }
  });
  const grants = h('div');
  grants.append(table([
    { label: 'Seq', num: true, value: (a) => a.seq },
    { label: 'Time', value: (a) => time(a.timestamp), csv: (a) => a.timestamp },
    { label: 'Account', value: (a) => emails.get(a.account_id) || a.account_id },
    { label: 'By', value: (a) => emails.get(String(a.actor_user_id)) || `#${a.actor_user_id}` },
    { label: 'Amount', num: true, value: (a) => usd(Number(/amount_micros=(\d+)/.exec(a.details)?.[1] || 0) / 1e6) },
    { label: 'Details', value: (a) => a.details },
  ], history, { empty: 'No credits granted yet.' }));
  return h('div', panel('Balances', holder, csvButton(holder, 'balances.csv')),
    panel('Top up', h('p.muted', 'The idempotency key makes a retried or double-clicked top-up count once.'), form),
    panel('History', grants, csvButton(grants, 'credit-history.csv')));
}

function alertDone(r) {
  const text = r.duplicate ? 'Already booked with this idempotency key: nothing added twice.'
    : `Added ${usd(r.added)}; ${r.email} now has ${usd(r.available)} available.`;
  toast(text);
}
