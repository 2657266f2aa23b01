// Administrators: the plans, who is on which, and per-user rate limits.
import { get, post } from '../api.js';
import { h, usd, num, table, panel, field, fields, attempt } from '../ui.js';

const WINDOWS = ['requests_per_minute', 'requests_per_hour', 'requests_per_day', 'tokens_per_minute', 'tokens_per_hour', 'tokens_per_day'];

export default async function plans({ setQuery }) {
  const [list, users] = await Promise.all([get('/api/plans'), get('/api/users')]);
  const holder = table([
    { label: 'Plan', value: (p) => h('span', h('strong', p.name), h('br'), h('span.muted', p.description)) },
    { label: 'Billing', value: (p) => (p.prepaid ? 'prepaid credits' : 'invoiced') },
    { label: 'Token quota / month', num: true, value: (p) => (p.monthly_token_quota == null ? '—' : num(p.monthly_token_quota)) },
    { label: 'Spend quota / month', num: true, value: (p) => (p.monthly_spend_quota == null ? '—' : usd(p.monthly_spend_quota)) },
    { label: 'Requests / min', num: true, value: (p) => num(p.limits.requests_per_minute) || '—' },
    { label: 'Users', num: true, value: (p) => users.filter((u) => u.plan_id === p.id).length },
  ], list);
  const userSelect = () => h('select', { name: 'user_id', required: true }, users.map((u) => h('option', { value: u.id }, u.email)));
  const assign = h('form.inline', { id: 'assign-plan', 'aria-label': 'Assign a plan' },
    field('User', userSelect()),
    field('Plan', h('select', { name: 'plan_id' }, h('option', { value: '' }, 'No plan'), list.map((p) => h('option', { value: p.id }, p.name)))),
    h('button.primary', { type: 'submit' }, 'Assign'));
  assign.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(assign);
    if (await attempt(() => post('/api/admin/assign-plan', { user_id: Number(v.user_id), plan_id: v.plan_id || null }), 'Plan assigned')) {
      setQuery({ at: Date.now() });
    }
  });
  const limits = h('form.inline', { id: 'set-limits', 'aria-label': 'Rate limits' },
    field('User', userSelect()),
    WINDOWS.map((w) => field(w.replaceAll('_', ' '), h('input', { name: w, type: 'number', min: 1, size: 8 }))),
    h('button.primary', { type: 'submit' }, 'Set limits'));
  limits.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(limits);
    const body = { user_id: Number(v.user_id) };
    for (const w of WINDOWS) if (v[w]) body[w] = Number(v[w]);
    await attempt(() => post('/api/admin/limits', body), 'Limits set (empty windows have no limit)');
  });
  return h('div', panel('Plans', holder), panel('Assign a plan', assign), panel('Per-user rate limits', limits));
}
