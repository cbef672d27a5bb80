// 安居 field app: the shell. Signs in once per device, routes by hash,
// shows the connection and the number of unsent items on every screen, and
// runs the outbox at start, when the connection returns and on a timer.

import { h, clear, toast } from './ui.js';
import { Outbox } from './outbox.js';
import { outboxStore, kv } from './db.js';
import * as api from './api.js';
import { ROLES } from './labels.js';
import { PROGRAM_2024 } from './rules.js';
import { currentOf, keepYear } from './years.js';
import { loginView } from './views/login.js';
import { casesView, queueView } from './views/cases.js';
import { workView } from './views/work.js';
import { batchView } from './views/batch.js';
import { loadWork, updateTabCounts } from './signals.js';
import { newCaseView } from './views/newcase.js';
import { caseView } from './views/case.js';
import { dashboardView } from './views/dashboard.js';
import { outboxView } from './views/outbox.js';
import { adminView } from './views/admin.js';
import { programsView } from './views/programs.js';
import { passwordView } from './views/password.js';
import { noticeView } from './views/notice.js';

const COUNTY_QUEUE = ['county_inspector', 'county_approver', 'civil_affairs', 'rural_revitalization', 'disburser'];

// tabs per role: [hash, label].
function tabs(role) {
  if (role === 'village_cadre') return [['#/cases', '本村'], ['#/new', '新申请'], ['#/outbox', '待发送']];
  if (role === 'township_officer') return [['#/dashboard', '看板'], ['#/queue', '待办'], ['#/all', '全部'], ['#/outbox', '待发送']];
  if (COUNTY_QUEUE.includes(role)) return [['#/queue', '待办'], ['#/all', '全部'], ['#/outbox', '待发送']];
  if (role === 'leader') return [['#/dashboard', '看板']];
  if (role === 'admin') return [['#/admin', '用户与村'], ['#/programs', '年度方案'], ['#/dashboard', '看板']];
  return [];
}

