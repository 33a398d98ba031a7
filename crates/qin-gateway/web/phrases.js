// Quick phrases (快捷短语) in the agent console: typing `/` and a shortcut in the reply box lists
// the matching phrases (the agent's own first, then the shop's); Tab, Enter or a click puts the
// phrase's text in the box, where the agent may edit it before sending. A few phrases also sit
// as chips above the box, and the Phrases panel adds and deletes the agent's own (and, for
// supervisors, the shop's). Talks to GET/PUT/DELETE /api/shops/{shop}/phrases.

import { api, h } from './client.js';

const MAX_SHOWN = 8; // suggestions listed at once
const CHIPS = 5; // phrases shown as chips above the reply box
const STALE_MS = 60_000; // refetch when the list is older than this and the agent types `/`
const OWNERS = { me: '我的 mine', shop: '全店 shop' };

/** The element with `data-testid="id"`. */
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

/** The `/query` being typed just before the caret of `input`: `{start, end, query}`, or null. */
function slashToken(input) {
  const caret = input.selectionStart ?? input.value.length;
  const m = /(^|\s)\/([^\s/]*)$/.exec(input.value.slice(0, caret));
  return m ? { start: caret - m[2].length - 1, end: caret, query: m[2] } : null;
}

/** How well phrase `p` matches `q` (lower case): 0 shortcut starts with it, 1 contains it, 2 text contains it, -1 not at all. */
function rank(p, q) {
  const shortcut = p.shortcut.toLowerCase();
  if (shortcut.startsWith(q)) return 0;
  if (shortcut.includes(q)) return 1;
  return p.text.toLowerCase().includes(q) ? 2 : -1;
}

/** The phrases matching `query`, best first; within a rank the agent's own before the shop's. */
export function matching(phrases, query) {
  const q = query.toLowerCase();
  return phrases
    .map((p, i) => ({ p, r: rank(p, q), own: p.owner === 'me' ? 0 : 1, i }))
    .filter((m) => m.r >= 0)
    .sort((a, b) => a.r - b.r || a.own - b.own || a.i - b.i)
    .map((m) => m.p);
}

export class QuickPhrases {
  /** `input`: the reply textarea; `toast(text)`: shows an error. */
  constructor(input, toast) {
    Object.assign(this, { input, toast, session: null, supervisor: false, list: [], loadedAt: 0, shown: [], active: 0 });
    $('phrases-toggle').addEventListener('click', () => this.togglePanel());
    $('phrase-panel-close').addEventListener('click', () => this.togglePanel(false));
    $('phrase-form').addEventListener('submit', (e) => this.save(e));
    // Closed a moment after the box loses focus (so a click on a suggestion lands first); coming
    // back before then keeps it open: a late close must not hide what the agent types next.
    input.addEventListener('blur', () => { this.closing = setTimeout(() => this.close(), 150); });
    input.addEventListener('focus', () => clearTimeout(this.closing));
  }

  /** Loads the phrases of the signed-in agent (`session: {shop, token}`). */
  async load(session, supervisor) {
    Object.assign(this, { session, supervisor: !!supervisor });
    // Only the latest load applies: an older answer arriving late (the panel's load racing the
    // one after a save) must not bring back a list without the phrase just saved.
    const mine = (this.loads = (this.loads ?? 0) + 1);
    try {
      const body = await this.request('GET', '');
      if (mine !== this.loads) return;
      this.list = body.phrases ?? [];
      this.loadedAt = Date.now();
    } catch (e) {
      this.toast(`快捷短语未载入 · phrases not loaded: ${e.message}`);
    }
    this.render();
    // A list that arrives while the agent types a `/shortcut` updates what is offered.
    if (document.activeElement === this.input) this.showFor(this.session && slashToken(this.input));
  }

  /** Forgets everything (sign-out). */
  reset() {
    Object.assign(this, { session: null, supervisor: false, list: [], loadedAt: 0 });
    this.togglePanel(false);
    this.render();
  }

  /** Calls the API; resolves with the JSON answer (null for 204), rejects with the server's message. */
  async request(method, shortcut, { body, scope } = {}) {
    const shop = encodeURIComponent(this.session.shop);
    const path = shortcut ? `/${encodeURIComponent(shortcut)}${scope ? `?scope=${scope}` : ''}` : '';
    return api(method, `/api/shops/${shop}/phrases${path}`, { token: this.session.token, body });
  }

  // ---- suggestions while typing ----

  /** Call on every input in the reply box: shows the phrases matching the `/query` being typed. */
  suggest() {
    const token = this.session && slashToken(this.input);
    if (token && Date.now() - this.loadedAt > STALE_MS) {
      this.loadedAt = Date.now(); // once, not on every key
      this.load(this.session, this.supervisor);
    }
    this.showFor(token);
  }

