// Sign in once per device; the tokens stay until the person signs out.

import { h, clear } from '../ui.js';
import * as api from '../api.js';

export function loginView(root, app, started) {
  const err = h('div', { class: 'err', role: 'alert' });
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const btn = h('button', { class: 'btn primary block', type: 'submit' }, '登录');
  const form = h('form', { class: 'login card', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    btn.disabled = true; btn.textContent = '正在登录…';
    try {
      await api.login(user.value.trim(), pass.value);
      location.hash = '';
      started();
    } catch (ex) {
      err.textContent = ex.offline ? '没有网络：第一次登录需要联网，之后可离线使用。' : ex.message;
    } finally {
      btn.disabled = false; btn.textContent = '登录';
    }
  } },
  h('h1', {}, '安居'),
  h('p', { class: 'sub' }, '永靖县农村危房改造和抗震改造'),
  h('label', { class: 'field' }, h('span', { class: 'lbl' }, '用户名'), user),
  h('label', { class: 'field' }, h('span', { class: 'lbl' }, '密码'), pass),
  err, btn,
  h('p', { class: 'hint' }, '每台手机只需登录一次；没有信号时也能填报，来信号后自动上传。'));
  clear(root, h('main', { class: 'loginwrap' }, form));
  user.focus();
}
