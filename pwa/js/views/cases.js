// Case lists: a cadre's village (returned cases first, with the reason) and
// every other role's queue (cases awaiting their action) or search.

import { h, clear, fmtTime, fmtAgo, spinner } from '../ui.js';
import * as api from '../api.js';
import { STAGES, label, hintText } from '../labels.js';
import { CREATE } from '../outbox.js';
import { yearPicker } from '../years.js';
import { filterForm } from '../filters.js';
import { signalsBar } from '../signals.js';

function deadlineTag(d) {
  if (!d) return null;
  if (d.overdue) return h('span', { class: 'tag bad' }, '已超期');
  if (d.payment_overdue) return h('span', { class: 'tag bad' }, '拨付超期');
  if (d.at_risk) return h('span', { class: 'tag warn' }, '有延期风险');
  return null;
}

export function caseRow(c, pending = 0) {
  return h('a', { class: 'item' + (c.return_reason ? ' returned' : ''), href: '#/case/' + encodeURIComponent(c.id), 'data-case': c.id },
    h('div', { class: 'row between' },
      h('b', {}, c.head_name || '(未填姓名)'),
      h('span', { class: 'stage s-' + c.stage }, c.stage_label || label(STAGES, c.stage))),
    h('div', { class: 'meta' }, c.village_name || '', ' ', c.id_number || ''),
    c.return_reason ? h('div', { class: 'reason' }, '退回原因：', c.return_reason) : null,
    h('div', { class: 'row between meta' },
      h('span', { class: 'next' }, c.next && c.next.hint && rowHint(c) ? '下一步：' + rowHint(c) : ''),
      h('span', {}, c.work && c.work.waiting_days > 0 ? h('span', { class: 'tag', 'data-waiting': c.work.waiting_days }, '等待 ' + c.work.waiting_days + ' 天') : null,
        deadlineTag(c.deadline), c.warnings_count ? h('span', { class: 'tag warn' }, '预警 ' + c.warnings_count) : null,
        pending ? h('span', { class: 'tag' }, pending + ' 项待发送') : null)));
}

// rowHint is the next step without the return reason the row already shows.
function rowHint(c) {
  if (['archived', 'rejected', 'withdrawn'].includes(c.stage)) return '';
  let t = hintText(c.next.hint);
  if (c.return_reason) t = t.replace('已退回：' + c.return_reason + '；', '').replace('已退回：' + c.return_reason, '已退回');
  return t;
}

// OPTIONAL actions are always offered but are nobody's next step.
const OPTIONAL = ['withdraw', 'record_objection'];

