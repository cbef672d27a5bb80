// 我的账号: who is signed in on this phone, and changing one's own password
// (the first one comes from the administrator or the server's first start).

import { h, clear, field, section, toast } from '../ui.js';
import * as api from '../api.js';
import { ROLES } from '../labels.js';

export function passwordView(main, app) {
  const u = app.user;
  const err = h('div', { class: 'err', role: 'alert' });
  const oldPw = h('input', { name: 'old_password', type: 'password', autocomplete: 'current-password', required: true });
  const newPw = h('input', { name: 'new_password', type: 'password', autocomplete: 'new-password', required: true });
  const again = h('input', { name: 'new_password2', type: 'password', autocomplete: 'new-password', required: true });
  const btn = h('button', { class: 'btn primary block', type: 'submit' }, '修改密码');
  const form = h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    for (const el of form.querySelectorAll('[data-err]')) el.textContent = '';
    if (!oldPw.value || !newPw.value) { err.textContent = '请填写原密码和新密码'; return; }
    if (newPw.value !== again.value) { err.textContent = '两次输入的新密码不一致'; return; }
    btn.disabled = true;
    try {
      await api.changePassword(oldPw.value, newPw.value);
      toast('密码已修改，其他手机上的登录已退出', 'ok');
      form.reset();
      const was = u.must_change_password;
      app.user = api.currentUser() || { ...u, must_change_password: false };
      app.user.must_change_password = false;
      if (was) { window.dispatchEvent(new Event('anju:programs')); location.hash = ''; app.rerender(); }
    } catch (ex) {
      if (ex.offline) err.textContent = '没有网络：修改密码需要联网。';
      else {
        for (const [k, m] of Object.entries(ex.fields || {})) { const el = form.querySelector(`[data-err="${k}"]`); if (el) el.textContent = m; }
        err.textContent = ex.message;
      }
    } finally { btn.disabled = false; }
  } },
  field('原密码', oldPw, { required: true, name: 'old_password' }),
  field('新密码', newPw, { required: true, name: 'new_password', hint: '至少8位' }),
  field('再次输入新密码', again, { required: true, name: 'new_password2' }),
  err, btn);
  clear(main,
    h('h2', { class: 'pad' }, '我的账号'),
    u.must_change_password ? h('div', { class: 'note bad', 'data-must-change': '' }, '您的密码由管理员设置，请先设置自己的新密码，之后才能使用其他功能。') : null,
    section('', h('dl', { class: 'kv' },
      h('dt', {}, '姓名'), h('dd', {}, u.name),
      h('dt', {}, '用户名'), h('dd', {}, u.username || ''),
      h('dt', {}, '角色'), h('dd', {}, ROLES[u.role] || u.role),
      h('dt', {}, '区域'), h('dd', {}, u.area_name || u.area_code))),
    section('修改密码', form));
}
