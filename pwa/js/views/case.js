// The household's file (一户一档): what it holds, what it needs next, its
// photos, warnings and history, and the form for each action the signed-in
// person may take now. Every decision goes through the outbox, so it works
// the same with or without signal.

import { h, clear, section, dl, field, radios, options, toast, today, fmtTime, spinner } from '../ui.js';
import * as api from '../api.js';
import { noticeHash } from './notice.js';
import { STAGES, ROLES, HOUSEHOLD_TYPES, STRUCTURES, METHODS, BASES, FLAGS, PHOTO_KINDS, ACTIONS, GRADES, CHECKLIST, CHECK_RESULTS, SIGNERS, WARNINGS, label, yuan, hintText } from '../labels.js';
import { CREATE } from '../outbox.js';
import { shanghaiToday } from '../rules.js';
import { submitAction } from '../submit.js';
import { photoPicker, queuePhotos } from '../photos.js';
import { acceptForm } from './accept.js';
import { outboxItemCard, watchProgress } from './outbox.js';

const t = (x) => x || '';
const req = true;

// FORMS describes each action's fields (DOMAIN.md "Action fields") and the
// photos it needs.
export const FORMS = {
  village_review: {
    fields: [
      { name: 'result', label: '评议结果', type: 'radio', options: { pass: '通过，进入村级公示', fail: '不通过' }, required: req },
      { name: 'meeting_date', label: '村委评议会议日期', type: 'date', max: 'today', min: earliestVillageDate, required: (v) => v.result === 'pass', show: (v) => v.result === 'pass', def: today },
      { name: 'publicity_start', label: '公示张贴日期', type: 'date', max: 'today', min: earliestVillageDate, required: (v) => v.result === 'pass', show: (v) => v.result === 'pass', def: today },
      { name: 'reason', label: '不通过原因(将告知申请人)', type: 'textarea', required: (v) => v.result === 'fail', show: (v) => v.result === 'fail' },
    ],
    photos: [{ kind: 'meeting' }, { kind: 'notice_village', when: (v) => v.result === 'pass' }],
    note: (c, p) => noticeNote(c, p, p.village_publicity_days),
  },
  record_objection: {
    fields: [
      { name: 'text', label: '异议内容', type: 'textarea', required: req },
      { name: 'received_on', label: '收到日期', type: 'date', max: 'today', required: req, def: today },
    ],
  },
  resolve_objection: {
    fields: [
      { name: 'objection_id', label: '异议', type: 'select', required: req, options: (c) => Object.fromEntries(openObjections(c).map((o) => [o.id, o.received_on + ' ' + o.text.slice(0, 30)])),
        def: (c) => (openObjections(c).length === 1 ? openObjections(c)[0].id : '') },
      { name: 'outcome', label: '处理结果', type: 'radio', options: { dismissed: '异议不成立', upheld: '异议成立(不予纳入)' }, required: req },
      { name: 'explanation', label: '核查说明', type: 'textarea', required: req },
    ],
  },
  close_village_publicity: { fields: [], photos: [{ kind: 'notice_village', needIfMissing: 1 }], note: (c, p) => publicityNote(c.village_publicity, p.village_publicity_days) },
  township_review: {
    fields: [
      { name: 'result', label: '初审结果', type: 'radio', options: { pass: '通过，进入乡镇公示', return: '退回村里' }, required: req },
      { name: 'publicity_start', label: '乡镇公示张贴日期', type: 'date', max: 'today', min: earliestTownshipDate, required: (v) => v.result === 'pass', show: (v) => v.result === 'pass', def: today },
      { name: 'reason', label: '退回原因(村干部可见)', type: 'textarea', required: (v) => v.result === 'return', show: (v) => v.result === 'return' },
    ],
    photos: [{ kind: 'notice_township', when: (v) => v.result === 'pass' }],
    note: (c, p) => noticeNote(c, p, p.township_publicity_days),
  },
  close_township_publicity: { fields: [], photos: [{ kind: 'notice_township', needIfMissing: 1 }], note: (c, p) => publicityNote(c.township_publicity, p.township_publicity_days) },
  verify_household: {
    fields: [
      { name: 'result', label: '核实结果', type: 'radio', options: { pass: '身份属实', return: '退回' }, required: req },
      { name: 'certificate_ref', label: '证明文件编号', type: 'text', required: (v) => v.result === 'pass', show: (v) => v.result === 'pass' },
      { name: 'reason', label: '退回原因', type: 'textarea', required: (v) => v.result === 'return', show: (v) => v.result === 'return' },
    ],
  },
  appraise: {
    fields: [
      { name: 'grade', label: '鉴定等级', type: 'radio', options: GRADES, required: req },
      { name: 'structure', label: '结构类型', type: 'select', options: STRUCTURES, required: req, def: (c) => c.house && c.house.structure },
      { name: 'built_year', label: '建成年份', type: 'number', required: req, def: (c) => c.house && c.house.built_year },
      { name: 'notes', label: '鉴定意见', type: 'textarea' },
    ],
    photos: [{ kind: 'appraisal' }],
  },
  approve: {
    fields: [{ name: 'method', label: '确定改造方式', type: 'radio', options: METHODS, required: req, def: (c) => (c.assessment && c.assessment.suggested_method) || c.method }],
    note: (c) => c.assessment ? `计划补助：${yuan(c.assessment.subsidy_yuan)}` + (c.assessment.eligible ? '' : '；测算结果：不符合条件') : '',
  },
  county_return: { fields: [{ name: 'reason', label: '退回原因(村干部可见)', type: 'textarea', required: req }] },
  start_construction: {
    fields: [
      { name: 'builder_name', label: '施工方(培训合格工匠或有资质的施工队)', type: 'text', required: req },
      { name: 'builder_cert_no', label: '工匠证书或资质编号', type: 'text', required: req },
      { name: 'start_date', label: '开工日期', type: 'date', required: req, def: today },
      { name: 'planned_finish', label: '计划竣工日期', type: 'date', required: req },
    ],
    photos: [{ kind: 'agreement', needIfMissing: 1 }, { kind: 'progress' }],
    check: (v) => (v.start_date && v.planned_finish && v.planned_finish < v.start_date ? { planned_finish: '计划竣工日期不能早于开工日期' } : {}),
  },
  request_acceptance: { fields: [], photos: [{ kind: 'completion', needIfMissing: 1 }], note: () => '确认已完成自验，竣工照片齐全后申请县住建局验收。' },
  disburse: {
    fields: [
      { name: 'bank', label: '一卡通开户行', type: 'text', required: req },
      { name: 'account_no', label: '一卡通账号', type: 'text', required: req },
      { name: 'payee_name', label: '收款人(须为户主本人)', type: 'text', required: req, def: (c) => c.household && c.household.head_name },
      { name: 'voucher_no', label: '拨付凭证号', type: 'text', required: req },
      { name: 'paid_on', label: '拨付日期', type: 'date', max: 'today', required: req, def: today },
    ],
    photos: [{ kind: 'voucher' }],
    note: (c) => { const a = lastAcceptance(c); return a ? `应拨付金额：${yuan(a.subsidy_yuan)}` + (a.block_reason ? `（${a.block_reason}）` : '') : ''; },
    check: (v, c) => (c.household && v.payee_name !== c.household.head_name ? { payee_name: '收款人必须是户主本人：' + c.household.head_name } : {}),
  },
  archive: { fields: [], note: () => '确认一户一档资料齐全后归档。' },
  withdraw: { fields: [{ name: 'reason', label: '撤回原因', type: 'textarea', required: req }] },
};