  /** Lists the phrases matching `token` (the `/shortcut` being typed), or none. */
  showFor(token) {
    this.shown = token ? matching(this.list, token.query).slice(0, MAX_SHOWN) : [];
    this.active = 0;
    this.renderSuggestions();
  }

  close() {
    this.shown = [];
    this.renderSuggestions();
  }

  /** Call on keydown in the reply box before anything else; true when the key was the list's. */
  onKey(e) {
    if (!this.shown.length || e.isComposing) return false;
    const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (step) this.active = (this.active + step + this.shown.length) % this.shown.length;
    else if (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey)) this.insert(this.shown[this.active]);
    else if (e.key === 'Escape') this.close();
    else return false;
    e.preventDefault();
    this.renderSuggestions();
    return true;
  }

  /** Puts `phrase`'s text in the reply box in place of the `/query` (or at the caret). */
  insert(phrase) {
    const input = this.input;
    const caret = input.selectionStart ?? input.value.length;
    const { start, end } = slashToken(input) ?? { start: caret, end: input.selectionEnd ?? caret };
    input.value = input.value.slice(0, start) + phrase.text + input.value.slice(end);
    const at = start + phrase.text.length;
    input.focus();
    input.setSelectionRange(at, at);
    input.dispatchEvent(new Event('input', { bubbles: true })); // typing mark; closes the list
    this.close();
  }

  renderSuggestions() {
    const box = $('phrase-suggest');
    box.hidden = !this.shown.length;
    box.replaceChildren(...this.shown.map((p, i) => h('div', {
      class: 'suggestion', role: 'option', testid: 'phrase-suggestion', 'data-shortcut': p.shortcut, 'data-owner': p.owner,
      'aria-selected': String(i === this.active),
      onmousedown: (e) => e.preventDefault(), // keep the focus (and caret) in the reply box
      onclick: () => this.insert(p),
    }, h('code', {}, `/${p.shortcut}`), h('span', { class: 'owner' }, OWNERS[p.owner]), h('span', { class: 'text' }, p.text))));
  }

  // ---- chips and the Phrases panel ----

  render() {
    $('phrase-chips').replaceChildren(...this.list.slice(0, CHIPS).map((p) => h('button', {
      type: 'button', class: 'phrase', testid: 'phrase', title: `/${p.shortcut}`, onclick: () => this.insert(p),
    }, p.text)));
    const shopOption = $('phrase-scope').querySelector('option[value="shop"]');
    shopOption.hidden = shopOption.disabled = !this.supervisor;
    if (!this.supervisor) $('phrase-scope').value = 'me';
    $('phrase-list').replaceChildren(...this.list.map((p) => this.buildItem(p)));
    $('phrase-empty').hidden = this.list.length > 0;
  }

  buildItem(p) {
    const deletable = p.owner === 'me' || (this.supervisor && !p.from_config);
    return h('li', { class: 'phrase-item', testid: 'phrase-item', 'data-shortcut': p.shortcut, 'data-owner': p.owner },
      h('button', { type: 'button', class: 'phrase-edit', title: '编辑 Edit', onclick: () => this.edit(p) },
        h('code', {}, `/${p.shortcut}`),
        h('span', { class: 'owner' }, p.from_config ? '全店 · 配置 shop · config' : OWNERS[p.owner]),
        h('span', { class: 'text' }, p.text)),
      deletable ? h('button', { type: 'button', class: 'phrase-delete', testid: 'phrase-delete', title: '删除 Delete', 'aria-label': '删除 Delete', onclick: () => this.remove(p) }, '×') : null);
  }

  togglePanel(open = $('phrase-panel').hidden) {
    $('phrase-panel').hidden = !open;
    if (open && this.session) this.load(this.session, this.supervisor);
  }

  /** Fills the form with `p` to change its text (saving the same shortcut replaces it). */
  edit(p) {
    if (p.owner === 'shop' && !this.supervisor) return;
    $('phrase-shortcut').value = p.shortcut;
    $('phrase-scope').value = p.owner;
    $('phrase-text').value = p.text;
    $('phrase-text').focus();
  }

  async save(ev) {
    ev.preventDefault();
    const shortcut = $('phrase-shortcut').value.trim().replace(/^\//, '');
    const text = $('phrase-text').value;
    const scope = $('phrase-scope').value;
    try {
      await this.request('PUT', shortcut, { body: { text, scope } });
      $('phrase-shortcut').value = '';
      $('phrase-text').value = '';
      await this.load(this.session, this.supervisor);
    } catch (e) {
      this.toast(`未保存 · not saved: ${e.message}`);
    }
  }

  async remove(p) {
    try {
      await this.request('DELETE', p.shortcut, { scope: p.owner });
      await this.load(this.session, this.supervisor);
    } catch (e) {
      this.toast(`未删除 · not deleted: ${e.message}`);
    }
  }
}
