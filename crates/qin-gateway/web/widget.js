// Qin chat widget for a shop's storefront: the shopper picks a persona group, chats with the
// assigned agent over the /ws/shopper websocket, sees queue position, typing and read marks,
// follows agents they like (☆/★), chooses between waiting for a busy favourite and any agent
// of the group, and rates the chat. Mounts into <div data-qin-widget data-shop="…"> (with
// data-buyer-id and data-buyer-sig for a logged-in buyer the shop signed); needs only ./client.js.

import {
  Link, TYPING_IDLE_MS, TYPING_REFRESH_MS, TYPING_SHOW_MS,
  atBottom, batched, bySeq, h, highestSeq as highestSeqOf, messageContent, newCid,
  renderList, senderLabel, showMark, toaster,
} from './client.js';

const KEEP_MESSAGES = 300; // messages kept in localStorage so a reload shows the chat
const MARKS = {
  pending: '发送中… · sending',
  sent: '已发送 · sent',
  read: '已读 · read',
  failed: '发送失败，点此重试 · failed, tap to retry',
};

const mount = document.querySelector('[data-qin-widget]');
const shop = mount.dataset.shop;
// The shop's logged-in buyer, signed by its backend (data-buyer-id, data-buyer-sig): the same
// customer on every device. Absent: an anonymous visitor, kept by this browser's token.
const buyer = mount.dataset.buyerId && mount.dataset.buyerSig
  ? { buyer: { id: mount.dataset.buyerId, sig: mount.dataset.buyerSig } }
  : {};
const keys = {
  token: `qin.shopper.${shop}`,
  chat: `qin.shopper.${shop}.chat`,
  panel: `qin.shopper.${shop}.panel`,
};

// ---- small helpers ----

