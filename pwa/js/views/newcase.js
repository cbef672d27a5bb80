// The new application (create): checked as it is typed, with a live 政策测算
// — from the server when online, from rules.js without signal — and the
// photos the file needs from the start. Saved to the outbox first, always.

import { h, clear, field, options, section, toast } from '../ui.js';
import { kv } from '../db.js';
import * as api from '../api.js';
import { HOUSEHOLD_TYPES, STRUCTURES, METHODS, FLAGS, BASES, label, yuan } from '../labels.js';
import { assess, validateIDNumber, normalizeNumber } from '../rules.js';
import { uuid, CREATE } from '../outbox.js';
import { photoPicker, queuePhotos } from '../photos.js';
import { currentPosition } from '../image.js';
import { openPrograms, yearLabel } from '../years.js';

const NEED = { hukou: 1, application: 1, house_before: 1 };

export async function newCaseView(main, app) {
  // #/new?fix=<outbox item>: correct an application the server refused.
  const fixId = new URLSearchParams(location.hash.split('?')[1] || '').get('fix');
  const fixing = fixId ? (await app.outbox.list()).find((i) => i.id === fixId && i.kind === CREATE) : null;
  // #/new?edit=<case id>: correct the house and request of a filed case
  // still awaiting 村委评议 (PATCH, online). Identity fields stay as filed:
  // the server shows them masked.
  const editId = new URLSearchParams(location.hash.split('?')[1] || '').get('edit');
  const editing = editId ? (await api.cached('/api/cases/' + encodeURIComponent(editId))).data : null;
  // New applications go into the current program; when several years take
  // applications, the cadre may choose another.
  const open = openPrograms(app.programs);
  let year = fixing ? fixing.payload.body.program_year : editing ? editing.program_year : app.program.year;
  const yearField = !fixing && !editing && open.length > 1
    ? field('申报年度', h('select', { name: 'program_year' }, open.map((p) => h('option', { value: String(p.year), selected: p.year === year }, yearLabel(p)))), { name: 'program_year' })
    : null;
  const closedNote = !fixing && !editing && app.program.closed ? h('div', { class: 'note bad' }, app.program.year + '年度已停止受理新申请，提交后会被退回。') : null;
  const inp = (name, attrs = {}) => h('input', { name, ...attrs });
  const members = h('div', { class: 'members' });
  const addMember = () => {
    const row = h('div', { class: 'member row wrap' },
      inp('m_name', { placeholder: '姓名' }), inp('m_id', { placeholder: '身份证号', maxlength: 30, class: 'id' }),
      inp('m_rel', { placeholder: '与户主关系' }),
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => row.remove() }, '删除'),
      h('div', { class: 'err' }));
    members.append(row);
  };
  const pos = { lat: null, lng: null };
  const gpsNote = h('span', { class: 'hint' }, '未记录');
  const picker = photoPicker(['hukou', 'application', 'house_before'], { title: '申请材料照片', need: NEED });
  const result = h('div', { class: 'assess', id: 'assess', 'aria-live': 'polite' });

  const form = h('form', { class: 'stack', novalidate: true },
    closedNote, yearField ? section('', yearField) : null,
    section('户主与家庭',
      field('户主姓名', inp('head_name', { required: true, autocomplete: 'off' }), { required: true, name: 'household.head_name' }),
      field('身份证号', inp('id_number', { maxlength: 30, required: true, autocomplete: 'off', inputmode: 'text' }), { required: true, name: 'household.id_number', hint: '18位，最后一位可为X' }),
      field('联系电话', inp('phone', { type: 'tel', inputmode: 'tel', maxlength: 11 }), { name: 'household.phone' }),
      field('户口簿编号', inp('hukou_no', { required: true }), { required: true, name: 'household.hukou_no' }),
      field('农户类型', h('select', { name: 'type', required: true }, options(HOUSEHOLD_TYPES, '', '请选择')), { required: true, name: 'household.type' }),
      h('div', { class: 'lbl' }, '家庭成员(户口簿上的其他成员)'), members,
      h('button', { type: 'button', class: 'btn small ghost', onclick: addMember }, '＋ 添加成员')),
    section('房屋',
      field('房屋地址', inp('address', { required: true }), { required: true, name: 'house.address' }),
      field('建成年份', inp('built_year', { type: 'number', inputmode: 'numeric', min: 1900, max: year }), { required: true, name: 'house.built_year' }),
      field('结构类型', h('select', { name: 'structure' }, options(STRUCTURES, '', '请选择')), { required: true, name: 'house.structure' }),
      field('建筑面积(㎡)', inp('floor_area_m2', { type: 'number', inputmode: 'decimal', step: '0.1', min: 1 }), { required: true, name: 'house.floor_area_m2' }),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'only_house', checked: true }), '仅有这一套(院)住房'),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn small ghost', onclick: async () => {
        gpsNote.textContent = '正在定位…';
        const p = await currentPosition();
        if (p) { pos.lat = p.lat; pos.lng = p.lng; gpsNote.textContent = `${p.lat.toFixed(5)}, ${p.lng.toFixed(5)} (±${Math.round(p.accuracy)}米)`; }
        else gpsNote.textContent = '无法定位(可不填)';
      } }, '记录房屋位置(GPS)'), gpsNote)),
    section('改造方式与情况',
      field('申请改造方式', h('div', {}, Object.entries(METHODS).map(([k, v]) => h('label', { class: 'check' }, h('input', { type: 'radio', name: 'method', value: k }), v))), { required: true, name: 'method' }),
      Object.entries(FLAGS).map(([k, v]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: k }), v)),
      field('再次纳入的原因', h('textarea', { name: 'reapplication_reason', rows: 2 }), { name: 'reapplication_reason', hint: '曾享受过危房改造、因小型自然灾害再次成为危房时必填' })),
    section('政策测算', result),
    section('', picker.el),
    h('div', { class: 'err', id: 'formerr' }),
    h('button', { class: 'btn primary block', type: 'submit' }, '提交申请'));

  const reasonField = form.querySelector('[name=reapplication_reason]').closest('.field');
  const value = (n) => { const el = form.elements[n]; return el ? (el.value || '').trim() : ''; };
  const checked = (n) => Boolean(form.elements[n] && form.elements[n].checked);

  function body() {
    const mem = [...members.querySelectorAll('.member')].map((r) => ({
      name: r.querySelector('[name=m_name]').value.trim(), id_number: normalizeNumber(r.querySelector('[name=m_id]').value), relation: r.querySelector('[name=m_rel]').value.trim(),
    })).filter((m) => m.name || m.id_number);
    const flags = {};
    for (const k of Object.keys(FLAGS)) flags[k] = checked(k);
    const method = form.querySelector('[name=method]:checked');
    return {
      program_year: year, village_code: app.user.area_code,
      household: { head_name: value('head_name'), id_number: normalizeNumber(value('id_number')), phone: value('phone'), hukou_no: normalizeNumber(value('hukou_no')), type: value('type'), members: mem },
      house: { address: value('address'), built_year: Number(value('built_year')) || 0, structure: value('structure'), floor_area_m2: Number(value('floor_area_m2')) || 0, only_house: checked('only_house'), lat: pos.lat, lng: pos.lng },
      method: method ? method.value : '', flags, reapplication_reason: checked('previously_renovated') ? value('reapplication_reason') : '',
    };
  }

  // check validates the form; with all=false only fields already touched.
  function check(all) {
    const b = body();
    const errs = {};
    const touched = (n) => all || (form.elements[n] && form.elements[n].dataset.touched);
    const need = (cond, name, key, msg) => { if (touched(name) && cond) errs[key] = msg; };
    need(!b.household.head_name, 'head_name', 'household.head_name', '请填写户主姓名');
    const idMsg = validateIDNumber(b.household.id_number);
    if (touched('id_number') && idMsg) errs['household.id_number'] = idMsg;
    need(b.household.phone && !/^1\d{10}$/.test(b.household.phone), 'phone', 'household.phone', '手机号应为1开头的11位数字');
    need(!b.household.hukou_no, 'hukou_no', 'household.hukou_no', '请填写户口簿编号');
    need(!b.household.type, 'type', 'household.type', '请选择农户类型');
    need(!b.house.address, 'address', 'house.address', '请填写房屋地址');
    need(!(b.house.built_year >= 1900 && b.house.built_year <= year), 'built_year', 'house.built_year', `建成年份应在1900到${year}之间`);
    need(!b.house.structure, 'structure', 'house.structure', '请选择结构类型');
    need(!(b.house.floor_area_m2 > 0 && b.house.floor_area_m2 < 2000), 'floor_area_m2', 'house.floor_area_m2', '请填写建筑面积');
    if (all && !b.method) errs.method = '请选择改造方式';
    need(checked('previously_renovated') && !b.reapplication_reason, 'reapplication_reason', 'reapplication_reason', '请填写再次纳入的原因');
    if (editing) for (const k of Object.keys(errs)) if (k.startsWith('household.')) delete errs[k];
    for (const name of ['household.head_name', 'household.id_number', 'household.phone', 'household.hukou_no', 'household.type', 'house.address', 'house.built_year', 'house.structure', 'house.floor_area_m2', 'method', 'reapplication_reason']) {
      const el = form.querySelector(`[data-err="${name}"]`);
      if (el) el.textContent = errs[name] || '';
    }
    for (const [n, key] of [['head_name', 'household.head_name'], ['id_number', 'household.id_number'], ['phone', 'household.phone'], ['hukou_no', 'household.hukou_no'], ['type', 'household.type'], ['address', 'house.address'], ['built_year', 'house.built_year'], ['structure', 'house.structure'], ['floor_area_m2', 'house.floor_area_m2']]) {
      form.elements[n].classList.toggle('bad', Boolean(errs[key]));
    }
    let memBad = false;
    for (const r of editing ? [] : members.querySelectorAll('.member')) {
      const id = normalizeNumber(r.querySelector('[name=m_id]').value);
      const msg = id ? validateIDNumber(id) : '';
      r.querySelector('.err').textContent = msg;
      if (msg) memBad = true;
    }
    if (memBad) errs.members = '成员身份证号有误';
    reasonField.hidden = !checked('previously_renovated');
    return { b, errs };
  }

  let seq = 0;
  let timer = null;
  async function liveAssess() {
    const b = body();
    const req = estimateRequest(b);
    if (!req.household_type || !req.structure || !req.built_year) {
      clear(result, h('div', { class: 'hint' }, '填写农户类型、建成年份和结构后显示测算结果。'));
      return;
    }
    const my = ++seq;
    let a = null;
    let source = '离线测算(本机规则)';
    if (navigator.onLine) {
      try { a = await api.json('POST', '/api/assess', req); source = '联网测算'; } catch { a = null; }
    }
    if (!a) a = assess(req, app.programOf(year));
    if (my !== seq) return;
    clear(result,
      h('div', { class: 'verdict ' + (a.eligible ? 'ok' : 'bad'), 'data-eligible': String(a.eligible) }, a.eligible ? '✓ 符合纳入条件' : '✗ 暂不符合纳入条件'),
      a.reasons && a.reasons.length ? h('ul', { class: 'reasons' }, a.reasons.map((r) => h('li', { 'data-code': r.code }, r.message))) : null,
      h('div', {}, '认定依据：', a.bases && a.bases.length ? a.bases.map((x) => label(BASES, x)).join('、') : '无(房屋未被认定为不满足抗震要求)'),
      a.suggested_method ? h('div', {}, '建议改造方式：', label(METHODS, a.suggested_method)) : null,
      h('div', {}, '预计补助：', h('b', { 'data-subsidy': a.subsidy_yuan }, yuan(a.subsidy_yuan)),
        b.method === 'rebuild' ? h('span', { class: 'hint' }, `(拆除重建须验收实测面积≥${app.programOf(year).min_rebuild_area_m2}㎡)`) : null),
      h('div', { class: 'hint' }, source));
  }

  // A draft survives the app being closed (WeChat drops pages in the
  // background); photos are kept only once the application is submitted.
  let draftTimer = null;
  const saveDraft = () => {
    if (fixing || editing) return;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => kv.set(DRAFT, { body: body() }).catch(() => {}), 400);
  };
  form.addEventListener('input', (e) => {
    if (e.target.name) e.target.dataset.touched = '1';
    check(false);
    saveDraft();
    clearTimeout(timer);
    timer = setTimeout(liveAssess, 300);
  });
  form.addEventListener('change', (e) => { if (e.target.name === 'program_year') year = Number(e.target.value); if (e.target.name) e.target.dataset.touched = '1'; check(false); saveDraft(); liveAssess(); });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { b, errs } = check(true);
    const missing = Object.entries(NEED).filter(([k, n]) => picker.count(k) < n).map(([k]) => k);
    const formErr = form.querySelector('#formerr');
    if (fixing || editing) missing.length = 0; // its photos wait in the outbox, or are on the server
    if (editing) return saveEdit(b, errs, formErr);
    if (Object.keys(errs).length || missing.length) {
      formErr.textContent = Object.keys(errs).length ? '请先改正标红的项目' : '还缺照片：' + missing.map((k) => ({ hukou: '户口簿', application: '书面申请', house_before: '房屋' }[k])).join('、');
      const bad = form.querySelector('.bad');
      if (bad) bad.scrollIntoView({ block: 'center' });
      return;
    }
    if (picker.busy()) { formErr.textContent = '照片还在处理，请稍候'; return; }
    const id = fixing ? fixing.case_id : uuid();
    b.id = id;
    // The moment the application was made here, before any signal: the
    // server dates the earliest 村委评议 and 公示 from it.
    b.filed_at = (fixing && fixing.payload.body.filed_at) || new Date().toISOString();
    b.village_code = fixing ? fixing.payload.body.village_code : b.village_code;
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    if (fixing) await app.outbox.reapply(fixing.id, b);
    else await app.outbox.add(CREATE, id, { body: b });
    await queuePhotos(app.outbox, id, picker.photos());
    clearTimeout(draftTimer);
    if (!fixing) await kv.del(DRAFT).catch(() => {});
    toast(navigator.onLine ? '已保存，正在上传…' : '已保存在本机，来信号后自动上传', 'ok');
    app.go('#/case/' + id);
    app.flush();
  });

  // saveEdit sends the corrected house and request with the version they
  // were read at; a file that moved on meanwhile is not overwritten.
  async function saveEdit(b, errs, formErr) {
    for (const k of Object.keys(errs)) if (k.startsWith('household.') || k === 'members') delete errs[k];
    if (Object.keys(errs).length) { formErr.textContent = '请先改正标红的项目'; return; }
    if (!navigator.onLine) { formErr.textContent = '修改已提交的申请需要联网'; return; }
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      const res = await api.call('PATCH', '/api/cases/' + encodeURIComponent(editing.id), {
        headers: { 'If-Match': '"' + editing.version + '"' },
        body: { house: b.house, method: b.method, flags: b.flags, reapplication_reason: b.reapplication_reason },
      });
      const out = await res.json().catch(() => null);
      if (!res.ok) {
        const err = (out && out.error) || {};
        formErr.textContent = res.status === 412 || res.status === 409 ? '这份档案已被更新，请返回查看最新后再修改' : (err.message || '保存失败') + (err.fields ? '：' + Object.values(err.fields).join('；') : '');
        return;
      }
      await api.keep('/api/cases/' + out.id, out);
      toast('已保存修改', 'ok');
      app.go('#/case/' + encodeURIComponent(out.id));
    } catch (err) {
      formErr.textContent = err.offline ? '没有网络，修改未保存' : err.message;
    } finally {
      btn.disabled = false;
    }
  }

  if (editing) {
    // Identity is shown as filed (masked) and not sent.
    for (const el of form.querySelectorAll('section:first-child input, section:first-child select, section:first-child button')) el.disabled = true;
    picker.el.closest('section').hidden = true;
    form.querySelector('button[type=submit]').textContent = '保存修改';
  }

  clear(main, h('h2', { class: 'pad' }, fixing || editing ? '修改申请' : '新申请', ' · ', app.user.area_name || ''),
    editing ? h('div', { class: 'note' }, '可修改房屋、改造方式和情况；户主身份信息如有误，请撤回后重新申请。照片请在档案中“补充照片”。') : null,
    fixing && fixing.error ? h('div', { class: 'note bad' }, '服务器退回：', fixing.error.message, fixing.error.fields ? '：' + Object.values(fixing.error.fields).join('；') : '') : null,
    form);
  const draft = fixing || editing ? null : await kv.get(DRAFT).catch(() => null);
  if (fixing) prefill(form, members, addMember, pos, fixing.payload.body);
  else if (editing) {
    prefill(form, members, addMember, pos, editing);
    for (const el of members.querySelectorAll('input, button')) el.disabled = true;
  }
  else if (draft && draft.body.village_code === app.user.area_code) {
    prefill(form, members, addMember, pos, draft.body);
    form.prepend(h('div', { class: 'note' }, '已恢复上次未提交的填写内容（照片需重新拍摄）。',
      h('button', { type: 'button', class: 'btn small ghost', onclick: async () => { await kv.del(DRAFT); app.rerender(); } }, '清空重填')));
  } else addMember();
  check(Boolean(fixing || editing));
  liveAssess();
}

