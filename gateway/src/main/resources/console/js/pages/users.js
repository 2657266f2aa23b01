// Administrators: people, their roles, disabling, password resets and invitations.
import { get, post, put } from '../api.js';
import { h, time, table, panel, field, fields, attempt, secretBox } from '../ui.js';

const ROLES = ['user', 'finance', 'admin'];

export default async function users({ setQuery }) {
  const list = await get('/api/users');
  const refresh = () => setQuery({ at: Date.now() });
  const out = h('div');
  const holder = table([
    { label: 'Id', num: true, value: (u) => u.id },
    { label: 'Name', value: (u) => h('span', h('strong', u.name), h('br'), h('span.muted', u.email)) },
    { label: 'Role', value: (u) => h('select', { 'aria-label': `Role of ${u.email}`, onchange: async (e) => {
      await attempt(() => put(`/api/users/${u.id}`, { role: e.target.value }), `${u.email} is now ${e.target.value}`);
      refresh();
    } }, ROLES.map((r) => h('option', { value: r, selected: r === u.role }, r))) },
    { label: 'Status', value: (u) => h(`span.pill.${u.disabled ? 'bad' : 'good'}`, u.disabled ? 'disabled' : 'active') },
    { label: 'Created', value: (u) => time(u.created_at) },
    { label: '', value: (u) => h('div.row-actions',
      h('button', { type: 'button', onclick: async () => {
        await attempt(() => put(`/api/users/${u.id}`, { disabled: !u.disabled }), `${u.email} ${u.disabled ? 'enabled' : 'disabled'}`);
        refresh();
      } }, u.disabled ? 'Enable' : 'Disable'),
      h('button', { type: 'button', onclick: async () => {
        const password = prompt(`New password for ${u.email} (at least 8 characters):`);
        if (password) await attempt(() => post(`/api/users/${u.id}/password`, { password }), `Password of ${u.email} reset; their sessions ended`);
      } }, 'Reset password')) },
  ], list);
  const form = h('form.inline', { id: 'new-user', 'aria-label': 'New user' },
    field('Email', h('input', { name: 'email', type: 'email', required: true })),
    field('Name', h('input', { name: 'name', required: true })),
    field('Role', h('select', { name: 'role' }, ROLES.map((r) => h('option', r)))),
    field('Password', h('input', { name: 'password', type: 'password', minlength: 8, autocomplete: 'new-password' })),
    h('button.primary', { type: 'submit' }, 'Create user'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(form);
    if (!v.password) delete v.password;
    if (await attempt(() => post('/api/users', v), `${v.email} created`)) refresh();
  });
  const invite = h('form.inline', { id: 'invite', 'aria-label': 'Invite' },
    field('Email (optional)', h('input', { name: 'email', type: 'email' })),
    field('Valid for (hours)', h('input', { name: 'expires_in_hours', type: 'number', min: 1, value: 72 })),
    h('button', { type: 'submit' }, 'Create invitation'));
  invite.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = fields(invite);
    const r = await attempt(() => post('/api/admin/invites', { email: v.email || undefined, expires_in_hours: Number(v.expires_in_hours) }));
    if (r) out.replaceChildren(secretBox(r.invite_token, 'Invitation token (single use; they register with it):'));
  });
  return h('div', panel('Users', holder), panel('New user', form), panel('Invite someone', out, invite));
}
