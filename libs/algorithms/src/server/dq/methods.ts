/**
 * The gradient methods of the differentially quantized gradient paper (Lin, Kostina,
 * Hassibi, "Differentially Quantized Gradient Methods", IEEE T-IT 2022 / arXiv 2002.02508):
 * their step sizes, momentum, contraction factors and the bounds of the quantized variants.
 * Equation numbers (n) are the paper's.
 */

/** The unquantized method a variant follows. */
export type Method = 'gd' | 'agd' | 'hb';
/** How the worker forms what it sends: full precision, differential (DQ) or naive (NQ) quantization. */
export type Quantization = 'none' | 'dq' | 'nq';

export interface MethodConstants {
  /** step size η */
  readonly eta: number;
  /** momentum γ (0 for GD) */
  readonly gamma: number;
  /** contraction factor σ of the unquantized method */
  readonly sigma: number;
}

/**
 * GD: η = 2/(L+μ) (20), σ_GD = (κ−1)/(κ+1) (21).
 * AGD: η = 1/L (30), γ = (√κ−1)/(√κ+1) (31), σ_AGD = √(1 − 1/√κ) (32).
 * HB: η = (2/(√L+√μ))² (42), γ = ((√κ−1)/(√κ+1))² (43), σ_HB = (√κ−1)/(√κ+1) (44).
 */
export function methodConstants(method: Method, L: number, mu: number): MethodConstants {
  const kappa = L / mu;
  const sk = Math.sqrt(kappa);
  switch (method) {
    case 'gd':
      return { eta: 2 / (L + mu), gamma: 0, sigma: (kappa - 1) / (kappa + 1) };
    case 'agd':
      return { eta: 1 / L, gamma: (sk - 1) / (sk + 1), sigma: Math.sqrt(1 - 1 / sk) };
    case 'hb':
      return { eta: (2 / (Math.sqrt(L) + Math.sqrt(mu))) ** 2, gamma: ((sk - 1) / (sk + 1)) ** 2, sigma: (sk - 1) / (sk + 1) };
  }
}

/** Covering efficiency of the uniform scalar quantizer on [−1, 1]ⁿ: ρ_n = √n (Section III-A). */
export function coveringEfficiency(n: number): number {
  return Math.sqrt(n);
}

/** φ(n, R, γ) (36): ρ_n 2^−R φ is the larger root of the range recursion's characteristic polynomial (37). */
export function phi(rho: number, R: number, gamma: number): number {
  const a = rho * 2 ** -R;
  return 0.5 * (1 + gamma) + 0.5 * Math.sqrt((1 + gamma) ** 2 + (4 * gamma) / a);
}

/** R_2(n, σ, γ) (39): above it a DQ method contracts as fast as its unquantized counterpart. */
export function thresholdRate(n: number, sigma: number, gamma: number): number {
  return Math.log2(((1 + gamma) * sigma + gamma) / sigma ** 2) + Math.log2(coveringEfficiency(n));
}

/**
 * The contraction factor the paper guarantees:
 * unquantized: σ; DQ-GD: max(σ_GD, ρ_n 2^−R) (23); DQ-AGD / DQ-HB: max(σ, ρ_n 2^−R φ(n, R, γ)) (35), (46);
 * NQ-GD with K workers at rates R_k: σ_GD + η ρ_n Σ_k L_k 2^−R_k (177) — for one worker
 * σ_GD + (2κ/(κ+1)) ρ_n 2^−R (28). The sum form f = Σ_k f_k is used (the paper's (58)
 * averages; the two differ only by K in η and L).
 */
export function contractionBound(
  method: Method, quant: Quantization, c: MethodConstants, n: number, R: number, workerSmoothness: readonly number[] = [], workerBits: readonly number[] = [],
): number {
  if (quant === 'none') return c.sigma;
  const rho = coveringEfficiency(n);
  if (quant === 'nq') {
    let s = 0;
    for (let k = 0; k < workerSmoothness.length; k++) s += workerSmoothness[k]! * 2 ** -workerBits[k]!;
    return c.sigma + c.eta * rho * s;
  }
  if (method === 'gd') return Math.max(c.sigma, rho * 2 ** -R);
  return Math.max(c.sigma, rho * 2 ** -R * phi(rho, R, c.gamma));
}
