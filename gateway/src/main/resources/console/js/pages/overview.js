// Finance overview: headline spend, the daily chart and spend by every dimension, with filters in the URL.
import { get, qs } from '../api.js';
import { h, money, micros, usd, num, bar, table, tile, panel, today, daysAgo, csvButton } from '../ui.js';
import { dailyChart } from '../chart.js';

export default async function overview({ query, me, setQuery }) {
  const f = {
    from: query.get('from') || daysAgo(29),
    to: query.get('to') || today(),
    cost_centre: query.get('cost_centre') || '',
    environment: query.get('environment') || '',
  };
  const filters = qs(f);
  const spend = (groupBy) => get(`/api/reports/spend${qs({ ...f, group_by: groupBy })}`);
  const [o, daily, envs, agents, centres] = await Promise.all([
    get(`/api/metrics/overview${filters}`), spend('day'), spend('environment'), spend('agent'),
    get(`/api/reports/spend${qs({ from: f.from, to: f.to, group_by: 'cost_centre' })}`),
  ]);
  const total = o.by_model.reduce((s, r) => s + micros(r.total_cost), 0);

  const choose = (name, options, label) => h('label', label, h('select', {
    name, id: `filter-${name.replace('_', '-')}`,
    onchange: (e) => setQuery({ ...f, [name]: e.target.value }),
  }, h('option', { value: '' }, 'All'), options.map((v) => h('option', { value: v, selected: v === f[name] }, v))));
  const date = (name, label) => h('label', label, h('input', {
    type: 'date', name, id: `filter-${name}`, value: f[name], max: today(),
    onchange: (e) => setQuery({ ...f, [name]: e.target.value }),
  }));
  const preset = (days) => h('button', { type: 'button', onclick: () => setQuery({ ...f, from: daysAgo(days - 1), to: today() }) },
    `Last ${days} days`);
  const filterBar = h('form.filters.no-print', { 'aria-label': 'Filters', onsubmit: (e) => e.preventDefault() },
    date('from', 'From'), date('to', 'To'),
    choose('cost_centre', [...new Set(centres.rows.map((r) => r.cost_centre))], 'Cost centre'),
    choose('environment', [...new Set(envs.rows.map((r) => r.environment))].concat(
      f.environment && !envs.rows.length ? [f.environment] : []), 'Environment'),
    preset(30), preset(90),
    h('a', { href: `/api/reports/spend.csv${qs({ ...f, group_by: 'day,cost_centre,environment,project,model' })}`,
      download: 'spend.csv', id: 'export-spend' }, 'Export CSV'));

  const c = o.cost;
  const tiles = h('div.tiles',
    tile('Spend today', usd(c.spend_today)),
    tile('Month to date', usd(c.spend_mtd)),
    tile('Year to date', usd(c.spend_ytd)),
    tile('Month-end forecast', usd(c.forecasted_month_end), 'Month to date ÷ days elapsed × days in month'),
    tile('Spend in period', money(total)),
    tile('Requests in period', num(c.total_requests)),
    tile('Tokens in period', num(c.total_tokens)));
  tiles.id = 'tiles';

  const share = (cost) => (total ? micros(cost) / total : 0);
  const breakdown = (title, rows, key, label, onPick) => {
    const holder = h('div');
    holder.append(table([
      { label, value: (r) => (onPick ? h('button.link', { type: 'button', onclick: () => onPick(r[key]) }, r[key]) : r[key] ?? '(none)') },
      { label: 'Requests', num: true, value: (r) => num(r.request_count ?? r.requests) },
      { label: 'Spend', num: true, value: (r) => usd(r.total_cost ?? r.cost), csv: (r) => r.total_cost ?? r.cost },
      { label: 'Share', value: (r) => bar(share(r.total_cost ?? r.cost), `${title}: ${r[key]}`, { limit: false }), csv: (r) => share(r.total_cost ?? r.cost).toFixed(4) },
    ], rows, { empty: 'No spend in this period.' }));
    return panel(title, holder, csvButton(holder, `${key}.csv`));
  };
  const named = (rows, key) => rows.map((r) => ({ ...r, [key]: r[key] === '' ? '(none)' : r[key] }));

  const chart = h('div.chart', { id: 'daily-chart', role: 'img', 'aria-label': 'Daily spend' });
  const waste = o.waste;
  const sections = [
    filterBar, tiles,
    panel(`Daily spend, ${f.from} to ${f.to}`, chart),
    h('div.grid',
      breakdown('By cost centre', o.by_cost_centre, 'cost_centre', 'Cost centre',
        (v) => setQuery({ ...f, cost_centre: v === '(none)' ? '' : v })),
      breakdown('By model', o.by_model, 'model', 'Model'),
      breakdown('By project', o.top_projects, 'project_name', 'Project'),
      breakdown('By environment', named(envs.rows, 'environment'), 'environment', 'Environment',
        (v) => setQuery({ ...f, environment: v === '(none)' ? '' : v })),
      breakdown('By agent', named(agents.rows, 'agent'), 'agent', 'Agent'),
      breakdown(me.role === 'user' ? 'You' : 'Top users', o.top_users.map((u) => ({ ...u, user: u.user_email || `#${u.user_id}` })),
        'user', 'User')),
    panel('Waste from repeated prompts',
      h('p', `${num(waste.repeated_prompts_count)} calls repeated a prompt seen shortly before. Caching those replies would have saved `,
        h('strong#waste-saving', usd(waste.estimated_waste)), ' in this period.'),
      table([
        { label: 'Prompt hash', value: (r) => h('code', r.hash.slice(0, 16)) },
        { label: 'Model', value: (r) => r.model },
        { label: 'Seen', num: true, value: (r) => num(r.count) },
        { label: 'Repeats', num: true, value: (r) => num(r.repeats) },
        { label: 'Saving', num: true, value: (r) => usd(r.estimated_waste) },
      ], waste.top_repeated_hashes, { empty: 'No repeated prompts.' })),
  ];
  const page = h('div', sections);
  requestAnimationFrame(() => dailyChart(chart, f.from, f.to, daily.rows));
  return page;
}
