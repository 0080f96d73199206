import { Rng, type Dataset } from '@edgefl/core';
import { DataError } from '../errors.js';

/**
 * A seeded Gaussian least-squares problem f(x) = ½‖y − Ax‖², for the convex experiments
 * (Q-GADMM, differentially quantized GD) whose optimum F* is known in closed form.
 */
export interface SyntheticLeastSquaresSpec {
  readonly synthetic: 'least-squares';
  /** rows m of A */
  readonly rows: number;
  /** columns n of A (features) */
  readonly features: number;
  /**
   * Condition number κ = L/μ of AᵀA. Given, A is rescaled to singular values spread so that
   * AᵀA has eigenvalues linearly spaced on [1, κ] (μ = 1, L = κ); absent, A is plain Gaussian
   * with entries N(0, 1/m).
   */
  readonly kappa?: number;
  /** `gaussian`: y ~ N(0, I) (no model fits exactly); `planted`: y = A x₀ + noise·N(0, I) with x₀ ~ N(0, I) */
  readonly target?: 'gaussian' | 'planted';
  /** noise of a planted target; default 0.1 */
  readonly noise?: number;
  readonly seed?: number;
}

/** Largest rows × features a synthetic problem may ask for (64 Mi floats, 256 MiB). */
const MAX_CELLS = 64 * 1024 * 1024;

export function syntheticLeastSquares(spec: SyntheticLeastSquaresSpec): Dataset {
  const { rows: m, features: n } = spec;
  const kappa = spec.kappa;
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 1 || m * n > MAX_CELLS) {
    throw new DataError(`synthetic least squares needs whole rows ≥ 1 and features ≥ 1 with rows × features ≤ ${MAX_CELLS}, got ${m} × ${n}`, 'e.g. { synthetic: least-squares, rows: 1200, features: 100 }');
  }
  if (kappa !== undefined && (!(kappa >= 1) || !Number.isFinite(kappa) || m < n)) {
    throw new DataError(`kappa must be a finite number ≥ 1 with rows ≥ features, got kappa ${kappa} for ${m} × ${n}`, 'set kappa ≥ 1 (1 = perfectly conditioned) and rows ≥ features');
  }
  const rng = new Rng(`synthetic-least-squares/${spec.seed ?? 1}`);
  const a = new Float64Array(m * n);
  const scale = 1 / Math.sqrt(m);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * scale;
  if (kappa !== undefined) conditionTo(a, m, n, kappa, rng);

  const y = new Float32Array(m);
  if ((spec.target ?? 'gaussian') === 'planted') {
    const noise = spec.noise ?? 0.1;
    const x0 = Float64Array.from({ length: n }, () => rng.normal());
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[r * n + j]! * x0[j]!;
      y[r] = s + noise * rng.normal();
    }
  } else {
    for (let r = 0; r < m; r++) y[r] = rng.normal();
  }
  return { name: `least-squares-${m}x${n}${kappa === undefined ? '' : `-k${kappa}`}`, n: m, features: n, x: Float32Array.from(a), y, classes: 0 };
}

/**
 * A ← Q·diag(s)·Vᵀ with Q the thin-QR factor of A and V the QR factor of an n × n Gaussian:
 * A's singular values become exactly s, chosen so AᵀA's eigenvalues s² are linearly spaced
 * on [1, κ].
 */
function conditionTo(a: Float64Array, m: number, n: number, kappa: number, rng: Rng): void {
  orthonormalizeColumns(a, m, n);
  const v = Float64Array.from({ length: n * n }, () => rng.normal());
  orthonormalizeColumns(v, n, n);
  const s = Float64Array.from({ length: n }, (_, j) => Math.sqrt(n === 1 ? 1 : 1 + ((kappa - 1) * j) / (n - 1)));
  const row = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    // row r of Q·diag(s)·Vᵀ: Σ_j Q[r,j]·s_j·V[c,j]
    row.fill(0);
    for (let j = 0; j < n; j++) {
      const q = a[r * n + j]! * s[j]!;
      for (let c = 0; c < n; c++) row[c]! += q * v[c * n + j]!;
    }
    a.set(row, r * n);
  }
}

/** Modified Gram–Schmidt on the columns of the row-major m × n matrix `a` (m ≥ n), in place. */
function orthonormalizeColumns(a: Float64Array, m: number, n: number): void {
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let r = 0; r < m; r++) dot += a[r * n + j]! * a[r * n + k]!;
      for (let r = 0; r < m; r++) a[r * n + j]! -= dot * a[r * n + k]!;
    }
    let norm = 0;
    for (let r = 0; r < m; r++) norm += a[r * n + j]! ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new DataError('synthetic least squares: a degenerate Gaussian draw (columns dependent)', 'use another seed');
    for (let r = 0; r < m; r++) a[r * n + j]! /= norm;
  }
}
