// Qin agent console: logs in through POST /api/login, then handles the agent's chats over the
// /ws/agent websocket — status, chat list with unread counts, replies with pending/sent/read
// marks, typing, private notes, transfers with a note for the next agent, slow-reply alerts,
// closing, quick phrases (phrases.js) — and catches up with `sync` after every reconnect.

import {
  Link, TYPING_IDLE_MS, TYPING_REFRESH_MS, TYPING_SHOW_MS,
  api, atBottom, batched, bySeq, clock, h, highestSeq as highestSeqOf, messageContent, newCid,
  renderList, senderLabel, showLoginError, showMark, signIn, toaster,
} from './client.js';
import { QuickPhrases } from './phrases.js';

const SESSION_KEY = 'qin.agent';
const STATUS_KEY = 'qin.agent.status';
const CLOSE_SIGNED_OUT = 4003;
const MARKS = { pending: '发送中…', sent: '已发送', read: '已读', failed: '发送失败，点此重试' };
const ENDED = { closed: '已结束 · closed', transferred: '已转出 · transferred' };
const HANDOVER = {
  transfer: '转接 · transfer',
  reassign: '主管改派 · reassigned by a supervisor',
  slow_reply: '超时未回复 · slow reply',
  agent_gone: '原客服离开 · agent left',
  shift_end: '交班 · shift ended',
  overflow: '溢出 · overflow',
};

// ---- small helpers ----

/** The element with `data-testid="id"` (test ids double as this page's element names). */
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

// ---- state ----

let session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null'); // {shop, token}
let link = null;
const state = {
  link: 'connecting', // connecting | online (welcomed) | offline
  retryMs: 0,
  me: null, // Party
  group: '',
  shopName: '',
  maxChats: 0,
  status: null, // as the server holds it
  autoReply: null, // the personal auto-reply the server holds
  staff: { groups: [], agents: [] }, // GET /api/shops/{shop}/staff: transfer targets
  transferOpen: false,
  closeOpen: false, // the close form (a disposition to choose) is open
  complaintOpen: false, // the complaint form is open
  dispositions: [], // the shop's, from `welcome`
  dispositionRequired: false,
  chats: new Map(), // conv → chat (see chatFor)
  selected: null, // conv
  scrollDown: false,
};

/** The chat for a ConversationView, created on first sight; (re)marks it as ours. */
function chatFor(view) {
  let chat = state.chats.get(view.conv);
  if (!chat) {
    chat = { messages: new Map(), pending: new Map(), notes: [], readSent: 0, peerRead: 0, peerTyping: 0, epoch: null, alert: null };
    state.chats.set(view.conv, chat);
  }
  // `welcome` lists no handover: keep the one the `assigned` frame brought.
  chat.view = { handover: view.type === 'assigned' ? undefined : chat.view?.handover, ...view };
  chat.ended = null; // why it is no longer ours, once it is not
  return chat;
}

const highestSeq = (chat) => highestSeqOf(chat.messages);
const sortedMessages = (chat) => bySeq(chat.messages);
const unreadCount = (chat) =>
  [...chat.messages.values()].filter((m) => m.from.role === 'shopper' && m.seq > chat.readSent).length;
const shopperName = (chat) => chat.view.shopper?.name || chat.view.shopper?.id || chat.view.conv;
const isMine = (from) => from.role === 'agent' && from.id === state.me?.id;

// ---- protocol ----

function start() {
  link = new Link('/ws/agent', {
    open: () => link.send({ type: 'hello', shop: session.shop, token: session.token }),
    frame: onFrame,
    status: (s, retryMs) => {
      Object.assign(state, { link: s, retryMs });
      changed();
    },
    // 4003: signed out (her own logout elsewhere, a supervisor, or no longer on the staff).
    closed: (code) => {
      if (code !== CLOSE_SIGNED_OUT) return false;
      logout('您已被登出，请重新登录 · You were signed out; please sign in again');
      return true;
    },
  });
}

