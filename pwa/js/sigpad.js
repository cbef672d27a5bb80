// A signature pad: a canvas drawn on with a finger (pointer events), read
// out as a PNG for the acceptance form.

import { h } from './ui.js';

export function signaturePad(role, title, name) {
  const canvas = h('canvas', { class: 'sig', width: 640, height: 240, 'data-signer': role });
  const ctx = canvas.getContext('2d');
  let drawing = false;
  let strokes = 0;
  const blank = () => { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height); strokes = 0; };
  blank();
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    canvas.setPointerCapture?.(e.pointerId);
    ctx.lineWidth = 4; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#111';
    ctx.beginPath(); ctx.moveTo(...at(e));
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    ctx.lineTo(...at(e)); ctx.stroke();
    strokes++;
    e.preventDefault();
  });
  const stop = () => { drawing = false; canvas.dispatchEvent(new Event('signed', { bubbles: true })); };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
  const nameInput = h('input', { type: 'text', name: 'signer_' + role, value: name || '', placeholder: '签字人姓名', required: true });
  const el = h('div', { class: 'sigbox' },
    h('div', { class: 'row' }, h('b', {}, title), nameInput,
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => { blank(); canvas.dispatchEvent(new Event('signed', { bubbles: true })); } }, '重签')),
    canvas);
  return {
    el,
    role,
    signed: () => strokes > 2,
    name: () => nameInput.value.trim(),
    png: () => canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, ''),
  };
}
