// Budgets: every virtual key's spend this month against its cap, and when the cap will be reached
// at the month's rate so far; create a budgeted key (its secret shown once); revoke one.
import { get, post, del, qs } from '../api.js';
import { h, money, micros, bar, table, panel, field, fields, secretBox, attempt, monthStart, csvButton } from '../ui.js';

const ENVIRONMENTS = ['prod', 'staging', 'dev', 'test'];

export default async function budgets({ setQuery }) {
  const [keys, spend] = await Promise.all([
    get('/api/admin/virtual-keys'),
    get(`/api/reports/spend${qs({ group_by: 'key_id', from: monthStart() })}`),
  ]);
  const spent = new Map(spend.rows.map((r) => [Number(r.key_id), r.cost_micros]));
  const now = new Date();
  const day = now.getUTCDate() - 1 + (now.getUTCHours() * 3600 + now.getUTCMinutes() * 60) / 86400;
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));

  /** The day the cap is reached at this month's rate, if before the month ends. */
  const reached = (used, cap) => {
    if (!cap) return 'No cap';
    if (used >= cap) return 'Cap reached';
    if (used === 0 || day <= 0) return 'Not at this rate';
    const at = new Date(now.getTime() + ((cap - used) / (used / day)) * 86400000);
    return at < monthEnd ? `≈ ${at.toISOString().slice(0, 10)}` : 'Not this month';
  };
  const active = keys.filter((k) => !k.revoked);
  const created = h('div');
  const holder = h('div');
  holder.append(table([
    { label: 'Key', value: (k) => h('span', h('strong', k.name), h('br'), h('code.muted', k.prefix)) , csv: (k) => k.name },
    { label: 'Owner', value: (k) => k.user_email },
    { label: 'Cost centre', value: (k) => k.cost_centre || '—' },
    { label: 'Env', value: (k) => k.environment },
    { label: 'Spent this month', num: true, value: (k) => money(spent.get(k.id) || 0), csv: (k) => (spent.get(k.id) || 0) / 1e6 },
    { label: 'Monthly cap', num: true, value: (k) => (k.monthly_budget_cap == null ? '—' : money(micros(k.monthly_budget_cap))),
      csv: (k) => k.monthly_budget_cap ?? '' },
    { label: 'Used', value: (k) => (k.monthly_budget_cap ? bar((spent.get(k.id) || 0) / micros(k.monthly_budget_cap),
      `${k.name} budget used`) : '—'), csv: (k) => (k.monthly_budget_cap ? ((spent.get(k.id) || 0) / micros(k.monthly_budget_cap)).toFixed(4) : '') },
    { label: 'Cap reached', value: (k) => reached(spent.get(k.id) || 0, k.monthly_budget_cap ? micros(k.monthly_budget_cap) : 0) },
    { label: '', value: (k) => h('button.danger', { type: 'button', 'aria-label': `Revoke ${k.name}`,
      onclick: async () => {
        if (!confirm(`Revoke ${k.name}? Calls with it stop at once.`)) return;
        if (await attempt(() => del(`/api/keys/${k.id}`), `${k.name} revoked`) !== undefined) setQuery({});
      } }, 'Revoke'), csv: () => '' },
  ], active, { empty: 'No virtual keys yet: create one below.' }));

  const form = h('form.inline', { id: 'new-virtual-key', 'aria-label': 'New virtual key' },
    field('Name', h('input', { name: 'name', required: true, placeholder: 'support-bot' })),
    field('Owner email', h('input', { name: 'user_email', type: 'email', required: true })),
    field('Cost centre', h('input', { name: 'cost_centre', required: true })),
    field('Project', h('input', { name: 'project' })),
    field('Agent', h('input', { name: 'agent_name' })),
    field('Environment', h('select', { name: 'environment' }, ENVIRONMENTS.map((e) => h('option', e)))),
    field('Monthly cap (USD)', h('input', { name: 'monthly_budget_cap', type: 'number', min: '0', step: '0.01', required: true })),
    h('button.primary', { type: 'submit' }, 'Create virtual key'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(form);
    const body = { ...v, monthly_budget_cap: Number(v.monthly_budget_cap) };
    for (const k of ['project', 'agent_name']) if (!body[k]) delete body[k];
    const key = await attempt(() => post('/api/admin/virtual-keys', body), `Virtual key ${v.name} created`);
    if (key) {
      created.replaceChildren(secretBox(key.key, `Virtual key ${key.name}: copy it now, it will not be shown again.`),
        h('button', { type: 'button', onclick: () => setQuery({}) }, 'Done, refresh the list'));
      form.reset();
    }
  });
  return h('div', panel('Virtual keys this month', holder, csvButton(holder, 'budgets.csv')),
    panel('New budgeted virtual key', created, form));
}
