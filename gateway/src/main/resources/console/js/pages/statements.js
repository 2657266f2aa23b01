// Monthly statements per account, printable, with the seq range they cover and a "verify" action
// that folds the account's events from the ledger itself and compares.
import { get, qs } from '../api.js';
import { h, usd, num, table, panel, field } from '../ui.js';

export default async function statements({ query, me, setQuery }) {
  const finance = me.role !== 'user';
  const accounts = finance ? await get('/api/admin/balances') : [{ account_id: String(me.id), email: me.email }];
  const account = query.get('account_id') || String(me.id);
  const month = query.get('month') || new Date().toISOString().slice(0, 7);
  const s = await get(`/api/ledger/statements${qs({ account_id: account, month })}`);
  const email = accounts.find((a) => a.account_id === account)?.email || `account ${account}`;

  const form = h('form.filters.no-print', { id: 'statement-pick', 'aria-label': 'Statement' },
    field('Account', h('select', { name: 'account_id' },
      accounts.map((a) => h('option', { value: a.account_id, selected: a.account_id === account }, a.email)))),
    field('Month', h('input', { name: 'month', type: 'month', value: month, required: true })),
    h('button.primary', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setQuery({ account_id: form.account_id.value, month: form.month.value });
  });

  const result = h('div#verify-result', { 'aria-live': 'polite' });
  const verify = h('button', {
    type: 'button', id: 'verify',
    onclick: async () => {
      result.replaceChildren(h('p.muted', 'Replaying the ledger…'));
      try {
        const v = await get(`/api/ledger/statements/verify${qs({ account_id: account, month })}`);
        result.replaceChildren(v.verified
          ? h('p.ok', `✓ Verified: replaying ${num(v.events_replayed)} ledger events`
            + (v.replayed_through_seq ? ` (through seq ${v.replayed_through_seq})` : '')
            + ' gives exactly this statement.')
          : h('div', h('p.error', '✗ The statement and the replay differ:'), table([
            { label: 'Field', value: (d) => d.field },
            { label: 'Statement', value: (d) => String(d.statement) },
            { label: 'Replay of the ledger', value: (d) => String(d.replay) },
          ], v.differences)));
      } catch (e) {
        result.replaceChildren(h('p.error', e.message));
      }
    },
  }, 'Verify against the ledger');

  const seq = s.seq_range.first_seq ? `seq ${s.seq_range.first_seq} – ${s.seq_range.last_seq}` : 'no events this month';
  const doc = h('article.statement#statement',
    h('h2', `Statement for ${email}, ${s.month}`),
    h('p.muted', `Period ${s.period_start.slice(0, 10)} to ${s.period_end.slice(0, 10)} (UTC, end exclusive) · ${s.currency} · ledger ${seq}`),
    h('dl',
      h('dt', 'Opening balance'), h('dd#opening', usd(s.opening_balance)),
      h('dt', 'Credits added'), h('dd', usd(s.credits)),
      h('dt', `Usage (${num(s.usage.requests)} requests)`), h('dd', `− ${usd(s.usage.total)}`),
      h('dt', h('strong', 'Closing balance')), h('dd#closing', h('strong', usd(s.closing_balance)))),
    h('h3', 'Usage by model'),
    table([
      { label: 'Model', value: (r) => r.model },
      { label: 'Requests', num: true, value: (r) => num(r.requests) },
      { label: 'Input tokens', num: true, value: (r) => num(r.prompt_tokens) },
      { label: 'Output tokens', num: true, value: (r) => num(r.completion_tokens) },
      { label: 'Cost', num: true, value: (r) => usd(r.cost) },
    ], s.usage.by_model, { empty: 'No usage.' }),
    h('h3', 'Usage by cost centre'),
    table([
      { label: 'Cost centre', value: (r) => r.cost_centre || '(none)' },
      { label: 'Requests', num: true, value: (r) => num(r.requests) },
      { label: 'Cost', num: true, value: (r) => usd(r.cost) },
    ], s.usage.by_cost_centre, { empty: 'No usage.' }));
  return h('div', form, panel(null, doc,
    h('div.row-actions.no-print', verify, h('button', { type: 'button', onclick: () => window.print() }, 'Print')), result));
}
