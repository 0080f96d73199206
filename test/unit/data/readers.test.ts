import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError, MAX_CLASSES, loadDataset, readCsv, BUILTIN_INFO, BUILTIN_DATASETS } from '@edgefl/data';
import type { Dataset } from '@edgefl/core';

const dir = mkdtempSync(join(tmpdir(), 'edgefl-data-'));
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function labelRange(ds: Dataset): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of ds.y) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

test('shipped datasets load with the documented shapes and label ranges', () => {
  const digits = loadDataset('digits');
  assert.equal(digits.n, 1797); assert.equal(digits.features, 64); assert.equal(digits.classes, 10);
  assert.deepEqual(labelRange(digits), [0, 9]);
  assert.equal(digits.x.length, 1797 * 64);
  // first row of digits.csv.gz: 0,0,5,13,9,1,0,0,… label 0
  assert.deepEqual(Array.from(digits.x.subarray(0, 5)), [0, 0, 5, 13, 9]);
  assert.equal(digits.y[0], 0);
  let max = 0; for (const v of digits.x) max = Math.max(max, v);
  assert.equal(max, 16);

  const bc = loadDataset('breast_cancer');
  assert.deepEqual([bc.n, bc.features, bc.classes], [569, 30, 2]);
  assert.deepEqual(labelRange(bc), [0, 1]);
  assert.ok(Math.abs(bc.x[0]! - 17.99) < 1e-5);

  const iris = loadDataset({ name: 'iris' });
  assert.deepEqual([iris.n, iris.features, iris.classes], [150, 4, 3]);
  assert.deepEqual(labelRange(iris), [0, 2]);

  const diabetes = loadDataset('diabetes');
  assert.deepEqual([diabetes.n, diabetes.features, diabetes.classes], [442, 10, 0]);
  assert.deepEqual(Array.from(diabetes.x.subarray(0, 3)), [59, 2, 32.099998474121094]);
  assert.deepEqual([diabetes.y[0], diabetes.y[441]], [151, 57]);
  assert.deepEqual(labelRange(diabetes), [25, 346]);

  for (const name of BUILTIN_DATASETS.filter((n) => n !== 'fashion-mnist')) {
    const ds = loadDataset(name), info = BUILTIN_INFO[name];
    assert.deepEqual([ds.n, ds.features, ds.classes], [info.rows, info.features, info.classes], name);
  }
});

test('gzip is detected by content, not by file name', () => {
  const text = '1,2,0\n3,4,1\n';
  const a = readCsv(file('plain.csv.gz', text));
  const b = readCsv(file('packed.csv', gzipSync(text)));
  assert.deepEqual(Array.from(a.x), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(b.x), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(b.y), [0, 1]);
});

test('whitespace delimiter, label column, names header and CRLF line ends', () => {
  const ws = readCsv(file('ws.txt', '1  2\t0\n 3 4 1 \n'));
  assert.deepEqual([ws.n, ws.features], [2, 2]);
  assert.deepEqual(Array.from(ws.y), [0, 1]);
  const first = readCsv(file('first.csv', 'label,a,b\r\n2,0.5,1.5\r\n0,2.5,3.5\r\n'), { label: 0 });
  assert.deepEqual(Array.from(first.x), [0.5, 1.5, 2.5, 3.5]);
  assert.deepEqual(Array.from(first.y), [2, 0]);
  assert.equal(first.classes, 3);
  const quoted = readCsv(file('quoted.csv', '"a","b","y"\n"1.5", "2",1\n'));
  assert.deepEqual([Array.from(quoted.x), Array.from(quoted.y)], [[1.5, 2], [1]]);
  const reg = readCsv(file('reg.csv', '1,0.25\n2,0.75\n'), { task: 'regression' });
  assert.deepEqual(Array.from(reg.y), [0.25, 0.75]);
  assert.equal(reg.classes, 0);
});

test('a scikit-learn header is checked and sets the class count', () => {
  const ok = readCsv(file('sk.csv', '2,2,a,b,c\n1,2,0\n3,4,1\n'));
  assert.equal(ok.classes, 3);
});

