import { errorMessage } from '@edgefl/core';
import type { CodecSpec } from '@edgefl/codec';
import type { Inbound, Refusal } from '../contract/types.js';
import { deviationNorm } from './aggregate.js';

/** How many admitted norms the bound's median looks back over. */
const RECENT = 64;

/**
 * The whole-message check a server runs before an update claims its sender's slot
 * (`NodeMachine.admit`): the codec is the job's for that link, the body decodes, every
 * value is finite, and the norm is at most `maxNormRatio` × max(‖model‖, median norm of
 * recently admitted updates). Either scale alone fails somewhere: a model started at 0 has
 * no norm, and the first update of a job has no predecessors; when both are 0 any finite
 * update passes. Holds only the recent norms; decoding is the caller's (it knows the codec state).
 */
export class UpdateAdmission {
  private readonly recent: number[] = [];
  private next = 0;

  constructor(private readonly maxNormRatio: number) {}

  /**
   * Runs the checks on `m`: `expected` is the codec the receiver uses on this link,
   * `decode` turns the body into values (throws on malformed input), `modelNorm` is the
   * scale of the receiver's model. `values` may be deviations from it (pass `center`).
   */
  check(m: Inbound, expected: CodecSpec, decode: () => Float32Array, modelNorm: number, center?: Float32Array): Refusal | null {
    if (!sameCodec(m.codec, expected)) {
      return { reason: 'codec', detail: `message codec ${JSON.stringify(m.codec)} is not the job's ${JSON.stringify(expected)}` };
    }
    let values: Float32Array;
    try {
      values = decode();
    } catch (e) {
      return { reason: 'decode', detail: errorMessage(e) };
    }
    return this.checkValues(values, modelNorm, center);
  }

  /** The value checks alone (finite, norm bound); admits and remembers the norm when they pass. */
  checkValues(values: Float32Array, modelNorm: number, center?: Float32Array): Refusal | null {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) return { reason: 'non-finite', detail: `value ${values[i]} at index ${i}` };
    }
    const norm = deviationNorm(values, center);
    if (!Number.isFinite(norm)) return { reason: 'norm', detail: 'norm overflows' };
    const bound = this.maxNormRatio * Math.max(modelNorm, this.medianRecent());
    if (bound > 0 && norm > bound) {
      return { reason: 'norm', detail: `update norm ${norm.toPrecision(4)} exceeds the bound ${bound.toPrecision(4)} (admission.maxNormRatio × max(model norm, recent median))` };
    }
    if (this.recent.length < RECENT) this.recent.push(norm);
    else this.recent[this.next] = norm;
    this.next = (this.next + 1) % RECENT;
    return null;
  }

  private medianRecent(): number {
    if (this.recent.length === 0) return 0;
    const s = Float64Array.from(this.recent).sort();
    const k = s.length;
    return k % 2 === 1 ? s[(k - 1) / 2]! : (s[k / 2 - 1]! + s[k / 2]!) / 2;
  }
}

/** Two codec specs name the same codec with the same parameters (key order aside). */
export function sameCodec(a: CodecSpec, b: CodecSpec): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

/** A sample count a worker claims: a positive integer below 2^32, else a refusal. */
export function checkSamples(m: Inbound): Refusal | null {
  const n = m.meta?.['samples'];
  if (n === undefined || (Number.isInteger(n) && n > 0 && n < 2 ** 32)) return null;
  return { reason: 'meta', detail: `sample count ${n} is not a positive integer below 2^32` };
}