function onFrame(f) {
  const chat = f.conv && state.chats.get(f.conv);
  switch (f.type) {
    case 'welcome':
      onWelcome(f);
      break;
    case 'status':
      state.status = f.state;
      break;
    case 'auto_reply':
      state.autoReply = f.text ?? null;
      $('auto-reply-input').value = state.autoReply ?? '';
      toast(state.autoReply ? '自动回复已设置 · auto-reply set' : '自动回复已清除 · auto-reply cleared');
      break;
    case 'assigned':
      catchUp(chatFor(f));
      state.selected ??= f.conv;
      break;
    case 'unassigned':
      if (chat) chat.ended = f.reason;
      break;
    case 'alert':
      if (chat && f.kind === 'slow_reply') chat.alert = { waited_s: f.waited_s };
      break;
    case 'conversation':
      if (chat) chat.view = { ...chat.view, ...f };
      break;
    case 'ack':
      if (chat) onAck(chat, f);
      break;
    case 'message':
      if (chat) onMessage(chat, f);
      break;
    case 'note':
      if (chat) onNote(chat, f);
      break;
    case 'typing':
      if (chat && f.from.role === 'shopper') {
        chat.peerTyping = f.on ? Date.now() + TYPING_SHOW_MS : 0;
        if (f.on) setTimeout(changed, TYPING_SHOW_MS);
      }
      break;
    case 'read':
      if (chat && f.from.role === 'shopper') chat.peerRead = Math.max(chat.peerRead, f.seq);
      break;
    case 'synced':
      if (chat) onSynced(chat, f);
      break;
    case 'error':
      onError(f);
      break;
  }
  changed();
}

function onWelcome(w) {
  Object.assign(state, { me: w.agent, group: w.group_name ?? w.group, shopName: w.shop_name, maxChats: w.max_chats, status: w.status, autoReply: w.auto_reply ?? null,
    dispositions: w.dispositions ?? [], dispositionRequired: !!w.disposition_required });
  $('auto-reply-input').value = state.autoReply ?? '';
  link.healthy();
  // Said again even when `welcome` agrees: after a reload the old socket's close may mark her
  // offline just after this `welcome` was read, and only a status sent now undoes it.
  const wanted = sessionStorage.getItem(STATUS_KEY);
  if (wanted) link.send({ type: 'status', state: wanted });
  const listed = new Set(w.conversations.map((view) => view.conv));
  for (const [conv, chat] of state.chats) if (!listed.has(conv) && !chat.ended) chat.ended = 'unassigned';
  for (const view of w.conversations) catchUp(chatFor(view));
  state.selected ??= w.conversations[0]?.conv ?? null;
  loadStaff();
  phrases.load(session, w.supervisor);
}

/** Fetches the shop's groups and agents (where a chat can be transferred to). */
async function loadStaff() {
  try {
    state.staff = await api('GET', `/api/shops/${encodeURIComponent(session.shop)}/staff`, { token: session.token });
  } catch {
    // offline or refused: the Transfer control lists nothing until the next welcome
  }
  changed();
}

/** Fetches what we missed, then retries unacknowledged sends (the server dedupes by cid). */
function catchUp(chat) {
  link.send({ type: 'sync', conv: chat.view.conv, after: highestSeq(chat), epoch: chat.epoch });
  for (const cid of chat.pending.keys()) transmit(chat, cid);
}

/** Settles a sync: a new epoch of the log replaces our copy; a shorter log trims it. */
function onSynced(chat, f) {
  if (f.epoch && chat.epoch && f.epoch !== chat.epoch) {
    Object.assign(chat, { messages: new Map(), epoch: f.epoch });
    toast(`聊天记录已重新载入 · the history of ${f.conv} was reloaded`);
    catchUp(chat);
    return;
  }
  if (f.epoch) chat.epoch = f.epoch;
  if (f.recovered) return;
  if (f.upto < highestSeq(chat)) {
    for (const seq of [...chat.messages.keys()]) if (seq > f.upto) chat.messages.delete(seq);
    toast(`部分历史消息无法恢复 · some history of ${f.conv} could not be recovered`);
  } else {
    link.send({ type: 'sync', conv: f.conv, after: f.upto, epoch: chat.epoch });
  }
}

