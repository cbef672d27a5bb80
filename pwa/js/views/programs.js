// 年度方案 (admin): open a new year from the last one's rules, every value
// editable before the first case; close a year to new applications; once a
// year has cases, change its rules only by an amendment with a reason,
// whose record (who, when, old → new) is listed under the year.

import { h, clear, field, section, spinner, fmtTime, toast } from '../ui.js';
import * as api from '../api.js';
import { yuan } from '../labels.js';

// RULES are the program's rule values: wire name, label, input type, unit.
export const RULES = [
  ['starts_on', '申报开始日期', 'date', ''],
  ['deadline', '完成改造期限', 'date', ''],
  ['rebuild_subsidy_yuan', '拆除重建补助(元)', 'number', '元'],
  ['reinforce_subsidy_yuan', '维修加固补助(元)', 'number', '元'],
  ['min_rebuild_area_m2', '重建最小面积(㎡)', 'number', '㎡'],
  ['old_house_years', '房龄年限(年)', 'number', '年'],
  ['village_publicity_days', '村级公示天数', 'number', '天'],
  ['township_publicity_days', '乡镇公示天数', 'number', '天'],
  ['payment_due_days', '验收后拨付期限(天)', 'number', '天'],
  ['at_risk_days', '延期风险预警(天)', 'number', '天'],
  ['supervision_phone', '公示监督电话', 'tel', ''],
];

function show(name, v) {
  const r = RULES.find((x) => x[0] === name);
  if (v === '' || v === null || v === undefined) return '未设置';
  if (r && r[3] === '元') return yuan(Number(v));
  return String(v) + (r && r[3] && r[3] !== '元' ? ' ' + r[3] : '');
}

// addYears moves a YYYY-MM-DD date by n years.
function addYears(d, n) {
  if (!d) return '';
  const y = Number(d.slice(0, 4)) + n;
  return String(y).padStart(4, '0') + d.slice(4);
}

// rulesForm is the inputs of every rule value, filled from values; the
// returned read() gives the values typed (numbers as numbers).
function rulesForm(values, prefix) {
  const inputs = {};
  const els = RULES.map(([name, text, type]) => {
    const el = h('input', { name, type, value: values[name] ?? '', inputmode: type === 'number' ? 'decimal' : null, step: type === 'number' ? 'any' : null, id: prefix + name });
    inputs[name] = el;
    return field(text, el, { name });
  });
  const read = () => {
    const out = {};
    for (const [name, , type] of RULES) {
      const v = inputs[name].value.trim();
      out[name] = type === 'number' ? (v === '' ? null : Number(v)) : v;
    }
    return out;
  };
  return { els, read };
}

function showErrors(form, err) {
  for (const el of form.querySelectorAll('[data-err]')) el.textContent = '';
  for (const [k, msg] of Object.entries(err.fields || {})) {
    const el = form.querySelector(`[data-err="${k.replace(/^changes\./, '')}"]`);
    if (el) el.textContent = msg;
  }
  const all = form.querySelector('.err.form');
  if (all) all.textContent = err.message;
}

export async function programsView(main, app) {
  clear(main, spinner());
  const list = await api.json('GET', '/api/programs');
  const details = await Promise.all(list.map((p) => api.json('GET', '/api/programs/' + p.year)));
  const latest = list.reduce((a, b) => (!a || b.year > a.year ? b : a), null);

  // 新建年度: the next year, from the latest year's rules.
  const nextYear = latest ? latest.year + 1 : new Date().getFullYear();
  const base = latest ? { ...latest, starts_on: addYears(latest.starts_on, 1), deadline: addYears(latest.deadline, 1) } : {};
  const rf = rulesForm(base, 'new-');
  const yearIn = h('input', { name: 'year', type: 'number', inputmode: 'numeric', value: nextYear });
  const newForm = h('form', { class: 'stack', id: 'newprogram', hidden: list.length > 0, onsubmit: async (e) => {
    e.preventDefault();
    const body = { year: Number(yearIn.value), ...rf.read() };
    if (latest) body.from_year = latest.year;
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    try {
      const p = await api.json('POST', '/api/programs', body);
      toast(`已新建${p.year}年度方案`, 'ok');
      window.dispatchEvent(new Event('anju:programs'));
      app.rerender();
    } catch (err) { showErrors(newForm, err); }
  } },
  latest ? h('div', { class: 'hint' }, `沿用${latest.year}年度的规则（日期顺延一年），每一项都可以修改；首户申请前还可以再改。`) : null,
  field('年度', yearIn, { name: 'year' }), rf.els,
  h('div', { class: 'err form' }), h('button', { class: 'btn primary', type: 'submit' }, '新建年度方案'));

  clear(main,
    h('div', { class: 'row between pad' }, h('h2', {}, '年度方案')),
    section('新建年度',
      list.length ? h('button', { class: 'btn primary', type: 'button', id: 'opennew', onclick: (e) => { newForm.hidden = false; e.target.hidden = true; } },
        `＋ 新建${nextYear}年度（沿用${latest.year}年度规则）`) : null,
      newForm),
    details.map((p) => programCard(p, app)));
}

