// Qin supervisors' page: logs in through POST /api/login (an agent with `supervisor = true`),
// then shows the shop's persona-group queues (refreshed every few seconds), switches the
// peak-day profile, shows why a conversation was routed where it was, and reassigns it.
// REST only: GET /api/shops/{shop}/groups|profile|staff, PUT …/profile,
// GET /api/conversations/{id}/routing, POST …/assign.

import { api as call, clock, h, showLoginError, signIn, toaster } from './client.js';

const SESSION_KEY = 'qin.supervisor';
const REFRESH_MS = 3000;

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const toast = toaster($('error-toast'));

let session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null'); // {shop, token, name}
let timer = 0;
let shownConv = null;

/** Calls the API as the logged-in supervisor; a 401 signs out. */
async function api(method, path, body) {
  try {
    return await call(method, path, { token: session.token, body });
  } catch (e) {
    if (e.status === 401) logout('登录已过期，请重新登录 · Your session expired, please sign in again');
    throw e;
  }
}

const shopPath = (what) => `/api/shops/${encodeURIComponent(session.shop)}/${what}`;

// ---- login ----

async function login(ev) {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const creds = { shop: form.get('shop').trim(), agent: form.get('agent').trim(), password: form.get('password') };
  $('login-submit').disabled = true;
  showLoginError('');
  try {
    const body = await signIn(creds);
    session = { shop: creds.shop, token: body.token, name: body.agent.name };
    await api('GET', shopPath('profile')); // 403 unless a supervisor of this shop
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    start();
  } catch (e) {
    session = null;
    showLoginError(`登录失败 · Sign-in failed: ${e.message}`);
  } finally {
    $('login-submit').disabled = false;
  }
}

function logout(notice = '') {
  clearInterval(timer);
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
  showLoginError(notice);
  render();
}

function render() {
  $('login-view').hidden = !!session;
  $('supervisor-main').hidden = !session;
  if (!session) return;
  $('shop-name').textContent = session.shop;
  $('supervisor-name').textContent = session.name;
}

function start() {
  render();
  refreshGroups();
  clearInterval(timer);
  timer = setInterval(refreshGroups, REFRESH_MS);
  loadProfile();
  loadStaff();
}

// ---- groups ----

async function refreshGroups() {
  if (!session) return;
  try {
    const { groups } = await api('GET', shopPath('groups'));
    $('groups-table').replaceChildren(...groups.map((g) => h('tr', { testid: 'group-row', 'data-group': g.id },
      h('td', {}, `${g.name} `, h('span', { class: 'muted' }, g.id)),
      h('td', {}, String(g.online)),
      h('td', {}, String(g.waiting)),
      h('td', {}, g.online ? `${g.eta_s} s` : '–'))));
    $('groups-updated').textContent = `更新于 updated ${new Date().toLocaleTimeString('zh-CN')}`;
  } catch (e) {
    $('groups-updated').textContent = `未能刷新 · refresh failed: ${e.message}`;
  }
}

// ---- profile ----

async function loadProfile() {
  try {
    const { profile, profiles } = await api('GET', shopPath('profile'));
    const options = [['', '按日期 · by date'], ...profiles.map((p) => [p, p])];
    $('profile-select').replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
    $('profile-select').value = profile ?? '';
    $('profile-current').textContent = `当前 now: ${profile ?? '按日期 · by date'}`;
  } catch (e) {
    toast(e.message);
  }
}

async function switchProfile(ev) {
  ev.preventDefault();
  const profile = $('profile-select').value || null;
  try {
    await api('PUT', shopPath('profile'), { profile });
    toast(`已请求切换 · switch to ${profile ?? 'by date'} requested`);
    setTimeout(loadProfile, 1000); // the router applies it within a moment
  } catch (e) {
    toast(e.message);
  }
}

// ---- config reload ----

async function reloadConfig(ev) {
  ev.preventDefault();
  try {
    const { shops } = await api('POST', shopPath('config/reload'));
    $('reload-result').textContent = `已生效 · in force for ${shops.join(', ')}`;
    loadProfile();
  } catch (e) {
    // A bad file changes nothing; the message names the key at fault.
    $('reload-result').textContent = `未加载 · refused: ${e.message}`;
  }
}