function onAck(chat, { cid, seq }) {
  const p = chat.pending.get(cid);
  if (!p) return;
  chat.pending.delete(cid);
  chat.alert = null; // answered
  if (!chat.messages.has(seq)) {
    chat.messages.set(seq, { conv: chat.view.conv, seq, cid, from: state.me, kind: 'text', body: p.body, ts: p.ts });
  }
}

function onMessage(chat, m) {
  chat.messages.set(m.seq, m);
  if (isMine(m.from)) {
    chat.pending.delete(m.cid);
    chat.alert = null; // answered
  }
  if (m.from.role === 'shopper') chat.peerTyping = 0;
}

const RETRY_UNAVAILABLE_MS = 2000;

function onError(e) {
  if (e.code === 'unauthorized' && state.link !== 'online') {
    logout('登录已过期，请重新登录 · Your session expired, please sign in again');
    return;
  }
  for (const chat of state.chats.values()) {
    const p = chat.pending.get(e.ref);
    if (!p) continue;
    p.failed = true;
    // Storage was briefly unreachable: retry on our own with the same cid (never stored twice).
    if (e.code === 'unavailable') setTimeout(() => retry(chat, p.cid), RETRY_UNAVAILABLE_MS);
  }
  toast(e.message);
}

function transmit(chat, cid) {
  const { body } = chat.pending.get(cid);
  link.send({ type: 'send', conv: chat.view.conv, cid, kind: 'text', body });
}

let typingConv = null; // the chat we last told "typing on"
let typingSentAt = 0;
let typingIdle = 0;

function typing(on) {
  clearTimeout(typingIdle);
  if (on) typingIdle = setTimeout(() => typing(false), TYPING_IDLE_MS);
  const conv = on ? state.selected : null;
  if (typingConv && typingConv !== conv) {
    link.send({ type: 'typing', conv: typingConv, on: false });
    typingConv = null;
  }
  if (!conv || (conv === typingConv && Date.now() - typingSentAt < TYPING_REFRESH_MS)) return;
  if (link.send({ type: 'typing', conv, on: true })) {
    typingConv = conv;
    typingSentAt = Date.now();
  }
}

// ---- user actions ----

async function login(ev) {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const creds = { shop: form.get('shop').trim(), agent: form.get('agent').trim(), password: form.get('password') };
  $('login-submit').disabled = true;
  showLoginError('');
  try {
    const body = await signIn(creds);
    session = { shop: creds.shop, token: body.token };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    start();
    changed();
  } catch (e) {
    showLoginError(`登录失败 · Sign-in failed: ${e.message}`);
  } finally {
    $('login-submit').disabled = false;
  }
}

function logout(notice = '') {
  link.stop();
  link = null;
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(STATUS_KEY);
  state.chats.clear();
  state.selected = null;
  phrases.reset();
  showLoginError(notice);
  changed();
}

/** Sets (or, empty, clears) the personal auto-reply; the server answers `auto_reply`. */
function setAutoReply(ev) {
  ev.preventDefault();
  const text = $('auto-reply-input').value.trim();
  const frame = text ? { type: 'auto_reply', text } : { type: 'auto_reply' };
  if (!link.send(frame)) toast('未连接 · offline, try again when connected');
}

function setStatus(wanted) {
  sessionStorage.setItem(STATUS_KEY, wanted);
  if (!link.send({ type: 'status', state: wanted })) toast('未连接，重连后生效 · offline, will apply on reconnect');
}

function select(conv) {
  if (state.selected !== conv) {
    typing(false);
    state.closeOpen = false; // a close form is for the chat it was opened on
    state.complaintOpen = false;
  }
  state.selected = conv;
  state.scrollDown = true;
  changed();
  $('reply-input').focus();
}

function dismiss(conv) {
  state.chats.delete(conv);
  if (state.selected === conv) state.selected = [...state.chats.keys()][0] ?? null;
  changed();
}

function reply(ev) {
  ev.preventDefault();
  const chat = state.chats.get(state.selected);
  const body = $('reply-input').value.trim();
  if (!chat || chat.ended || !body) return;
  $('reply-input').value = '';
  const cid = newCid();
  chat.pending.set(cid, { cid, body, ts: Date.now(), failed: false });
  state.scrollDown = true;
  typing(false);
  transmit(chat, cid);
  changed();
}