function programCard(p, app) {
  const card = h('section', { class: 'card program', 'data-program': String(p.year) });
  const tags = [
    p.current ? h('span', { class: 'tag ok' }, '当前年度') : null,
    p.closed ? h('span', { class: 'tag bad' }, '已停止受理') : h('span', { class: 'tag' }, '受理中'),
    h('span', { class: 'tag', 'data-k': 'cases' }, p.cases + ' 户'),
  ];
  const toggle = h('button', { class: 'btn', type: 'button', onclick: async () => {
    if (!p.closed && !confirm(`停止受理${p.year}年度的新申请？已受理的案件照常办理。`)) return;
    try {
      await api.json('POST', `/api/programs/${p.year}/${p.closed ? 'open' : 'close'}`);
      window.dispatchEvent(new Event('anju:programs'));
      app.rerender();
    } catch (err) { toast(err.message, 'bad'); }
  } }, p.closed ? '恢复受理' : '停止受理新申请');

  // With no case yet every value is set again; with cases, an amendment.
  const inUse = p.cases > 0;
  const rf = rulesForm(p, `p${p.year}-`);
  const reason = h('textarea', { name: 'reason', rows: 2, placeholder: '例如：按省住建厅通知提高补助标准' });
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const form = h('form', { class: 'stack', hidden: true, onsubmit: async (e) => {
    e.preventDefault();
    const now = rf.read();
    try {
      if (!inUse) {
        const body = { year: p.year, ...now };
        for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
        await api.json('POST', '/api/programs', body);
        toast(`已更新${p.year}年度方案`, 'ok');
        window.dispatchEvent(new Event('anju:programs'));
        app.rerender();
        return;
      }
      const changes = {};
      for (const [name] of RULES) if (now[name] !== null && String(now[name]) !== String(p[name] ?? '')) changes[name] = now[name];
      const r = await api.json('POST', `/api/programs/${p.year}/amendments`, { changes, reason: reason.value.trim() });
      const n = r.warned_cases.length;
      clear(result, h('div', { class: 'note ok' }, `已记录第${r.amendment.no}号修订。`,
        n ? `${n} 户尚未批准的案件测算补助发生变化，已加上“年度方案已修订”预警，请审核人员复核。` : '没有案件的测算补助因此变化。',
        '已批准的案件保留批准时的补助；已拨付的案件不受影响。'));
      window.dispatchEvent(new Event('anju:programs'));
      setTimeout(() => app.rerender(), 2500);
    } catch (err) { showErrors(form, err); }
  } },
  inUse ? h('div', { class: 'note' }, `${p.year}年度已有 ${p.cases} 户申请：规则只能以“方案修订”修改，须说明原因，修改人、时间和原值新值都会记录。`) : null,
  rf.els,
  inUse ? field('修订原因', reason, { name: 'reason', required: true }) : null,
  h('div', { class: 'err form' }),
  h('button', { class: 'btn primary', type: 'submit' }, inUse ? '提交修订' : '保存'));
  const edit = h('button', { class: 'btn', type: 'button', onclick: () => { form.hidden = !form.hidden; } }, inUse ? '方案修订' : '修改规则');

  const amendments = (p.amendments || []).slice().reverse();
  clear(card,
    h('div', { class: 'row between' }, h('h3', {}, p.year, '年度'), h('span', {}, tags)),
    h('div', { class: 'rules' }, RULES.map(([name, text]) => h('div', { 'data-rule': name }, h('span', { class: 'meta' }, text.replace(/\(.*\)/, ''), '：'), show(name, p[name])))),
    h('div', { class: 'row wrap' }, edit, toggle),
    form, result,
    amendments.length ? h('div', { class: 'amendments' }, h('h4', {}, '修订记录'), h('ul', { class: 'plain' }, amendments.map((a) => h('li', { 'data-amendment': String(a.no) },
      h('b', {}, `第${a.no}号修订`), ' ', fmtTime(a.at), ' ', a.by_name, '：', a.reason,
      h('ul', {}, a.changes.map((c) => h('li', {}, c.text))))))) : h('div', { class: 'hint' }, '尚无修订记录。'));
  return card;
}
