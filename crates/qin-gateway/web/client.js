// Shared browser helpers for Qin's pages — the storefront chat widget (widget.js) and the agent
// console (console.js): a reconnecting websocket, a tiny DOM builder and keyed list renderer,
// message formatting, and timing constants. Plain ES module, no dependencies.

const RETRY_MAX_MS = 10_000;
export const TYPING_IDLE_MS = 3_000; // say "stopped typing" after this much quiet
export const TYPING_REFRESH_MS = 2_000; // repeat "typing" at most this often while keys are pressed
export const TYPING_SHOW_MS = 6_000; // hide the other side's typing mark if its "off" gets lost

/** Creates an element; strings among `children` become text nodes, never HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'testid') el.dataset.testid = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children.filter((c) => c != null));
  return el;
}

/** Keeps `container`'s children in the order of `entries`, reusing each entry's element by `key`. */
export function renderList(container, entries, cache, build, update) {
  const live = new Set();
  let at = container.firstChild;
  for (const entry of entries) {
    let el = cache.get(entry.key);
    if (!el) cache.set(entry.key, (el = build(entry)));
    update(el, entry);
    live.add(entry.key);
    if (el === at) at = at.nextSibling;
    else container.insertBefore(el, at);
  }
  for (const [key, el] of cache) {
    if (live.has(key)) continue;
    el.remove();
    cache.delete(key);
  }
}

/** Returns a function that runs `fn` once, soon, however often it is called before then. */
export function batched(fn) {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      fn();
    }, 0);
  };
}

/** Returns `show(text)`, which puts `text` in element `el` for five seconds. */
export function toaster(el) {
  let timer = 0;
  return (text) => {
    el.textContent = text;
    el.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => (el.hidden = true), 5000);
  };
}

/** A fresh client message id: 32 random hex digits. */
export const newCid = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
/** Whether scrollable `el` is (nearly) scrolled to its end. */
export const atBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 60;
/** `ts` (ms) as a local hh:mm. */
export const clock = (ts) => new Date(ts).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit' });

/** The highest seq in `messages` (seq → message), 0 when empty. */
export const highestSeq = (messages) => Math.max(0, ...messages.keys());
/** The messages of `messages` (seq → message) in seq order. */
export const bySeq = (messages) => [...messages.values()].sort((a, b) => a.seq - b.seq);

/** The name a message's sender is shown with; bots are marked as auto-replies. */
export const senderLabel = (from) => (from.role === 'bot' ? `${from.name} · 自动回复 auto-reply` : from.name);

/** A message's bubble content: an image for an http(s) image message, else its text. */
export const messageContent = (e) =>
  e.kind === 'image' && /^https?:\/\//.test(e.body)
    ? h('img', { src: e.body, alt: '图片 image', loading: 'lazy', referrerpolicy: 'no-referrer' })
    : e.body;

/** Shows entry `e`'s time and delivery mark (worded by `marks`) in message element `el`'s last line. */
export function showMark(el, e, marks) {
  el.dataset.state = e.mark;
  el.lastChild.textContent = [clock(e.ts), marks[e.mark]].filter(Boolean).join(' · ');
}

/** A websocket to `path` that reconnects after 1 s, 2 s, 4 s … 10 s until `healthy()` resets the wait. */
export class Link {
  constructor(path, on) {
    this.url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
    this.on = on;
    this.wait = 1000;
    this.stopped = false;
    this.connect();
  }

  connect() {
    this.on.status('connecting');
    const ws = (this.ws = new WebSocket(this.url));
    ws.onopen = () => this.on.open();
    ws.onmessage = (e) => this.on.frame(JSON.parse(e.data));
    ws.onclose = (e) => {
      if (this.stopped) return;
      // The owner may end the link for good on some close codes (e.g. 4003, signed out).
      if (this.on.closed?.(e.code)) {
        this.stopped = true;
        return;
      }
      this.on.status('offline', this.wait);
      setTimeout(() => this.connect(), this.wait);
      this.wait = Math.min(this.wait * 2, RETRY_MAX_MS);
    };
  }

  healthy() {
    this.wait = 1000;
    this.on.status('online');
  }

  /** Sends `frame` if the socket is open; says whether it did. */
  send(frame) {
    const open = this.ws.readyState === WebSocket.OPEN;
    if (open) this.ws.send(JSON.stringify(frame));
    return open;
  }

  /** Closes the socket for good: no reconnecting. */
  stop() {
    this.stopped = true;
    this.ws.close();
  }
}

/**
 * Calls Qin's REST API: JSON in and out, `token` as the Bearer. Resolves with the answer (null
 * for 204); rejects with the server's message, the HTTP status in `error.status`.
 */
export async function api(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(json.error?.message ?? `HTTP ${res.status}`), { status: res.status });
  return json;
}

/** `POST /api/login`: `{token, agent}` for `{shop, agent, password}`. */
export const signIn = (creds) => api('POST', '/api/login', { body: creds });

/** Shows `text` under a sign-in form (`data-testid="login-error"`), or hides it when empty. */
export function showLoginError(text) {
  const el = document.querySelector('[data-testid="login-error"]');
  el.textContent = text;
  el.hidden = !text;
}