function retry(chat, cid) {
  const p = chat.pending.get(cid);
  if (!p?.failed) return;
  p.failed = false;
  transmit(chat, cid);
  changed();
}

function toggleTransfer() {
  state.transferOpen = !state.transferOpen;
  changed();
}

function transfer(ev) {
  ev.preventDefault();
  const [kind, id] = $('transfer-target').value.split(':');
  const note = $('transfer-note').value.trim();
  if (!id || !state.selected) return;
  const frame = { type: 'transfer', conv: state.selected, [kind === 'agent' ? 'to_agent' : 'to_group']: id };
  if (note) frame.note = note;
  if (!link.send(frame)) return toast('未连接，未转接 · offline, not transferred');
  $('transfer-note').value = '';
  state.transferOpen = false;
  toast('已请求转接 · transfer requested');
  changed();
}

function note(ev) {
  ev.preventDefault();
  const text = $('note-input').value.trim();
  if (!text || !state.selected) return;
  if (link.send({ type: 'note', conv: state.selected, text })) $('note-input').value = '';
  else toast('未连接，备注未保存 · offline, note not saved');
}

// ---- view ----

const listCache = new Map();
const threadCache = new Map();
let threadConv = null;
const toast = toaster($('error-toast'));

/** Re-renders once after the current burst of frames and events. */
const changed = batched(() => {
  markRead();
  render();
});

function markRead() {
  const chat = state.chats.get(state.selected);
  if (!chat || chat.ended || document.visibilityState !== 'visible') return;
  const top = highestSeq(chat);
  if (top > chat.readSent && link.send({ type: 'read', conv: chat.view.conv, seq: top })) chat.readSent = top;
}

function render() {
  $('login-view').hidden = !!session;
  $('console-main').hidden = !session;
  if (!session) return;
  const chats = [...state.chats.values()];
  const unread = chats.reduce((n, c) => n + unreadCount(c), 0);
  document.title = `${unread ? `(${unread}) ` : ''}千牛 · Qin 客服工作台`;
  $('shop-name').textContent = state.shopName;
  $('agent-name').textContent = state.me?.name ?? '';
  $('agent-group').textContent = state.group ?? '';
  $('agent-group').hidden = !state.group;
  $('conn-status').dataset.state = state.link;
  $('conn-status').textContent = connText();
  for (const b of document.querySelectorAll('.status-switch button')) {
    b.setAttribute('aria-pressed', String(b.dataset.state === state.status));
  }
  $('auto-reply-input').dataset.set = String(Boolean(state.autoReply));
  $('chat-count').textContent = `${chats.filter((c) => !c.ended).length} / ${state.maxChats || '–'}`;
  $('chats-empty').hidden = chats.length > 0;
  renderList($('chat-list'), [...state.chats].map(([conv, chat]) => ({ key: conv, conv, chat })), listCache, buildItem, updateItem);
  renderPane(state.chats.get(state.selected));
}

function connText() {
  if (state.link === 'online') return '已连接 · connected';
  if (state.link === 'connecting') return '连接中… · connecting';
  return `已断开，${state.retryMs / 1000} 秒后重连 · reconnecting`;
}

function buildItem({ conv }) {
  return h('li', { class: 'chat-item', testid: 'chat-item', 'data-conv': conv },
    h('button', { class: 'chat-select', type: 'button', testid: 'chat-select', onclick: () => select(conv) }),
    h('button', { class: 'chat-dismiss', type: 'button', testid: 'chat-dismiss', title: '移除 Remove', 'aria-label': '移除 Remove', onclick: () => dismiss(conv) }, '×'));
}