const DRAFT = 'draft:new-case';

// estimateRequest is the 政策测算 of an application (POST /api/assess, or
// rules.js assess offline) made only of what the application saves: the
// filed case's own assessment starts from exactly these facts, so the
// estimate a cadre is shown is the one the file then says. An appraisal
// grade is not among them: the county inspector records it later (appraise).
export function estimateRequest(b) {
  return {
    program_year: b.program_year, household_type: b.household.type, only_house: b.house.only_house,
    built_year: b.house.built_year, structure: b.house.structure, appraisal_grade: '', method: b.method,
    floor_area_m2: b.house.floor_area_m2, ...b.flags,
  };
}

// prefill puts a kept application back into the form.
function prefill(form, members, addMember, pos, b) {
  const set = (n, v) => { const el = form.elements[n]; if (el && v !== undefined && v !== null) { el.value = v; el.dataset.touched = '1'; } };
  set('head_name', b.household.head_name); set('id_number', b.household.id_number); set('phone', b.household.phone);
  set('hukou_no', b.household.hukou_no); set('type', b.household.type);
  set('address', b.house.address); set('built_year', b.house.built_year || ''); set('structure', b.house.structure);
  set('floor_area_m2', b.house.floor_area_m2 || ''); set('reapplication_reason', b.reapplication_reason);
  form.elements.only_house.checked = Boolean(b.house.only_house);
  pos.lat = b.house.lat; pos.lng = b.house.lng;
  for (const [k, v] of Object.entries(b.flags || {})) if (form.elements[k]) form.elements[k].checked = Boolean(v);
  const m = form.querySelector(`[name=method][value="${b.method}"]`);
  if (m) m.checked = true;
  for (const mem of b.household.members || []) {
    addMember();
    const row = members.lastElementChild;
    row.querySelector('[name=m_name]').value = mem.name;
    row.querySelector('[name=m_id]').value = mem.id_number;
    row.querySelector('[name=m_rel]').value = mem.relation;
  }
  if (!(b.household.members || []).length) addMember();
}
