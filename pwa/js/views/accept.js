// 竣工验收 on site: checklist, measured area with the 45 m² rule shown live,
// photos, and three signatures on this phone — queued in the outbox when
// there is no signal.

import { h, field, radios, section } from '../ui.js';
import { CHECKLIST, CHECK_RESULTS, SIGNERS, METHODS, label } from '../labels.js';
import { areaRule } from '../rules.js';
import { photoPicker } from '../photos.js';
import { signaturePad } from '../sigpad.js';
import { submitAction } from '../submit.js';

export function acceptForm(c, app, done) {
  const method = (c.approval && c.approval.method) || c.method;
  const has = (kind) => (c.photos || []).some((p) => p.kind === kind);
  const rule = h('div', { class: 'arearule', id: 'arearule', 'aria-live': 'polite' });
  const area = h('input', { name: 'measured_area_m2', type: 'number', inputmode: 'decimal', step: '0.01', min: 0 });
  const storeys = h('input', { name: 'storeys', type: 'number', inputmode: 'numeric', min: 1, max: 3, value: 1 });
  const fix = h('textarea', { name: 'items_to_fix', rows: 2 });
  const kinds = method === 'rebuild' ? ['acceptance', 'demolition'] : ['acceptance'];
  const picker = photoPicker(kinds, { title: '验收照片' + (method === 'rebuild' ? '(拆除重建须有旧房拆除照片)' : '') });
  const pads = [
    signaturePad('household_head', label(SIGNERS, 'household_head'), c.household && c.household.head_name),
    signaturePad('inspector', label(SIGNERS, 'inspector'), app.user.name),
    signaturePad('township_officer', label(SIGNERS, 'township_officer'), ''),
  ];
  const checklist = Object.entries(CHECKLIST).map(([k, v]) => h('div', { class: 'checkrow', 'data-item': k }, h('span', {}, v), radios('cl_' + k, CHECK_RESULTS, '')));
  const msg = h('div', { class: 'err', role: 'alert' });
  const resultCtl = radios('result', { pass: '验收合格', rectify: '需整改' }, '');
  const fixField = field('整改事项', fix, { name: 'items_to_fix' });
  const btn = h('button', { class: 'btn primary block', type: 'submit' }, '提交验收结果');
  const form = h('form', { class: 'stack actionform', 'data-action': 'accept', novalidate: true },
    h('div', { class: 'note' }, '改造方式：', label(METHODS, method)),
    h('div', { class: 'checklist' }, h('div', { class: 'lbl' }, '检查项目'), checklist),
    field('实测建筑面积(㎡)', area, { required: true, name: 'measured_area_m2' }), rule,
    field('层数', storeys, { name: 'storeys' }),
    field('验收结论', resultCtl, { required: true, name: 'result' }),
    fixField,
    picker.el,
    section('签字确认(在本手机上当场签字)', pads.map((p) => p.el)),
    msg, btn);

  const val = (n) => (form.querySelector(`[name="${n}"]:checked`) || {}).value || '';
  const update = () => {
    const r = areaRule(method, area.value, c.rules || app.programOf(c.program_year));
    rule.textContent = r.message;
    rule.className = 'arearule ' + (r.ok ? 'ok' : 'bad');
    rule.dataset.subsidy = String(r.subsidy_yuan);
    fixField.hidden = val('result') !== 'rectify';
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const result = val('result');
    const cl = Object.fromEntries(Object.keys(CHECKLIST).map((k) => [k, val('cl_' + k)]));
    const problems = [];
    if (!result) problems.push('请选择验收结论');
    const unchecked = Object.entries(cl).filter(([, v]) => !v).map(([k]) => label(CHECKLIST, k));
    if (unchecked.length) problems.push('未检查：' + unchecked.join('、'));
    if (!(Number(area.value) > 0)) problems.push('请填写实测面积');
    if (result === 'pass') {
      const failed = Object.entries(cl).filter(([, v]) => v === 'fail').map(([k]) => label(CHECKLIST, k));
      if (failed.length) problems.push('有不合格项(' + failed.join('、') + ')，不能验收合格，请选择需整改');
      if (!has('acceptance') && picker.count('acceptance') < 1) problems.push('请拍摄验收现场照片');
      if (method === 'rebuild' && !has('demolition') && picker.count('demolition') < 1) problems.push('拆除重建须有旧房拆除照片(建新拆旧)');
      for (const p of pads) {
        if (!p.signed()) problems.push(label(SIGNERS, p.role) + '未签字');
        else if (!p.name()) problems.push(label(SIGNERS, p.role) + '未填姓名');
      }
    }
    if (result === 'rectify' && !fix.value.trim()) problems.push('请填写整改事项');
    if (problems.length) { msg.textContent = problems.join('；'); return; }
    msg.textContent = '';
    const body = {
      result, measured_area_m2: Number(area.value), storeys: Number(storeys.value) || 1, checklist: cl,
      items_to_fix: fix.value.trim(),
      signatures: pads.filter((p) => p.signed()).map((p) => ({ signer_role: p.role, signer_name: p.name(), image_png_base64: p.png() })),
    };
    btn.disabled = true;
    const r = await submitAction(app, c, 'accept', body, picker.photos());
    btn.disabled = false;
    if (r.failed) { msg.textContent = r.failed.message + (r.failed.fields ? '：' + Object.values(r.failed.fields).join('；') : ''); return; }
    done(r);
  });
  return form;
}

