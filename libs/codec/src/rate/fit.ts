import type { CodecSpec } from '../types.js';
import { CodecError } from '../errors.js';

/** A codec setting chosen to fit a round's payload budget. */
export interface BudgetFit {
  /** the spec to encode with this round (the configured one when it fits already) */
  readonly spec: CodecSpec;
  /** the most payload bits one message under `spec` can take, or null when it depends on the data */
  readonly maxPayloadBits: number | null;
  /** true when `spec` differs from the configured one */
  readonly adapted: boolean;
}

/** Side info of the uniform codec: float32 min and max. */
const UNIFORM_SIDE_BITS = 64;

/**
 * Payload bits of one message of `dim` coordinates for codecs whose size does not depend on
 * the data (float32, float16, uniform with the fixed-width coder); null for the others.
 */
export function fixedPayloadBits(spec: CodecSpec, dim: number): number | null {
  switch (spec.id) {
    case 'float32':
      return 32 * dim;
    case 'float16':
      return 16 * dim;
    case 'uniform':
    case 'qgadmm':
      // qgadmm's side info is the residual's norm R and, like uniform, 64 bits.
      return isFixedUniform(spec) && typeof spec['bits'] === 'number' ? UNIFORM_SIDE_BITS + spec['bits'] * dim : null;
    case 'dq':
      // no side info: both ends know the range from the agreed schedule
      return isFixedUniform(spec) && typeof spec['bits'] === 'number' ? spec['bits'] * dim : null;
    default:
      return null;
  }
}

/**
 * The fewest payload bits a message of `dim` coordinates can take under this codec family
 * at its cheapest setting (uniform: 1 bit per coordinate), or null when the family has no
 * fixed-size setting. A per-round budget below it cannot be met by this codec.
 */
export function minimumPayloadBits(spec: CodecSpec, dim: number): number | null {
  if (bitsKnob(spec)) return sideBits(spec) + dim;
  if (spec.id === 'topk') return topkMaxBits(1, dim);
  return fixedPayloadBits(spec, dim);
}

/** Top-k's largest payload for k kept coordinates: 32k value bits + 1 flag + at most d index bits. */
function topkMaxBits(k: number, dim: number): number {
  return 32 * k + 1 + dim;
}

/** The k a top-k spec keeps for `dim` coordinates (k, or ⌈ratio·d⌉). */
function topkK(spec: CodecSpec, dim: number): number | null {
  if (typeof spec['k'] === 'number') return Math.min(spec['k'], dim);
  if (typeof spec['ratio'] === 'number') return Math.min(dim, Math.ceil(spec['ratio'] * dim));
  return null;
}

/**
 * Chooses this round's codec setting so one message fits `budgetBits` payload bits: the
 * uniform and qgadmm codecs take the most bits per coordinate that fit, b = ⌊(budget − 64)/d⌋
 * (dq: ⌊budget/d⌋, it sends no side info), capped
 * at the configured b (a budget is a ceiling, not a target); top-k keeps the most coordinates
 * k whose worst case 32k + 1 + d fits (capped at the configured k). Fixed-size codecs are checked;
 * codecs whose size depends on the data are returned unchanged (their overruns are counted
 * as violations). Throws CodecError naming the minimum when no setting fits.
 */
export function fitToBudget(spec: CodecSpec, dim: number, budgetBits: number): BudgetFit {
  if (!(budgetBits > 0)) throw new CodecError(`payload budget ${budgetBits} is not a positive number of bits`, 'give bitsPerRound > 0');
  const min = minimumPayloadBits(spec, dim);
  if (min !== null && min > budgetBits) {
    const how = bitsKnob(spec) ? `1 bit per coordinate × ${dim} + ${sideBits(spec)} side bits`
      : spec.id === 'topk' ? `one 32-bit value + 1 flag bit + a ${dim}-bit index` : `${spec.id} is fixed-size`;
    throw new CodecError(
      `a budget of ${budgetBits} payload bits per round cannot be met by codec ${spec.id}: it needs at least ${min} bits (${how})`,
      `raise bitsPerRound to at least ${min}, or use a codec that can go lower (uniform: d + 64 bits; topk: d + 33 bits)`,
    );
  }
  if (bitsKnob(spec) && typeof spec['bits'] === 'number') {
    const side = sideBits(spec);
    const fit = Math.min(spec['bits'], Math.floor((budgetBits - side) / dim));
    const adapted = fit !== spec['bits'];
    const out: CodecSpec = adapted ? { ...spec, bits: fit } : spec;
    return { spec: out, maxPayloadBits: side + fit * dim, adapted };
  }
  if (spec.id === 'topk') {
    const k0 = topkK(spec, dim);
    if (k0 !== null) {
      // Sparsity chosen per round: the most coordinates whose worst-case payload fits.
      const k = Math.min(k0, Math.floor((budgetBits - 1 - dim) / 32));
      if (k === k0 && topkMaxBits(k0, dim) <= budgetBits) return { spec, maxPayloadBits: topkMaxBits(k0, dim), adapted: false };
      return { spec: { id: 'topk', k }, maxPayloadBits: topkMaxBits(k, dim), adapted: true };
    }
  }
  return { spec, maxPayloadBits: fixedPayloadBits(spec, dim), adapted: false };
}

/** Codecs whose `bits` per coordinate set a fixed payload: uniform, qgadmm (both + 64 side bits) and dq (no side bits), with the fixed-width coder. */
function bitsKnob(spec: CodecSpec): boolean {
  return (spec.id === 'uniform' || spec.id === 'qgadmm' || spec.id === 'dq') && isFixedUniform(spec) && spec['bits'] !== 'auto';
}

function sideBits(spec: CodecSpec): number {
  return spec.id === 'dq' ? 0 : UNIFORM_SIDE_BITS;
}

function isFixedUniform(spec: CodecSpec): boolean {
  return spec['coder'] === undefined || spec['coder'] === 'fixed';
}