function updateItem(li, { conv, chat }) {
  const messages = sortedMessages(chat);
  const last = messages.at(-1);
  const unread = unreadCount(chat);
  const name = shopperName(chat);
  const preview = chat.ended
    ? (ENDED[chat.ended] ?? `已移出 · ${chat.ended}`)
    : last ? `${last.from.role === 'shopper' ? '' : `${last.from.name}：`}${last.kind === 'image' ? '[图片]' : last.body}` : '新会话 · new chat';
  li.classList.toggle('selected', conv === state.selected);
  li.classList.toggle('ended', !!chat.ended);
  li.firstChild.setAttribute('aria-current', String(conv === state.selected));
  const badge = h('span', { class: 'unread', testid: 'chat-unread', hidden: !unread }, unread > 99 ? '99+' : String(unread));
  const alerted = !!chat.alert && !chat.ended;
  const alarm = h('span', { class: 'alarm', testid: 'chat-alert', title: '买家等待回复 · waiting for a reply', hidden: !alerted }, '⏰');
  li.classList.toggle('alerted', alerted);
  li.firstChild.replaceChildren(
    h('span', { class: 'avatar' }, [...name][0]),
    h('span', { class: 'chat-main' },
      h('span', { class: 'chat-top' }, h('strong', {}, name), h('span', { class: 'chat-time' }, last ? clock(last.ts) : '')),
      h('span', { class: 'chat-preview' }, preview)),
    alarm, badge);
  li.lastChild.hidden = !chat.ended;
}

function renderPane(chat) {
  const stick = state.scrollDown || atBottom($('messages')); // before the layout below changes its height
  $('no-chat').hidden = !!chat;
  $('chat-pane').hidden = !chat;
  if (!chat) return;
  const name = shopperName(chat);
  $('chat-avatar').textContent = [...name][0];
  $('chat-shopper').textContent = name;
  $('chat-meta').textContent = [chat.view.group, chat.view.conv, chat.ended && (ENDED[chat.ended] ?? chat.ended)].filter(Boolean).join(' · ');
  for (const id of ['close-chat', 'reply-input', 'reply-send', 'note-input', 'note-send', 'transfer-toggle']) $(id).disabled = !!chat.ended;
  $('phrases').hidden = !!chat.ended;
  renderHandover(chat);
  renderAlert(chat);
  renderTransfer(chat);
  renderClose(chat);
  renderCustomer(chat);
  $('complaint-form').hidden = !state.complaintOpen;
  $('typing').hidden = !!chat.ended || chat.peerTyping < Date.now();
  renderThread(chat, stick);
}

/** A private note, live or replayed by `sync` (kept by Qin, so a reload or the next agent
 * of a transferred chat sees it); one already shown is not shown twice. */
function onNote(chat, f) {
  const same = (n) => n.ts === f.ts && n.from.id === f.from.id && n.text === f.text;
  if (chat.notes.some(same)) return;
  chat.notes.push(f);
  chat.notes.sort((a, b) => a.ts - b.ts);
}

/** How a chat that came from another agent got here, with the note left for us. */
function renderHandover(chat) {
  const ho = chat.view.handover;
  $('handover').hidden = !ho;
  if (!ho) return;
  const from = ho.from ? (state.staff.agents.find((a) => a.id === ho.from)?.name ?? ho.from) : '';
  $('handover').dataset.reason = ho.reason;
  $('handover').replaceChildren(
    h('strong', {}, `${from ? `由 ${from} 转入 · from ${from}` : '转入 · handed over'} — ${HANDOVER[ho.reason] ?? ho.reason}`),
    ho.note ? h('span', { testid: 'handover-note' }, `备注 note: ${ho.note}`) : null);
}

function renderAlert(chat) {
  $('slow-alert').hidden = !chat.alert || !!chat.ended;
  if (chat.alert) $('slow-alert').textContent = `⏰ 买家已等待 ${chat.alert.waited_s} 秒未获回复 · The shopper has waited ${chat.alert.waited_s} s for a reply`;
}

