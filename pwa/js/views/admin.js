// 管理员: the users and the villages — search, create, edit (recorded),
// reset a password (to be changed at the next sign-in), disable and
// enable, and import both from CSV or Excel (.xlsx) with a template and a
// report of every refused row. The program years are in programs.js.

import { h, clear, field, options, section, toast, spinner, fmtTime } from '../ui.js';
import * as api from '../api.js';
import { ROLES } from '../labels.js';

// download fetches a template with the bearer token and saves it.
async function download(path, filename) {
  try {
    const res = await api.call('GET', path);
    if (!res.ok) throw new api.ApiError(res.status, null);
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) { toast(err.offline ? '没有网络，无法下载模板' : err.message, 'bad'); }
}

// upload sends a table file to an import route and answers its report.
async function upload(path, file) {
  const res = await api.call('POST', path, { body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
  const out = await res.json().catch(() => null);
  if (!res.ok) throw new api.ApiError(res.status, out && out.error);
  return out;
}

// importReport is the per-row report of an import, kept on screen.
function importReport(kind, r) {
  if (!r) return null;
  const made = r.created || 0;
  const rows = r.errors || [];
  return h('div', { class: 'report', 'data-report': kind, role: 'status' },
    h('div', { class: 'note ' + (rows.length ? 'warn' : 'ok') }, `已导入 ${made} ${kind === 'users' ? '个用户' : '个村'}`,
      r.unchanged ? `，${r.unchanged} 个已存在未改动` : '', rows.length ? `；${rows.length} 行未导入，原因如下：` : '。'),
    rows.length ? h('div', { class: 'tablewrap' }, h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, '行'), h('th', {}, kind === 'users' ? '用户名' : '村代码'), h('th', {}, '原因'))),
      h('tbody', {}, rows.map((e) => h('tr', { 'data-line': String(e.line) }, h('td', {}, e.line), h('td', {}, e.username || e.code || ''), h('td', { class: 'bad' }, e.message)))))) : null,
    kind === 'users' && (r.users || []).some((u) => u.password) ? h('div', {},
      h('div', { class: 'hint' }, '以下账号的初始密码由系统生成，只显示这一次，请转交本人；首次登录须修改密码：'),
      h('table', { class: 'grid' }, h('tbody', {}, r.users.filter((u) => u.password).map((u) => h('tr', {}, h('td', {}, u.username), h('td', {}, u.name), h('td', { class: 'mono' }, u.password)))))) : null);
}

