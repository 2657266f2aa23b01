// The console's shell: who is signed in, the navigation their role allows, and hash routes
// (#/page?filters) so any view, filters included, can be bookmarked and shared.
import { get, post, setCsrf, ApiError } from './api.js';
import { h, attempt } from './ui.js';
import overview from './pages/overview.js';
import events from './pages/events.js';
import budgets from './pages/budgets.js';
import credits from './pages/credits.js';
import statements from './pages/statements.js';
import audit from './pages/audit.js';
import account from './pages/account.js';
import keys from './pages/keys.js';
import users from './pages/users.js';
import providers from './pages/providers.js';
import models from './pages/models.js';
import plans from './pages/plans.js';
import health from './pages/health.js';

const ALL = ['admin', 'finance', 'user'];
const MONEY = ['admin', 'finance'];
const ADMIN = ['admin'];

/** Route → page, its title and the roles that see it. */
const ROUTES = {
  overview: { page: overview, title: 'Overview', roles: ALL },
  events: { page: events, title: 'Usage events', roles: ALL },
  budgets: { page: budgets, title: 'Budgets', roles: MONEY },
  credits: { page: credits, title: 'Credits', roles: MONEY },
  statements: { page: statements, title: 'Statements', roles: ALL },
  audit: { page: audit, title: 'Audit log', roles: ALL },
  account: { page: account, title: 'My account', roles: ALL, sep: true },
  keys: { page: keys, title: 'API keys', roles: ALL },
  users: { page: users, title: 'Users', roles: ADMIN, sep: true },
  providers: { page: providers, title: 'Providers', roles: ADMIN },
  models: { page: models, title: 'Models & prices', roles: ADMIN },
  plans: { page: plans, title: 'Plans & limits', roles: ADMIN },
  health: { page: health, title: 'Health', roles: ADMIN },
};

const state = { me: null, timer: null };

/** The current route and its query: '#/events?model=x' → ['events', URLSearchParams]. */
export function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  return [path || 'overview', new URLSearchParams(query || '')];
}

/** Replaces the route's query (filters), keeping history usable. */
export function setQuery(params) {
  const [path] = route();
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  location.hash = `#/${path}${s ? `?${s}` : ''}`;
}

export const me = () => state.me;

function renderNav(current) {
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  for (const [name, r] of Object.entries(ROUTES)) {
    if (!r.roles.includes(state.me.role)) continue;
    if (r.sep) nav.append(h('span.sep', { 'aria-hidden': 'true' }));
    nav.append(h('a', { href: `#/${name}`, 'aria-current': name === current ? 'page' : null }, r.title));
  }
  const who = document.getElementById('who');
  who.replaceChildren(
    h('span', { title: state.me.email }, `${state.me.name || state.me.email} · ${state.me.role}`),
    h('button', { type: 'button', id: 'sign-out', onclick: signOut }, 'Sign out'));
}

async function render() {
  const main = document.getElementById('main');
  if (state.timer) {
    clearInterval(state.timer);
    state.timer = null;
  }
  document.getElementById('nav').classList.remove('open');
  if (!state.me) {
    showLogin(main);
    return;
  }
  const [name, query] = route();
  const r = ROUTES[name];
  if (!r || !r.roles.includes(state.me.role)) {
    renderNav(name);
    document.title = 'Not available · Tollgate';
    main.replaceChildren(h('h1', 'Not available'),
      h('p.muted', r ? 'Your role does not give access to this page.' : 'There is no such page.'),
      h('p', h('a', { href: '#/overview' }, 'Back to the overview')));
    return;
  }
  renderNav(name);
  document.title = `${r.title} · Tollgate`;
  main.replaceChildren(h('h1', r.title), h('p.muted', 'Loading…'));
  try {
    const content = await r.page({ query, me: state.me, setQuery, every: (ms, fn) => { state.timer = setInterval(fn, ms); } });
    main.replaceChildren(h('h1', r.title), content);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      state.me = null;
      showLogin(main);
      return;
    }
    main.replaceChildren(h('h1', r.title), h('p.error', { role: 'alert' }, e.message));
  }
  main.focus({ preventScroll: true });
}

function showLogin(main) {
  document.getElementById('nav').replaceChildren();
  document.getElementById('who').replaceChildren();
  document.title = 'Sign in · Tollgate';
  const error = h('p.error', { role: 'alert' });
  const form = h('form', { id: 'login-form' },
    h('label', 'Email', h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true, id: 'email' })),
    h('label', 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'password' })),
    h('button.primary', { type: 'submit' }, 'Sign in'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      const r = await post('/api/auth/login', { email: form.email.value.trim(), password: form.password.value });
      setCsrf(r.csrf_token);
      state.me = await get('/api/auth/me');
      render();
    } catch (err) {
      error.textContent = err.status === 401 ? 'Wrong email or password.' : err.message;
    }
  });
  main.replaceChildren(h('section.panel.login', h('h1', 'Sign in to Tollgate'), form));
  form.email.focus();
}

async function signOut() {
  await attempt(() => post('/api/auth/logout', {}));
  state.me = null;
  setCsrf(null);
  location.hash = '#/overview';
  render();
}

async function start() {
  const toggle = document.getElementById('menu-toggle');
  toggle.addEventListener('click', () => {
    const nav = document.getElementById('nav');
    toggle.setAttribute('aria-expanded', String(nav.classList.toggle('open')));
  });
  try {
    state.me = await get('/api/auth/me');
    setCsrf(state.me.csrf_token);
  } catch {
    state.me = null;
  }
  window.addEventListener('hashchange', render);
  render();
}

start();