/** The transfer form: any group, or any other agent who takes chats. */
function renderTransfer(chat) {
  $('transfer-form').hidden = !state.transferOpen || !!chat.ended;
  if ($('transfer-form').hidden) return;
  const select = $('transfer-target');
  const options = [
    ...state.staff.groups.map((g) => [`group:${g.id}`, `组 group · ${g.name}`]),
    ...state.staff.agents
      .filter((a) => a.handle !== state.me?.id && a.max_chats > 0) // me: my handle, from `welcome`
      .map((a) => [`agent:${a.id}`, `客服 agent · ${a.name} (${a.group}, ${a.status})`]),
  ];
  const key = options.map(([v]) => v).join();
  if (select.dataset.key === key) return; // keep the agent's pick while they fill the note
  const picked = select.value;
  select.dataset.key = key;
  select.replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
  if (options.some(([v]) => v === picked)) select.value = picked;
}

/** The close form: what the chat was about, from the shop's dispositions (one must be chosen
 * where the shop requires it). */
function renderClose(chat) {
  $('close-form').hidden = !state.closeOpen || !!chat.ended;
  const select = $('close-disposition');
  const key = `${state.dispositionRequired}:${state.dispositions.join()}`;
  if (select.dataset.key === key) return;
  select.dataset.key = key;
  const none = state.dispositionRequired ? [] : [['', '不分类 · no disposition']];
  const options = [...none, ...state.dispositions.map((d) => [d, d])];
  select.replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
}

/** Close chat: at once, or through the close form when the shop has dispositions. */
function closeChat() {
  if (!state.dispositions.length) {
    link.send({ type: 'close', conv: state.selected });
    return;
  }
  state.closeOpen = !state.closeOpen;
  changed();
}

function closeWithDisposition(ev) {
  ev.preventDefault();
  const disposition = $('close-disposition').value;
  const frame = { type: 'close', conv: state.selected };
  if (disposition) frame.disposition = disposition;
  if (!link.send(frame)) return toast('未连接，未结束 · offline, not closed');
  state.closeOpen = false;
  changed();
}

// ---- the customer in front of the agent ----

const customers = new Map(); // conv → the customer card, 'loading', or 'failed'
const day = (ms) => new Date(ms).toLocaleDateString('zh-CN');
const convPath = (conv) => `/api/conversations/${encodeURIComponent(conv)}`;

/** Fetches the selected chat's customer once (a failure is not retried until a reload). */
function loadCustomer(conv) {
  if (customers.has(conv)) return;
  customers.set(conv, 'loading');
  api('GET', `${convPath(conv)}/customer`, { token: session.token })
    .then((card) => customers.set(conv, card))
    .catch(() => customers.set(conv, 'failed'))
    .finally(changed);
}

/** Who the shopper is to the shop: new or returning, whom she follows, her earlier chats. */
function renderCustomer(chat) {
  const el = $('customer');
  const conv = state.selected;
  if (!conv || chat.ended) {
    el.hidden = true;
    return;
  }
  loadCustomer(conv);
  const card = customers.get(conv);
  el.hidden = typeof card !== 'object';
  if (el.hidden || el.dataset.key === conv) return;
  el.dataset.key = conv;
  const who = card.chats > 1
    ? `老顾客 · 第 ${card.chats} 次咨询 · returning customer, chat ${card.chats} · 首次 first ${day(card.first_seen)}`
    : '新顾客 · 第一次咨询 · first chat';
  const follows = card.following.length ? ` · 关注 follows ${card.following.join('、')}` : '';
  const input = h('input', { maxlength: 4000, required: true, testid: 'customer-note-input', 'aria-label': '顾客备注 Note about the customer', placeholder: '记一笔：偏好、约定… · a note about her' });
  el.replaceChildren(
    h('span', { class: 'customer-summary', testid: 'customer-summary' }, who + follows),
    ...card.past.map((p) => h('button', {
      type: 'button', class: 'past-chat', testid: 'past-chat', 'data-conv': p.conv,
      title: '查看这次会话（只读）· read this chat (read-only)', onclick: () => openPast(conv, p.conv),
    }, [day(p.opened_at), p.agent ?? '—', p.group_name, p.disposition, COMPLAINT[p.complaint], p.rating ? '★'.repeat(p.rating) : null].filter(Boolean).join(' · '))),
    h('ul', { class: 'customer-notes', testid: 'customer-notes' }, ...card.notes.map((n) => h('li', { testid: 'customer-note' },
      h('span', {}, n.text), h('span', { class: 'who' }, ` — ${n.by.name} · ${day(n.at)} ${clock(n.at)}`)))),
    h('form', { class: 'customer-note-form', testid: 'customer-note-form', onsubmit: (ev) => addCustomerNote(ev, conv, input) },
      input, h('button', { type: 'submit', testid: 'customer-note-save' }, '记下 · Save')),
  );
}

