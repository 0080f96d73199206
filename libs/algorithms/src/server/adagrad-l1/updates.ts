/**
 * The model updates of paper 003 ("Quantized Adaptive Subgradient Algorithms and Their
 * Applications", Xu et al.), with φ(x) = λ‖x‖₁ and the adaptive matrix
 * H_t = δI + diag(c_t), c_{t,i} = ‖q_{1:t,i}‖₂ (Eq. 13) built from the synchronised
 * (quantized) gradients q_t every node receives. Every node runs these same float64
 * operations on the same inputs, so every worker's model is bit-for-bit the server's.
 */
export type Method = 'cmd' | 'rda' | 'prox';

export interface UpdateParams {
  readonly method: Method;
  /** η */
  readonly lr: number;
  /** λ of φ(x) = λ‖x‖₁ */
  readonly lambda: number;
  /** δ of H_t = δI + diag(c_t) */
  readonly delta: number;
}

/** What a node keeps between rounds: the model and the running sums H_t and RDA need. */
export class AdaptiveL1State {
  readonly x: Float32Array;
  /** Σ_τ q_{τ,i}² (c_{t,i}² of Eq. 13) */
  readonly sumSq: Float64Array;
  /** Σ_τ q_{τ,i} (RDA's dual average, Eq. 15/17) */
  readonly sumQ: Float64Array;
  /** updates applied so far (t after the update of round t) */
  t = 0;

  constructor(initial: Float32Array, private readonly p: UpdateParams) {
    this.x = Float32Array.from(initial);
    this.sumSq = new Float64Array(initial.length);
    this.sumQ = new Float64Array(initial.length);
  }

  /** Applies the synchronised gradient q_t in place (every worker and the server). */
  apply(q: Float32Array): void {
    this.t++;
    step(this.p, this.x, q, this.sumSq, this.sumQ, this.t, this.x, true);
  }

  /**
   * The worker's tentative update x̂_{t+1} with its full-precision gradient g and
   * Ĥ_t = δI + diag(ĉ_t), ĉ_{t,d} = ‖[q_{1:t−1,d}, g_d]‖₂ (Alg. 1), leaving the state as is.
   */
  tentative(g: Float32Array): Float32Array {
    const out = new Float32Array(this.x.length);
    step(this.p, this.x, g, this.sumSq, this.sumQ, this.t + 1, out, false);
    return out;
  }
}

/**
 * One update with gradient q at step t into `out`; `commit` adds q to the running sums,
 * otherwise they are read as if it had been added.
 */
function step(p: UpdateParams, x: Float32Array, q: Float32Array, sumSq: Float64Array, sumQ: Float64Array, t: number, out: Float32Array, commit: boolean): void {
  const { lr, lambda, delta } = p;
  const d = x.length;
  if (p.method === 'prox') {
    // Prox-GD (baseline, Duchi et al. 2010): x ← soft(x − η·q, η·λ)
    const thr = lr * lambda;
    for (let i = 0; i < d; i++) out[i] = soft(x[i]! - lr * q[i]!, thr);
    return;
  }
  for (let i = 0; i < d; i++) {
    const qi = q[i]!;
    const s2 = sumSq[i]! + qi * qi;
    const h = delta + Math.sqrt(s2); // H_{t,ii}, Eq. 13
    if (p.method === 'cmd') {
      // QCMD adagrad, Eq. 16: x_{t+1,i} = sign(x_{t,i} − η q_{t,i}/H_ii)·[|x_{t,i} − η q_{t,i}/H_ii| − λη/H_ii]₊
      out[i] = h > 0 ? soft(x[i]! - (lr * qi) / h, (lambda * lr) / h) : 0;
    } else {
      // QRDA adagrad, Eq. 17: x_{t+1,i} = sign(−Σ_τ q_{τ,i})·(tη/H_ii)·[|(1/t)Σ_τ q_{τ,i}| − λ]₊
      const sq = sumQ[i]! + qi;
      const excess = Math.abs(sq) / t - lambda;
      out[i] = excess > 0 && h > 0 ? (-Math.sign(sq) * t * lr * excess) / h : 0;
      if (commit) sumQ[i] = sq;
    }
    if (commit) sumSq[i] = s2;
  }
}

function soft(v: number, thr: number): number {
  return v > thr ? v - thr : v < -thr ? v + thr : 0;
}

/** Fraction of exact zeros in x. */
export function sparsity(x: Float32Array): number {
  let z = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === 0) z++;
  return x.length > 0 ? z / x.length : 0;
}
