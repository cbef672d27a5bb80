// The photo picker: the camera (or a picked file), shrunk on the phone,
// stamped with device time and a GPS fix taken at capture, held until the
// form is submitted and then queued in the outbox.

import { h, clear, toast } from './ui.js';
import { resizePhoto, currentPosition } from './image.js';
import { PHOTO_KINDS, label } from './labels.js';
import { uuid, PHOTO } from './outbox.js';
import { blobs } from './db.js';

// photoPicker returns {el, photos(), count(kind)}; photos() lists the
// captured ones ({id, kind, blob, width, height, taken_at, lat, lng, accuracy}).
export function photoPicker(kinds, { title = '照片', need = {} } = {}) {
  const taken = [];
  const list = h('div', { class: 'thumbs' });
  const busy = h('div', { class: 'hint' });
  const render = () => clear(list, taken.map((p) => h('figure', { class: 'thumb', 'data-kind': p.kind },
    h('img', { src: p.preview, alt: label(PHOTO_KINDS, p.kind) }),
    h('figcaption', {}, label(PHOTO_KINDS, p.kind), h('br'), Math.round(p.blob.size / 1024) + 'KB ' + p.width + '×' + p.height,
      p.lat == null ? h('span', { class: 'warn' }, ' 无定位') : ' 已定位'),
    h('button', { type: 'button', class: 'x', 'aria-label': '删除', onclick: () => { taken.splice(taken.indexOf(p), 1); URL.revokeObjectURL(p.preview); render(); } }, '×'))));

  const buttons = kinds.map((kind) => {
    const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, class: 'file', 'data-kind': kind, name: 'photo_' + kind });
    input.addEventListener('change', async () => {
      const files = [...input.files];
      input.value = '';
      for (const file of files) {
        // The camera's file carries the moment it was taken; a picked older
        // picture keeps its own time, which reviewers then see.
        const now = Date.now();
        const takenAt = new Date(file.lastModified > 0 && file.lastModified <= now + 60000 ? file.lastModified : now).toISOString();
        busy.textContent = '正在处理照片…';
        const [shrunk, pos] = await Promise.all([resizePhoto(file).catch((e) => e), currentPosition()]);
        busy.textContent = '';
        if (shrunk instanceof Error) { toast(shrunk.message, 'bad'); continue; }
        taken.push({
          id: uuid(), kind, blob: shrunk.blob, width: shrunk.width, height: shrunk.height,
          taken_at: takenAt, lat: pos ? pos.lat : null, lng: pos ? pos.lng : null, accuracy: pos ? pos.accuracy : null,
          preview: URL.createObjectURL(shrunk.blob),
        });
        render();
      }
      picker.dispatchEvent(new Event('photos'));
    });
    const n = need[kind];
    return h('label', { class: 'btn ghost cam' }, '拍照：' + label(PHOTO_KINDS, kind) + (n ? `(至少${n}张)` : ''), input);
  });
  const picker = h('div', { class: 'photos' }, h('div', { class: 'lbl' }, title), h('div', { class: 'row wrap' }, buttons), busy, list);
  return {
    el: picker,
    photos: () => taken.slice(),
    count: (kind) => taken.filter((p) => p.kind === kind).length,
    busy: () => busy.textContent !== '',
  };
}

// queuePhotos puts captured photos into the outbox for a case: the bytes
// first, then the item that sends them.
export async function queuePhotos(outbox, caseId, photos) {
  for (const p of photos) {
    await blobs.put(p.id, await p.blob.arrayBuffer());
    await outbox.add(PHOTO, caseId, {
      id: p.id, kind: p.kind, taken_at: p.taken_at, lat: p.lat, lng: p.lng, accuracy: p.accuracy,
      type: 'image/jpeg', size: p.blob.size, width: p.width, height: p.height,
    });
  }
}
