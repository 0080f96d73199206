import type { Dataset } from '@edgefl/core';
import { AlgorithmError } from '../../contract/errors.js';

/**
 * A worker's summand f_k(x) = ½‖y_k − A_k x‖² of the paper's least-squares problem (29),
 * from its shard (rows of A_k, targets y_k; no bias term — the paper's f has none). All in
 * float64: its smoothness L_k and strong convexity μ_k are the extreme eigenvalues of
 * A_kᵀA_k (154), its minimizer solves the normal equations (156).
 */
export class LeastSquares {
  readonly features: number;
  readonly rows: number;
  /** A_kᵀA_k, n × n row-major */
  private readonly gram: Float64Array;
  /** A_kᵀy_k */
  private readonly aty: Float64Array;
  readonly smoothness: number;
  readonly strongConvexity: number;
  /** x*_k = (A_kᵀA_k)⁻¹A_kᵀy_k */
  readonly optimum: Float64Array;

  /** `bias`: fit an intercept too, on the augmented rows [a_r, 1] (the linear model's θ = [w, b]). */
  constructor(data: Dataset, bias = false) {
    const f = data.features;
    const n = bias ? f + 1 : f;
    const m = data.n;
    if (data.classes !== 0) {
      throw new AlgorithmError(`the differentially quantized gradient methods solve least squares; dataset ${data.name} has ${data.classes} classes`,
        'use a regression dataset, e.g. data.dataset: { synthetic: least-squares, rows: 64, features: 16, kappa: 10 }');
    }
    if (m < n) {
      throw new AlgorithmError(`a shard of ${m} rows cannot make ½‖y − Ax‖² strongly convex in ${n} features`,
        'give every worker at least as many rows as features (fewer devices or more rows)');
    }
    this.features = n;
    this.rows = m;
    this.gram = new Float64Array(n * n);
    this.aty = new Float64Array(n);
    const row = new Float64Array(n);
    if (bias) row[f] = 1;
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < f; j++) row[j] = data.x[r * f + j]!;
      const yr = data.y[r]!;
      for (let i = 0; i < n; i++) {
        const ai = row[i]!;
        this.aty[i]! += ai * yr;
        for (let j = i; j < n; j++) this.gram[i * n + j]! += ai * row[j]!;
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) this.gram[i * n + j] = this.gram[j * n + i]!;
    const eig = symmetricEigenvalues(this.gram, n);
    this.smoothness = Math.max(...eig);
    this.strongConvexity = Math.min(...eig);
    if (!(this.strongConvexity > 1e-12 * this.smoothness)) {
      throw new AlgorithmError(`the shard's AᵀA is singular (smallest eigenvalue ${this.strongConvexity}); f is not strongly convex`,
        'use more rows than features and a full-rank A');
    }
    this.optimum = choleskySolve(this.gram, this.aty, n);
  }

  /** ∇f_k(x) = A_kᵀA_k x − A_kᵀy_k into `out`. */
  gradient(x: ArrayLike<number>, out: Float64Array): Float64Array {
    const n = this.features;
    for (let i = 0; i < n; i++) {
      let s = -this.aty[i]!;
      const o = i * n;
      for (let j = 0; j < n; j++) s += this.gram[o + j]! * x[j]!;
      out[i] = s;
    }
    return out;
  }

  /** f_k(x) − f_k(x*_k) = ½(x − x*)ᵀA_kᵀA_k(x − x*), exact for least squares. */
  gap(x: ArrayLike<number>): number {
    const n = this.features;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const di = x[i]! - this.optimum[i]!;
      let row = 0;
      for (let j = 0; j < n; j++) row += this.gram[i * n + j]! * (x[j]! - this.optimum[j]!);
      s += di * row;
    }
    return s / 2;
  }

  /** ‖x − x*_k‖ */
  distance(x: ArrayLike<number>): number {
    let s = 0;
    for (let i = 0; i < this.features; i++) s += (x[i]! - this.optimum[i]!) ** 2;
    return Math.sqrt(s);
  }
}

/** Eigenvalues of a symmetric n × n matrix by cyclic Jacobi rotations (n is a model's feature count: small). */
export function symmetricEigenvalues(sym: Float64Array, n: number): number[] {
  const a = Float64Array.from(sym);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i]! ** 2;
      for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!);
}

/** Solves S x = b for symmetric positive definite S by Cholesky. */
function choleskySolve(s: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = s[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new AlgorithmError('AᵀA is not positive definite', 'use a full-rank A with more rows than features');
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j]!;
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}
