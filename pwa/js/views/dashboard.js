// 看板: the stage funnel per township or village, the deadline countdown,
// money planned and paid, and the lists that need a push: overdue, at risk,
// photos with warnings. Numbers are the server's (GET /api/dashboard).

import { h, clear, spinner, fmtAgo } from '../ui.js';
import * as api from '../api.js';
import { STAGES, FUNNEL, label, yuan } from '../labels.js';
import { caseRow } from './cases.js';
import { yearPicker } from '../years.js';
import { signalsBar } from '../signals.js';
import { docButton } from './case.js';
import { noticeHash } from './notice.js';

const METRICS = [
  ['total', '总户数'], ['approved', '已批准'], ['accepted', '已验收'], ['paid', '已拨付'],
  ['overdue', '超期'], ['at_risk', '有延期风险'], ['payment_overdue', '拨付超期'], ['with_warnings', '照片预警'],
];

function funnel(row) {
  const by = row.by_stage || {};
  const max = Math.max(1, ...FUNNEL.map((s) => by[s] || 0));
  return h('div', { class: 'funnel' }, FUNNEL.filter((s) => by[s] !== undefined).map((s) => h('div', { class: 'frow', 'data-stage': s },
    h('span', { class: 'fl' }, label(STAGES, s).replace(/\(.*\)/, '')),
    h('span', { class: 'fbar' }, h('i', { style: `width:${Math.round(((by[s] || 0) / max) * 100)}%` })),
    h('b', { 'data-k': 'by_stage.' + s }, by[s] || 0))));
}

export async function dashboardView(main, app, arg) {
  clear(main, spinner());
  const area = arg && /^\d+$/.test(arg) ? arg : app.user.area_code;
  const r = await api.cached(`/api/dashboard?program_year=${app.year}&area=${encodeURIComponent(area)}`);
  const d = r.data;
  const tot = d.totals || {};
  const lists = h('div', {});
  const days = d.days_left;
  const countdown = days >= 0 ? h('span', {}, '距完成期限还有 ', h('b', { 'data-k': 'days_left' }, days), ' 天')
    : h('span', { class: 'bad' }, '已超过完成期限 ', h('b', { 'data-k': 'days_left', 'data-v': days }, -days), ' 天');
  clear(main,
    h('div', { class: 'pad' },
      h('div', { class: 'row between' }, h('h2', {}, d.area ? d.area.name : '', ' · 看板'), yearPicker(app)),
      area !== app.user.area_code ? h('a', { href: '#/dashboard' }, '← 返回上级') : null,
      r.stale ? h('div', { class: 'note' }, '离线：' + fmtAgo(r.at) + '的数据') : null),
    // The person's signals on their home screen (the leader and admin have no work).
    ['admin', 'leader'].includes(app.user.role) || area !== app.user.area_code ? null : signalsBar(app),
    h('section', { class: 'card deadline' + (days < 0 ? ' bad' : days < 60 ? ' warn' : '') }, '完成期限 ', d.deadline, ' · ', countdown),
    // Earlier years' households still unfinished stay in sight.
    (d.earlier || []).length ? h('section', { class: 'card earlier', 'data-earlier': '' }, h('h3', {}, '往年未完成'),
      d.earlier.map((e) => h('div', { class: 'row between', 'data-year': String(e.program_year) },
        h('span', { class: 'bad' }, `${e.program_year}年度 ${e.overdue} 户已超过完成期限（${e.deadline}）`),
        h('button', { class: 'btn', type: 'button', onclick: () => { app.setYear(e.program_year); app.rerender(); } }, '查看')))) : null,
    h('div', { class: 'metrics' }, METRICS.map(([k, t]) => h('div', { class: 'metric' + (['overdue', 'at_risk', 'payment_overdue', 'with_warnings'].includes(k) && tot[k] ? ' bad' : '') },
      h('b', { 'data-k': 'totals.' + k }, tot[k] || 0), h('span', {}, t)))),
    h('div', { class: 'metrics two' },
      h('div', { class: 'metric' }, h('b', { 'data-k': 'totals.planned_yuan' }, yuan(tot.planned_yuan || 0)), h('span', {}, '计划补助')),
      h('div', { class: 'metric' }, h('b', { 'data-k': 'totals.paid_yuan' }, yuan(tot.paid_yuan || 0)), h('span', {}, '已拨付'))),
    h('section', { class: 'card' }, h('h3', {}, '各阶段户数'), funnel(tot)),
    h('section', { class: 'card' }, h('h3', {}, d.area && d.area.level === 'township' ? '各村进度' : '各乡镇进度'),
      h('div', { class: 'tablewrap' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, h('th', {}, '名称'), h('th', {}, '总数'), FUNNEL.slice(0, 11).map((s) => h('th', {}, label(STAGES, s).replace(/\(.*\)/, ''))), h('th', {}, '超期'), h('th', {}, '风险'), h('th', {}, '预警'), h('th', {}, '已拨付金额'))),
        h('tbody', {}, (d.rows || []).map((row) => h('tr', { 'data-row': row.code },
          h('td', {}, row.code.length < 12 ? h('a', { href: '#/dashboard/' + row.code }, row.name)
            : app.user.role === 'admin' ? row.name : h('a', { href: '#/all?village=' + row.code }, row.name)),
          h('td', { 'data-k': 'total' }, row.total || 0),
          FUNNEL.slice(0, 11).map((s) => h('td', {}, (row.by_stage || {})[s] || '')),
          h('td', { class: row.overdue ? 'bad' : '' }, row.overdue || ''), h('td', { class: row.at_risk ? 'warn' : '' }, row.at_risk || ''),
          h('td', { class: row.with_warnings ? 'warn' : '' }, row.with_warnings || ''), h('td', {}, row.paid_yuan ? yuan(row.paid_yuan) : ''))))))),
    app.user.role === 'admin' ? null : documentsCard(d, area),
    lists);

  const scope = area.length === 12 ? 'village' : area.length === 9 ? 'township' : '';
  const q = (extra) => `/api/cases?program_year=${d.program_year}&limit=20${scope ? `&${scope}=${area}` : ''}&${extra}`;
  // The administrator sees figures only, never a household (no case lists).
  if (app.user.role === 'admin') return;
  for (const [title, extra] of [['超期户', 'overdue=1'], ['有延期风险', 'at_risk=1'], ['照片预警', 'has_warnings=1']]) {
    try {
      const l = await api.cached(q(extra));
      const items = l.data.items || [];
      lists.append(h('section', { class: 'card', 'data-list': extra }, h('h3', {}, title, ` (${items.length}${l.data.next_cursor ? '+' : ''})`),
        items.length ? h('div', { class: 'list' }, items.map((c) => caseRow(c))) : h('div', { class: 'hint' }, '无'),
        l.data.next_cursor ? h('a', { class: 'btn block', href: `#/all?${extra}${scope ? `&${scope}=${area}` : ''}` }, '查看全部') : null));
    } catch { /* offline with no copy: the totals above still show */ }
  }
}

