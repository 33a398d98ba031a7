// Browser end-to-end test of Qin's web front-ends against a running gateway: an agent logs into
// the console and goes online, a shopper opens the storefront widget and asks a question, each
// sees the other's message; the agent answers with quick phrases (`/hi` picked with Tab, and
// one added in the Phrases panel, clicked and edited before sending); the shopper follows the
// agent (★, kept across a reload); the supervisor (zhuguan) logs into /supervisor and reads
// why the chat went to that agent, then signs her out (her console returns to the login form). Along the way: a shopper picking a group with nobody online
// is told so and asked to leave a message; the console's top bar fits one row at 1280 px; no
// page asks for anything that is not there (the favicon). Usage: node chat.mjs http://127.0.0.1:18080
// (after `npm install`; uses /usr/bin/chromium, or the browser named by $CHROMIUM).

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const TIMEOUT_MS = 10_000;
const ASK = '亲，发货了吗？';
const ANSWER = '亲，今天就发～';
const HI = '亲，在的～有什么可以帮您？'; // the demo shop's /hi (config/qin.toml)
const THANKS = '谢谢亲的耐心等待～'; // added in the Phrases panel
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const base = process.argv[2]?.replace(/\/+$/, '');
if (!base) {
  console.error('usage: node chat.mjs <base-url>   e.g. node chat.mjs http://127.0.0.1:18080');
  process.exit(2);
}

const shots = await mkdtemp(join(tmpdir(), 'qin-e2e-')); // every page at the end, or at a failure
const pages = new Map(); // name → page
const jsErrors = [];
const missing = []; // 404s any page ran into
let browser = null;
let current = '';

async function step(name, fn) {
  current = name;
  await fn();
  console.log(`ok - ${name}`);
}

async function newPage(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => jsErrors.push(`${name}: ${e.message}`));
  // What the pages' Content-Security-Policy blocks is logged, not thrown: count it as an error.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content[- ]Security[- ]Policy/i.test(m.text())) jsErrors.push(`${name}: ${m.text()}`);
  });
  page.on('response', (r) => { if (r.status() === 404) missing.push(`${name}: ${r.url()}`); });
  pages.set(name, page);
  return page;
}

/** A message of `role` in `page`'s thread (containing `text`, if given); `settled` skips pending/failed sends. */
function message(page, role, text, settled = false) {
  const state = settled ? ':not([data-state="pending"]):not([data-state="failed"])' : '';
  const selector = `[data-testid="messages"] [data-testid="msg"][data-role="${role}"]${state}`;
  return page.locator(selector, text ? { hasText: text } : {}).first();
}

