import type { Dataset } from '@edgefl/core';
import { AlgorithmError } from '../contract/errors.js';

/**
 * Linear least squares in float64 for the linear model of `@edgefl/train`, whose parameter
 * vector is θ = [w_1 … w_f, b] (fc.weight then fc.bias): a prediction is x·w + b, so every
 * routine here works on the augmented row [x, 1].
 */

/** d = features + 1 (the bias). */
export const linearDim = (ds: Dataset): number => ds.features + 1;

/** G = XᵀX and h = Xᵀy of the augmented rows [x, 1] (float64, G row-major d × d). */
export function normalEquations(ds: Dataset): { readonly g: Float64Array; readonly h: Float64Array } {
  const f = ds.features, d = f + 1;
  const g = new Float64Array(d * d), h = new Float64Array(d);
  const row = new Float64Array(d);
  row[f] = 1;
  for (let r = 0; r < ds.n; r++) {
    for (let j = 0; j < f; j++) row[j] = ds.x[r * f + j]!;
    const y = ds.y[r]!;
    for (let i = 0; i < d; i++) {
      const xi = row[i]!;
      h[i]! += xi * y;
      for (let j = i; j < d; j++) g[i * d + j]! += xi * row[j]!;
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) g[i * d + j] = g[j * d + i]!;
  return { g, h };
}

/** Cholesky factor L (lower, row-major) of a symmetric positive-definite matrix, or null if it is not. */
export function cholesky(a: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j]!;
    for (let k = 0; k < j; k++) s -= l[j * d + k]! ** 2;
    if (!(s > 0)) return null;
    const ljj = Math.sqrt(s);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j]!;
      for (let k = 0; k < j; k++) t -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = t / ljj;
    }
  }
  return l;
}

/** Solves L Lᵀ x = b in place of `x` (b copied into x first). */
export function choleskySolve(l: Float64Array, d: number, b: Float64Array, x: Float64Array): Float64Array {
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * x[k]!;
    x[i] = s / l[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * x[k]!;
    x[i] = s / l[i * d + i]!;
  }
  return x;
}

/** Mean squared error (1/n) Σ (x·w + b − y)² in float64: the record's `loss` of the linear model. */
export function meanSquaredError(ds: Dataset, theta: ArrayLike<number>): number {
  const f = ds.features;
  let s = 0;
  for (let r = 0; r < ds.n; r++) {
    let p = theta[f]!;
    for (let j = 0; j < f; j++) p += ds.x[r * f + j]! * theta[j]!;
    const e = p - ds.y[r]!;
    s += e * e;
  }
  return s / ds.n;
}

/** The centralized least-squares solution θ* and F* = MSE(θ*) of a regression set. */
export interface LeastSquaresOptimum {
  readonly theta: Float64Array;
  /** F* in the record's normalisation: the mean squared error at θ* */
  readonly fStar: number;
  /** F(θ) − F*, F the mean squared error over the same rows */
  gap(theta: ArrayLike<number>): number;
}

/**
 * θ* = argmin ‖[X, 1]θ − y‖² from the normal equations (a ridge of 1e−12·trace/d only if
 * XᵀX is singular, e.g. a constant column).
 */
export function leastSquaresOptimum(ds: Dataset): LeastSquaresOptimum {
  if (ds.classes !== 0) throw new AlgorithmError(`least squares needs a regression target, ${ds.name} has ${ds.classes} classes`);
  const d = linearDim(ds);
  const { g, h } = normalEquations(ds);
  let l = cholesky(g, d);
  if (!l) {
    let tr = 0;
    for (let i = 0; i < d; i++) tr += g[i * d + i]!;
    const reg = Float64Array.from(g);
    for (let i = 0; i < d; i++) reg[i * d + i]! += 1e-12 * (tr / d || 1);
    l = cholesky(reg, d);
    if (!l) throw new AlgorithmError(`the normal equations of ${ds.name} are not positive definite`, 'check the data for NaN or duplicated columns');
  }
  const theta = choleskySolve(l, d, h, new Float64Array(d));
  const fStar = meanSquaredError(ds, theta);
  return { theta, fStar, gap: (t) => meanSquaredError(ds, t) - fStar };
}
