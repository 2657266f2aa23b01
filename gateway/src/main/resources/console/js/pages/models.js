// Administrators: the models clients can call, what each costs, and setting a price (an event with
// an effective time; usage keeps the price it was recorded with).
import { get, post, put } from '../api.js';
import { h, usd, table, panel, field, fields, attempt } from '../ui.js';

export default async function models({ setQuery }) {
  const [list, providers] = await Promise.all([get('/api/v1/models'), get('/api/providers')]);
  const providerId = new Map(providers.map((p) => [p.name, p.id]));
  const refresh = () => setQuery({ at: Date.now() });
  const price = (v) => (v == null ? '—' : `${usd(v)} / 1M`);
  const holder = table([
    { label: 'Model', value: (m) => h('strong', m.id) },
    { label: 'Provider', value: (m) => m.owned_by },
    { label: 'Input', num: true, value: (m) => price(m.pricing?.input_per_million) },
    { label: 'Output', num: true, value: (m) => price(m.pricing?.output_per_million) },
    { label: 'Price from', value: (m) => (!m.pricing?.priced ? h('span.pill.warn', 'unpriced') : m.pricing.free ? 'free' : m.pricing.source) },
  ], list.data, { empty: 'No models yet: add a provider and refresh its models.' });

  const form = h('form.inline', { id: 'set-price', 'aria-label': 'Set a price' },
    field('Model', h('select', { name: 'model', required: true }, list.data.map((m) => h('option', { value: m.id }, m.id)))),
    field('Input USD per 1M tokens', h('input', { name: 'input', type: 'number', min: '0', step: '0.000001', required: true })),
    field('Output USD per 1M tokens', h('input', { name: 'output', type: 'number', min: '0', step: '0.000001', required: true })),
    field('Effective from (UTC, optional)', h('input', { name: 'effective_at', type: 'datetime-local' })),
    h('button.primary', { type: 'submit' }, 'Set price'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(form);
    const body = { input_price_per_million: Number(v.input), output_price_per_million: Number(v.output) };
    if (v.effective_at) body.effective_at = new Date(`${v.effective_at}Z`).toISOString();
    const model = list.data.find((m) => m.id === v.model);
    const done = await attempt(async () => {
      try {
        return await put(`/api/models/${encodeURIComponent(v.model)}/price`, body);
      } catch (err) {
        // A model discovered from a provider's list is registered, with its price, on first pricing.
        if (err.status !== 404 || !providerId.has(model.owned_by)) throw err;
        return post('/v1/models', { name: v.model, provider_id: providerId.get(model.owned_by), upstream_model: v.model,
          input_price_per_million: body.input_price_per_million, output_price_per_million: body.output_price_per_million });
      }
    }, `Price of ${v.model} set`);
    if (done) refresh();
  });
  return h('div', panel('Models', holder), panel('Price a model', form));
}
