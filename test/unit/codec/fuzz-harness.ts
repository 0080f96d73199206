/**
 * Reusable fuzz harness for decoders of network bytes. Feeds a decoder seeded random,
 * truncated, bit-flipped, spliced and extended variants of valid messages and checks
 * that each call either returns (and passes `check`) or throws the expected typed error
 * (CodecError by default) — never another exception type. Decoders are synchronous, so
 * a hang shows up as the calling test's timeout, never as a silent pass.
 *
 *   const report = fuzzDecoder({ name: 'rans', seed: 1, corpus, decode: (b) => decodeRans(b, n, 16),
 *                                check: (out) => assert.equal(out.length, n) });
 */
import { Rng } from '@edgefl/core';
import { CodecError } from '@edgefl/codec';

export type Mutation = 'random' | 'truncate' | 'bitflip' | 'truncate+bitflip' | 'extend' | 'splice' | 'zero-fill' | 'ones-fill';

export interface FuzzOptions<T> {
  readonly name: string;
  readonly seed: number | string;
  /** valid encodings the mutations start from (each must decode cleanly) */
  readonly corpus: readonly Uint8Array[];
  readonly decode: (bytes: Uint8Array) => T;
  /** extra checks on a result that decoded (e.g. length equals the declared count) */
  readonly check?: (result: T, input: Uint8Array) => void;
  /** inputs to try; ≥ 10,000 in CI */
  readonly iterations?: number;
  /** longest purely random input, bytes */
  readonly maxRandomBytes?: number;
  /**
   * Upper bound on ArrayBuffer bytes one decode may allocate (what the declared count and
   * alphabet allow). Measured as the growth of process.memoryUsage().arrayBuffers across
   * the call, which a garbage collection can only lower, so an excess is real.
   */
  readonly maxAllocatedBytes?: number;
  /** the only error type allowed to escape the decoder */
  readonly expectedError?: abstract new (...args: never[]) => Error;
}

export interface FuzzReport {
  readonly name: string;
  readonly runs: number;
  /** inputs that decoded and passed `check` */
  readonly decoded: number;
  /** inputs rejected with the expected error */
  readonly rejected: number;
  readonly byMutation: Record<Mutation, { runs: number; rejected: number }>;
}

export class FuzzFailure extends Error {}

const MUTATIONS: readonly Mutation[] = ['random', 'truncate', 'bitflip', 'truncate+bitflip', 'extend', 'splice', 'zero-fill', 'ones-fill'];

function hex(bytes: Uint8Array, max = 48): string {
  const head = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join('');
  return bytes.length > max ? `${head}… (${bytes.length} bytes)` : `${head} (${bytes.length} bytes)`;
}

function flipBits(rng: Rng, src: Uint8Array): Uint8Array {
  const out = src.slice();
  if (out.length === 0) return out;
  const flips = 1 + rng.int(Math.min(8, out.length * 8));
  for (let i = 0; i < flips; i++) {
    const bit = rng.int(out.length * 8);
    out[bit >>> 3]! ^= 0x80 >>> (bit & 7);
  }
  return out;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextUint32() & 0xff;
  return out;
}

/** One mutated input of the given kind. */
export function mutate(rng: Rng, kind: Mutation, corpus: readonly Uint8Array[], maxRandomBytes: number): Uint8Array {
  const src = corpus[rng.int(corpus.length)]!;
  switch (kind) {
    case 'random':
      return randomBytes(rng, rng.int(maxRandomBytes + 1));
    case 'truncate':
      return src.slice(0, src.length === 0 ? 0 : rng.int(src.length));
    case 'bitflip':
      return flipBits(rng, src);
    case 'truncate+bitflip':
      return flipBits(rng, src.slice(0, src.length === 0 ? 0 : 1 + rng.int(src.length)));
    case 'extend': {
      const out = new Uint8Array(src.length + 1 + rng.int(16));
      out.set(src);
      out.set(randomBytes(rng, out.length - src.length), src.length);
      return out;
    }
    case 'splice': {
      const other = corpus[rng.int(corpus.length)]!;
      const a = rng.int(src.length + 1);
      const b = rng.int(other.length + 1);
      const out = new Uint8Array(a + other.length - b);
      out.set(src.subarray(0, a));
      out.set(other.subarray(b), a);
      return out;
    }
    case 'zero-fill':
    case 'ones-fill': {
      const out = src.slice();
      const a = rng.int(out.length + 1);
      out.fill(kind === 'zero-fill' ? 0 : 0xff, a, a + 1 + rng.int(64));
      return out;
    }
  }
}

function checkAllocation<T>(opts: FuzzOptions<T>, before: number, it: number, kind: Mutation, input: Uint8Array): void {
  if (opts.maxAllocatedBytes === undefined) return;
  const grew = process.memoryUsage().arrayBuffers - before;
  if (grew > opts.maxAllocatedBytes) {
    throw new FuzzFailure(`${opts.name}: seed ${String(opts.seed)} iteration ${it} (${kind}) allocated ${grew} bytes, allowed ${opts.maxAllocatedBytes}; input ${hex(input)}`);
  }
}

/** Runs the fuzz loop; throws FuzzFailure naming the seed, iteration, mutation and input on a bad outcome. */
export function fuzzDecoder<T>(opts: FuzzOptions<T>): FuzzReport {
  const iterations = opts.iterations ?? 10_000;
  const maxRandom = opts.maxRandomBytes ?? 256;
  const expected = opts.expectedError ?? CodecError;
  if (opts.corpus.length === 0) throw new FuzzFailure(`${opts.name}: empty corpus`);
  for (const [i, valid] of opts.corpus.entries()) {
    try {
      const out = opts.decode(valid);
      opts.check?.(out, valid);
    } catch (e) {
      throw new FuzzFailure(`${opts.name}: corpus entry ${i} does not decode: ${String(e)}`);
    }
  }
  const rng = new Rng(opts.seed);
  const byMutation = Object.fromEntries(MUTATIONS.map((m) => [m, { runs: 0, rejected: 0 }])) as Record<Mutation, { runs: number; rejected: number }>;
  let decoded = 0;
  let rejected = 0;
  for (let it = 0; it < iterations; it++) {
    const kind = MUTATIONS[it % MUTATIONS.length]!;
    const input = mutate(rng, kind, opts.corpus, maxRandom);
    const tally = byMutation[kind];
    tally.runs++;
    let result: T;
    const before = opts.maxAllocatedBytes === undefined ? 0 : process.memoryUsage().arrayBuffers;
    try {
      result = opts.decode(input);
    } catch (e) {
      checkAllocation(opts, before, it, kind, input);
      if (e instanceof expected) {
        rejected++;
        tally.rejected++;
        continue;
      }
      throw new FuzzFailure(
        `${opts.name}: seed ${String(opts.seed)} iteration ${it} (${kind}) threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} ` +
          `instead of ${expected.name}; input ${hex(input)}`,
      );
    }
    checkAllocation(opts, before, it, kind, input);
    try {
      opts.check?.(result, input);
    } catch (e) {
      throw new FuzzFailure(`${opts.name}: seed ${String(opts.seed)} iteration ${it} (${kind}) decoded an invalid result: ${String(e)}; input ${hex(input)}`);
    }
    decoded++;
  }
  return { name: opts.name, runs: iterations, decoded, rejected, byMutation };
}
