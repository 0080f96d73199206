import type { Method, MethodConstants, Quantization } from './methods.js';

/**
 * The dynamic range r_t of iteration t's quantizer q_t(u) = r_t·q(u/r_t) (7), computed
 * identically by the worker (to encode) and the server (to decode), so no range travels.
 *
 * DQ-GD (22):  r_0 = L·D, r_{t+1} = σ_GD^{t+1}·L·D + r_t·ρ_n·2^−R.
 * DQ-AGD (34): r_t = σ_AGD^t·L·D·λ + (r_{t−1} + γ(r_{t−1} + r_{t−2}))·ρ_n·2^−R, r_{−1} = r_{−2} = 0,
 *              λ = (1 + γ + γ/σ_AGD)·√(κ+1) (33).
 * DQ-HB (45):  r_t = σ_HB^t·t^α·e^α·√2·L·D + (r_{t−1} + γ(r_{t−1} + r_{t−2}))·ρ_n·2^−R (t^α read as max(1, t)^α
 *              so r_0 > 0; the paper's experiment sets α = 0).
 * NQ-GD (65):  r_{t,k} = σ^t·L_k·D with σ the K-worker contraction bound (68)/(177).
 *
 * Every range is linear in D. When an input overloads the range (the assumption
 * ‖x̂_0 − x*‖ ≤ D behind Lemma B.3 failed), both ends multiply D — and so every past and
 * future range — by the same power of two (`escalate`), which is the recursion run with a
 * D that covers the input: the analysis then holds again with the larger D.
 */
export class RangeSchedule {
  private t = 0;
  private scale = 1;
  private prev1 = 0;
  private prev2 = 0;
  private readonly a: number;
  private readonly lambda: number;

  constructor(
    private readonly method: Method,
    private readonly quant: Quantization,
    private readonly c: MethodConstants,
    /** L for DQ, L_k for NQ worker k */
    private readonly L: number,
    mu: number,
    private readonly D: number,
    /** ρ_n */
    rho: number,
    /** this link's rate R (bits per dimension) */
    R: number,
    /** NQ: the contraction σ its ranges shrink with */
    private readonly nqSigma: number,
    private readonly alpha: number,
  ) {
    this.a = rho * 2 ** -R;
    const kappa = L / mu;
    this.lambda = (1 + c.gamma + c.gamma / c.sigma) * Math.sqrt(kappa + 1);
  }

  get iteration(): number {
    return this.t;
  }

  /** r_t of the current iteration. */
  current(): number {
    const { c, t } = this;
    const LD = this.L * this.D * this.scale;
    if (this.quant === 'nq') return this.nqSigma ** t * LD;
    const carry = (this.prev1 + c.gamma * (this.prev1 + this.prev2)) * this.a;
    switch (this.method) {
      case 'gd':
        return t === 0 ? LD : c.sigma ** t * LD + this.prev1 * this.a;
      case 'agd':
        return c.sigma ** t * LD * this.lambda + carry;
      case 'hb':
        return c.sigma ** t * Math.max(1, t) ** this.alpha * Math.exp(this.alpha) * Math.SQRT2 * LD + carry;
    }
  }

  /** Multiplies D (and every range, past and future) by 2^k. */
  escalate(k: number): void {
    const f = 2 ** k;
    this.scale *= f;
    this.prev1 *= f;
    this.prev2 *= f;
  }

  /** Moves to iteration t + 1, remembering r_t for the recursion. */
  advance(): void {
    const r = this.current();
    this.prev2 = this.prev1;
    this.prev1 = r;
    this.t++;
  }

  snapshot(): RangeSnapshot {
    return { t: this.t, scale: this.scale, prev1: this.prev1, prev2: this.prev2 };
  }

  restore(s: RangeSnapshot): void {
    this.t = s.t;
    this.scale = s.scale;
    this.prev1 = s.prev1;
    this.prev2 = s.prev2;
  }
}

export interface RangeSnapshot {
  readonly t: number;
  readonly scale: number;
  readonly prev1: number;
  readonly prev2: number;
}
