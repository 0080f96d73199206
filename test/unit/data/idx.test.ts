import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError, readIdx, loadDataset } from '@edgefl/data';

const dir = mkdtempSync(join(tmpdir(), 'edgefl-idx-'));
function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** An IDX file: 00 00 dtype ndims, big-endian dims, then the body. */
function idx(dtype: number, dims: number[], body: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(head.buffer);
  head[2] = dtype; head[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + body.length);
  out.set(head); out.set(body, head.length);
  return out;
}

function dataError(fn: () => unknown): DataError {
  try { fn(); } catch (e) { assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`); return e; }
  assert.fail('expected a DataError');
}

// 3 images of 2×2 pixels, labels 4, 0, 9
const pixels = new Uint8Array([0, 255, 51, 102, 255, 255, 0, 0, 1, 2, 3, 4]);
const images = idx(0x08, [3, 2, 2], pixels);
const labels = idx(0x08, [3], new Uint8Array([4, 0, 9]));

test('reads raw and gzipped IDX pairs, flattening and scaling pixels to [0, 1]', () => {
  for (const [img, lbl] of [[images, labels], [gzipSync(images), gzipSync(labels)]] as const) {
    const ds = readIdx(file('i.idx', img), file('l.idx', lbl));
    assert.deepEqual([ds.n, ds.features, ds.classes], [3, 4, 10]);
    assert.deepEqual(Array.from(ds.x.subarray(0, 4)), [0, 1, 0.20000000298023224, 0.4000000059604645]);
    assert.deepEqual(Array.from(ds.y), [4, 0, 9]);
  }
  const raw = readIdx(file('i.idx', images), file('l.idx', labels), { scale: false, classes: 12 });
  assert.deepEqual(Array.from(raw.x.subarray(0, 4)), [0, 255, 51, 102]);
  assert.equal(raw.classes, 12);
});

test('an empty IDX pair keeps its feature count', () => {
  const ds = readIdx(file('e.idx', idx(0x08, [0, 28, 28], new Uint8Array(0))), file('el.idx', idx(0x08, [0], new Uint8Array(0))));
  assert.deepEqual([ds.n, ds.features, ds.x.length], [0, 784, 0]);
});

test('reads big-endian float32 images', () => {
  const body = new Uint8Array(8);
  const v = new DataView(body.buffer);
  v.setFloat32(0, 1.5, false); v.setFloat32(4, -2, false);
  const ds = readIdx(file('f.idx', idx(0x0d, [1, 2], body)), file('fl.idx', idx(0x08, [1], new Uint8Array([1]))));
  assert.deepEqual(Array.from(ds.x), [1.5, -2]);
});

test('validates magic, dtype, dims and sizes before allocating', () => {
  const lbl = file('l.idx', labels);
  const badMagic = file('m.idx', new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]));
  assert.equal(dataError(() => readIdx(badMagic, lbl)).message, `${badMagic}: bad IDX magic 01 02 08 01 (expected 00 00 <dtype> <ndims>)`);

  const badType = file('t.idx', idx(0x07, [3], new Uint8Array(3)));
  assert.equal(dataError(() => readIdx(badType, lbl)).message, `${badType}: unknown IDX dtype 0x07`);

  // a header claiming 2^32−1 images must fail on size, not try to allocate them
  const huge = file('h.idx', idx(0x08, [0xffffffff, 28, 28], new Uint8Array(16)));
  assert.equal(dataError(() => readIdx(huge, lbl)).message,
    `${huge}: IDX dims 4294967295×28×28 of uint8 need 3367254359296 bytes, the file has 32`);

  const truncated = file('tr.idx', images.subarray(0, images.length - 1));
  assert.match(dataError(() => readIdx(truncated, lbl)).message, /need 28 bytes, the file has 27$/);

  const shortHead = file('s.idx', new Uint8Array([0, 0, 8, 3, 0, 0]));
  assert.equal(dataError(() => readIdx(shortHead, lbl)).message, `${shortHead}: IDX header declares 3 dimensions but the file ends after 6 bytes`);

  const img = file('i.idx', images);
  const twoLabels = file('l2.idx', idx(0x08, [2], new Uint8Array([1, 2])));
  assert.equal(dataError(() => readIdx(img, twoLabels)).message, `${twoLabels}: 2 labels for 3 images in ${img}`);

  // int32 labels: one of 2^31 − 1 would make a classifier with 2^31 outputs
  const strayBody = new Uint8Array(12);
  new DataView(strayBody.buffer).setInt32(8, 0x7fffffff, false);
  const stray = file('stray.idx', idx(0x0c, [3], strayBody));
  assert.equal(dataError(() => readIdx(img, stray)).message, `${stray}: label 2 is 2147483647, not a class index 0 … 65535`);

  const swapped = dataError(() => readIdx(lbl, img));
  assert.match(swapped.message, /images need at least 2 IDX dims/);
  assert.match(swapped.hint ?? '', /swap/);
});

// Debian's dataset-fashion-mnist is installed by `npm test` (scripts/system-packages.txt).
test('fashion-mnist from dataset-fashion-mnist', () => {
  const train = loadDataset('fashion-mnist');
  assert.deepEqual([train.n, train.features, train.classes], [60000, 784, 10]);
  const test = loadDataset({ name: 'fashion-mnist', split: 'test' });
  assert.deepEqual([test.n, test.features, test.classes], [10000, 784, 10]);
  let lo = Infinity, hi = -Infinity;
  for (const v of train.x) { if (v < lo) lo = v; if (v > hi) hi = v; }
  assert.deepEqual([lo, hi], [0, 1]);
  // balanced: 6000 training images per class
  const counts = new Array<number>(10).fill(0);
  for (const c of train.y) counts[c]!++;
  assert.deepEqual(counts, new Array<number>(10).fill(6000));
});
