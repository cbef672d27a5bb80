// Photos are shrunk on the phone before they wait in the outbox: at most
// MAX_SIDE pixels on the long side, JPEG, quality stepped down until the file
// fits MAX_BYTES. The math is pure (tested in Node); the canvas part is thin.

export const MAX_SIDE = 1600;
export const MAX_BYTES = 600 * 1024;
export const QUALITIES = [0.8, 0.7, 0.6, 0.5, 0.4, 0.3];

// targetSize keeps the aspect ratio and never enlarges.
export function targetSize(width, height, maxSide = MAX_SIDE) {
  const long = Math.max(width, height);
  if (!(long > maxSide)) return { width, height };
  const scale = maxSide / long;
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

// encodeWithinLimit calls encode(quality) → Promise<Blob-like {size}> at each
// quality in turn and returns the first result within limit. When even the
// lowest quality is too large it shrinks the picture (encode receives a
// scale) until it fits, so the answer always respects the limit.
export async function encodeWithinLimit(encode, limit = MAX_BYTES, qualities = QUALITIES) {
  let scale = 1;
  for (let round = 0; round < 6; round++) {
    for (const q of qualities) {
      const blob = await encode(q, scale);
      if (blob && blob.size <= limit) return { blob, quality: q, scale };
    }
    scale *= 0.75;
  }
  throw new Error('照片压缩失败');
}

// resizePhoto turns a picked File into a JPEG Blob within the limits, with
// its pixel size. Browser only (canvas).
export async function resizePhoto(file) {
  const url = URL.createObjectURL(file);
  try {
    const img = await loadImage(url);
    const size = targetSize(img.naturalWidth, img.naturalHeight);
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d');
    let drawn = 0;
    const encode = (quality, scale) => {
      const w = Math.max(1, Math.round(size.width * scale));
      const h = Math.max(1, Math.round(size.height * scale));
      if (drawn !== w) {
        canvas.width = w; canvas.height = h;
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, w, h);
        ctx.drawImage(img, 0, 0, w, h);
        drawn = w;
      }
      return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    };
    const { blob, scale } = await encodeWithinLimit(encode);
    return { blob, width: canvas.width, height: canvas.height, scale };
  } finally {
    URL.revokeObjectURL(url);
  }
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('无法读取这张照片'));
    img.src = url;
  });
}

// currentPosition asks for a GPS fix and resolves to null when there is
// none (no permission, no fix within the timeout, no geolocation at all).
export function currentPosition(timeoutMs = 8000) {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) return resolve(null);
    let done = false;
    const finish = (v) => { if (!done) { done = true; resolve(v); } };
    setTimeout(() => finish(null), timeoutMs + 500);
    navigator.geolocation.getCurrentPosition(
      (p) => finish({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy }),
      () => finish(null),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 },
    );
  });
}
