import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError, loadDataset, syntheticLeastSquares } from '@edgefl/data';
import { parseExperimentConfig } from '@edgefl/config';

/** AᵀA of a row-major m × n float matrix, in float64. */
function gram(x: Float32Array, m: number, n: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let r = 0; r < m; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j]! += x[r * n + i]! * x[r * n + j]!;
  return g;
}

/** Largest eigenvalue of the symmetric matrix shift·I − g (shift = 0: of g) by power iteration. */
function topEigen(g: Float64Array, n: number, shift = 0): number {
  let v = Float64Array.from({ length: n }, (_, i) => 1 + i / n);
  let lambda = 0;
  for (let it = 0; it < 3000; it++) {
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = shift * v[i]!;
      for (let j = 0; j < n; j++) s += (shift ? -1 : 1) * g[i * n + j]! * v[j]!;
      w[i] = s;
    }
    const norm = Math.hypot(...w);
    lambda = norm;
    v = w.map((x) => x / norm);
  }
  return lambda;
}

test('synthetic least squares: AᵀA has exactly the requested condition number (eigenvalues on [1, κ])', () => {
  const m = 120;
  const n = 12;
  const ds = syntheticLeastSquares({ synthetic: 'least-squares', rows: m, features: n, kappa: 10, seed: 3 });
  assert.equal(ds.n, m);
  assert.equal(ds.features, n);
  assert.equal(ds.classes, 0);
  const g = gram(ds.x, m, n);
  const lmax = topEigen(g, n);
  const lmin = lmax - topEigen(g, n, lmax);
  assert.ok(Math.abs(lmax - 10) < 1e-3, `λmax ${lmax}`);
  assert.ok(Math.abs(lmin - 1) < 1e-3, `λmin ${lmin}`);
});

test('synthetic least squares: the same seed gives the same problem, another seed another; planted targets fit A x₀', () => {
  const a = syntheticLeastSquares({ synthetic: 'least-squares', rows: 50, features: 5, seed: 1 });
  const b = syntheticLeastSquares({ synthetic: 'least-squares', rows: 50, features: 5, seed: 1 });
  const c = syntheticLeastSquares({ synthetic: 'least-squares', rows: 50, features: 5, seed: 2 });
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  assert.notDeepEqual(a.x, c.x);
  const planted = syntheticLeastSquares({ synthetic: 'least-squares', rows: 400, features: 4, target: 'planted', noise: 0, seed: 5 });
  const gaussian = syntheticLeastSquares({ synthetic: 'least-squares', rows: 400, features: 4, seed: 5 });
  // With no noise the planted target lies in A's column space: ‖y‖² equals its projection's; a Gaussian y mostly does not.
  const residualShare = (ds: typeof planted): number => {
    const g = gram(ds.x, ds.n, ds.features);
    const aty = new Float64Array(ds.features);
    for (let r = 0; r < ds.n; r++) for (let j = 0; j < ds.features; j++) aty[j]! += ds.x[r * ds.features + j]! * ds.y[r]!;
    // solve g x = aty by Gaussian elimination (4 × 4)
    const n = ds.features;
    const mtx = Array.from({ length: n }, (_, i) => [...g.subarray(i * n, (i + 1) * n), aty[i]!]);
    for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) { const f = mtx[k]![i]! / mtx[i]![i]!; for (let j = i; j <= n; j++) mtx[k]![j]! -= f * mtx[i]![j]!; }
    const x = new Array<number>(n).fill(0);
    for (let i = n - 1; i >= 0; i--) { let s = mtx[i]![n]!; for (let j = i + 1; j < n; j++) s -= mtx[i]![j]! * x[j]!; x[i] = s / mtx[i]![i]!; }
    let res = 0;
    let tot = 0;
    for (let r = 0; r < ds.n; r++) { let p = 0; for (let j = 0; j < n; j++) p += ds.x[r * n + j]! * x[j]!; res += (ds.y[r]! - p) ** 2; tot += ds.y[r]! ** 2; }
    return res / tot;
  };
  assert.ok(residualShare(planted) < 1e-6, 'planted target not in the column space');
  assert.ok(residualShare(gaussian) > 0.9, 'gaussian target explained by A');
});

test('synthetic least squares: bad sizes and kappa are DataErrors; configs accept the spec', () => {
  assert.throws(() => syntheticLeastSquares({ synthetic: 'least-squares', rows: 0, features: 3 }), DataError);
  assert.throws(() => syntheticLeastSquares({ synthetic: 'least-squares', rows: 3, features: 5, kappa: 2 }), DataError);
  assert.throws(() => syntheticLeastSquares({ synthetic: 'least-squares', rows: 1e5, features: 1e5 }), DataError);
  const cfg = parseExperimentConfig({ job: 'ls', data: { dataset: { synthetic: 'least-squares', rows: 30, features: 3, kappa: 4 } } });
  assert.equal(loadDataset(cfg.data.dataset as Parameters<typeof loadDataset>[0]).features, 3);
});
