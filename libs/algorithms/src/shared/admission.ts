import { errorMessage } from '@edgefl/core';
import type { CodecSpec } from '@edgefl/codec';
import type { Inbound, NodeEnv, Refusal } from '../contract/types.js';
import { deviationNorm } from './aggregate.js';
import type { StarCodecs } from './server.js';

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

/**
 * What a server's admission decoded, handed to `act` so every update's body is decoded once
 * (admission runs on each message the gateway receives; `act` then decoded it again). Keyed
 * by the message object, which the mailbox holds from `admit` until it hands that same object
 * to `act`; weakly, so a message dropped after admission takes its entry with it.
 *
 * `take` returns the entry only to the decoder that made it (`by`: the compressor and state
 * the link uses) and only once, so `act` gets exactly what it would have decoded — for a
 * decoder that advances a state, the one decode that moves it in step with the sender, where
 * two would move it twice. The value is then `act`'s alone.
 */
export class AdmittedDecodes<T> {
  private readonly byMessage = new WeakMap<Inbound, { readonly by: object; readonly value: T }>();

  /** Decodes `m` (throws as `decode` does) and keeps the result for `take`. */
  decode(m: Inbound, by: object, decode: () => T): T {
    const value = decode();
    this.byMessage.set(m, { by, value });
    return value;
  }

  /** What admission decoded from `m` with `by`, once; otherwise `decode()` now. */
  take(m: Inbound, by: object, decode: () => T): T {
    const kept = this.byMessage.get(m);
    if (kept === undefined) return decode();
    this.byMessage.delete(m);
    return kept.by === by ? kept.value : decode();
  }
}

/**
 * A server's intake of its workers' uploads in the job's `up` codec (FedAvg's deltas,
 * S-ADMM's v_n, GD's gradients): admission, then the admitted values for `act`, decoded once.
 */
export class UploadIntake {
  private readonly admission: UpdateAdmission;
  private readonly decoded = new AdmittedDecodes<Float32Array>();

  constructor(private readonly env: NodeEnv, private readonly codecs: StarCodecs, admission: { readonly maxNormRatio: number } | undefined) {
    this.admission = new UpdateAdmission(admission?.maxNormRatio ?? 100);
  }

  /**
   * The checks of `UpdateAdmission` in the codec this worker's budget implies for the round
   * (not the one the message claims), with `modelNorm` the scale of the server's model.
   */
  admit(m: Inbound, modelNorm: number): Refusal | null {
    const link = this.codecs.upload(m.from);
    return this.admission.check(m, link.c.spec, () => this.decoded.decode(m, link, () => link.c.decode(m.body, this.env.dim, link.state)), modelNorm);
  }

  /** The values of `m`: those admission decoded, or decoded now (throws CodecError on a malformed body). */
  values(m: Inbound): Float32Array {
    const link = this.codecs.upload(m.from);
    return this.decoded.take(m, link, () => link.c.decode(m.body, this.env.dim, link.state));
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