// returnedFirst puts cases sent back to the cadre (with a reason) on top,
// then those awaiting the cadre's own action, then the rest, each group in
// the server's order (latest first).
export function returnedFirst(items) {
  const work = (c) => ((c.next && c.next.actions) || []).some((a) => !OPTIONAL.includes(a));
  const rank = (c) => (c.return_reason && c.stage === 'applied' ? 0 : work(c) ? 1 : 2);
  return items.map((c, i) => [rank(c), i, c]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
}

export async function pendingByCase(app) {
  const m = new Map();
  for (const it of await app.outbox.list()) m.set(it.case_id, (m.get(it.case_id) || 0) + 1);
  return m;
}

function staleNote(r) {
  return r.stale ? h('div', { class: 'note' }, '离线：显示的是 ' + fmtAgo(r.at) + ' 的数据') : null;
}

export async function casesView(main, app) {
  clear(main, spinner());
  const u = app.user;
  const path = `/api/cases?program_year=${app.year}&village=${encodeURIComponent(u.area_code)}&limit=200`;
  const [pending, outboxItems] = [await pendingByCase(app), await app.outbox.list()];
  let r;
  try { r = await api.cached(path); } catch (err) { if (!err.offline) throw err; r = { data: { items: [] }, stale: true, at: Date.now(), none: true }; }
  const items = returnedFirst(r.data.items || []);
  const known = new Set(items.map((c) => c.id));
  // Cases filed on this phone that the server has not got yet.
  const unsent = outboxItems.filter((i) => i.kind === CREATE && !known.has(i.case_id)).map((i) => {
    const b = i.payload.body;
    return h('a', { class: 'item unsent', href: '#/case/' + encodeURIComponent(b.id), 'data-case': b.id },
      h('div', { class: 'row between' }, h('b', {}, b.household.head_name), h('span', { class: 'stage' }, i.status === 'pending' ? '未上传' : '需处理')),
      h('div', { class: 'meta' }, '本机填报于 ', fmtTime(new Date(i.created_at).toISOString()), '，', pending.get(b.id) || 0, ' 项待发送'));
  });
  const returned = items.filter((c) => c.return_reason && c.stage === 'applied').length;
  const list = h('div', { class: 'list', id: 'caselist' }, items.map((c) => caseRow(c, pending.get(c.id))));
  // The village's list is on the phone: it is searched here, offline too.
  const search = h('div', { class: 'filters' }, h('input', { type: 'search', name: 'q', 'aria-label': '搜索本村',
    placeholder: '姓名、身份证后4位或户口簿号', oninput: (e) => {
      const t = e.target.value.trim();
      for (const el of list.children) {
        const c = items.find((x) => x.id === el.dataset.case);
        el.hidden = Boolean(t) && !(c && ((c.head_name || '').includes(t) || (c.id_number || '').endsWith(t) || c.hukou_no === t));
      }
    } }));
  clear(main,
    h('div', { class: 'row between pad' },
      h('h2', {}, u.area_name || '本村'), yearPicker(app),
      h('a', { class: 'btn primary', href: '#/new' }, '＋ 新申请')),
    r.none ? h('div', { class: 'note' }, '离线，本机还没有本村案件的副本。') : staleNote(r),
    returned ? h('div', { class: 'note bad', 'data-returned': returned }, `${returned} 户被退回，需要处理`) : null,
    signalsBar(app, { skip: ['returned'] }),
    items.length > 8 ? search : null,
    unsent.length ? h('div', { class: 'list' }, unsent) : null,
    items.length || unsent.length
      ? list
      : h('div', { class: 'empty' }, '本村还没有申请。点“新申请”为农户填报。'));
}

export async function queueView(main, app, mine) {
  clear(main, spinner());
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const params = new URLSearchParams({ program_year: app.year, limit: '100' });
  if (mine) params.set('mine', '1');
  for (const k of ['q', 'stage', 'overdue', 'at_risk', 'has_warnings', 'village', 'township']) if (q.get(k)) params.set(k, q.get(k));
  const r = await api.cached('/api/cases?' + params);
  const items = r.data.items || [];
  const pending = await pendingByCase(app);
  // Keep the files of the queue on the phone for work on site without signal.
  if (mine && !r.stale) prefetch(items.slice(0, 30));
  const search = mine ? null : await filterForm(app, q, (p) => app.go('#/all?' + p), { withStage: true });
  const list = h('div', { class: 'list', id: 'caselist' }, items.map((c) => caseRow(c, pending.get(c.id))));
  let cursor = r.stale ? '' : r.data.next_cursor;
  const more = h('button', { class: 'btn block', hidden: !cursor, onclick: async () => {
    more.disabled = true;
    try {
      params.set('cursor', cursor);
      const page = await api.json('GET', '/api/cases?' + params);
      for (const c of page.items || []) list.append(caseRow(c, pending.get(c.id)));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (err) { more.textContent = err.offline ? '离线，联网后可加载更多' : err.message; }
    more.disabled = false;
  } }, '加载更多');
  // Reached from a dashboard (a village, the overdue list …): say which cases these are.
  const filter = [q.get('overdue') && '超期户', q.get('at_risk') && '有延期风险', q.get('has_warnings') && '照片预警',
    q.get('village') && items[0] && items[0].village_name].filter(Boolean).join(' · ');
  clear(main,
    !mine && (filter || app.user.role === 'leader') ? h('a', { class: 'pad back', href: '#/dashboard', onclick: (e) => { if (history.length > 1) { e.preventDefault(); history.back(); } } }, '← 返回看板') : null,
    h('div', { class: 'row between pad' }, h('h2', {}, mine ? '待我处理' : filter || '全部案件', ` (${items.length}${cursor ? '+' : ''})`), yearPicker(app)),
    mine ? null : search,
    // How the server understood the search (e.g. only the last 4 digits, or recorded like a reveal).
    r.data.search && r.data.search.notice ? h('div', { class: 'note' }, r.data.search.notice) : null,
    staleNote(r),
    items.length ? [list, more] : h('div', { class: 'empty' }, mine ? '目前没有等待您处理的案件。' : '没有符合条件的案件。'));
}

// prefetch keeps the files of the queue for work on site without signal,
// fetching only those changed since they were kept.
export async function prefetch(items) {
  for (const c of items) {
    const path = '/api/cases/' + encodeURIComponent(c.id);
    const kept = await api.kept(path).catch(() => null);
    if (kept && kept.version === c.version) continue;
    try { await api.cached(path); } catch { return; }
  }
}