// dayOf is the Asia/Shanghai calendar day of an RFC 3339 instant.
function dayOf(instant) {
  const t = Date.parse(instant || '');
  return Number.isFinite(t) ? shanghaiToday(t) : '';
}

// earliestVillageDate mirrors domain.EarliestVillageDate: the day the
// application was made, or the day the case last came back to the village.
function earliestVillageDate(c) {
  let d = dayOf(c.filed_at || c.created_at);
  for (const e of c.history || []) {
    if (e.to_stage === 'applied' && e.from_stage && e.from_stage !== 'applied' && dayOf(e.at) > d) d = dayOf(e.at);
  }
  return d;
}

// earliestTownshipDate mirrors domain.EarliestTownshipDate: the day the
// village 公示 closed, never before the application.
function earliestTownshipDate(c) {
  const d = dayOf(c.filed_at || c.created_at);
  const closed = (c.village_publicity && c.village_publicity.closed_on) || '';
  return closed > d ? closed : d;
}

function openObjections(c) {
  return (c.objections || []).filter((o) => !o.outcome);
}

// noticeNote says what the posted notice must carry: the days and the
// supervision phone of the case's program year.
function noticeNote(c, p, days) {
  const phone = (c.rules && c.rules.supervision_phone) || p.supervision_phone;
  return `公示不少于 ${days} 天，公示须写明监督电话：` + (phone || '（本年度方案未设置监督电话，请联系管理员）');
}

