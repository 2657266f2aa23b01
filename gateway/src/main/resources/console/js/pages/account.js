// What a signed-in person sees of their own money: balance, plan, quota and rate windows.
import { get } from '../api.js';
import { h, usd, num, time, bar, table, panel, tile, micros } from '../ui.js';

export default async function account() {
  const [balance, plan, usage, limits] = await Promise.all([
    get('/api/user/balance'), get('/api/user/plan'), get('/api/user/plan/usage'), get('/api/user/limit')]);
  const p = plan.plan;
  const quota = (used, limit, fmt) => (limit == null ? `${fmt(used)} (no quota)`
    : h('span', `${fmt(used)} of ${fmt(limit)}`, bar(limit ? used / limit : 0, 'quota used')));
  return h('div',
    h('div.tiles#balance',
      tile('Credits', usd(balance.credits)), tile('Spent', usd(balance.spent)),
      tile('In flight', usd(balance.reserved)), tile('Available', usd(balance.available)),
      tile('This month', usd(balance.spent_this_month))),
    h('div.grid',
      panel('Plan', p ? h('div', h('p', h('strong', p.name), ' — ', p.description),
        h('p', 'Features: ', p.features.join(', '))) : h('p.muted', 'No plan: only your keys\' own limits apply.'),
      h('p', 'Tokens this month: ', quota(usage.tokens_used, usage.token_quota, num)),
      h('p', 'Spend this month: ', quota(micros(usage.spend), usage.spend_quota == null ? null : micros(usage.spend_quota),
        (m) => usd(m / 1e6)))),
      panel('Rate windows', table([
        { label: 'Applies to', value: (w) => w.subject },
        { label: 'Window', value: (w) => w.window },
        { label: 'Requests', num: true, value: (w) => (w.requests_limit == null ? num(w.requests) : `${num(w.requests)} / ${num(w.requests_limit)}`) },
        { label: 'Tokens', num: true, value: (w) => (w.tokens_limit == null ? num(w.tokens) : `${num(w.tokens)} / ${num(w.tokens_limit)}`) },
        { label: 'Resets', value: (w) => time(w.resets_at) },
      ], limits.windows))));
}