export async function adminView(main, app) {
  clear(main, spinner());
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const userQ = q.get('q') || '';
  const [{ data: users }, { data: areas }] = await Promise.all([
    api.cached('/api/users' + (userQ ? '?q=' + encodeURIComponent(userQ) : '')), api.cached('/api/areas')]);
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
  const roleAndArea = (role, area) => {
    const areaSel = h('select', { name: 'area_code' }, options(areasFor(role), area, villages.length || role !== 'village_cadre' ? '请选择' : '请先导入村'));
    const roleSel = h('select', { name: 'role', onchange: () => {
      const opts = areasFor(roleSel.value);
      const keys = Object.keys(opts);
      clear(areaSel, options(opts, keys.length === 1 ? keys[0] : '', keys.length === 1 ? null : '请选择'));
    } }, options(ROLES, role));
    return [roleSel, areaSel];
  };
  const formError = (f, err) => {
    for (const el of f.querySelectorAll('[data-err]')) el.textContent = '';
    for (const [k, m] of Object.entries(err.fields || {})) { const el = f.querySelector(`[data-err="${k}"]`); if (el) el.textContent = m; }
    f.querySelector('.err.form').textContent = err.message;
  };

  const [roleSel, areaSel] = roleAndArea('village_cadre', '');
  const uf = h('form', { class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api.json('POST', '/api/users', { username: f.username.value.trim(), password: f.password.value, name: f.name.value.trim(), role: f.role.value, area_code: f.area_code.value });
      toast('已创建用户', 'ok'); app.rerender();
    } catch (err) { formError(f, err); }
  } },
  field('用户名', h('input', { name: 'username', required: true, autocomplete: 'off' }), { name: 'username' }),
  field('初始密码', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' }), { name: 'password' }),
  field('姓名', h('input', { name: 'name', required: true }), { name: 'name' }),
  field('角色', roleSel, { name: 'role' }),
  field('所属区域', areaSel, { name: 'area_code' }),
  h('div', { class: 'err form' }), h('button', { class: 'btn primary' }, '创建用户'));

  // editForm is built when asked for, so the page holds one form per user only when editing.
  const editForm = (u) => {
    const [rs, as] = roleAndArea(u.role, u.area_code);
    const f = h('form', { class: 'stack editform', 'data-edit': u.username, onsubmit: async (e) => {
      e.preventDefault();
      const body = {};
      const name = f.querySelector('[name=name]').value.trim();
      if (name !== u.name) body.name = name;
      if (rs.value !== u.role) body.role = rs.value;
      if (as.value !== u.area_code) body.area_code = as.value;
      const pw = f.querySelector('[name=password]').value;
      if (pw) body.password = pw;
      if (!Object.keys(body).length) { f.querySelector('.err.form').textContent = '没有修改'; return; }
      try {
        await api.json('PATCH', '/api/users/' + encodeURIComponent(u.id), body);
        toast(pw ? '已保存；新密码须在该用户下次登录时修改' : '已保存', 'ok');
        app.rerender();
      } catch (err) { formError(f, err); }
    } },
    field('姓名', h('input', { name: 'name', value: u.name }), { name: 'name' }),
    field('角色', rs, { name: 'role' }),
    field('所属区域', as, { name: 'area_code' }),
    field('重置密码(不改则留空)', h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }), { name: 'password', hint: '重置后该用户在所有手机上退出，下次登录须先修改密码' }),
    h('div', { class: 'err form' }), h('button', { class: 'btn primary' }, '保存修改'));
    return f;
  };
  const userItem = (u) => {
    const slot = h('div', {});
    return h('div', { class: 'item' + (u.disabled ? ' off' : ''), 'data-user': u.username },
      h('div', { class: 'row between' }, h('b', {}, u.name), h('span', {},
        h('span', { class: 'tag' + (u.disabled ? ' bad' : '') }, u.disabled ? '已停用' : '正常'),
        u.must_change_password ? h('span', { class: 'tag warn' }, '待改密码') : null)),
      h('div', { class: 'meta' }, u.username, ' · ', ROLES[u.role] || u.role, ' · ', u.area_name || areaOpts[u.area_code] || u.area_code),
      h('div', { class: 'row wrap' },
        u.id === app.user.id ? null : h('button', { class: 'btn ghost', type: 'button', onclick: async () => {
          if (!u.disabled && !confirm(`停用 ${u.name}？停用后该用户在所有手机上立即退出。`)) return;
          try { await api.json('PATCH', '/api/users/' + encodeURIComponent(u.id), { disabled: !u.disabled }); app.rerender(); } catch (err) { toast(err.message, 'bad'); }
        } }, u.disabled ? '启用' : '停用'),
        u.id === app.user.id ? null : h('button', { class: 'btn ghost', type: 'button', title: '密码输错太多次被锁定时，立即解除', onclick: async () => {
          try { await api.json('POST', '/api/users/' + encodeURIComponent(u.id) + '/unlock'); toast(`已解锁 ${u.name}，现在可以登录`, 'ok'); } catch (err) { toast(err.message, 'bad'); }
        } }, '解锁'),
        h('button', { class: 'btn ghost', type: 'button', 'data-open-edit': u.username, onclick: () => {
          if (slot.firstChild) { slot.replaceChildren(); return; }
          slot.replaceChildren(editForm(u), (u.history || []).length ? h('div', { class: 'history' }, h('div', { class: 'lbl' }, '修改记录'),
            h('ul', { class: 'plain' }, u.history.slice().reverse().map((c) => h('li', {}, fmtTime(c.at), ' ', c.by_name, '：', c.changes.join('；'))))) : null);
        } }, '编辑')),
      slot);
  };

  const userSearch = h('form', { class: 'filters', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const v = e.target.q.value.trim();
    app.go('#/admin' + (v ? '?q=' + encodeURIComponent(v) : ''));
  } }, h('input', { name: 'q', type: 'search', value: userQ, placeholder: '用户名或姓名', 'aria-label': '搜索用户' }), h('button', { class: 'btn', type: 'submit' }, '查找'));

  const importBox = (kind, path, template, accept) => {
    const input = h('input', { type: 'file', name: kind === 'users' ? 'userfile' : 'csv', accept });
    return h('form', { class: 'stack', onsubmit: async (e) => {
      e.preventDefault();
      const file = input.files[0];
      if (!file) return;
      try {
        app.lastImport = { kind, report: await upload(path, file) };
        app.rerender();
      } catch (err) { toast(err.offline ? '没有网络，无法导入' : err.message, 'bad'); }
    } },
    h('div', { class: 'row wrap' }, input, h('button', { class: 'btn', type: 'submit' }, '导入')),
    h('div', { class: 'row wrap' },
      h('button', { class: 'btn ghost', type: 'button', onclick: () => download(template, (kind === 'users' ? '用户' : '村') + '导入模板.xlsx') }, '下载Excel模板'),
      h('button', { class: 'btn ghost', type: 'button', onclick: () => download(template + '?format=csv', (kind === 'users' ? '用户' : '村') + '导入模板.csv') }, '下载CSV模板')));
  };
  const report = app.lastImport;
  app.lastImport = null;

  const villageList = h('ul', { class: 'plain', id: 'villagelist' }, villages.map((v) => h('li', { 'data-village': v.code }, v.township, ' · ', v.name, ' ', h('span', { class: 'meta' }, v.code))));
  const villageSearch = h('div', { class: 'filters' }, h('input', { type: 'search', name: 'vq', placeholder: '村名、乡镇或村代码', 'aria-label': '搜索村', oninput: (e) => {
    const t = e.target.value.trim();
    for (const li of villageList.children) li.hidden = Boolean(t) && !li.textContent.includes(t);
  } }));

  const vf = h('form', { class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api.json('POST', '/api/areas', { code: f.code.value.trim(), name: f.vname.value.trim(), parent_code: f.parent.value });
      toast('已添加村', 'ok'); app.rerender();
    } catch (err) { formError(f, err); }
  } },
  field('所属乡镇', h('select', { name: 'parent' }, options(Object.fromEntries(townships.map((t) => [t.code, t.name])))), { name: 'parent_code' }),
  field('村代码(12位)', h('input', { name: 'code', inputmode: 'numeric', maxlength: 12, required: true }), { name: 'code' }),
  field('村名', h('input', { name: 'vname', required: true }), { name: 'name' }),
  h('div', { class: 'err form' }), h('button', { class: 'btn primary' }, '添加村'));

  clear(main,
    h('div', { class: 'row between pad' }, h('h2', {}, '用户与村'), h('a', { class: 'btn ghost', href: '#/password' }, '修改我的密码')),
    section(`用户 (${list.length})`, userSearch, h('div', { class: 'list', id: 'userlist' }, list.map(userItem))),
    section('新建用户', uf),
    section('批量导入用户（CSV 或 Excel）', h('div', { class: 'hint' }, '表头：username, name, role, area_code, password（密码可留空，自动生成）；角色可填中文，如“村干部”。'), importBox('users', '/api/users/import', '/api/users/import/template', '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
      report && report.kind === 'users' ? importReport('users', report.report) : null),
    section(`村 (${villages.length})`, villages.length ? [villageSearch, villageList] : h('div', { class: 'hint' }, '还没有导入村。')),
    section('添加村', vf),
    section('批量导入村（CSV 或 Excel）', h('div', { class: 'hint' }, '表头：code, name, parent_code（12位村代码、村名、9位乡镇代码）。'), importBox('villages', '/api/areas/import', '/api/areas/import/template', '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
      report && report.kind === 'villages' ? importReport('villages', report.report) : null));
}