function publicityNote(p, days) {
  if (!p) return '';
  return `公示自 ${p.start} 起，至少 ${days} 天` + (p.ends_on ? `，${p.ends_on} 起可结束` : '') + '；须无未处理的异议。';
}

function lastAcceptance(c) {
  const a = c.acceptances || [];
  return a.length ? a[a.length - 1] : null;
}

function hasPhoto(c, kind) {
  return (c.photos || []).some((p) => p.kind === kind);
}

function actionForm(action, c, app, done) {
  if (action === 'accept') return acceptForm(c, app, done);
  const spec = FORMS[action] || { fields: [] };
  const values = {};
  const ctl = {};
  const errs = {};
  const form = h('form', { class: 'stack actionform', 'data-action': action, novalidate: true });
  for (const f of spec.fields) {
    const d = typeof f.def === 'function' ? f.def(c) : f.def;
    let el;
    if (f.type === 'radio') el = radios(f.name, f.options, d);
    else if (f.type === 'select') {
      const opts = typeof f.options === 'function' ? f.options(c) : f.options;
      el = h('select', { name: f.name }, options(opts, d, '请选择'));
    } else if (f.type === 'textarea') el = h('textarea', { name: f.name, rows: 3 });
    else el = h('input', { name: f.name, type: f.type, value: d ?? '', max: f.max === 'today' ? today() : null, min: f.min ? f.min(c) || null : null, inputmode: f.type === 'number' ? 'numeric' : null });
    ctl[f.name] = field(f.label, el, { required: Boolean(f.required), name: f.name });
    form.append(ctl[f.name]);
  }
  const pickers = (spec.photos || []).map((p) => ({ ...p, picker: photoPicker([p.kind], { title: label(PHOTO_KINDS, p.kind) + (p.needIfMissing && !hasPhoto(c, p.kind) ? '(必需)' : hasPhoto(c, p.kind) ? '(已有，可补拍)' : '(可选)') }) }));
  for (const p of pickers) form.append(p.picker.el);
  const note = spec.note ? spec.note(c, app.programOf(c.program_year)) : '';
  if (note) form.prepend(h('div', { class: 'note' }, note));
  const msg = h('div', { class: 'err', role: 'alert' });
  const btn = h('button', { class: 'btn primary block', type: 'submit' }, '提交：' + label(ACTIONS, action));
  form.append(msg, btn);

  const read = () => {
    for (const f of spec.fields) {
      const els = form.elements[f.name];
      if (!els) continue;
      values[f.name] = f.type === 'radio' ? (form.querySelector(`[name="${f.name}"]:checked`) || {}).value || '' : els.value.trim();
    }
    return values;
  };
  const refresh = () => {
    read();
    for (const f of spec.fields) ctl[f.name].hidden = f.show ? !f.show(values) : false;
    for (const p of pickers) p.picker.el.hidden = p.when ? !p.when(values) : false;
  };
  form.addEventListener('change', refresh);
  form.addEventListener('input', (e) => {
    const f = e.target.closest('.field');
    if (f && f.querySelector('.err')) mark(f, '');
    refresh();
  });
  refresh();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    read();
    Object.keys(errs).forEach((k) => delete errs[k]);
    const body = {};
    for (const f of spec.fields) {
      if (f.show && !f.show(values)) continue;
      const need = typeof f.required === 'function' ? f.required(values) : f.required;
      if (need && !values[f.name]) errs[f.name] = '请填写' + f.label.replace(/\(.*\)$/, '');
      if (f.type === 'date' && f.max === 'today' && values[f.name] > today()) errs[f.name] = '不能晚于今天';
      if (f.type === 'date' && f.min && values[f.name] && f.min(c) && values[f.name] < f.min(c)) errs[f.name] = '不能早于' + f.min(c);
      if (values[f.name] !== '') body[f.name] = f.type === 'number' ? Number(values[f.name]) : values[f.name];
    }
    Object.assign(errs, spec.check ? spec.check(values, c) : {});
    for (const f of spec.fields) mark(ctl[f.name], errs[f.name]);
    const missing = pickers.filter((p) => p.needIfMissing && !hasPhoto(c, p.kind) && p.picker.count(p.kind) < p.needIfMissing && (!p.when || p.when(values)));
    if (Object.keys(errs).length || missing.length) {
      msg.textContent = missing.length ? '还缺照片：' + missing.map((p) => label(PHOTO_KINDS, p.kind)).join('、') : '请先改正标红的项目';
      return;
    }
    const photos = pickers.filter((p) => !p.when || p.when(values)).flatMap((p) => p.picker.photos());
    btn.disabled = true;
    msg.textContent = '';
    const r = await submitAction(app, c, action, body, photos);
    btn.disabled = false;
    if (r.failed) {
      msg.textContent = r.failed.message + (r.failed.fields ? '：' + Object.values(r.failed.fields).join('；') : '');
      for (const [k, m] of Object.entries(r.failed.fields || {})) if (ctl[k]) mark(ctl[k], m);
      return;
    }
    done(r);
  });
  return form;
}

