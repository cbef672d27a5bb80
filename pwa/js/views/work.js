// 待办: the person's work grouped by what is to be done (待初审 12 · 公示可结束 3
// · 待开工 5 …), late and longest-waiting first inside each group, with the
// home screen's signals, search and filters. GET /api/queue, kept offline.

import { h, clear, spinner, fmtAgo } from '../ui.js';
import * as api from '../api.js';
import { caseRow, pendingByCase, prefetch } from './cases.js';
import { yearPicker } from '../years.js';
import { filterForm } from '../filters.js';
import { noteWork, signalsBar } from '../signals.js';
import { batchLink } from './batch.js';

export async function workView(main, app) {
  clear(main, spinner());
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const group = q.get('group') || '';
  const params = new URLSearchParams({ program_year: app.year, limit: group ? '100' : '30' });
  for (const k of ['q', 'village', 'township']) if (q.get(k)) params.set(k, q.get(k));
  const r = await api.cached('/api/queue?' + params);
  const d = r.data;
  const filtered = ['q', 'village', 'township'].some((k) => q.get(k));
  if (!filtered) noteWork(app, d);
  const pending = await pendingByCase(app);
  const groups = (d.groups || []).filter((g) => !group || g.queue === group);
  if (!r.stale) prefetch(groups.flatMap((g) => g.items).slice(0, 30));
  const link = (g) => {
    const p = new URLSearchParams(q);
    if (g) p.set('group', g); else p.delete('group');
    return '#/queue' + (p.toString() ? '?' + p : '');
  };
  const chips = h('div', { class: 'chips', role: 'tablist' },
    h('a', { class: 'chip' + (group ? '' : ' on'), href: link(''), role: 'tab', 'data-group': '' }, '全部', h('b', {}, d.total)),
    (d.groups || []).map((g) => h('a', { class: 'chip' + (g.queue === group ? ' on' : ''), href: link(g.queue), role: 'tab', 'data-group': g.queue },
      g.label, h('b', { 'data-count': g.queue }, g.count))));
  const list = h('div', { id: 'caselist' }, groups.map((g) => groupSection(g, params, pending, batchLink(app, g.queue))));
  const filters = await filterForm(app, q, (p) => { if (group) p.set('group', group); app.go('#/queue' + (p.toString() ? '?' + p : '')); });
  clear(main,
    h('div', { class: 'row between pad' }, h('h2', {}, '待我处理', ` (${d.total})`), yearPicker(app)),
    filtered ? null : signalsBar(app),
    filters,
    r.stale ? h('div', { class: 'note' }, '离线：显示的是 ' + fmtAgo(r.at) + ' 的数据') : null,
    chips,
    groups.length ? list : h('div', { class: 'empty' }, filtered ? '没有符合条件的待办。' : '目前没有等待您处理的案件。'));
}

// groupSection is one queue: its title and count, its cases, and a button
// for the rest.
function groupSection(g, params, pending, batch) {
  const items = h('div', { class: 'list' }, g.items.map((c) => caseRow(c, pending.get(c.id))));
  let shown = g.items.length;
  const more = h('button', { class: 'btn block', type: 'button', hidden: !g.more, onclick: async () => {
    more.disabled = true;
    try {
      const p = new URLSearchParams(params);
      p.set('group', g.queue); p.set('offset', String(shown)); p.set('limit', '100');
      const page = await api.json('GET', '/api/queue?' + p);
      const rest = (page.groups || [])[0];
      for (const c of (rest && rest.items) || []) items.append(caseRow(c, pending.get(c.id)));
      shown += rest ? rest.items.length : 0;
      more.hidden = !(rest && rest.more);
    } catch (err) { more.textContent = err.offline ? '离线，联网后可加载更多' : err.message; }
    more.disabled = false;
  } }, `加载更多（共 ${g.count} 户）`);
  return h('section', { class: 'group', 'data-queue': g.queue },
    h('h3', { class: 'pad' }, g.label, ` ${g.count}`, g.late ? h('span', { class: 'late' }, `其中 ${g.late} 户超期`) : null),
    batch ? h('a', { class: 'btn block', href: batch + (params.get('village') ? '?village=' + params.get('village') : ''), 'data-batch': g.queue },
      g.queue === 'archive' ? `批量归档（${g.count} 户）` : `批量结束公示（${g.count} 户）`) : null,
    items, more);
}
