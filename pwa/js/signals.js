// The signals of a person's home screen and the counts on their tabs:
// what came back, what can close today, what was handed to them, what is
// late — from GET /api/queue, kept on the phone so they show offline too
// (as of the last sync).

import { h } from './ui.js';
import * as api from './api.js';

// SIGNAL_LINKS says where a signal takes the person.
const SIGNAL_LINKS = {
  returned: '#/cases',
  publicity_closable: '#/queue?group=publicity_closable',
  acceptance_requested: '#/queue?group=accept',
  payment_overdue: '#/queue?group=disburse',
};

// noteWork records a queue answer: the tab counts follow.
export function noteWork(app, data) {
  app.work = { total: data.total || 0, signals: data.signals || [], groups: (data.groups || []).map((g) => ({ queue: g.queue, label: g.label, count: g.count })) };
  updateTabCounts(app);
}

// updateTabCounts puts the work's numbers on the tabs: the 待办 tab its
// total, the cadre's 本村 tab the cases returned to them.
export function updateTabCounts(app) {
  const w = app.work || { total: 0, signals: [] };
  const returned = (w.signals.find((s) => s.code === 'returned') || {}).count || 0;
  for (const el of document.querySelectorAll('[data-work-count]')) {
    const n = el.dataset.workCount === 'returned' ? returned : w.total;
    el.textContent = n > 0 ? String(n) : '';
    el.hidden = n === 0;
  }
}

// loadWork reads the person's work of the year shown (one item a group is
// enough for the counts), from the phone's copy when offline.
export async function loadWork(app) {
  if (!app.user || ['admin', 'leader'].includes(app.user.role)) return null;
  try {
    const r = await api.cached(`/api/queue?program_year=${app.year}&limit=1`);
    noteWork(app, r.data);
    return r;
  } catch { return null; }
}

// signalsBar is the home screen's list of signals (empty when none).
export function signalsBar(app, { skip = [] } = {}) {
  const box = h('div', { class: 'signals', id: 'signals', 'aria-live': 'polite' });
  const fill = () => {
    const list = ((app.work && app.work.signals) || []).filter((s) => !skip.includes(s.code));
    box.replaceChildren(...list.map((s) => h('a', { class: 'signal ' + (s.code === 'payment_overdue' || s.code === 'returned' ? 'bad' : 'warn'),
      href: SIGNAL_LINKS[s.code] || '#/queue', 'data-signal': s.code }, s.message)));
    box.hidden = list.length === 0;
  };
  fill();
  loadWork(app).then(fill); // fresh when online, the kept copy offline
  return box;
}