// mark shows a field's error under it and outlines its control in red (标红).
function mark(fieldEl, msg) {
  fieldEl.querySelector('.err').textContent = msg || '';
  const c = fieldEl.querySelector('input:not([type=radio]), select, textarea');
  if (c) c.classList.toggle('bad', Boolean(msg));
}

function photoGrid(c) {
  const byKind = {};
  for (const p of c.photos || []) (byKind[p.kind] = byKind[p.kind] || []).push(p);
  const warned = new Set((c.warnings || []).map((w) => w.photo_id));
  return Object.entries(byKind).map(([kind, list]) => h('div', { class: 'pgroup' + (list.length > 1 ? ' wide' : '') },
    h('div', { class: 'lbl' }, label(PHOTO_KINDS, kind), ` (${list.length})`),
    h('div', { class: 'thumbs' }, list.map((p) => {
      const img = h('img', { alt: label(PHOTO_KINDS, kind), loading: 'lazy' });
      api.photoURL(p.thumb_url || p.url).then((u) => { img.src = u; }).catch(() => { img.alt = '离线，照片暂不可见'; img.classList.add('noimg'); });
      return h('figure', { class: 'thumb' + (warned.has(p.id) ? ' warned' : ''), 'data-photo': p.id },
        h('a', { href: '#', onclick: async (e) => { e.preventDefault(); try { viewer(await api.photoURL(p.url), label(PHOTO_KINDS, kind) + ' · ' + fmtTime(p.taken_at)); } catch { toast('离线，无法打开原图'); } } }, img),
        h('figcaption', {}, fmtTime(p.taken_at), p.lat ? ' 已定位' : ' 无定位', h('br'), p.width ? `${p.width}×${p.height} ${Math.round(p.size / 1024)}KB` : ''));
    }))));
}

// viewer shows a photo full screen inside the app (WebViews may refuse to
// open a blob URL in a new window); a tap closes it.
function viewer(url, caption) {
  const el = h('div', { class: 'viewer', role: 'dialog', onclick: () => el.remove() },
    h('img', { src: url, alt: caption }), h('div', { class: 'cap' }, caption, ' · 点击关闭'));
  document.body.append(el);
}