/** Keeps a note about the customer (with who and when), then shows it under her summary. */
async function addCustomerNote(ev, conv, input) {
  ev.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  try {
    const note = await api('POST', `${convPath(conv)}/customer/notes`, { token: session.token, body: { text } });
    customers.get(conv)?.notes?.push(note);
    $('customer').dataset.key = ''; // draw it again with the new note
    changed();
  } catch (e) {
    toast(`备注未保存 · note not saved: ${e.message}`);
  }
}

const COMPLAINT = { open: '投诉·处理中 complaint open', resolved: '投诉·已解决 complaint resolved' };

// ---- the chat's complaint record ----

/** `datetime-local` value ↔ ms since the epoch, in the browser's time zone. */
const toLocalInput = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 16);

/** Opens (and fills, from what is recorded) or closes the complaint form of the selected chat. */
async function toggleComplaint() {
  state.complaintOpen = !state.complaintOpen;
  changed();
  if (!state.complaintOpen) return;
  const conv = state.selected;
  let k = null;
  try {
    k = await api('GET', `${convPath(conv)}/complaint`, { token: session.token });
  } catch (e) {
    toast(`无法读取投诉记录 · cannot read the complaint: ${e.message}`);
  }
  if (state.selected !== conv) return;
  $('complaint-cause').value = k?.cause ?? '';
  $('complaint-resolution').value = k?.resolution ?? '';
  $('complaint-compensation').value = k?.compensation ?? '';
  $('complaint-status').value = k?.status ?? 'open';
  $('complaint-follow-up').value = k?.follow_up_due ? toLocalInput(k.follow_up_due) : '';
  $('complaint-result').textContent = k ? `${k.by.name} · ${day(k.updated_at)} ${clock(k.updated_at)}` : '';
}

async function saveComplaint(ev) {
  ev.preventDefault();
  const conv = state.selected;
  const due = $('complaint-follow-up').value;
  const body = {
    cause: $('complaint-cause').value,
    resolution: $('complaint-resolution').value,
    status: $('complaint-status').value,
  };
  if ($('complaint-compensation').value.trim()) body.compensation = $('complaint-compensation').value;
  if (due) body.follow_up_due = new Date(due).getTime();
  try {
    const k = await api('PUT', `${convPath(conv)}/complaint`, { token: session.token, body });
    $('complaint-result').textContent = `已保存 · saved — ${k.by.name} · ${clock(k.updated_at)}`;
  } catch (e) {
    toast(`投诉记录未保存 · complaint not saved: ${e.message}`);
  }
}

/** An earlier chat of the customer, read-only, over the current one. */
async function openPast(conv, past) {
  let t;
  try {
    t = await api('GET', `${convPath(conv)}/customer/chats/${encodeURIComponent(past)}`, { token: session.token });
  } catch (e) {
    toast(`无法读取这次会话 · cannot read that chat: ${e.message}`);
    return;
  }
  const c = t.chat;
  $('past-title').textContent = [day(c.opened_at), c.agent ?? '—', c.group_name, c.disposition, '只读 read-only'].filter(Boolean).join(' · ');
  const entries = [
    ...t.messages.map((m) => ({ ts: m.ts, who: senderLabel(m.from), body: m.kind === 'image' ? '[图片 image]' : m.body })),
    ...t.notes.map((n) => ({ ts: n.ts, who: `内部备注 staff note · ${n.from.name}`, body: n.text, note: true })),
  ].sort((a, b) => a.ts - b.ts);
  $('past-messages').replaceChildren(...entries.map((e) => h('div', { class: e.note ? 'past-msg note' : 'past-msg', testid: 'past-message' },
    h('span', { class: 'who' }, `${e.who} · ${clock(e.ts)}`), h('div', {}, e.body))));
  $('past-transcript').showModal();
}

