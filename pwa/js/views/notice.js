// 公示名单 as a page the cadre prints from the phone (or a computer) and
// posts: the same list as the PDF (GET /api/publicity/{level}), laid out for
// A4 when printed, with a print button and the PDF beside it. No 身份证号.

import { h, clear, spinner } from '../ui.js';
import * as api from '../api.js';
import { yuan } from '../labels.js';
import { docButton } from './case.js';

// noticeHash is the page of the list of level (village|township) in area
// whose 公示 starts on start.
export function noticeHash(level, year, area, start) {
  return `#/notice?level=${level}&program_year=${year}&area=${area}&start=${start}`;
}

function chineseDate(d) {
  const [y, m, day] = (d || '').split('-').map(Number);
  return y ? `${y}年${m}月${day}日` : d;
}

export async function noticeView(main, app, arg) {
  clear(main, spinner());
  const q = new URLSearchParams(String(arg || '').replace(/^\?/, ''));
  const level = q.get('level') === 'township' ? 'township' : 'village';
  const query = `program_year=${encodeURIComponent(q.get('program_year') || app.program.year)}&area=${encodeURIComponent(q.get('area') || '')}&start=${encodeURIComponent(q.get('start') || '')}`;
  const n = await api.json('GET', `/api/publicity/${level}?${query}`);
  const cols = ['序号', '户主姓名', '村组', '家庭人口', '农户类型', '房屋现状', '改造方式', '拟补助金额(元)'];
  clear(main,
    h('div', { class: 'row wrap pad noprint' },
      h('button', { class: 'btn primary', type: 'button', 'data-print': '', onclick: () => window.print() }, '打印'),
      docButton('下载 PDF', `/api/notices/${level}.pdf?${query}`, `${n.title}-${n.area}-${n.start}.pdf`, { 'data-doc': 'notice-pdf' })),
    h('article', { class: 'notice-sheet', 'data-notice': '' },
      h('h1', {}, n.program, h('br'), n.title),
      h('p', {}, `根据${n.basis}，经农户申请、${n.stage}，现将${n.area}拟纳入${n.program_year}年农村危房改造及农房抗震改造的农户名单公示如下（共 ${n.rows.length} 户）：`),
      h('div', { class: 'tablewrap' }, h('table', { class: 'grid notice' },
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', {}, c)))),
        h('tbody', {}, n.rows.length ? n.rows.map((r, i) => h('tr', { 'data-row': '' },
          h('td', {}, i + 1), h('td', {}, r.head_name), h('td', {}, r.place), h('td', {}, r.members), h('td', {}, r.household_type),
          h('td', {}, r.house), h('td', {}, r.method), h('td', { class: 'num' }, yuan(r.planned_yuan).replace(/\s*元$/, ''))))
          : h('tr', {}, h('td', { colspan: 8 }, '（本期无公示农户）'))),
        h('tfoot', {}, h('tr', {}, h('td', { colspan: 7 }, '合计'), h('td', { class: 'num' }, yuan(n.total_yuan).replace(/\s*元$/, '')))))),
      h('p', {}, `公示期：${n.start} 至 ${n.end}（${n.days} 天）。`),
      h('p', {}, `公示期间，对名单中的农户有异议的，请以书面或电话形式向${n.publisher}反映，也可拨打以下电话：`),
      h('ul', { class: 'phones' }, n.phones.map((p) => h('li', {}, `${p.who}：${p.number || '________________'}`))),
      h('p', {}, '反映情况应实事求是，我们将依法保护反映人的个人信息。'),
      h('p', { class: 'sign' }, `${n.publisher}（盖章）`, h('br'), chineseDate(n.start))));
}