function records(c, app) {
  const rows = [];
  const vr = c.village_review;
  if (vr) rows.push(['村委评议', (vr.passed ? '通过' : '不通过') + (vr.meeting_date ? ' · 会议 ' + vr.meeting_date : '') + (vr.reason ? ' · ' + vr.reason : '')]);
  if (c.village_publicity) rows.push(['村级公示', c.village_publicity.start + ' 起' + (c.village_publicity.closed_on ? '，' + c.village_publicity.closed_on + ' 结束' : c.village_publicity.ends_on ? '，可于 ' + c.village_publicity.ends_on + ' 结束' : '')]);
  if (c.township_publicity) rows.push(['乡镇公示', c.township_publicity.start + ' 起' + (c.township_publicity.closed_on ? '，' + c.township_publicity.closed_on + ' 结束' : c.township_publicity.ends_on ? '，可于 ' + c.township_publicity.ends_on + ' 结束' : '')]);
  if ((c.village_publicity || c.township_publicity) && c.rules && c.rules.supervision_phone) rows.push(['公示监督电话', c.rules.supervision_phone]);
  for (const o of c.objections || []) rows.push(['异议 ' + o.received_on, o.text + ' → ' + (o.outcome === 'upheld' ? '成立' : o.outcome === 'dismissed' ? '不成立：' + t(o.explanation) : '待处理')]);
  if (c.verification) rows.push(['身份核实', (c.verification.passed ? '属实' : '退回') + ' · ' + label(ROLES, c.verification.department) + ' · ' + t(c.verification.certificate_ref)]);
  if (c.appraisal) rows.push(['房屋鉴定', label(GRADES, c.appraisal.grade) + ' · ' + label(STRUCTURES, c.appraisal.structure) + ' · ' + c.appraisal.built_year + '年' + (c.appraisal.notes ? ' · ' + c.appraisal.notes : '')]);
  if (c.approval) rows.push(['审批', label(METHODS, c.approval.method) + ' · 计划补助 ' + yuan(c.approval.planned_subsidy_yuan)]);
  if (c.agreement) rows.push(['施工协议', c.agreement.builder_name + '(' + c.agreement.builder_cert_no + ') · ' + c.agreement.start_date + ' 至 ' + c.agreement.planned_finish]);
  for (const a of c.acceptances || []) {
    rows.push(['竣工验收 ' + fmtTime(a.at).slice(0, 10), h('div', {}, (a.passed ? '合格' : '整改') + ` · 实测 ${a.measured_area_m2}㎡ ${a.storeys || ''}层 · ` +
      Object.entries(a.checklist || {}).map(([k, v]) => label(CHECKLIST, k) + label(CHECK_RESULTS, v)).join('、') +
      ` · 补助 ${yuan(a.subsidy_yuan)}` + (a.block_reason ? '（' + a.block_reason + '）' : '') + (a.items_to_fix ? ' · 整改：' + a.items_to_fix : '') +
      ' · 签字：' + (a.signatures || []).map((s) => label(SIGNERS, s.signer_role) + ' ' + s.signer_name).join('、'), signatures(a))]);
  }
  if (c.payment) rows.push(['补助拨付', h('span', {}, yuan(c.payment.amount_yuan) + ' · ' + c.payment.bank + ' ', revealable(c, 'account_no', c.payment.account_no, app),
    ' · ' + c.payment.payee_name + ' · 凭证 ' + c.payment.voucher_no + ' · ' + c.payment.paid_on)]);
  return rows;
}

// signatures shows the images signed on an acceptance form, fetched with
// the user's token as photo thumbnails are; the server refuses (409) an
// image that no longer matches the one signed.
function signatures(a) {
  const list = (a.signatures || []).filter((s) => s.url);
  if (!list.length) return null;
  return h('div', { class: 'sigs' }, list.map((s) => {
    const who = label(SIGNERS, s.signer_role) + ' ' + s.signer_name;
    const img = h('img', { alt: who + ' 签字', width: 120, height: 60, loading: 'lazy' });
    api.photoURL(s.url).then((u) => { img.src = u; }).catch((e) => {
      img.alt = e && e.status === 409 ? '签字图片与验收记录不符' : '离线，签字暂不可见';
      img.classList.add('noimg');
    });
    return h('figure', { class: 'sig', 'data-signer': s.signer_role }, img, h('figcaption', {}, who));
  }));
}

// REVEAL lists who may see a full number (domain/access.go; each look is
// recorded in the file's history): the button is not offered to others.
const REVEAL = {
  id_number: ['village_cadre', 'township_officer', 'civil_affairs', 'rural_revitalization'],
  account_no: ['disburser'],
};

function revealable(c, field, masked, app) {
  const value = h('span', { class: 'nowrap' }, t(masked));
  if (!masked || !REVEAL[field].includes(app.user.role) || !navigator.onLine) return value;
  return h('span', {}, value, ' ', h('button', { class: 'btn small ghost', type: 'button', 'data-reveal': field, onclick: async (e) => {
    try { const v = await api.json('GET', path(c) + '/reveal?field=' + field); value.textContent = v.value; e.target.remove(); } catch (err) { toast(err.message, 'bad'); }
  } }, '查看完整'));
}

function localCase(item, all, app) {
  const b = item.payload.body;
  const mine = all.filter((i) => i.case_id === b.id);
  return [
    h('div', { class: 'row between pad' }, h('h2', {}, b.household.head_name), h('span', { class: 'stage' }, '未上传')),
    item.status === 'pending' ? h('div', { class: 'note' }, navigator.onLine ? '这份申请保存在本机，正在上传。' : '这份申请保存在本机，来信号后自动上传。')
      : h('div', { class: 'note bad' }, '服务器没有接受这份申请：原因见下面，请修改申请或放弃。'),
    section('待发送', mine.map((i) => outboxItemCard(i, app))),
    section('户情', dl([
      ['身份证号', b.household.id_number.slice(0, 6) + '********' + b.household.id_number.slice(-4)],
      ['农户类型', label(HOUSEHOLD_TYPES, b.household.type)], ['地址', b.house.address],
      ['建成年份', b.house.built_year], ['结构', label(STRUCTURES, b.house.structure)], ['面积', b.house.floor_area_m2 + '㎡'],
      ['申请方式', label(METHODS, b.method)],
    ])),
  ];
}

