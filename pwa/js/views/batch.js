// 批量办理: close every 公示 that is over, archive every complete file — a
// preview of the cases the step will move (and why the others will not),
// the person's confirmation, then each case's own result on screen. One
// refusal does not stop the others. Online only: each case is decided on
// the version the preview showed.

import { h, clear, spinner } from '../ui.js';
import * as api from '../api.js';
import { STAGES, label } from '../labels.js';
import { loadWork } from '../signals.js';

const TITLES = {
  close_village_publicity: '批量结束村级公示',
  close_township_publicity: '批量结束乡镇公示',
  archive: '批量归档',
};

// batchLink is where a work group's batch button goes, or null.
export function batchLink(app, queue) {
  if (queue === 'publicity_closable') {
    if (app.user.role === 'village_cadre') return '#/batch/close_village_publicity';
    if (app.user.role === 'township_officer') return '#/batch/close_township_publicity';
  }
  if (queue === 'archive' && app.user.role === 'township_officer') return '#/batch/archive';
  return null;
}

export async function batchView(main, app, action) {
  clear(main, spinner());
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const params = new URLSearchParams({ program_year: app.year });
  for (const k of ['village', 'township']) if (q.get(k)) params.set(k, q.get(k));
  let pv;
  try { pv = await api.json('GET', `/api/batch/${encodeURIComponent(action)}?` + params); } catch (err) {
    if (err.offline) { clear(main, h('div', { class: 'empty' }, '批量办理需要联网：每户都按服务器上的最新情况办理。')); return; }
    throw err;
  }
  const title = TITLES[action] || pv.label;
  const ready = pv.items.filter((it) => it.ready);
  const blocked = pv.items.filter((it) => !it.ready);
  const boxes = new Map();
  const row = (it) => {
    const c = it.case;
    const box = it.ready ? h('input', { type: 'checkbox', checked: true, name: 'case', value: c.id, 'aria-label': '办理 ' + c.head_name }) : null;
    if (box) boxes.set(c.id, { box, version: c.version });
    return h('label', { class: 'item batchrow' + (it.ready ? '' : ' off'), 'data-case': c.id },
      h('div', { class: 'row between' }, h('span', { class: 'row' }, box, h('b', {}, c.head_name)), h('span', { class: 'stage s-' + c.stage }, c.stage_label)),
      h('div', { class: 'meta' }, c.village_name, ' ', c.id_number),
      it.ready ? h('div', { class: 'meta ok' }, '办理后：', label(STAGES, it.to_stage)) : h('div', { class: 'reason' }, it.reason));
  };
  const results = h('div', { class: 'list', id: 'batchresults', 'aria-live': 'polite' });
  const go = h('button', { class: 'btn primary block', type: 'button', disabled: ready.length === 0, onclick: async () => {
    const cases = [...boxes.entries()].filter(([, v]) => v.box.checked).map(([id, v]) => ({ id, version: v.version }));
    if (!cases.length) return;
    go.disabled = true;
    go.textContent = `正在办理 ${cases.length} 户…`;
    try {
      const r = await api.json('POST', `/api/batch/${encodeURIComponent(action)}`, { cases });
      const names = new Map(pv.items.map((it) => [it.case.id, it.case.head_name]));
      clear(results,
        h('div', { class: 'note ' + (r.refused ? 'warn' : 'ok') }, `已办理 ${r.done} 户`, r.refused ? `，${r.refused} 户未办理（原因见下）` : ''),
        r.results.map((x) => h('div', { class: 'item ' + (x.ok ? 'done' : 'refused'), 'data-result': x.id, 'data-ok': String(x.ok) },
          h('b', {}, names.get(x.id) || x.id), ' ',
          x.ok ? h('span', { class: 'ok' }, '✓ 已办理，现为“', label(STAGES, x.stage), '”') : h('span', { class: 'bad' }, '✗ ', x.error ? x.error.message : '未办理'))));
      form.hidden = true;
      loadWork(app); // the tabs' counts follow
    } catch (err) {
      go.disabled = false;
      go.textContent = '重试';
      clear(results, h('div', { class: 'note bad' }, err.offline ? '没有网络，未办理。联网后重试。' : err.message));
    }
  } }, `确认办理 ${ready.length} 户`);
  for (const { box } of boxes.values()) box.addEventListener('change', () => {
    const n = [...boxes.values()].filter((v) => v.box.checked).length;
    go.textContent = `确认办理 ${n} 户`;
    go.disabled = n === 0;
  });
  const form = h('div', {},
    h('section', { class: 'card' }, h('h3', {}, `可以办理 ${ready.length} 户`),
      ready.length ? h('div', { class: 'list' }, ready.map(row)) : h('div', { class: 'hint' }, '目前没有可以办理的案件。')),
    blocked.length ? h('section', { class: 'card' }, h('h3', {}, `暂不能办理 ${blocked.length} 户`), h('div', { class: 'list' }, blocked.map(row))) : null,
    go);
  clear(main,
    h('a', { class: 'pad back', href: '#/queue' }, '← 返回待办'),
    h('h2', { class: 'pad' }, title, ' · ', pv.program_year, '年'),
    h('div', { class: 'hint pad' }, '逐户按规则办理；有一户不能办理时，其他户照常办理，每户的结果都列在下面。'),
    form, results);
}
