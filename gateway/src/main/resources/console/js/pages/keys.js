// One's own API keys: create (the secret shown once, with a copy button), rotate, revoke.
import { get, post, put, del } from '../api.js';
import { h, time, table, panel, field, fields, secretBox, attempt, usd, num } from '../ui.js';

export default async function keys({ setQuery }) {
  const [list, usage] = await Promise.all([get('/api/user/api-keys'), get('/api/user/api-keys/usage')]);
  const used = new Map((usage.keys || usage.data || []).map((u) => [u.key_id ?? u.id, u]));
  const shown = h('div');
  const reveal = (secret, name) => shown.replaceChildren(secretBox(secret, `${name}: copy it now, it will not be shown again.`),
    h('button', { type: 'button', onclick: () => setQuery({ at: Date.now() }) }, 'Done, refresh the list'));
  const active = list.keys.filter((k) => !k.revoked);
  const holder = table([
    { label: 'Name', value: (k) => h('span', h('strong', k.name), h('br'), h('code.muted', k.prefix)) },
    { label: 'Kind', value: (k) => k.kind },
    { label: 'Scopes', value: (k) => k.scopes.join(' ') },
    { label: 'Env', value: (k) => k.environment },
    { label: 'Requests', num: true, value: (k) => num(used.get(k.id)?.requests) },
    { label: 'Cost', num: true, value: (k) => usd(used.get(k.id)?.cost ?? used.get(k.id)?.total_cost) },
    { label: 'Created', value: (k) => time(k.created_at) },
    { label: '', value: (k) => h('div.row-actions',
      h('button', { type: 'button', 'aria-label': `Rotate ${k.name}`, onclick: async () => {
        const r = await attempt(() => put(`/api/user/api-keys/${k.id}`, { action: 'rotate', grace_period_seconds: 0 }), `${k.name} rotated`);
        const secret = r && (r.new_api_key || r.api_key || r.key || r.data?.new_api_key);
        if (secret) reveal(secret, `New secret of ${k.name}`);
      } }, 'Rotate'),
      h('button.danger', { type: 'button', 'aria-label': `Revoke ${k.name}`, onclick: async () => {
        if (!confirm(`Revoke ${k.name}? Calls with it stop at once.`)) return;
        if (await attempt(() => del(`/api/user/api-keys/${k.id}?confirm=true`), `${k.name} revoked`) !== undefined) setQuery({ at: Date.now() });
      } }, 'Revoke')) },
  ], active, { empty: 'No keys yet.' });
  const form = h('form.inline', { id: 'new-key', 'aria-label': 'New API key' },
    field('Name', h('input', { name: 'name', required: true, placeholder: 'laptop' })),
    field('Environment', h('select', { name: 'environment' }, ['live', 'test', 'dev', 'staging', 'prod'].map((e) => h('option', e)))),
    h('button.primary', { type: 'submit' }, 'Create key'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(form);
    const r = await attempt(() => post('/api/keys', { name: v.name, environment: v.environment, scopes: ['completion:invoke', 'model:any'] }),
      `Key ${v.name} created`);
    if (r) reveal(r.key, `Key ${v.name}`);
  });
  return h('div', panel('Your keys', holder), panel('New key', shown, form));
}