export async function caseView(main, app, id, quiet = false) {
  if (!quiet) clear(main, spinner());
  const path = '/api/cases/' + encodeURIComponent(id);
  const all = await app.outbox.list();
  const create = all.find((i) => i.kind === CREATE && i.case_id === id);
  const data = create ? null : await api.cached(path);
  // A quiet refresh (something landed) never closes a form the person opened.
  if (!(quiet && hasOpenForm(main))) {
    if (create) { clear(main, localCase(create, all, app)); watchLocal(main, app, id, create.status); }
    else render(main, app, data.data, data.stale, all);
  }
  if (!main.dataset.watching) {
    main.dataset.watching = '1';
    watchProgress(main, app, location.hash);
  }
  listenSent(main, app, id);
}

// watchLocal redraws an application not yet on the server when the outbox
// changes its state (the server refused it, e.g. a duplicate 身份证号),
// so the person is not left reading "uploading".
function watchLocal(main, app, id, status) {
  if (main.onOutbox) window.removeEventListener('anju:outbox', main.onOutbox);
  const on = async () => {
    if (!document.body.contains(main) || !location.hash.startsWith('#/case/' + encodeURIComponent(id))) { window.removeEventListener('anju:outbox', on); return; }
    const item = (await app.outbox.list()).find((i) => i.kind === CREATE && i.case_id === id);
    if (!item || item.status === status || main.onOutbox !== on) return;
    window.removeEventListener('anju:outbox', on);
    main.onOutbox = null;
    caseView(main, app, id, true);
  };
  main.onOutbox = on;
  window.addEventListener('anju:outbox', on);
}

function hasOpenForm(main) {
  return Boolean(main.querySelector('#actionform form'));
}

// listenSent refreshes the file once when the outbox lands something for it.
function listenSent(main, app, id) {
  const on = (e) => {
    if (!document.body.contains(main) || !location.hash.startsWith('#/case/' + encodeURIComponent(id))) { window.removeEventListener('anju:sent', on); return; }
    if (!e.detail || e.detail.case_id !== id || hasOpenForm(main)) return;
    window.removeEventListener('anju:sent', on);
    caseView(main, app, id, true);
  };
  if (main.onSent) window.removeEventListener('anju:sent', main.onSent);
  main.onSent = on;
  window.addEventListener('anju:sent', on);
}

// MODE_CLASS is the button style of each way the server offers an action
// (next.offers[].mode, domain.Offers).
const MODE_CLASS = { primary: 'primary', redo: 'ghost', not_yet: 'ghost', danger: 'danger' };

// offersOf is what the server offers the signed-in person on c. A case
// kept offline from before the server sent offers falls back to its
// actions, offered plainly.
function offersOf(c) {
  const next = c.next || {};
  if (Array.isArray(next.offers)) return next.offers;
  return (next.actions || []).map((action) => ({ action, mode: 'primary', label: '', reason: '' }));
}