async function run() {
  let agent, shopper, conv;

  await step('launch chromium', async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      timeout: TIMEOUT_MS,
    });
  });

  await step('agent anhong logs into the console', async () => {
    agent = await newPage('console');
    await agent.goto(`${base}/console`);
    await agent.getByTestId('login-shop').fill('afu');
    await agent.getByTestId('login-agent').fill('anhong');
    await agent.getByTestId('login-password').fill('not-the-password');
    await agent.getByTestId('login-submit').click();
    await agent.locator('[data-testid="login-error"]:not([hidden])').waitFor();
    await agent.getByTestId('login-password').fill('qin-demo');
    await agent.getByTestId('login-submit').click();
    await agent.locator('[data-testid="conn-status"][data-state="online"]').waitFor();
  });

  await step("the console's top bar is one row at 1280 px, Sign out included", async () => {
    const top = async (id) => (await agent.getByTestId(id).boundingBox()).y;
    const [status, logout] = [await top('status-online'), await top('logout')];
    if (Math.abs(status - logout) > 4) throw new Error(`Sign out at y=${logout}, the status switch at y=${status}`);
  });

  await step('agent sets status online', async () => {
    await agent.getByTestId('status-online').click();
    await agent.locator('[data-testid="status-online"][aria-pressed="true"]').waitFor();
  });

  await step('agent sets a personal auto-reply for busy/away', async () => {
    await agent.getByTestId('auto-reply-input').fill('在仓库盘点，10分钟回来');
    await agent.getByTestId('auto-reply-save').click();
    await agent.locator('[data-testid="auto-reply-input"][data-set="true"]').waitFor();
  });

  await step('shopper opens the widget and picks 淑女组 (lady)', async () => {
    shopper = await newPage('storefront');
    await shopper.goto(`${base}/`);
    await shopper.getByTestId('widget-launcher').click();
    await shopper.getByTestId('group-card-lady').click(); // waits until connected (enabled)
    await shopper.getByTestId('composer-input').waitFor();
    conv = await shopper.getByTestId('widget-panel').getAttribute('data-conv');
    if (!conv) throw new Error('the widget shows a chat but no conversation id');
  });

  await step(`shopper sends "${ASK}"`, async () => {
    await shopper.getByTestId('composer-input').fill(ASK);
    await shopper.getByTestId('composer-input').press('Enter');
    await message(shopper, 'shopper', ASK, true).waitFor();
  });

  await step('agent sees the chat and the question', async () => {
    await agent.locator(`[data-testid="chat-item"][data-conv="${conv}"] [data-testid="chat-select"]`).click();
    await message(agent, 'shopper', ASK).waitFor();
  });

  await step(`agent replies "${ANSWER}"`, async () => {
    await agent.getByTestId('reply-input').fill(ANSWER);
    await agent.getByTestId('reply-input').press('Enter');
    await message(agent, 'agent', ANSWER, true).waitFor();
  });

  await step('shopper sees the reply', async () => {
    await message(shopper, 'agent', ANSWER).waitFor();
  });

  await step(`agent types "/hi", picks the phrase with Tab and sends "${HI}"`, async () => {
    const input = agent.getByTestId('reply-input');
    await input.pressSequentially('/hi');
    await agent.locator('[data-testid="phrase-suggestion"][data-shortcut="hi"][aria-selected="true"]').waitFor();
    await input.press('Tab');
    const text = await input.inputValue();
    if (text !== HI) throw new Error(`the reply box holds ${JSON.stringify(text)}, not the phrase`);
    await agent.getByTestId('phrase-suggest').waitFor({ state: 'hidden' });
    await input.press('Enter');
    await message(agent, 'agent', HI, true).waitFor();
  });

  await step('shopper receives the phrase', async () => {
    await message(shopper, 'agent', HI).waitFor();
  });

  await step('agent adds an own phrase "/thx" in the Phrases panel', async () => {
    await agent.getByTestId('phrases-toggle').click();
    await agent.getByTestId('phrase-shortcut').fill('thx');
    await agent.getByTestId('phrase-text').fill(THANKS);
    await agent.getByTestId('phrase-save').click();
    await agent.locator('[data-testid="phrase-item"][data-shortcut="thx"][data-owner="me"]').waitFor();
    await agent.getByTestId('phrase-panel-close').click();
  });

  await step('agent types "/th", clicks the phrase, edits it and sends', async () => {
    const input = agent.getByTestId('reply-input');
    await input.pressSequentially('/th');
    await agent.locator('[data-testid="phrase-suggestion"][data-shortcut="thx"][data-owner="me"]').click();
    await input.press('End');
    await input.pressSequentially('！');
    await input.press('Enter');
    await message(agent, 'agent', `${THANKS}！`, true).waitFor();
    await message(shopper, 'agent', `${THANKS}！`).waitFor();
  });

  await step('a shopper picking 疯癫组 (nobody online) is asked to leave a message, not given a place', async () => {
    const other = await newPage('storefront-2');
    await other.goto(`${base}/`);
    await other.getByTestId('widget-launcher').click();
    await other.getByTestId('group-card-zany').click();
    const status = other.locator('[data-testid="conv-status"][data-state="queued"][data-nobody="true"]');
    await status.waitFor();
    const text = await status.textContent();
    if (!text.includes('暂无客服在线') || !text.includes('留言') || text.includes('前面还有')) {
      throw new Error(`the widget says ${JSON.stringify(text)}`);
    }
    const hint = await other.getByTestId('composer-input').getAttribute('placeholder');
    if (!hint.includes('留言')) throw new Error(`the message box says ${JSON.stringify(hint)}`);
    await other.screenshot({ path: join(shots, 'nobody-online.png') });
  });

  await step('shopper was greeted by the shop bot', async () => {
    await message(shopper, 'bot').waitFor();
  });

  await step('shopper follows 安红 (☆ becomes ★)', async () => {
    await shopper.locator('[data-testid="follow-toggle"][data-followed="false"]').click();
    await shopper.locator('[data-testid="follow-toggle"][data-followed="true"]').waitFor();
  });

  await step('the ★ survives a reload of the storefront', async () => {
    await shopper.reload();
    await shopper.locator('[data-testid="conn-status"][data-state="online"]').waitFor();
    if (!(await shopper.getByTestId('widget-panel').isVisible())) await shopper.getByTestId('widget-launcher').click();
    await shopper.locator('[data-testid="follow-toggle"][data-followed="true"]').waitFor();
  });

  const NOTE = '老顾客，上次快递破损，已补发';
  const CUSTOMER_NOTE = '偏爱玫瑰精油，发顺丰';
  await step('agent adds a private note; after a console reload it is still there, in place', async () => {
    await agent.getByTestId('note-input').fill(NOTE);
    await agent.getByTestId('note-send').click();
    await agent.locator('[data-testid="note"]', { hasText: NOTE }).waitFor();
    await agent.reload();
    await agent.locator(`[data-testid="chat-item"][data-conv="${conv}"] [data-testid="chat-select"]`).click();
    await agent.locator('[data-testid="note"]', { hasText: NOTE }).waitFor();
    await message(agent, 'agent', ANSWER).waitFor();
    const texts = await agent.locator('[data-testid="messages"] [data-testid="note"], [data-testid="messages"] [data-testid="msg"]').allTextContents();
    const at = (words) => texts.findIndex((t) => t.includes(words));
    if (!(at(ANSWER) < at(NOTE))) throw new Error(`the note is out of place after the reload: ${texts.join(' | ')}`);
  });

  await step('the shopper never sees the note', async () => {
    if ((await shopper.content()).includes(NOTE)) throw new Error('the private note reached the storefront');
  });

  let boss;
  await step('supervisor zhuguan logs into /supervisor and sees the groups', async () => {
    boss = await newPage('supervisor');
    await boss.goto(`${base}/supervisor`);
    await boss.getByTestId('login-shop').fill('afu');
    await boss.getByTestId('login-agent').fill('anhong'); // an agent, not a supervisor
    await boss.getByTestId('login-password').fill('qin-demo');
    await boss.getByTestId('login-submit').click();
    await boss.locator('[data-testid="login-error"]:not([hidden])').waitFor();
    await boss.getByTestId('login-agent').fill('zhuguan');
    await boss.getByTestId('login-password').fill('qin-demo');
    await boss.getByTestId('login-submit').click();
    await boss.locator('[data-testid="group-row"][data-group="lady"]').waitFor();
  });

  await step("supervisor reads the chat's routing decisions", async () => {
    await boss.getByTestId('conv-input').fill(conv);
    await boss.getByTestId('conv-show').click();
    const decision = boss.locator('[data-testid="decision"]', { hasText: 'anhong' }).first();
    await decision.waitFor();
    const rule = await decision.getAttribute('data-rule');
    if (!rule) throw new Error('a routing decision without a rule');
    await decision.locator('[data-testid="candidate"]', { hasText: 'anhong' }).first().waitFor();
  });

  await step('supervisor reloads the config file', async () => {
    await boss.getByTestId('reload').click();
    await boss.locator('[data-testid="reload-result"]', { hasText: 'afu' }).waitFor();
  });

  await step('agent records a complaint: cause, what was done, compensation, a call-back time', async () => {
    await agent.getByTestId('complaint-toggle').click();
    await agent.getByTestId('complaint-form').waitFor();
    await agent.getByTestId('complaint-cause').fill('快递破损');
    await agent.getByTestId('complaint-resolution').fill('补发一瓶');
    await agent.getByTestId('complaint-compensation').fill('20 元优惠券');
    await agent.getByTestId('complaint-follow-up').fill('2026-12-10T10:00');
    await agent.getByTestId('complaint-save').click();
    await agent.locator('[data-testid="complaint-result"]', { hasText: '已保存' }).waitFor();
    await agent.screenshot({ path: join(shots, 'console-complaint.png') });
    await agent.getByTestId('complaint-toggle').click();
    await agent.getByTestId('complaint-form').waitFor({ state: 'hidden' });
  });

  await step('agent closes the chat as 物流 (a disposition); the supervisor sees it', async () => {
    await agent.getByTestId('close-chat').click();
    await agent.getByTestId('close-form').waitFor();
    await agent.getByTestId('close-disposition').selectOption('物流');
    await agent.screenshot({ path: join(shots, 'console-closing.png') });
    await agent.getByTestId('close-confirm').click();
    await agent.locator('[data-testid="close-chat"]:disabled').waitFor();
    await boss.getByTestId('conv-show').click();
    await boss.locator('[data-testid="conv-summary"]', { hasText: '物流' }).waitFor();
  });

  await step('the shopper comes back: her agent sees her earlier chat (物流) and reads it', async () => {
    await shopper.getByTestId('new-chat').click();
    await shopper.getByTestId('group-card-lady').click();
    const panel = shopper.locator(`[data-testid="widget-panel"][data-conv]:not([data-conv=""]):not([data-conv="${conv}"])`);
    await panel.waitFor();
    const second = await panel.getAttribute('data-conv');
    await agent.locator(`[data-testid="chat-item"][data-conv="${second}"] [data-testid="chat-select"]`).click();
    await agent.locator('[data-testid="customer-summary"]', { hasText: '老顾客' }).waitFor();
    await agent.locator(`[data-testid="past-chat"][data-conv="${conv}"]`, { hasText: '投诉·处理中' }).waitFor();
    await agent.locator(`[data-testid="past-chat"][data-conv="${conv}"]`, { hasText: '物流' }).click();
    await agent.locator('[data-testid="past-message"]', { hasText: ASK }).waitFor();
    await agent.locator('[data-testid="past-message"]', { hasText: NOTE }).waitFor();
    await agent.screenshot({ path: join(shots, 'console-past-chat.png') });
    await agent.getByTestId('past-close').click();
    await agent.locator('[data-testid="past-transcript"]').waitFor({ state: 'hidden' });
    await agent.getByTestId('customer-note-input').fill(CUSTOMER_NOTE);
    await agent.getByTestId('customer-note-save').click();
    await agent.locator('[data-testid="customer-note"]', { hasText: CUSTOMER_NOTE }).waitFor();
    await agent.locator('[data-testid="customer-note"]', { hasText: '安红' }).waitFor();
  });

  await step('after a console reload the note about the customer is still there', async () => {
    await agent.reload();
    await agent.locator('[data-testid="chat-item"] [data-testid="chat-select"]').last().click();
    await agent.locator('[data-testid="customer-note"]', { hasText: CUSTOMER_NOTE }).waitFor();
    if ((await shopper.content()).includes(CUSTOMER_NOTE)) throw new Error('a note about the customer reached the storefront');
  });

  await step('supervisor signs anhong out: her console returns to the login form and says why', async () => {
    await screenshots(); // the console as she worked, before she is signed out
    pages.delete('console');
    pages.set('console-signed-out', agent);
    await boss.getByTestId('sign-out-agent').selectOption('anhong');
    await boss.getByTestId('sign-out-submit').click();
    await boss.locator('[data-testid="sign-out-result"]', { hasText: 'anhong' }).waitFor();
    await agent.locator('[data-testid="login-error"]:not([hidden])', { hasText: '登出' }).waitFor();
    await agent.getByTestId('login-view').waitFor();
  });

    await step('no JavaScript errors or CSP violations on any page', async () => {
    if (jsErrors.length) throw new Error(jsErrors.join('\n'));
  });

  await step('every page has its icon and nothing asked for was missing', async () => {
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const res = await fetch(`${base}${path}`);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    }
    for (const [name, page] of pages) {
      const icon = await page.locator('link[rel="icon"]').count();
      if (!icon) throw new Error(`${name} names no icon`);
    }
    if (missing.length) throw new Error(`404s:\n${missing.join('\n')}`);
  });
}

async function screenshots() {
  for (const [name, page] of pages) {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true }).catch(() => {});
  }
}

try {
  await run();
  await screenshots();
  console.log(`screenshots: ${shots}`);
  console.log('e2e: 1 passed, 0 failed');
} catch (e) {
  await screenshots();
  console.error(`not ok - ${current}\n${e.message}\nscreenshots: ${shots}`);
  if (jsErrors.length) console.error(`JavaScript errors:\n${jsErrors.join('\n')}`);
  console.log('e2e: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  await browser?.close();
}
