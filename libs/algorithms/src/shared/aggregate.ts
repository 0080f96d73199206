import * as z from 'zod';

/**
 * Robust aggregation rules, shared by every server algorithm that averages its workers'
 * vectors (FedAvg deltas, S-ADMM's v_n, GD gradients, QCMD/QRDA's SynQ). One module so every
 * algorithm offers the same options with the same meaning:
 *
 * - `mean`: the weighted mean Σ w_k u_k / Σ w_k (the algorithms' own rule, the default);
 * - `median`: the coordinate-wise median (Yin et al. 2018), unweighted; tolerates up to half
 *   the updates being arbitrary;
 * - `trimmed-mean`: per coordinate, drop the ⌊trim·K⌋ smallest and largest values and average
 *   the rest (unweighted);
 * - `clip` (with any rule): first scale each update's deviation from the centre down to at
 *   most `clip` × the median deviation norm of the round (norm clipping relative to the
 *   round's own updates, so it needs no tuning to the model's scale).
 */
export const AGGREGATION_RULES = ['mean', 'median', 'trimmed-mean'] as const;
export type AggregationRuleName = (typeof AGGREGATION_RULES)[number];

export interface AggregationRule {
  readonly rule: AggregationRuleName;
  /** fraction trimmed from each end by `trimmed-mean` (0 ≤ trim < 0.5) */
  readonly trim: number;
  /** clip each update's norm to `clip` × the round's median norm (≥ 1); absent: no clipping */
  readonly clip?: number;
}

export const DEFAULT_AGGREGATION: AggregationRule = { rule: 'mean', trim: 0.1 };

/** The `aggregation:` parameter every averaging server algorithm declares. */
export const aggregationParam = z.strictObject({
  rule: z.enum(AGGREGATION_RULES).default('mean').describe('mean (weighted), median (coordinate-wise) or trimmed-mean'),
  trim: z.number().min(0).lt(0.5).default(0.1).describe('trimmed-mean: fraction of values dropped at each end of every coordinate'),
  clip: z.number().min(1).optional().describe('clip every update\'s norm to clip × the round\'s median update norm before aggregating'),
}).prefault({}).describe('how the server combines its workers\' updates (robust options against outliers and hostile updates)');

/** The `admission:` parameter: what an update must satisfy before it is held for its round. */
export const admissionParam = z.strictObject({
  maxNormRatio: z.number().positive().default(100).describe('refuse an update whose norm exceeds this × max(the model\'s norm, the median norm of recently admitted updates)'),
}).prefault({}).describe('checks every update passes before it claims its sender\'s slot for the round');

export interface Weighted {
  readonly values: Float32Array;
  readonly weight: number;
}

/**
 * Combines `updates` by `rule` into `out` (length d), optionally around `center` (clipping
 * measures deviations from it; default 0). Returns false when there is nothing to combine
 * (no update, or total weight 0), leaving `out` untouched. Loops over typed arrays, with one
 * scratch buffer of K values for the order statistics.
 */
export function aggregate(updates: readonly Weighted[], rule: AggregationRule, out: Float64Array, center?: Float32Array): boolean {
  const k = updates.length;
  if (k === 0) return false;
  const d = out.length;
  const scale = clipScales(updates, rule.clip, center, d);
  if (rule.rule === 'mean') {
    let total = 0;
    for (const u of updates) total += u.weight;
    if (!(total > 0)) return false;
    out.fill(0);
    // Σ_k w_k u_k / Σ_k w_k, summed then divided (the algorithms' own order of operations)
    for (let j = 0; j < k; j++) {
      const u = updates[j]!;
      const f = u.weight * scale[j]!;
      const v = u.values;
      if (center) for (let i = 0; i < d; i++) out[i]! += f * (v[i]! - center[i]!);
      else for (let i = 0; i < d; i++) out[i]! += f * v[i]!;
    }
    for (let i = 0; i < d; i++) out[i] = out[i]! / total + (center ? center[i]! : 0);
    return true;
  }
  const cut = rule.rule === 'trimmed-mean' ? Math.min(Math.floor(rule.trim * k), Math.floor((k - 1) / 2)) : 0;
  const col = new Float64Array(k);
  for (let i = 0; i < d; i++) {
    const c = center ? center[i]! : 0;
    for (let j = 0; j < k; j++) col[j] = c + scale[j]! * (updates[j]!.values[i]! - c);
    col.sort();
    if (rule.rule === 'median') {
      out[i] = k % 2 === 1 ? col[(k - 1) / 2]! : (col[k / 2 - 1]! + col[k / 2]!) / 2;
    } else {
      let s = 0;
      for (let j = cut; j < k - cut; j++) s += col[j]!;
      out[i] = s / (k - 2 * cut);
    }
  }
  return true;
}

/** Per-update factors that bring each deviation's norm down to clip × the median norm (1 without clipping). */
function clipScales(updates: readonly Weighted[], clip: number | undefined, center: Float32Array | undefined, d: number): Float64Array {
  const k = updates.length;
  const scale = new Float64Array(k).fill(1);
  if (clip === undefined) return scale;
  const norms = new Float64Array(k);
  for (let j = 0; j < k; j++) norms[j] = deviationNorm(updates[j]!.values, center, d);
  const sorted = Float64Array.from(norms).sort();
  const median = k % 2 === 1 ? sorted[(k - 1) / 2]! : (sorted[k / 2 - 1]! + sorted[k / 2]!) / 2;
  const cap = clip * median;
  for (let j = 0; j < k; j++) if (norms[j]! > cap) scale[j] = cap > 0 ? cap / norms[j]! : 0;
  return scale;
}

/** ‖v − center‖₂ (‖v‖₂ without a centre), accumulated in float64. */
export function deviationNorm(v: Float32Array, center: Float32Array | undefined, d = v.length): number {
  let s = 0;
  if (center) for (let i = 0; i < d; i++) { const x = v[i]! - center[i]!; s += x * x; }
  else for (let i = 0; i < d; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** The plain weighted mean, with no clipping: algorithms keep their own summation for it. */
export function isPlainMean(rule: AggregationRule): boolean {
  return rule.rule === 'mean' && rule.clip === undefined;
}

/**
 * Σ_k u_k of the algorithms that sum their workers' vectors (GD's Σ_n ĝ_n, S-ADMM's Σ_n v_n,
 * QCMD/QRDA's SynQ before its division, DQ's Σ_k q_{t,k}) into `out`, in arrival order;
 * under a robust `rule`, K × the rule's centre of the u_k instead (around `center`, when
 * given), so the algorithm's step keeps its scale. `out` starts at 0.
 */
export class RobustSum {
  private readonly robust: Weighted[] = [];
  private k = 0;

  constructor(private readonly rule: AggregationRule, private readonly out: Float64Array, private readonly center?: Float32Array) {
    out.fill(0);
  }

  add(values: Float32Array): void {
    const out = this.out;
    if (isPlainMean(this.rule)) for (let i = 0; i < out.length; i++) out[i]! += values[i]!;
    else this.robust.push({ values, weight: 1 });
    this.k++;
  }

  /** Completes `out` and returns K, the number of vectors added. */
  finish(): number {
    const out = this.out;
    if (this.robust.length > 0 && aggregate(this.robust, this.rule, out, this.center)) for (let i = 0; i < out.length; i++) out[i] = out[i]! * this.k;
    return this.k;
  }
}