function render(main, app, c, stale, outboxItems) {
  const pending = outboxItems.filter((i) => i.case_id === c.id);
  const next = c.next || {};
  const offers = offersOf(c);
  // A copy kept from before can_add_photos offers photos with any action, as the server will check.
  const canAddPhotos = 'can_add_photos' in next ? next.can_add_photos : offers.length > 0;
  const formBox = h('div', { id: 'actionform' });
  const open = (o) => {
    const action = o.action;
    clear(formBox, section(o.label || label(ACTIONS, action), o.reason ? h('div', { class: 'note', 'data-reason': '' }, o.reason) : null, actionForm(action, c, app, async (r) => {
      // The person sees the file's new stage and next step, not the spot where the form was.
      window.scrollTo(0, 0);
      if (r.sent) { toast('已提交：' + label(ACTIONS, action), 'ok'); if (r.case) render(main, app, r.case, false, await app.outbox.list()); else caseView(main, app, c.id); }
      else if (r.conflict) { toast('案件已被他人更新，请处理冲突', 'bad'); caseView(main, app, c.id); }
      else { toast('已保存在本机，来信号后自动提交', 'ok'); render(main, app, c, stale, await app.outbox.list()); }
    })));
    formBox.scrollIntoView({ behavior: 'smooth' });
  };
  const addPhotos = () => {
    const kinds = ['house_before', 'progress', 'completion', 'other'];
    const sel = h('select', { name: 'kind' }, options(PHOTO_KINDS, kinds[0]));
    const box = h('div', {});
    const mk = () => { const p = photoPicker([sel.value], { title: '' }); clear(box, p.el, h('button', { class: 'btn primary', type: 'button', onclick: async () => {
      if (!p.photos().length) return toast('请先拍照');
      await queuePhotos(app.outbox, c.id, p.photos());
      toast(navigator.onLine ? '正在上传…' : '已保存在本机，来信号后自动上传', 'ok');
      app.flush(); caseView(main, app, c.id);
    } }, '上传这些照片')); };
    sel.addEventListener('change', mk);
    mk();
    clear(formBox, section('补充照片', field('照片类别', sel), box));
  };
  const a = c.assessment || {};
  const hh = c.household || {};
  const hs = c.house || {};
  clear(main,
    h('div', { class: 'row between pad' }, h('h2', {}, hh.head_name), h('span', { class: 'stage s-' + c.stage, 'data-stage': c.stage }, c.stage_label || label(STAGES, c.stage))),
    h('div', { class: 'meta pad' }, t(c.township_name), ' ', t(c.village_name), ' · ', c.program_year, '年 · 第', c.version, '版'),
    stale ? h('div', { class: 'note' }, '离线：显示本机保存的副本，可能不是最新') : null,
    c.return_reason ? h('div', { class: 'note bad' }, '退回原因：', c.return_reason) : null,
    c.close_reason ? h('div', { class: 'note bad' }, '结案原因：', c.close_reason) : null,
    (c.warnings || []).length ? section('需要注意的预警', h('ul', { class: 'warnings' }, c.warnings.map((w) => h('li', { 'data-code': w.code }, h('b', {}, label(WARNINGS, w.code), '：'), w.message,
      w.other_case_id ? h('a', { href: '#/case/' + w.other_case_id }, ' 查看相关案件') : null)))) : null,
    pending.length ? section('本机待发送', pending.map((i) => outboxItemCard(i, app))) : null,
    section('下一步',
      h('div', { class: 'next' }, c.next && c.next.hint ? hintText(c.next.hint) : '—'),
      c.deadline ? h('div', { class: 'meta' }, '完成期限 ', c.deadline.deadline, FINISHED.includes(c.stage) ? '' : c.deadline.days_left >= 0 ? ` · 剩余 ${c.deadline.days_left} 天` : ` · 已过期 ${-c.deadline.days_left} 天`,
        c.deadline.overdue ? h('span', { class: 'tag bad' }, '超期') : null, c.deadline.at_risk ? h('span', { class: 'tag warn' }, '有延期风险') : null,
        c.deadline.payment_overdue ? h('span', { class: 'tag bad' }, '拨付超期') : null) : null,
      h('div', { class: 'row wrap actions' },
        offers.map((o) => h('button', { class: 'btn ' + (MODE_CLASS[o.mode] || 'primary'), 'data-action': o.action, 'data-mode': o.mode, title: o.reason || null, onclick: () => open(o) }, o.label || label(ACTIONS, o.action))),
        canAddPhotos ? h('button', { class: 'btn ghost', 'data-add-photos': '', onclick: addPhotos }, '补充照片') : null,
        next.can_edit ? h('a', { class: 'btn ghost', href: '#/new?edit=' + encodeURIComponent(c.id), 'data-edit': '' }, label(ACTIONS, 'edit')) : null)),
    formBox,
    section('政策测算',
      h('div', { class: 'verdict ' + (a.eligible ? 'ok' : 'bad') }, a.eligible ? '✓ 符合纳入条件' : '✗ 不符合纳入条件'),
      (a.reasons || []).length ? h('ul', { class: 'reasons' }, a.reasons.map((r) => h('li', {}, r.message))) : null,
      dl([['认定依据', (a.bases || []).map((x) => label(BASES, x)).join('、') || '无'], ['建议方式', label(METHODS, a.suggested_method)], ['补助', yuan(a.subsidy_yuan)]])),
    section('户情',
      dl([
        ['档案编号', c.archive_no || '审批后生成'],
        ['身份证号', revealable(c, 'id_number', hh.id_number, app)],
        ['联系电话', hh.phone], ['户口簿编号', hh.hukou_no], ['农户类型', label(HOUSEHOLD_TYPES, hh.type)],
        ['家庭成员', (hh.members || []).length ? h('div', {}, hh.members.map((m) => h('div', {}, `${m.name}(${m.relation || '成员'}) `, h('span', { class: 'nowrap' }, m.id_number)))) : ''],
        ['房屋地址', hs.address], ['建成年份', hs.built_year], ['结构', label(STRUCTURES, hs.structure)], ['面积', hs.floor_area_m2 ? hs.floor_area_m2 + '㎡' : ''],
        ['仅此一套', hs.only_house ? '是' : '否'], ['位置', hs.lat ? `${Number(hs.lat).toFixed(5)}, ${Number(hs.lng).toFixed(5)}` : '未记录'], ['申请方式', label(METHODS, c.method)],
        ['情况', Object.entries(c.flags || {}).filter(([, v]) => v).map(([k]) => label(FLAGS, k)).join('、')],
        ['再次纳入原因', c.reapplication_reason],
      ])),
    ((r) => r.length ? section('办理记录', dl(r)) : null)(records(c, app)),
    ((d) => d.length ? section('文档', h('div', { class: 'row wrap docs' }, d)) : null)(documents(c, app)),
    section('照片', (c.photos || []).length ? photoGrid(c) : h('div', { class: 'hint' }, '还没有照片')),
    section('历史', h('ol', { class: 'history' }, (c.history || []).slice().reverse().map((e) => h('li', {},
      h('b', {}, label(ACTIONS, e.action)), ' ', fmtTime(e.at), ' ', t(e.actor_name), '(', label(ROLES, e.actor_role), ')',
      e.from_stage !== e.to_stage && e.to_stage ? ` ${label(STAGES, e.from_stage) || '—'} → ${label(STAGES, e.to_stage)}` : '')))),
  );
}