// documentsCard offers the area's 台账 and, for a village or township, its
// 公示名单 of a day (the 公示's first day).
function documentsCard(d, area) {
  const scope = area.length === 12 ? 'village' : area.length === 9 ? 'township' : '';
  const name = d.area ? d.area.name : '';
  const ledger = docButton('下载台账 (Excel)', `/api/ledger.xlsx?program_year=${d.program_year}${scope ? `&${scope}=${area}` : ''}`,
    `台账-${name}-${d.program_year}.xlsx`, { 'data-doc': 'ledger' });
  if (!scope) return h('section', { class: 'card', 'data-docs': '' }, h('h3', {}, '文档'), h('div', { class: 'row wrap' }, ledger));
  const day = h('input', { type: 'date', name: 'start', value: new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10) });
  const level = scope === 'village' ? '村级' : '乡镇';
  const notice = docButton(level + '公示名单 (PDF)', () => `/api/notices/${scope}.pdf?program_year=${d.program_year}&area=${area}&start=${day.value}`,
    () => `${level}公示名单-${name}-${day.value}.pdf`, { 'data-doc': 'notice' });
  const dossiers = docButton('全部一户一档 (ZIP)', `/api/dossiers.zip?program_year=${d.program_year}&area=${area}`,
    `一户一档-${name}-${d.program_year}.zip`, { 'data-doc': 'dossiers' });
  return h('section', { class: 'card', 'data-docs': '' }, h('h3', {}, '文档'),
    h('div', { class: 'row wrap' }, ledger, dossiers),
    h('div', { class: 'row wrap' }, h('label', {}, '公示开始日期 ', day), notice,
      h('button', { class: 'btn small ghost', type: 'button', 'data-notice-page': scope, onclick: () => { location.hash = noticeHash(scope, d.program_year, area, day.value); } }, '打印页')));
}
