// 待发送: everything on this phone the server has not got yet, with upload
// progress, and the conflicts and refusals a person has to decide.

import { h, clear, fmtTime, toast } from '../ui.js';
import * as api from '../api.js';
import { blobs } from '../db.js';
import { ACTIONS, PHOTO_KINDS, STAGES, label } from '../labels.js';
import { CREATE, PHOTO, CONFLICT, FAILED } from '../outbox.js';

function what(item) {
  const p = item.payload;
  if (item.kind === CREATE) return '新申请：' + p.body.household.head_name;
  if (item.kind === PHOTO) return label(PHOTO_KINDS, p.kind) + ` (${Math.round((p.size || 0) / 1024)}KB)`;
  return label(ACTIONS, p.action) + (p.head_name ? '：' + p.head_name : '');
}

const previews = new Map(); // photo id → object URL of its waiting bytes

function preview(item) {
  const img = h('img', { class: 'mini', alt: '' });
  const id = item.payload.id;
  if (previews.has(id)) img.src = previews.get(id);
  else {
    blobs.get(id).then((data) => {
      if (!data) return;
      previews.set(id, URL.createObjectURL(new Blob([data], { type: item.payload.type || 'image/jpeg' })));
      img.src = previews.get(id);
    }).catch(() => {});
  }
  return img;
}

export function outboxItemCard(item, app) {
  const p = app && app.outbox.progress.get(item.id);
  const e = item.error || {};
  const status = item.status === CONFLICT ? '冲突，需要处理' : item.status === FAILED ? '被退回，需要处理'
    : p !== undefined ? `上传中 ${Math.round(p * 100)}%` : item.attempts ? `等待重发(已试 ${item.attempts} 次)` : '等待发送';
  const buttons = [];
  if (app && (item.status === CONFLICT || item.status === FAILED)) {
    if (item.kind !== CREATE) buttons.push(h('a', { class: 'btn small ghost', href: '#/case/' + encodeURIComponent(item.case_id) }, '查看最新'));
    else buttons.push(h('a', { class: 'btn small', href: '#/new?fix=' + encodeURIComponent(item.id) }, '修改申请'));
    if (item.kind === 'action') {
      buttons.push(h('button', { class: 'btn small', onclick: async () => {
        try {
          const latest = await api.json('GET', '/api/cases/' + encodeURIComponent(item.case_id));
          await api.keep('/api/cases/' + latest.id, latest);
          if (!(latest.next && latest.next.actions || []).includes(item.payload.action)) {
            toast(`案件已到“${latest.stage_label || label(STAGES, latest.stage)}”，不能再${label(ACTIONS, item.payload.action)}，请放弃或查看最新`, 'bad');
            return;
          }
          await app.outbox.reapply(item.id, { version: latest.version });
          await app.flush();
          app.rerender();
        } catch (err) { toast(err.offline ? '需要联网才能取得最新版本' : err.message, 'bad'); }
      } }, '按最新版本重新提交'));
    } else if (item.status === FAILED) {
      buttons.push(h('button', { class: 'btn small', onclick: async () => { await app.outbox.reapply(item.id); await app.flush(); app.rerender(); } }, '重试'));
    }
    buttons.push(h('button', { class: 'btn small danger', onclick: async () => {
      const more = item.kind === CREATE ? '(连同它的照片和后续操作)' : '';
      if (!confirm(`确定放弃“${what(item)}”${more}？放弃后无法恢复。`)) return;
      await app.outbox.discard(item.id);
      app.rerender();
    } }, '放弃'));
  }
  const d = e.details || {};
  return h('div', { class: 'obitem s-' + item.status, 'data-item': item.id, 'data-status': item.status },
    h('div', { class: 'row between' },
      item.kind === PHOTO ? preview(item) : null,
      h('b', { class: 'grow' }, what(item)), h('span', { class: 'meta' }, status)),
    h('div', { class: 'meta' }, '本机记录于 ', fmtTime(new Date(item.created_at).toISOString())),
    p !== undefined ? h('progress', { max: 1, value: p }) : null,
    e.message && item.status !== 'pending' ? h('div', { class: 'reason' }, e.message,
      d.head_name && !e.message.includes(d.head_name) ? `（已有申请：${d.head_name} ${d.id_number_masked || ''}，${label(STAGES, d.stage)}）` : '',
      e.fields ? '：' + Object.values(e.fields).join('；') : '') : e.message ? h('div', { class: 'hint' }, e.message) : null,
    buttons.length ? h('div', { class: 'row wrap' }, buttons) : null);
}

export async function outboxView(main, app) {
  const draw = async () => {
    const items = await app.outbox.list();
    clear(main,
      h('div', { class: 'row between pad' }, h('h2', {}, '待发送 (', items.length, ')'),
        items.length ? h('button', { class: 'btn', onclick: async () => { const r = await app.outbox.retryNow(); if (r && r.offline) toast('仍然没有网络', 'bad'); draw(); } }, '立即发送') : null),
      items.length ? h('div', { class: 'list' }, items.map((i) => outboxItemCard(i, app)))
        : h('div', { class: 'empty' }, '全部已上传。'));
  };
  await draw();
  watchProgress(main, app, '#/outbox');
  const on = () => { if (location.hash === '#/outbox') draw(); else { window.removeEventListener('anju:sent', on); window.removeEventListener('anju:synced', on); } };
  window.addEventListener('anju:sent', on);
  window.addEventListener('anju:synced', on);
}

// watchProgress shows upload progress in the cards on screen (XMLHttpRequest
// upload events) while the route stays hash.
export function watchProgress(main, app, hash) {
  const progress = () => {
    if (location.hash !== hash) { window.removeEventListener('anju:outbox', progress); return; }
    for (const [id, f] of app.outbox.progress) {
      const card = main.querySelector(`[data-item="${id}"]`);
      if (!card) continue;
      let bar = card.querySelector('progress');
      if (!bar) card.append(bar = h('progress', { max: 1 }));
      bar.value = f;
      card.querySelector('.meta').textContent = `上传中 ${Math.round(f * 100)}%`;
    }
  };
  window.addEventListener('anju:outbox', progress);
}
