// Administrators: upstream providers (the key is sealed at rest and never shown), their model lists.
import { get, post, put, del } from '../api.js';
import { h, time, table, panel, field, fields, attempt, toast } from '../ui.js';

export default async function providers({ setQuery }) {
  const list = await get('/api/providers');
  const refresh = () => setQuery({ at: Date.now() });
  const holder = table([
    { label: 'Name', value: (p) => h('span', h('strong', p.name), h('br'), h('span.muted', p.type)) },
    { label: 'Base URL', value: (p) => h('code', p.base_url) },
    { label: 'Status', value: (p) => h(`span.pill.${p.enabled ? 'good' : 'bad'}`, p.enabled ? 'enabled' : 'disabled') },
    { label: 'Models', value: (p) => [...new Set([...p.models.map((m) => m.id), ...p.runtime_models.map((m) => m.id || m)])].join(', ') || '—' },
    { label: 'Added', value: (p) => time(p.created_at) },
    { label: '', value: (p) => h('div.row-actions',
      h('button', { type: 'button', 'aria-label': `Refresh models of ${p.name}`, onclick: async () => {
        const r = await attempt(() => post(`/api/providers/${p.id}/refresh_models`, {}));
        if (r) {
          const n = r.runtime_models.length;
          toast(`${p.name}: ${n} models listed`);
          refresh();
        }
      } }, 'Refresh models'),
      h('button', { type: 'button', onclick: async () => {
        if (await attempt(() => put(`/api/providers/${p.id}`, { enabled: !p.enabled }), `${p.name} ${p.enabled ? 'disabled' : 'enabled'}`)) refresh();
      } }, p.enabled ? 'Disable' : 'Enable'),
      h('button.danger', { type: 'button', onclick: async () => {
        if (!confirm(`Remove ${p.name} and its deployments?`)) return;
        if (await attempt(() => del(`/api/providers/${p.id}`), `${p.name} removed`) !== undefined) refresh();
      } }, 'Remove')) },
  ], list, { empty: 'No providers yet: add one below.' });
  const form = h('form.inline', { id: 'new-provider', 'aria-label': 'New provider' },
    field('Name', h('input', { name: 'name', required: true, placeholder: 'openai' })),
    field('Type', h('select', { name: 'type' }, ['openai', 'anthropic', 'ollama'].map((t) => h('option', t)))),
    field('Base URL', h('input', { name: 'base_url', type: 'url', required: true, placeholder: 'https://api.openai.com/v1', size: 32 })),
    field('API key', h('input', { name: 'api_key', type: 'password', autocomplete: 'off' })),
    h('button.primary', { type: 'submit' }, 'Add provider'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(form);
    if (!v.api_key) delete v.api_key;
    if (await attempt(() => post('/api/providers', { ...v, enabled: true }), `${v.name} added; its models are being listed`)) refresh();
  });
  return h('div', panel('Providers', holder), panel('Add a provider', form));
}
