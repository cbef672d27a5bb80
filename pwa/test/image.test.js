import { test } from 'node:test';
import assert from 'node:assert/strict';
import { targetSize, encodeWithinLimit, MAX_SIDE, MAX_BYTES } from '../js/image.js';

test('targetSize: long side to 1600, aspect kept, never enlarged', () => {
  assert.deepEqual(targetSize(4000, 3000), { width: 1600, height: 1200 });
  assert.deepEqual(targetSize(3000, 4000), { width: 1200, height: 1600 });
  assert.deepEqual(targetSize(1600, 900), { width: 1600, height: 900 });
  assert.deepEqual(targetSize(800, 600), { width: 800, height: 600 });
  assert.deepEqual(targetSize(9000, 10), { width: 1600, height: 2 });
  assert.deepEqual(targetSize(4032, 3024), { width: 1600, height: 1200 });
  for (const [w, h] of [[4000, 3000], [1601, 1601], [5000, 1]]) {
    const t = targetSize(w, h);
    assert.ok(Math.max(t.width, t.height) <= MAX_SIDE, `${w}x${h}`);
    assert.ok(t.width >= 1 && t.height >= 1);
  }
});

// fakeEncoder: a JPEG's size grows with quality and with pixel count.
function fakeEncoder(bytesAtFull) {
  const calls = [];
  const encode = async (q, scale) => { calls.push([q, scale]); return { size: Math.round(bytesAtFull * q * scale * scale) }; };
  return { encode, calls };
}

test('encodeWithinLimit keeps 0.8 when it already fits', async () => {
  const { encode, calls } = fakeEncoder(500 * 1024);
  const r = await encodeWithinLimit(encode);
  assert.equal(r.quality, 0.8);
  assert.equal(r.scale, 1);
  assert.deepEqual(calls, [[0.8, 1]]);
});

test('encodeWithinLimit steps quality down until the file is within 600 KB', async () => {
  const { encode, calls } = fakeEncoder(1200 * 1024); // 0.8 → 960 KB, 0.5 → 600 KB
  const r = await encodeWithinLimit(encode);
  assert.equal(r.quality, 0.5);
  assert.ok(r.blob.size <= MAX_BYTES);
  assert.deepEqual(calls.map((c) => c[0]), [0.8, 0.7, 0.6, 0.5]);
});

test('encodeWithinLimit shrinks the picture when even the lowest quality is too big', async () => {
  const { encode } = fakeEncoder(4000 * 1024);
  const r = await encodeWithinLimit(encode);
  assert.ok(r.scale < 1);
  assert.ok(r.blob.size <= MAX_BYTES);
});

test('encodeWithinLimit gives up with an error rather than returning an oversize file', async () => {
  await assert.rejects(encodeWithinLimit(async () => ({ size: MAX_BYTES + 1 })), /压缩失败/);
});
