// The search and filters of every case list: a head's name, the last
// digits of the 身份证号, a 户口簿 number or a village's name; the township
// and village within the person's area; the stage.

import { h } from './ui.js';
import * as api from './api.js';
import { STAGES } from './labels.js';

// areaChoices are the townships and villages inside the person's area.
async function areaChoices(app) {
  try {
    const { data } = await api.cached('/api/areas');
    const mine = app.user.area_code;
    const townships = (data.children || []).filter((t) => t.code.startsWith(mine) || mine.startsWith(t.code));
    return townships.map((t) => ({ code: t.code, name: t.name, villages: (t.children || []).filter((v) => v.code.startsWith(mine) || mine.startsWith(v.code)) }));
  } catch { return []; }
}

// filterForm draws the filters of query q (URLSearchParams) and calls
// go(params) with the new ones when the person searches. withStage adds
// the stage choice.
export async function filterForm(app, q, go, { withStage = false } = {}) {
  const level = app.user.area_code.length;
  const areas = level < 12 ? await areaChoices(app) : [];
  const twSel = level === 6 && areas.length ? h('select', { name: 'township', 'aria-label': '乡镇' },
    h('option', { value: '' }, '全部乡镇'), areas.map((t) => h('option', { value: t.code, selected: q.get('township') === t.code }, t.name))) : null;
  const villagesOf = (tw) => areas.filter((t) => !tw || t.code === tw).flatMap((t) => t.villages);
  const vSel = level < 12 ? h('select', { name: 'village', 'aria-label': '村' }) : null;
  const fillVillages = () => {
    if (!vSel) return;
    const tw = twSel ? twSel.value : '';
    vSel.replaceChildren(h('option', { value: '' }, '全部村'), ...villagesOf(tw).map((v) => h('option', { value: v.code, selected: q.get('village') === v.code }, v.name)));
  };
  fillVillages();
  if (twSel) twSel.addEventListener('change', fillVillages);
  const stageSel = withStage ? h('select', { name: 'stage', 'aria-label': '阶段' }, h('option', { value: '' }, '全部阶段'),
    Object.entries(STAGES).map(([k, v]) => h('option', { value: k, selected: q.get('stage') === k }, v))) : null;
  return h('form', { class: 'filters', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    // A search inside the overdue list or a dashboard's list stays inside it.
    for (const k of ['overdue', 'at_risk', 'has_warnings']) if (q.get(k)) p.set(k, q.get(k));
    const v = e.target.q.value.trim();
    if (v) p.set('q', v);
    for (const el of [twSel, vSel, stageSel]) if (el && el.value) p.set(el.name, el.value);
    go(p);
  } },
  h('input', { name: 'q', type: 'search', placeholder: '姓名、身份证后4位、户口簿号或村名', value: q.get('q') || '', 'aria-label': '搜索' }),
  twSel, vSel, stageSel,
  h('button', { class: 'btn', type: 'submit' }, '查找'));
}
