// 管理员: the users and the villages (the program years: programs.js).

import { h, clear, field, options, section, toast, spinner } from '../ui.js';
import * as api from '../api.js';
import { ROLES } from '../labels.js';

export async function adminView(main, app) {
  clear(main, spinner());
  const [{ data: users }, { data: areas }] = await Promise.all([api.cached('/api/users'), api.cached('/api/areas')]);
  const list = Array.isArray(users) ? users : users.items || [];
  const townships = areas.children || [];
  const villages = townships.flatMap((t) => (t.children || []).map((v) => ({ ...v, township: t.name })));
  const areaOpts = { [areas.code]: areas.name };
  for (const t of townships) { areaOpts[t.code] = t.name; for (const v of t.children || []) areaOpts[v.code] = t.name + ' · ' + v.name; }
  // Each role works in one kind of area (DOMAIN.md): a cadre a village, a
  // township officer a township, everyone else the county.
  const areasFor = (role) => {
    if (role === 'village_cadre') return Object.fromEntries(villages.map((v) => [v.code, v.township + ' · ' + v.name]));
    if (role === 'township_officer') return Object.fromEntries(townships.map((t) => [t.code, t.name]));
    return { [areas.code]: areas.name };
  };
  const areaSel = h('select', { name: 'area_code' }, options(areasFor('village_cadre'), '', villages.length ? '请选择村' : '请先导入村'));
  const roleSel = h('select', { name: 'role', onchange: () => {
    const opts = areasFor(roleSel.value);
    const keys = Object.keys(opts);
    clear(areaSel, options(opts, keys.length === 1 ? keys[0] : '', keys.length === 1 ? null : '请选择'));
  } }, options(ROLES, 'village_cadre'));

  const uf = h('form', { class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api.json('POST', '/api/users', { username: f.username.value.trim(), password: f.password.value, name: f.name.value.trim(), role: f.role.value, area_code: f.area_code.value });
      toast('已创建用户', 'ok'); app.rerender();
    } catch (err) { f.querySelector('.err.form').textContent = err.message + ' ' + Object.values(err.fields || {}).join('；'); }
  } },
  field('用户名', h('input', { name: 'username', required: true, autocomplete: 'off' })),
  field('初始密码', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
  field('姓名', h('input', { name: 'name', required: true })),
  field('角色', roleSel),
  field('所属区域', areaSel),
  h('div', { class: 'err form' }), h('button', { class: 'btn primary' }, '创建用户'));

  const vf = h('form', { class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api.json('POST', '/api/areas', { code: f.code.value.trim(), name: f.vname.value.trim(), parent_code: f.parent.value });
      toast('已添加村', 'ok'); app.rerender();
    } catch (err) { f.querySelector('.err.form').textContent = err.message + ' ' + Object.values(err.fields || {}).join('；'); }
  } },
  field('所属乡镇', h('select', { name: 'parent' }, options(Object.fromEntries(townships.map((t) => [t.code, t.name]))))),
  field('村代码(12位)', h('input', { name: 'code', inputmode: 'numeric', maxlength: 12, required: true })),
  field('村名', h('input', { name: 'vname', required: true })),
  h('div', { class: 'err form' }), h('button', { class: 'btn primary' }, '添加村'));

  clear(main,
    h('div', { class: 'row between pad' }, h('h2', {}, '用户与村'), h('a', { class: 'btn small ghost', href: '#/password' }, '修改我的密码')),
    section(`用户 (${list.length})`, h('div', { class: 'list', id: 'userlist' }, list.map((u) => h('div', { class: 'item' + (u.disabled ? ' off' : ''), 'data-user': u.username },
      h('div', { class: 'row between' }, h('b', {}, u.name), h('span', { class: 'row' }, h('span', { class: 'tag' + (u.disabled ? ' bad' : '') }, u.disabled ? '已停用' : '正常'),
        u.id === app.user.id ? null : h('button', { class: 'btn small ghost', onclick: async () => {
          if (!u.disabled && !confirm(`停用 ${u.name}？停用后该用户在所有手机上立即退出。`)) return;
          try { await api.json('PATCH', '/api/users/' + encodeURIComponent(u.id), { disabled: !u.disabled }); app.rerender(); } catch (err) { toast(err.message, 'bad'); }
        } }, u.disabled ? '启用' : '停用'),
        u.id === app.user.id ? null : h('button', { class: 'btn small ghost', title: '密码输错太多次被锁定时，立即解除', onclick: async () => {
          try { await api.json('POST', '/api/users/' + encodeURIComponent(u.id) + '/unlock'); toast(`已解锁 ${u.name}，现在可以登录`, 'ok'); } catch (err) { toast(err.message, 'bad'); }
        } }, '解锁'))),
      h('div', { class: 'meta' }, u.username, ' · ', ROLES[u.role] || u.role, ' · ', u.area_name || areaOpts[u.area_code] || u.area_code))))),
    section('新建用户', uf),
    section(`村 (${villages.length})`, villages.length ? h('ul', { class: 'plain' }, villages.map((v) => h('li', {}, v.township, ' · ', v.name, ' ', h('span', { class: 'meta' }, v.code))))
      : h('div', { class: 'hint' }, '还没有导入村。')),
    section('添加村', vf),
    section('批量导入村(CSV：code,name,parent_code)', h('form', { class: 'stack', onsubmit: async (e) => {
      e.preventDefault();
      const file = e.target.csv.files[0];
      if (!file) return;
      try {
        const res = await api.call('POST', '/api/areas/import', { body: file, headers: { 'Content-Type': 'text/csv' } });
        const out = await res.json().catch(() => null);
        if (!res.ok) throw new api.ApiError(res.status, out && out.error);
        toast(`已导入 ${out.created} 个村` + ((out.errors || []).length ? `，${out.errors.length} 行有误` : ''), 'ok');
        app.rerender();
      } catch (err) { toast(err.message, 'bad'); }
    } }, h('input', { type: 'file', name: 'csv', accept: '.csv,text/csv' }), h('button', { class: 'btn' }, '导入'))));
}