const eta = (s) => (s == null ? '' : s < 60 ? `，约 ${s} 秒` : `，约 ${Math.round(s / 60)} 分钟`);
const etaEn = (s) => (s == null ? '' : ` (about ${Math.max(1, Math.round(s / 60))} min)`);
const when = (ms, locale) =>
  new Date(ms).toLocaleString(locale, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
const groupOf = (conv) => state.groups.find((g) => g.id === conv.group);
/** Why nobody can answer a group now, `[中文, English]`: the shop is closed (and when it opens), or nobody is online. */
function nobody(g) {
  if (g?.opens_at) return [`休息中，${when(g.opens_at, 'zh-CN')} 上线`, `closed until ${when(g.opens_at, 'en-GB')}`];
  if (g?.online === 0) return ['暂无客服在线', 'nobody is online now'];
  return null;
}
const nobodyText = (g) => nobody(g)?.join(' · ') ?? '';

// ---- state ----

const state = {
  link: 'connecting', // connecting | online (welcomed) | offline
  retryMs: 0,
  shopName: '',
  groups: [],
  following: [], // ids of the agents this shopper follows
  keptWaiting: null, // conv for which the shopper chose to keep waiting for their agent
  opening: false, // an `open` is on its way
  conv: null, // ConversationView of the current chat; null while picking a group
  messages: new Map(), // seq → message of the current chat
  pending: new Map(), // cid → {cid, body, ts, failed}: sent, not yet acknowledged
  readSent: 0, // highest seq we reported as read
  peerRead: 0, // highest seq the agent read
  peerTyping: 0, // show "agent is typing" until this time (ms)
  rated: 0,
  panelOpen: sessionStorage.getItem(keys.panel) === '1',
  scrollDown: false,
};

const highestSeq = () => highestSeqOf(state.messages);
const sortedMessages = () => bySeq(state.messages);
const unreadCount = () =>
  [...state.messages.values()].filter((m) => m.from.role !== 'shopper' && m.seq > state.readSent).length;

// ---- protocol ----

function onFrame(f) {
  const ours = state.conv && f.conv === state.conv.conv;
  switch (f.type) {
    case 'welcome':
      onWelcome(f);
      break;
    case 'groups':
      state.groups = f.groups;
      break;
    case 'following':
      state.following = f.agents;
      break;
    case 'conversation':
      state.opening = false;
      if (ours) state.conv = f;
      else if (f.state !== 'closed') enter(f);
      break;
    case 'ack':
      if (ours) onAck(f);
      break;
    case 'message':
      if (ours) onMessage(f);
      break;
    case 'typing':
      if (ours && f.from.role !== 'shopper') {
        state.peerTyping = f.on ? Date.now() + TYPING_SHOW_MS : 0;
        if (f.on) setTimeout(changed, TYPING_SHOW_MS);
      }
      break;
    case 'read':
      if (ours && f.from.role === 'agent') state.peerRead = Math.max(state.peerRead, f.seq);
      break;
    case 'synced':
      if (ours) onSynced(f);
      break;
    case 'error':
      onError(f);
      break;
  }
  changed();
}

function onWelcome(w) {
  if (w.token) localStorage.setItem(keys.token, w.token);
  state.shopName = w.shop_name;
  state.groups = w.groups ?? [];
  state.following = w.following ?? [];
  state.opening = false; // an `open` lost with the old socket shows up below, or not at all
  link.healthy();
  const same = state.conv && w.conversations.find((c) => c.conv === state.conv.conv);
  const open = w.conversations.findLast((c) => c.state !== 'closed');
  if (same) {
    state.conv = same;
    resume();
  } else if (open) {
    enter(open);
  } else if (state.conv) {
    state.conv = { ...state.conv, state: 'closed' }; // it ended while we were away
  }
}

/** Makes `view` the current chat, with what this browser kept of it. */
function enter(view) {
  const kept = JSON.parse(localStorage.getItem(keys.chat) ?? 'null');
  const saved = kept?.conv === view.conv ? kept : { messages: [], readSent: 0, peerRead: 0, epoch: null };
  Object.assign(state, {
    conv: view,
    messages: new Map(saved.messages.map((m) => [m.seq, m])),
    pending: new Map(),
    readSent: saved.readSent,
    peerRead: saved.peerRead,
    epoch: saved.epoch ?? null,
    peerTyping: 0,
    rated: 0,
  });
  resume();
}

/** Fetches what we missed, then retries unacknowledged sends (the server dedupes by cid). */
function resume() {
  link.send({ type: 'sync', conv: state.conv.conv, after: highestSeq(), epoch: state.epoch });
  for (const cid of state.pending.keys()) transmit(cid);
}

/** Settles a sync: a new epoch of the log replaces our copy; a shorter log trims it. */
function onSynced(f) {
  if (f.epoch && state.epoch && f.epoch !== state.epoch) {
    Object.assign(state, { messages: new Map(), epoch: f.epoch });
    toast('聊天记录已重新载入 · the chat history was reloaded');
    resume();
    return;
  }
  if (f.epoch) state.epoch = f.epoch;
  if (f.recovered) return;
  if (f.upto < highestSeq()) {
    for (const seq of [...state.messages.keys()]) if (seq > f.upto) state.messages.delete(seq);
    toast('部分历史消息无法恢复 · some history could not be recovered');
  } else {
    link.send({ type: 'sync', conv: state.conv.conv, after: f.upto, epoch: state.epoch });
  }
}

function onAck({ cid, seq }) {
  const p = state.pending.get(cid);
  if (!p) return;
  state.pending.delete(cid);
  if (!state.messages.has(seq)) {
    const from = { role: 'shopper', id: '', name: '' };
    state.messages.set(seq, { conv: state.conv.conv, seq, cid, from, kind: 'text', body: p.body, ts: p.ts });
  }
}

function onMessage(m) {
  state.messages.set(m.seq, m);
  if (m.from.role === 'shopper') state.pending.delete(m.cid);
  else state.peerTyping = 0;
}

const RETRY_UNAVAILABLE_MS = 2000;

function onError(e) {
  if (e.code === 'unauthorized' && state.link !== 'online') {
    localStorage.removeItem(keys.token); // a stale identity: come back as a new visitor
    link.ws.close();
    return;
  }
  const p = state.pending.get(e.ref);
  if (p) {
    p.failed = true;
    // Storage was briefly unreachable: retry on our own with the same cid (never stored twice).
    if (e.code === 'unavailable') setTimeout(() => retry(p.cid), RETRY_UNAVAILABLE_MS);
  }
  if (e.ref === 'open') state.opening = false;
  toast(e.message);
}

function transmit(cid) {
  const { body } = state.pending.get(cid);
  link.send({ type: 'send', conv: state.conv.conv, cid, kind: 'text', body });
}

let typingOn = false;
let typingSentAt = 0;
let typingIdle = 0;

function typing(on) {
  clearTimeout(typingIdle);
  if (on) typingIdle = setTimeout(() => typing(false), TYPING_IDLE_MS);
  const conv = state.conv;
  if (!conv || conv.state === 'closed') return;
  const refresh = on && Date.now() - typingSentAt > TYPING_REFRESH_MS;
  if (on === typingOn && !refresh) return;
  if (link.send({ type: 'typing', conv: conv.conv, on })) {
    typingOn = on;
    typingSentAt = Date.now();
  }
}

// ---- user actions ----

function setPanel(open) {
  state.panelOpen = open;
  sessionStorage.setItem(keys.panel, open ? '1' : '0');
  changed();
  if (open) setTimeout(() => ui.input.focus(), 0);
}

function openChat(group) {
  if (link.send({ type: 'open', group })) state.opening = true;
  changed();
}

function submit(ev) {
  ev.preventDefault();
  const body = ui.input.value.trim();
  if (!body || !state.conv) return;
  ui.input.value = '';
  const cid = newCid();
  state.pending.set(cid, { cid, body, ts: Date.now(), failed: false });
  state.scrollDown = true;
  typing(false);
  transmit(cid);
  changed();
}

function retry(cid) {
  const p = state.pending.get(cid);
  if (!p?.failed) return;
  p.failed = false;
  transmit(cid);
  changed();
}

function toggleFollow() {
  const agent = state.conv?.agent?.id;
  if (!agent) return;
  const type = state.following.includes(agent) ? 'unfollow' : 'follow';
  if (!link.send({ type, agent })) toast('未连接 · offline');
}

/** Answers the offer made while the shopper's agent is busy: `wait` or `any_agent`. */
function choose(choice) {
  const conv = state.conv.conv;
  if (!link.send({ type: 'choose', conv, choice })) return toast('未连接 · offline');
  if (choice === 'wait') state.keptWaiting = conv;
  changed();
}

function rate(score) {
  if (link.send({ type: 'rate', conv: state.conv.conv, score })) state.rated = score;
  changed();
}

function newChat() {
  localStorage.removeItem(keys.chat);
  Object.assign(state, { conv: null, messages: new Map(), pending: new Map() });
  changed();
}

// ---- view ----

const ui = buildUi();
const groupCache = new Map();
const threadCache = new Map();
let threadConv = null;
const toast = toaster(ui.toast);

function buildUi() {
  const ui = {};
  ui.badge = h('span', { class: 'qin-badge', testid: 'unread-badge', hidden: true });
  ui.launcher = h('button', { class: 'qin-launcher', type: 'button', testid: 'widget-launcher', 'aria-expanded': 'false', onclick: () => setPanel(!state.panelOpen) },
    h('span', { class: 'qin-launcher-mark' }, '亲'), h('span', {}, '在线客服'), ui.badge);
  ui.title = h('strong', {});
  ui.conn = h('span', { class: 'qin-conn', testid: 'conn-status' });
  ui.endChat = h('button', { class: 'qin-end', type: 'button', testid: 'close-chat', onclick: () => link.send({ type: 'close', conv: state.conv.conv }) }, '结束对话');
  ui.statusText = h('span', { class: 'qin-status-text' });
  ui.follow = h('button', { class: 'qin-follow', type: 'button', testid: 'follow-toggle', onclick: toggleFollow });
  ui.status = h('div', { class: 'qin-status', testid: 'conv-status' }, ui.statusText, ui.follow);
  ui.wait = h('button', { class: 'qin-choice', type: 'button', testid: 'choose-wait', onclick: () => choose('wait') }, '继续等待 · Keep waiting');
  ui.any = h('button', { class: 'qin-choice', type: 'button', testid: 'choose-any', onclick: () => choose('any_agent') });
  ui.offer = h('div', { class: 'qin-offer', testid: 'busy-offer' }, ui.wait, ui.any);
  ui.groupList = h('div', { class: 'qin-group-list' });
  ui.groups = h('div', { class: 'qin-groups', testid: 'group-picker' },
    h('p', { class: 'qin-hello' }, '亲，欢迎光临！选一位合您口味的客服吧～'),
    h('p', { class: 'qin-hello-en' }, 'Pick the persona you would like to chat with.'),
    ui.groupList);
  ui.thread = h('div', { class: 'qin-thread', testid: 'messages', role: 'log', 'aria-live': 'polite' });
  ui.typing = h('div', { class: 'qin-typing', testid: 'typing', hidden: true }, h('span', { class: 'qin-dots' }, h('i'), h('i'), h('i')), '客服正在输入… · agent is typing');
  ui.stars = [1, 2, 3, 4, 5].map((n) => h('button', { class: 'qin-star', type: 'button', testid: `rate-${n}`, 'aria-label': `${n} 星`, onclick: () => rate(n) }, '★'));
  ui.rateHint = h('span', {});
  ui.closed = h('div', { class: 'qin-closed', testid: 'closed-notice' },
    h('p', {}, '本次对话已结束 · This chat has ended'),
    h('div', { class: 'qin-rate' }, ui.rateHint, h('div', { class: 'qin-stars' }, ...ui.stars)),
    h('button', { class: 'qin-new', type: 'button', testid: 'new-chat', onclick: newChat }, '发起新咨询 · New chat'));
  ui.input = h('input', { class: 'qin-input', testid: 'composer-input', placeholder: '亲，想问点什么？ · Type a message', maxlength: '4000', autocomplete: 'off', 'aria-label': '消息 Message', oninput: () => typing(ui.input.value !== '') });
  ui.composer = h('form', { class: 'qin-composer', testid: 'composer', onsubmit: submit },
    ui.input, h('button', { class: 'qin-send', type: 'submit', testid: 'send-button' }, '发送'));
  ui.toast = h('div', { class: 'qin-toast', testid: 'error-toast', role: 'status', hidden: true });
  ui.panel = h('section', { class: 'qin-panel', testid: 'widget-panel', role: 'dialog', 'aria-label': '在线客服 Chat', hidden: true, onkeydown: (e) => e.key === 'Escape' && setPanel(false) },
    h('header', { class: 'qin-head' },
      h('div', { class: 'qin-avatar' }, '芙'),
      h('div', { class: 'qin-title' }, ui.title, ui.conn),
      ui.endChat,
      h('button', { class: 'qin-min', type: 'button', 'aria-label': '收起 Minimize', onclick: () => setPanel(false) }, '×')),
    ui.status, ui.offer, ui.groups, ui.thread, ui.typing, ui.closed, ui.composer, ui.toast);
  mount.append(ui.launcher, ui.panel);
  return ui;
}

/** Re-renders (and saves) once after the current burst of frames and events. */
const changed = batched(() => {
  markRead();
  save();
  render();
});

function markRead() {
  const top = highestSeq();
  const seen = state.panelOpen && document.visibilityState === 'visible';
  if (seen && state.conv && top > state.readSent && link.send({ type: 'read', conv: state.conv.conv, seq: top })) {
    state.readSent = top;
  }
}

function save() {
  if (!state.conv) return;
  const { readSent, peerRead, epoch } = state;
  const messages = sortedMessages().slice(-KEEP_MESSAGES);
  localStorage.setItem(keys.chat, JSON.stringify({ conv: state.conv.conv, messages, readSent, peerRead, epoch }));
}

function render() {
  const stick = state.scrollDown || atBottom(ui.thread); // before the layout below changes its height
  const { conv } = state;
  const closed = conv?.state === 'closed';
  const unread = unreadCount();
  ui.launcher.setAttribute('aria-expanded', String(state.panelOpen));
  ui.badge.hidden = state.panelOpen || unread === 0;
  ui.badge.textContent = unread > 99 ? '99+' : String(unread);
  ui.panel.hidden = !state.panelOpen;
  ui.panel.dataset.conv = conv?.conv ?? '';
  ui.title.textContent = state.shopName || '在线客服';
  ui.conn.dataset.state = state.link;
  ui.conn.textContent = connText();
  ui.status.hidden = !conv && !state.opening;
  ui.status.dataset.state = conv?.state ?? 'opening';
  ui.statusText.textContent = statusText();
  const leaving = conv?.state === 'queued' && !!nobody(groupOf(conv));
  ui.status.dataset.nobody = String(leaving);
  ui.input.placeholder = leaving ? '请留言，上线后回复您 · Leave a message' : '亲，想问点什么？ · Type a message';
  renderFollow();
  renderOffer();
  ui.groups.hidden = !!conv;
  ui.thread.hidden = !conv;
  ui.endChat.hidden = !conv || closed;
  ui.closed.hidden = !closed;
  ui.composer.hidden = !conv || closed;
  ui.typing.hidden = !conv || closed || state.peerTyping < Date.now();
  ui.rateHint.textContent = state.rated ? '谢谢亲的评价！· Thanks for rating' : '为本次服务打分 · Rate this chat';
  ui.stars.forEach((star, i) => {
    star.classList.toggle('on', i < state.rated);
    star.disabled = state.rated > 0;
  });
  renderList(ui.groupList, state.groups.map((g) => ({ key: g.id, g })), groupCache, buildGroup, updateGroup);
  renderThread(stick);
}

function connText() {
  if (state.link === 'online') return '在线 · online';
  if (state.link === 'connecting') return '连接中… · connecting';
  return `已断开，${state.retryMs / 1000} 秒后重连`;
}

function statusText() {
  const c = state.conv;
  if (!c) return state.opening ? '正在为您接通… · Connecting you…' : '';
  const name = c.agent?.name ?? '';
  const pos = c.position ?? 1;
  switch (c.state) {
    case 'queued': {
      // Nobody to wait for: a place in the queue would promise an answer that is not coming.
      const why = nobody(groupOf(c));
      if (why) return `${why[0]}，您可以先留言，我们上线后第一时间回复 · We're sorry, ${why[1]}: leave a message and we'll reply as soon as we're back`;
      if (c.position == null) return '正在为您接通… · Connecting you…'; // the router has not placed it yet
      return `排队中，前面还有 ${pos - 1} 位${eta(c.eta_s)} · You are number ${pos} in the queue`;
    }
    case 'waiting_agent':
      return `${name} 正忙，您在 TA 的队列中排第 ${pos} 位${eta(c.eta_s)} · ${name} is busy — you are #${pos} in their queue${etaEn(c.eta_s)}`;
    case 'assigned':
      return `${name} 为您服务 · ${name} is helping you`;
    default:
      return '对话已结束 · Chat closed';
  }
}

/** The ☆/★ toggle on the name of the chat's agent. */
function renderFollow() {
  const c = state.conv;
  const agent = c?.agent;
  ui.follow.hidden = !agent || c.state === 'closed' || state.link !== 'online';
  if (ui.follow.hidden) return;
  const followed = state.following.includes(agent.id);
  ui.follow.dataset.followed = String(followed);
  ui.follow.setAttribute('aria-pressed', String(followed));
  ui.follow.textContent = followed ? `★ 已关注 ${agent.name} · following` : `☆ 关注 ${agent.name} · follow`;
  ui.follow.title = followed ? '取消关注 · Unfollow' : '下次优先由 TA 接待 · Chat with them first next time';
}

/** While the shopper waits for one busy agent: keep waiting, or any agent of the group now. */
function renderOffer() {
  const c = state.conv;
  ui.offer.hidden = c?.state !== 'waiting_agent' || state.keptWaiting === c.conv;
  if (ui.offer.hidden) return;
  const group = state.groups.find((g) => g.id === c.group)?.name ?? c.group;
  ui.any.textContent = `${group}任意客服 · Any ${group} agent now`;
  ui.wait.disabled = ui.any.disabled = state.link !== 'online';
}

function buildGroup({ g }) {
  return h('button', { class: 'qin-group', type: 'button', testid: `group-card-${g.id}`, 'data-group': g.id, onclick: () => openChat(g.id) });
}

function updateGroup(el, { g }) {
  const avail = g.opens_at ? nobodyText(g) : g.online > 0 ? `${g.online} 位在线 · ${g.online} online` : '暂无在线 · offline';
  const queue = g.waiting > 0 ? `${g.waiting} 人排队${eta(g.eta_s)}` : '无需排队 · no wait';
  el.disabled = state.link !== 'online' || state.opening;
  el.classList.toggle('offline', g.online === 0 || !!g.opens_at);
  el.replaceChildren(
    h('span', { class: 'qin-group-name' }, g.name),
    h('span', { class: 'qin-group-tag' }, g.tagline),
    h('span', { class: 'qin-group-meta' }, h('i', { class: 'qin-dot' }), avail, h('br'), queue),
  );
}

function renderThread(stick) {
  if (!state.conv) return;
  const t = ui.thread;
  if (threadConv !== state.conv.conv) {
    threadConv = state.conv.conv;
    t.replaceChildren();
    threadCache.clear();
  }
  const entries = [
    ...sortedMessages().map((m) => ({
      key: `m${m.seq}`, seq: m.seq, from: m.from, kind: m.kind, body: m.body, ts: m.ts,
      mark: m.from.role === 'shopper' ? (m.seq <= state.peerRead ? 'read' : 'sent') : '',
    })),
    ...[...state.pending.values()].map((p) => ({
      key: `p${p.cid}`, cid: p.cid, from: { role: 'shopper' }, kind: 'text', body: p.body, ts: p.ts,
      mark: p.failed ? 'failed' : 'pending',
    })),
  ];
  renderList(t, entries, threadCache, buildMsg, updateMsg);
  if (stick) t.scrollTop = t.scrollHeight;
  state.scrollDown = false;
}

function buildMsg(e) {
  const role = e.from.role;
  if (role === 'system') return h('div', { class: 'qin-msg system', testid: 'msg', 'data-role': role }, e.body);
  const mine = role === 'shopper';
  return h('div', { class: `qin-msg ${role}${mine ? ' mine' : ''}`, testid: 'msg', 'data-role': role, 'data-seq': e.seq, onclick: e.cid ? () => retry(e.cid) : null },
    mine ? null : h('div', { class: 'qin-who' }, senderLabel(e.from)),
    h('div', { class: 'qin-bubble' }, messageContent(e)),
    h('div', { class: 'qin-meta' }));
}

function updateMsg(el, e) {
  if (e.from.role !== 'system') showMark(el, e, MARKS);
}

// ---- start ----

const link = new Link('/ws/shopper', {
  open: () => link.send({ type: 'hello', shop, token: localStorage.getItem(keys.token), ...buyer }),
  frame: onFrame,
  status: (s, retryMs) => {
    Object.assign(state, { link: s, retryMs });
    changed();
  },
});
document.addEventListener('visibilitychange', changed);
