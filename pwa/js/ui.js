// Small DOM helpers: h() builds elements, and a few shared widgets.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let toastTimer = null;
export function toast(msg, kind = '') {
  const el = document.getElementById('toast');
  el.textContent = msg;
  el.className = 'toast show ' + kind;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, 3500);
}

// today is the Asia/Shanghai calendar day (the program's calendar).
export function today() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

export function fmtAgo(ms) {
  const m = Math.round((Date.now() - ms) / 60000);
  if (m < 1) return '刚刚';
  if (m < 60) return m + ' 分钟前';
  if (m < 48 * 60) return Math.round(m / 60) + ' 小时前';
  return Math.round(m / 1440) + ' 天前';
}

export function options(table, selected, placeholder) {
  const opts = Object.entries(table).map(([k, v]) => h('option', { value: k, selected: k === selected }, v));
  if (placeholder) opts.unshift(h('option', { value: '' }, placeholder));
  return opts;
}

// field wraps a control with its label and a place for its error message.
export function field(labelText, control, { hint, required, name } = {}) {
  const err = h('div', { class: 'err', 'data-err': name || '' });
  return h('label', { class: 'field' + (required ? ' req' : '') },
    h('span', { class: 'lbl' }, labelText), control, hint ? h('div', { class: 'hint' }, hint) : null, err);
}

export function radios(name, table, selected) {
  return h('div', { class: 'seg', role: 'radiogroup' },
    Object.entries(table).map(([k, v]) => h('label', {},
      h('input', { type: 'radio', name, value: k, checked: k === selected }), h('span', {}, v))));
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h3', {}, title) : null, ...children);
}

export function dl(rows) {
  return h('dl', { class: 'kv' }, rows.filter((r) => r && r[1] !== '' && r[1] !== null && r[1] !== undefined)
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export function spinner(text = '加载中…') {
  return h('div', { class: 'empty' }, text);
}