/** Messages in seq order, with private notes slotted in by time, then unacknowledged sends. */
function timeline(chat) {
  const out = [];
  let n = 0;
  const noteEntry = (i) => ({ key: `n${i}`, note: true, from: chat.notes[i].from, body: chat.notes[i].text, ts: chat.notes[i].ts });
  for (const m of sortedMessages(chat)) {
    while (n < chat.notes.length && chat.notes[n].ts < m.ts) out.push(noteEntry(n++));
    const mark = isMine(m.from) ? (m.seq <= chat.peerRead ? 'read' : 'sent') : '';
    out.push({ key: `m${m.seq}`, seq: m.seq, from: m.from, kind: m.kind, body: m.body, ts: m.ts, mark });
  }
  while (n < chat.notes.length) out.push(noteEntry(n++));
  for (const p of chat.pending.values()) {
    out.push({ key: `p${p.cid}`, cid: p.cid, from: state.me, kind: 'text', body: p.body, ts: p.ts, mark: p.failed ? 'failed' : 'pending' });
  }
  return out;
}

function renderThread(chat, stick) {
  const t = $('messages');
  if (threadConv !== chat.view.conv) {
    threadConv = chat.view.conv;
    t.replaceChildren();
    threadCache.clear();
  }
  renderList(t, timeline(chat), threadCache, (e) => buildMsg(chat, e), updateMsg);
  if (stick) t.scrollTop = t.scrollHeight;
  state.scrollDown = false;
}

function buildMsg(chat, e) {
  const role = e.from.role;
  if (e.note) {
    return h('div', { class: 'msg note', testid: 'note' },
      h('div', { class: 'who' }, `内部备注 · 仅客服可见 staff only — ${e.from.name}`),
      h('div', { class: 'bubble' }, e.body),
      h('div', { class: 'meta' }, clock(e.ts)));
  }
  if (role === 'system') return h('div', { class: 'msg system', testid: 'msg', 'data-role': role }, e.body);
  const mine = isMine(e.from) || !!e.cid;
  return h('div', { class: `msg ${role}${mine ? ' mine' : ''}`, testid: 'msg', 'data-role': role, 'data-seq': e.seq, onclick: e.cid ? () => retry(chat, e.cid) : null },
    mine ? null : h('div', { class: 'who' }, senderLabel(e.from)),
    h('div', { class: 'bubble' }, messageContent(e)),
    h('div', { class: 'meta' }));
}

function updateMsg(el, e) {
  if (!e.note && e.from.role !== 'system') showMark(el, e, MARKS);
}

// ---- wiring ----

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', () => {
  link.send({ type: 'status', state: 'offline' });
  // Ends the login on the server too (every console of hers), so the token is dead.
  api('POST', '/api/logout', { token: session.token }).catch(() => {});
  logout();
});
for (const b of document.querySelectorAll('.status-switch button')) b.addEventListener('click', () => setStatus(b.dataset.state));
$('auto-reply-form').addEventListener('submit', setAutoReply);
$('close-chat').addEventListener('click', closeChat);
$('complaint-toggle').addEventListener('click', toggleComplaint);
$('complaint-form').addEventListener('submit', saveComplaint);
$('past-close').addEventListener('click', () => $('past-transcript').close());
$('close-form').addEventListener('submit', closeWithDisposition);
$('reply-form').addEventListener('submit', reply);
const phrases = new QuickPhrases($('reply-input'), toast);
$('reply-input').addEventListener('input', (e) => {
  typing(e.target.value !== '');
  phrases.suggest();
});
$('reply-input').addEventListener('keydown', (e) => {
  if (phrases.onKey(e)) return; // Tab/Enter/arrows/Escape while phrases are listed
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('reply-form').requestSubmit();
  }
});
$('note-form').addEventListener('submit', note);
$('transfer-toggle').addEventListener('click', toggleTransfer);
$('transfer-form').addEventListener('submit', transfer);
document.addEventListener('visibilitychange', changed);

if (session) start();
changed();
