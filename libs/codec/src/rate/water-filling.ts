import { CodecError } from '../errors.js';

/** Result of `waterFill`: real-valued rates and the water level ν that produced them. */
export interface WaterFilling {
  /** R_k ≥ 0, one per weight, summing to the total (to floating-point precision) */
  readonly bits: number[];
  /** the water level: R_k = [log2(L_k / ν)]₊ */
  readonly nu: number;
}

/**
 * Splits one rate budget across K links by reverse water-filling (paper 004, DQ, the
 * K-worker NQ-GD of the differentially quantized gradient paper):
 *
 *   R_k = [log2(L_k / ν)]₊   with ν chosen so that Σ_k R_k = R.
 *
 * A link whose weight L_k (e.g. its gradient's Lipschitz constant or dynamic range) is at
 * or below ν gets nothing; the others share R so that L_k 2^{−R_k} = ν for all of them,
 * which is the KKT condition of minimising Σ_k L_k 2^{−R_k} under Σ_k R_k = R.
 *
 * ν is found by bisection on log2 ν (Σ_k R_k is continuous and decreasing in ν); the final
 * ν is then recomputed in closed form over the active set, ν = 2^{(Σ_A log2 L_k − R)/|A|},
 * so the rates sum to R exactly up to rounding. Zero weights are allowed (they get 0 bits).
 */
export function waterFill(weights: readonly number[], totalBits: number): WaterFilling {
  if (!Number.isFinite(totalBits) || totalBits < 0) {
    throw new CodecError(`water-filling needs a finite total of bits ≥ 0, got ${totalBits}`, 'pass the budget in bits (e.g. bits per round)');
  }
  let max = 0;
  let minPositive = Infinity;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k]!;
    if (!Number.isFinite(w) || w < 0) {
      throw new CodecError(`water-filling weight ${k} is ${w}`, 'weights must be finite and ≥ 0 (e.g. each link\'s dynamic range)');
    }
    if (w > max) max = w;
    if (w > 0 && w < minPositive) minPositive = w;
  }
  const bits = new Array<number>(weights.length).fill(0);
  if (totalBits === 0 || weights.length === 0) return { bits, nu: max };
  if (max === 0) throw new CodecError('water-filling weights are all 0', 'at least one link must have a positive weight to receive bits');

  const logs = weights.map((w) => (w > 0 ? Math.log2(w) : -Infinity));
  const rateSum = (logNu: number): number => {
    let s = 0;
    for (const l of logs) if (l > logNu) s += l - logNu;
    return s;
  };
  // Σ R_k(log2 max) = 0 ≤ R; at ν = min·2^{−R/K'} every positive link gets ≥ R/K' bits, so Σ ≥ R.
  const positive = logs.filter((l) => l > -Infinity).length;
  let hi = Math.log2(max);
  let lo = Math.log2(minPositive) - totalBits / positive;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (rateSum(mid) > totalBits) lo = mid;
    else hi = mid;
  }
  // Closed form on the active set the bisection found (links strictly above the water level).
  const logNu0 = (lo + hi) / 2;
  let active = 0;
  let logSum = 0;
  for (const l of logs) {
    if (l > logNu0) {
      active++;
      logSum += l;
    }
  }
  const logNu = active > 0 ? (logSum - totalBits) / active : logNu0;
  for (let k = 0; k < logs.length; k++) bits[k] = logs[k]! > logNu ? logs[k]! - logNu : 0;
  return { bits, nu: 2 ** logNu };
}

/**
 * Rounds real-valued rates to whole bits while keeping their sum: each rate is floored,
 * then the bits left over (total − Σ floors) go one each to the rates with the largest
 * fractional parts (largest-remainder method; ties to the lower index). `total` defaults
 * to the rounded sum of `bits`. Every result is within 1 of its input.
 */
export function roundRates(bits: readonly number[], total?: number): number[] {
  let sum = 0;
  for (const b of bits) {
    if (!Number.isFinite(b) || b < 0) throw new CodecError(`rate ${b} cannot be rounded`, 'rates must be finite and ≥ 0');
    sum += b;
  }
  const target = total ?? Math.round(sum);
  if (!Number.isInteger(target) || target < 0) throw new CodecError(`rounded total ${target} is not a whole number ≥ 0`, 'pass an integer total of bits');
  const floors = bits.map((b) => Math.floor(b + 1e-9));
  let left = target - floors.reduce((s, f) => s + f, 0);
  if (left < 0 || left > bits.length) {
    throw new CodecError(`rates summing to ${sum} cannot be rounded to a total of ${target}`, 'the total must be within the number of rates of their sum');
  }
  const order = bits.map((b, k) => ({ k, frac: b - floors[k]! })).sort((a, b) => b.frac - a.frac || a.k - b.k);
  for (const { k } of order) {
    if (left === 0) break;
    floors[k]!++;
    left--;
  }
  return floors;
}