// ---- a conversation's routing ----

async function loadStaff() {
  try {
    const { groups, agents } = await api('GET', shopPath('staff'));
    const options = [
      ...groups.map((g) => [`group:${g.id}`, `组 group · ${g.name}`]),
      ...agents.filter((a) => a.max_chats > 0).map((a) => [`agent:${a.id}`, `客服 agent · ${a.name} (${a.group}, ${a.status})`]),
    ];
    $('assign-target').replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
    $('sign-out-agent').replaceChildren(...agents.map((a) => h('option', { value: a.id }, `${a.name} (${a.id}, ${a.status})`)));
  } catch (e) {
    toast(e.message);
  }
}

async function showConv(ev) {
  ev?.preventDefault();
  const conv = $('conv-input').value.trim();
  if (!conv) return;
  try {
    const r = await api('GET', `/api/conversations/${encodeURIComponent(conv)}/routing`);
    shownConv = conv;
    $('conv-view').hidden = false;
    $('conv-view').dataset.conv = conv;
    const disposition = r.disposition ? ` · 分类 disposition ${r.disposition}` : '';
    $('conv-summary').textContent = `${r.conv} · ${r.state} · 组 group ${r.group} · 客服 agent ${r.agent ?? '–'}${disposition} · ${r.decisions.length} 条记录 decisions`;
    $('decisions').replaceChildren(...r.decisions.map(decisionRow));
  } catch (e) {
    toast(e.message);
  }
}

function decisionRow(d) {
  if (typeof d !== 'object' || d === null) return h('tr', { testid: 'decision' }, h('td', { colspan: '5' }, String(d)));
  const candidates = (d.candidates ?? []).map((c) =>
    h('span', { class: 'cand', testid: 'candidate' }, `${c.agent} ${c.status} ${c.load}/${c.max}`));
  const details = [
    d.from && `from ${d.from}`,
    d.position != null && `#${d.position}`,
    d.profile && `profile ${d.profile}`,
    d.by && `by ${typeof d.by === 'object' ? d.by.id : d.by}`,
    d.reason,
    d.note && `note: ${d.note}`,
  ].filter(Boolean).join(' · ');
  return h('tr', { testid: 'decision', 'data-rule': d.rule ?? '' },
    h('td', {}, d.ts ? clock(d.ts) : ''),
    h('td', { class: 'rule' }, d.rule ?? ''),
    h('td', {}, d.agent ?? (d.group ? `(${d.group})` : '')),
    h('td', {}, ...candidates),
    h('td', { class: 'muted' }, details));
}

// ---- signing an agent out ----

async function signOutAgent(ev) {
  ev.preventDefault();
  const agent = $('sign-out-agent').value;
  if (!agent) return;
  try {
    await api('POST', shopPath(`agents/${encodeURIComponent(agent)}/sign-out`));
    $('sign-out-result').textContent = `已登出 · signed out: ${agent}`;
    loadStaff();
  } catch (e) {
    $('sign-out-result').textContent = `未能登出 · not signed out: ${e.message}`;
  }
}

async function reassign(ev) {
  ev.preventDefault();
  const [kind, id] = $('assign-target').value.split(':');
  if (!shownConv || !id) return;
  const body = { [kind]: id };
  const note = $('assign-note').value.trim();
  if (note) body.note = note;
  try {
    await api('POST', `/api/conversations/${encodeURIComponent(shownConv)}/assign`, body);
    $('assign-note').value = '';
    toast('已请求改派 · reassignment requested');
    setTimeout(showConv, 1000);
  } catch (e) {
    toast(e.message);
  }
}

// ---- wiring ----

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', () => {
  // Ends this login on the server too, so the token cannot be used again.
  call('POST', '/api/logout', { token: session.token }).catch(() => {});
  logout();
});
$('sign-out-form').addEventListener('submit', signOutAgent);
$('profile-form').addEventListener('submit', switchProfile);
$('reload-form').addEventListener('submit', reloadConfig);
$('conv-form').addEventListener('submit', showConv);
$('assign-form').addEventListener('submit', reassign);

if (session) start();
else render();