const app = {
  user: null,
  // program is the current program: new applications go into it.
  program: PROGRAM_2024,
  // programs are every year the server knows; year is the one the lists
  // and dashboards show (chosen by the person, the current one at first).
  programs: [],
  year: PROGRAM_2024.year,
  yearChosen: false,
  programOf(year) { return this.programs.find((p) => p.year === year) || this.program; },
  setYear(y) { this.year = y; this.yearChosen = true; keepYear(y); loadWork(this); },
  outbox: null,
  main: null,
  go(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  rerender() { route(); },
};

app.outbox = new Outbox({
  store: outboxStore,
  transport: api.transport,
  onChange: () => { scheduleBadge(); window.dispatchEvent(new Event('anju:outbox')); },
  onSent: (item, body) => {
    if (body && body.id && body.version !== undefined) api.keep('/api/cases/' + body.id, body).catch(() => {});
    window.dispatchEvent(new CustomEvent('anju:sent', { detail: item }));
  },
});

// flush sends what is due, one tab at a time where Web Locks exist; now
// also sends what waits out a backoff (the app just opened, or the phone
// says the connection is back).
async function flush(now = false) {
  if (!app.user) return null;
  const run = () => (now ? app.outbox.retryNow() : app.outbox.flush());
  const r = navigator.locks ? await navigator.locks.request('anju-outbox', run) : await run();
  if (r && r.sent > 0) {
    window.dispatchEvent(new Event('anju:synced'));
    loadWork(app);
    // Lists show what the server now holds; forms are never redrawn under the person.
    if (/^#\/(cases|queue|all)?$/.test(location.hash.split('?')[0] || '#/')) route();
  }
  return r;
}
app.flush = flush;

// scheduleBadge redraws the count at most every 150 ms (upload progress
// changes many times a second).
let badgeTimer = null;
function scheduleBadge() {
  if (!badgeTimer) badgeTimer = setTimeout(() => { badgeTimer = null; updateBadge(); }, 150);
}

async function updateBadge() {
  const items = await app.outbox.list();
  const n = items.length;
  for (const el of document.querySelectorAll('[data-outbox-count]')) {
    el.textContent = n > 0 ? String(n) : '';
    el.hidden = n === 0;
  }
  const trouble = items.some((i) => i.status !== 'pending');
  document.body.classList.toggle('has-trouble', trouble);
  const bar = document.getElementById('syncbar');
  if (bar) {
    const prog = [...app.outbox.progress.values()];
    bar.textContent = n === 0 ? '' : (trouble ? `有 ${n} 项未发送，其中有需要处理的冲突或退回` : `${n} 项待发送` + (prog.length ? `，上传中 ${Math.round(prog[0] * 100)}%` : ''));
    bar.hidden = n === 0;
    bar.className = 'syncbar' + (trouble ? ' bad' : '');
  }
}

function setOnline() {
  const el = document.getElementById('net');
  if (el) { el.textContent = navigator.onLine ? '在线' : '离线'; el.className = 'net ' + (navigator.onLine ? 'on' : 'off'); }
}

function shell() {
  const u = app.user;
  const nav = tabs(u.role).map(([hash, text]) => h('a', { href: hash, 'data-tab': hash },
    text, hash === '#/outbox' ? h('span', { class: 'badge', 'data-outbox-count': '', hidden: true }) : null,
    // The work waiting on the 待办 tab; the cases returned on the cadre's 本村 tab.
    hash === '#/queue' ? h('span', { class: 'badge', 'data-work-count': 'total', hidden: true }) : null,
    hash === '#/cases' ? h('span', { class: 'badge', 'data-work-count': 'returned', hidden: true }) : null));
  const root = document.getElementById('app');
  clear(root,
    h('header', { class: 'top' },
      h('div', { class: 'brand' }, '安居'),
      h('a', { class: 'who', href: '#/password', title: '我的账号：修改密码' }, u.name, ' · ', ROLES[u.role] || u.role, u.area_name ? ' · ' + u.area_name : ''),
      h('span', { id: 'net', class: 'net' }),
      h('button', { class: 'btn small ghost', onclick: async () => {
        const n = await app.outbox.count();
        if (n > 0 && !confirm(`还有 ${n} 项未发送，退出后仍保留在本机，重新登录后继续发送。确定退出？`)) return;
        await api.logout(); app.user = null; location.hash = '#/login'; start();
      } }, '退出')),
    h('div', { id: 'syncbar', class: 'syncbar', hidden: true, onclick: () => app.go('#/outbox') }),
    app.main = h('main', { id: 'main' }),
    nav.length > 1 ? h('nav', { class: 'tabs' }, nav) : null);
  setOnline();
  updateBadge();
  updateTabCounts(app);
}

function home(role) {
  return tabs(role)[0] ? tabs(role)[0][0] : '#/dashboard';
}

async function route() {
  if (!app.user) { loginView(document.getElementById('app'), app, start); return; }
  const hash = location.hash || home(app.user.role);
  const [, name, arg] = hash.match(/^#\/([a-z]+)\/?(.*)$/) || [];
  for (const a of document.querySelectorAll('nav.tabs a')) a.classList.toggle('on', hash.startsWith(a.dataset.tab));
  const views = {
    cases: () => casesView(app.main, app),
    queue: () => workView(app.main, app),
    batch: () => batchView(app.main, app, decodeURIComponent(arg.split('?')[0])),
    all: () => queueView(app.main, app, false),
    new: () => newCaseView(app.main, app),
    case: () => caseView(app.main, app, decodeURIComponent(arg)),
    dashboard: () => dashboardView(app.main, app, arg),
    outbox: () => outboxView(app.main, app),
    admin: () => adminView(app.main, app),
    programs: () => programsView(app.main, app),
    password: () => passwordView(app.main, app),
    notice: () => noticeView(app.main, app, arg),
  };
  // A password the admin set is for choosing one's own, first.
  if (app.user.must_change_password && name !== 'password') { app.go('#/password'); return; }
  const view = views[name];
  if (!view) { app.go(home(app.user.role)); return; }
  // Each screen draws into its own <main>: a slow screen the person already
  // left finishes into a detached element instead of over the new one.
  const fresh = h('main', { id: 'main' });
  app.main.replaceWith(fresh);
  app.main = fresh;
  window.scrollTo(0, 0);
  try {
    await view();
  } catch (err) {
    if (app.main !== fresh) return; // the person has moved on
    if (!(err instanceof api.ApiError) && !err.offline) console.error(err);
    clear(fresh, h('div', { class: 'empty bad' }, err.offline ? '没有网络，且本机没有这页的离线副本。'
      : err instanceof api.ApiError ? err.message : '页面出错了，请刷新后重试。'));
  }
}

// loadPrograms reads the program years, kept for offline use: the current
// one is where new applications go, and the lists show it unless the
// person chose another year.
async function loadPrograms() {
  try {
    const { data } = await api.cached('/api/programs');
    const list = Array.isArray(data) ? data : (data && data.items) || [];
    if (!list.length) return false;
    const before = app.program.year;
    app.programs = list;
    app.program = currentOf(list);
    if (!app.yearChosen || !list.some((p) => p.year === app.year)) app.year = app.program.year;
    kv.set('programs', list).catch(() => {});
    return app.program.year !== before;
  } catch { return false; /* keep the last known or the 2024 plan */ }
}

async function start() {
  app.user = api.currentUser();
  if (!app.user) { route(); return; }
  shell();
  const kept = await kv.get('programs').catch(() => null);
  const year = await kv.get('year').catch(() => null);
  if (Array.isArray(kept) && kept.length) { app.programs = kept; app.program = currentOf(kept); }
  app.year = app.program.year;
  if (year && app.programs.some((p) => p.year === year)) { app.year = year; app.yearChosen = true; }
  if (!app.programs.length) await loadPrograms();
  else loadPrograms().then((changed) => { if (changed && !app.yearChosen) route(); });
  if (!location.hash || location.hash === '#/login') location.hash = home(app.user.role);
  else route();
  loadWork(app);
  flush(true);
  // Refresh the person's name and area quietly when online.
  api.json('GET', '/api/me').then((me) => {
    const t = api.tokens();
    if (t && me) { localStorage.setItem('anju.tokens', JSON.stringify({ ...t, user: me })); app.user = me; }
  }).catch(() => {});
}

window.addEventListener('hashchange', route);
// The admin opened, closed or amended a year: read the years again.
window.addEventListener('anju:programs', () => { loadPrograms().then((changed) => { if (changed) route(); }); loadWork(app); });
window.addEventListener('online', () => { setOnline(); flush(true); });
window.addEventListener('offline', setOnline);
window.addEventListener('anju:signedout', (e) => {
  const why = (e.detail && e.detail.message) || '登录已过期，请重新登录';
  toast(why + '（未发送的内容仍保留）', 'bad');
  app.user = null; route();
});
setInterval(() => { if (navigator.onLine) flush(); }, 20000);
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') flush(); });

if ('serviceWorker' in navigator) {
  const hadWorker = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.register('/sw.js').catch(() => {});
  // A deploy's worker takes over at once; the modules already running stay
  // until the app is opened again.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadWorker) toast('安居已更新，下次打开时使用新版本');
  });
}
if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});

window.anju = app; // for the browser tests and for support on a phone
start();