function path(c) { return '/api/cases/' + encodeURIComponent(c.id); }

// docButton downloads a printed form when tapped (online only); url and
// name may be functions, read at the tap.
export function docButton(text, url, name, attrs = {}) {
  const v = (x) => (typeof x === 'function' ? x() : x);
  return h('button', { class: 'btn small ghost', type: 'button', ...attrs, onclick: async (e) => {
    if (!navigator.onLine) return toast('离线：联网后才能下载文档', 'bad');
    e.target.disabled = true;
    try { await api.download(v(url), v(name)); } catch (err) { toast(err.message || '下载失败', 'bad'); } finally { e.target.disabled = false; }
  } }, text);
}

// documents are the printed forms of the case its viewer may have: the
// 竣工验收合格表 of each acceptance, and the 公示名单 the case was posted on
// (the township's list for those who read the whole township).
function documents(c, app) {
  const out = [
    docButton('一户一档 (PDF)', path(c) + '/dossier.pdf', `一户一档-${c.household.head_name}.pdf`, { 'data-doc': 'dossier' }),
    docButton('一户一档含照片 (ZIP)', path(c) + '/dossier.zip', `一户一档-${c.household.head_name}.zip`, { 'data-doc': 'dossier-zip' }),
  ];
  (c.acceptances || []).forEach((a, i) => {
    out.push(docButton(`竣工验收合格表（第${i + 1}次）`, path(c) + `/acceptances/${i + 1}.pdf`, `竣工验收合格表-${c.household.head_name}-第${i + 1}次.pdf`, { 'data-doc': 'acceptance' }));
    if (REVEAL.id_number.includes(app.user.role)) {
      out.push(docButton(`含完整身份证号（记录查看）`, path(c) + `/acceptances/${i + 1}.pdf?reveal=id_number`, `竣工验收合格表-${c.household.head_name}-第${i + 1}次-完整.pdf`, { 'data-doc': 'acceptance-full' }));
    }
  });
  const notice = (level, area, pub, text) => {
    out.push(docButton(text + ' (PDF)', `/api/notices/${level}.pdf?program_year=${c.program_year}&area=${area}&start=${pub.start}`,
      `${text}-${pub.start}.pdf`, { 'data-doc': 'notice-' + level }));
    out.push(h('a', { class: 'btn small ghost', href: noticeHash(level, c.program_year, area, pub.start), 'data-notice-page': level }, text + '（打印页）'));
  };
  if (c.village_publicity) notice('village', c.village_code, c.village_publicity, '村级公示名单');
  if (c.township_publicity && app.user.role !== 'village_cadre') notice('township', c.township_code, c.township_publicity, '乡镇公示名单');
  return out;
}

// FINISHED stages are past the works: the countdown to the deadline no longer applies.
const FINISHED = ['accepted', 'paid', 'archived', 'rejected', 'withdrawn'];
