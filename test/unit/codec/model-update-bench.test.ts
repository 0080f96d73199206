import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, type Dataset } from '@edgefl/core';
import { benchModelUpdateBits, mlpUpdate, MODEL_UPDATE_SPECS } from '@edgefl/codec';
import { gaussian } from './quantizer-stats.js';

/** Summed softmax cross-entropy of an MLP [W (in × out), b] per layer, in float64 (written independently). */
function loss(theta: Float64Array, sizes: number[], ds: Dataset, rows: number[]): number {
  let total = 0;
  for (const r of rows) {
    let a = Array.from(ds.x.subarray(r * ds.features, (r + 1) * ds.features));
    let o = 0;
    for (let k = 0; k + 1 < sizes.length; k++) {
      const n = sizes[k]!, m = sizes[k + 1]!;
      const z = Array.from({ length: m }, (_, j) => theta[o + n * m + j]!);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) z[j]! += a[i]! * theta[o + i * m + j]!;
      o += n * m + m;
      a = k + 2 < sizes.length ? z.map((v) => Math.max(0, v)) : z;
    }
    const max = Math.max(...a);
    const lse = max + Math.log(a.reduce((s, v) => s + Math.exp(v - max), 0));
    total += lse - a[ds.y[r]!]!;
  }
  return total;
}

test('mlpUpdate: one SGD step is −(η/B)·∇(summed loss), checked against central differences', () => {
  const n = 6, features = 3, classes = 3;
  const rng = new Rng(5);
  const ds: Dataset = {
    name: 'tiny', n, features, classes,
    x: Float32Array.from({ length: n * features }, () => rng.normal()),
    y: Float32Array.from({ length: n }, (_, i) => i % classes),
  };
  const opts = { hidden: [4], warmupSteps: 0, steps: 1, batch: n, lr: 0.1, seed: 3 };
  const sizes = [features, 4, classes];
  const dim = 3 * 4 + 4 + 4 * 3 + 3;
  const u = mlpUpdate(ds, opts);
  assert.equal(u.length, dim);
  // θ₀ as mlpUpdate documents it: He-initialised weights from the seed, layer by layer, zero biases
  const init = new Rng(3);
  const theta = new Float64Array(dim);
  let o = 0;
  for (let k = 0; k + 1 < sizes.length; k++) {
    const inp = sizes[k]!, out = sizes[k + 1]!;
    for (let i = 0; i < inp * out; i++) theta[o + i] = Math.fround(init.normal() * Math.sqrt(2 / inp));
    o += inp * out + out;
  }
  const rows = Array.from({ length: n }, (_, i) => i); // one batch of all rows, in any order
  const h = 1e-4;
  for (let i = 0; i < dim; i++) {
    const t = theta.slice();
    t[i] = theta[i]! + h;
    const up = loss(t, sizes, ds, rows);
    t[i] = theta[i]! - h;
    const down = loss(t, sizes, ds, rows);
    const expected = (-opts.lr / n) * ((up - down) / (2 * h));
    assert.ok(Math.abs(u[i]! - expected) <= 1e-4 + 1e-3 * Math.abs(expected), `θ[${i}]: ${u[i]} vs ${expected}`);
  }
  assert.ok(u.some((x) => x !== 0));
});

test('benchModelUpdateBits: one row per codec, bits/element against the entropy of the coded levels', () => {
  const d = 100_000;
  const rows = benchModelUpdateBits('gaussian', gaussian(d, 11));
  assert.equal(rows.length, MODEL_UPDATE_SPECS.length);
  const byCodec = new Map(rows.map((r) => [r['codec'], r]));
  const paper = byCodec.get('{"id":"qsgd","levels":8}')!;
  const rans = byCodec.get('{"id":"qsgd","levels":8,"coder":"rans"}')!;
  const perCoordinate = byCodec.get('{"id":"qsgd","levels":8,"coder":"per-coordinate"}')!;
  for (const r of rows) {
    assert.equal(r.unit, 'bits/element');
    assert.ok(Math.abs(r.ratioToReference - r.value / (r['entropy'] as number)) < 1e-12, r.name);
  }
  // same levels (same rng), so the same entropy; only the coding differs
  assert.equal(paper['entropy'], rans['entropy']);
  assert.ok(rans.ratioToReference >= 1 && rans.ratioToReference <= 1.02, `${rans.ratioToReference}`);
  assert.ok(paper.ratioToReference > 1.3 && paper.ratioToReference < 1.6, `${paper.ratioToReference}`);
  assert.ok(perCoordinate.value > 3 * paper.value);
  const malcom = byCodec.get('{"id":"malcom","levels":8}')!;
  assert.ok(malcom.ratioToReference >= 1 && malcom.ratioToReference < 1.05, `${malcom.ratioToReference}`);
});
