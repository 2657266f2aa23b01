// API keys: one's own (administrators: anyone's), created with the secret shown once and a copy
// button, rotated, revoked.
import { get, post, put, del } from '../api.js';
import { h, time, table, panel, field, fields, secretBox, attempt, usd, num } from '../ui.js';

export default async function keys({ query, me, setQuery }) {
  const admin = me.role === 'admin';
  const owner = admin && query.get('user_id') ? Number(query.get('user_id')) : me.id;
  const own = owner === me.id;
  const [list, usage, users] = await Promise.all([
    own ? get('/api/user/api-keys').then((r) => r.keys) : get(`/api/admin/users/${owner}/keys`),
    own ? get('/api/user/api-keys/usage') : Promise.resolve({ keys: [] }),
    admin ? get('/api/users') : Promise.resolve([]),
  ]);
  const used = new Map(usage.keys.map((u) => [u.key_id, u]));
  const shown = h('div');
  const refresh = () => setQuery({ user_id: own ? '' : owner, at: Date.now() });
  const reveal = (secret, name) => shown.replaceChildren(secretBox(secret, `${name}: copy it now, it will not be shown again.`),
    h('button', { type: 'button', onclick: refresh }, 'Done, refresh the list'));
  const active = list.filter((k) => !k.revoked);
  const holder = table([
    { label: 'Name', value: (k) => h('span', h('strong', k.name), h('br'), h('code.muted', k.prefix)) },
    { label: 'Kind', value: (k) => k.kind },
    { label: 'Scopes', value: (k) => k.scopes.join(' ') },
    { label: 'Env', value: (k) => k.environment },
    { label: 'Cost centre', value: (k) => k.cost_centre || '—' },
    own ? { label: 'Requests', num: true, value: (k) => num(used.get(k.id)?.requests) } : null,
    own ? { label: 'Cost', num: true, value: (k) => usd(used.get(k.id)?.cost) } : null,
    { label: 'Created', value: (k) => time(k.created_at) },
    { label: '', value: (k) => h('div.row-actions',
      h('button', { type: 'button', 'aria-label': `Rotate ${k.name}`, onclick: async () => {
        const r = await attempt(() => put(`/api/keys/${k.id}`, { action: 'rotate', grace_period_seconds: 0 }), `${k.name} rotated`);
        if (r && r.key) reveal(r.key, `New secret of ${k.name}`);
      } }, 'Rotate'),
      h('button.danger', { type: 'button', 'aria-label': `Revoke ${k.name}`, onclick: async () => {
        if (!confirm(`Revoke ${k.name}? Calls with it stop at once.`)) return;
        if (await attempt(() => del(`/api/keys/${k.id}`), `${k.name} revoked`) !== undefined) refresh();
      } }, 'Revoke')) },
  ].filter(Boolean), active, { empty: 'No keys.' });
  const whose = admin ? h('form.filters', { 'aria-label': 'Whose keys' },
    field('Keys of', h('select', { name: 'user_id', id: 'keys-of', onchange: (e) => setQuery({ user_id: e.target.value }) },
      users.map((u) => h('option', { value: u.id, selected: u.id === owner }, u.email))))) : null;
  const form = h('form.inline', { id: 'new-key', 'aria-label': 'New API key' },
    field('Name', h('input', { name: 'name', required: true, placeholder: 'laptop' })),
    field('Environment', h('select', { name: 'environment' }, ['live', 'test', 'dev', 'staging', 'prod'].map((e) => h('option', e)))),
    h('button.primary', { type: 'submit' }, 'Create key'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(form);
    const body = { name: v.name, environment: v.environment, scopes: ['completion:invoke', 'model:any'] };
    if (!own) body.user_id = owner;
    const r = await attempt(() => post('/api/keys', body), `Key ${v.name} created`);
    if (r) reveal(r.key, `Key ${v.name}`);
  });
  return h('div', whose, panel(own ? 'Your keys' : `Keys of ${users.find((u) => u.id === owner)?.email}`, holder),
    panel('New key', shown, form));
}