function dataError(fn: () => unknown): DataError {
  try { fn(); } catch (e) { assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`); return e; }
  assert.fail('expected a DataError');
}

test('malformed CSV files raise DataError naming file, line and column', () => {
  const ragged = file('ragged.csv', '1,2,0\n3,4,1\n5,6\n');
  let e = dataError(() => readCsv(ragged));
  assert.equal(e.message, `${ragged}, line 3: 2 cells, expected 3 like line 1`);
  assert.equal(e.line, 3);
  assert.match(e.hint ?? '', /same number of cells/);

  const text = file('text.csv', '1,2,0\n3,x4,1\n');
  e = dataError(() => readCsv(text));
  assert.equal(e.message, `${text}, line 2, column 2: "x4" is not a number`);
  assert.deepEqual([e.file, e.line, e.column], [text, 2, 2]);

  const emptyCell = file('emptycell.csv', '1,,0\n');
  e = dataError(() => readCsv(emptyCell));
  assert.equal(e.message, `${emptyCell}, line 1, column 2: "" is not a number`);

  const empty = file('empty.csv', '\n\n');
  e = dataError(() => readCsv(empty));
  assert.equal(e.message, `${empty}: the file is empty`);

  const frac = file('frac.csv', '1,2,0\n3,4,1.5\n');
  e = dataError(() => readCsv(frac));
  assert.equal(e.message, `${frac}, line 2, column 3: label 1.5 is not a class index (an integer 0 … 65535)`);
  assert.match(e.hint ?? '', /regression/);

  // One stray label would size the classifier's output layer: 4e9 classes, 2e10 parameters.
  const stray = file('stray.csv', '1,2,0\n3,4,1\n5,6,4000000000\n');
  e = dataError(() => readCsv(stray));
  assert.equal(e.message, `${stray}, line 3, column 3: label 4000000000 is not a class index (an integer 0 … 65535)`);
  assert.equal(readCsv(file('most.csv', '1,2,0\n3,4,65535\n')).classes, MAX_CLASSES);

  // Two counts and a single text cell is a data line with a bad cell, not a scikit-learn
  // header (which names at least two classes): the error points at line 1.
  const oneName = file('onename.csv', '1,2,a\n3,4,0\n5,6,1\n');
  e = dataError(() => readCsv(oneName));
  assert.equal(e.message, `${oneName}, line 1, column 3: "a" is not a number`);
  e = dataError(() => readCsv(file('onename2.csv', '1,2,a\n3,4,0\n')));
  assert.equal(e.line, 1);

  const rows = file('rows.csv', '3,2,a,b\n1,2,0\n3,4,1\n');
  e = dataError(() => readCsv(rows));
  assert.equal(e.message, `${rows}, line 1: header says 3 rows but the file has 2`);

  const feats = file('feats.csv', '2,3,a,b\n1,2,0\n3,4,1\n');
  e = dataError(() => readCsv(feats));
  assert.equal(e.message, `${feats}, line 1: header says 3 features but rows have 2 (plus the label column)`);

  const named = file('named.csv', '2,2,a,b\n1,2,0\n3,4,2\n');
  e = dataError(() => readCsv(named));
  assert.equal(e.message, `${named}, line 3, column 3: label 2 but the header names only 2 classes`);

  const missing = join(dir, 'nope.csv');
  e = dataError(() => readCsv(missing));
  assert.equal(e.message, `${missing}: cannot read data file (ENOENT)`);

  const badGz = file('bad.gz', new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
  e = dataError(() => readCsv(badGz));
  assert.match(e.message, /corrupt gzip data/);
});

test('a target file must match the rows', () => {
  const x = file('x.txt', '1 2\n3 4\n5 6\n');
  const y = file('y.txt', '1.5\n2.5\n');
  const e = dataError(() => readCsv(x, { targetPath: y }));
  assert.equal(e.message, `${y}: 2 targets for 3 rows in ${x}`);
  const y3 = file('y3.txt', '1.5\n2.5\n-1\n');
  const ds = readCsv(x, { targetPath: y3 });
  assert.deepEqual([ds.features, ds.classes, ds.y[2]], [2, 0, -1]);
});

test('unknown dataset names are a DataError listing the known ones', () => {
  const e = dataError(() => loadDataset('mnist'));
  assert.equal(e.message, 'unknown dataset "mnist"');
  assert.match(e.hint ?? '', /digits, breast_cancer, iris, diabetes, fashion-mnist/);
});
