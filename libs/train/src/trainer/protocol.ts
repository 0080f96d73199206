import type { Dataset } from '@edgefl/core';
import type { ModelSpec } from '../models/types.js';

/** Messages between Trainers and the worker thread hosting their engines. */
export interface EngineInit {
  readonly model: ModelSpec;
  readonly data: Dataset;
  readonly seed: number;
  readonly threads: number;
}

export type Method = 'sgd' | 'admmStep' | 'proxStep' | 'gradient' | 'stepOn' | 'gradientOn' | 'evaluate';

export type Request =
  | { readonly id: number; readonly kind: 'create'; readonly engine: number; readonly init: EngineInit }
  | { readonly id: number; readonly kind: 'dispose'; readonly engine: number }
  | {
    readonly id: number;
    readonly kind: 'call';
    readonly engine: number;
    readonly method: Method;
    readonly params: Float32Array;
    readonly opts: unknown;
    /** evaluation data: `id` always, the rows until the current worker has them */
    readonly data?: { readonly id: number; readonly dataset?: Dataset };
    /** `stepOn`/`gradientOn` rows: a private copy whose x and y buffers are transferred */
    readonly batch?: Dataset;
  };

export interface SerializedError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  readonly hint?: string;
}

export type Response =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** The ArrayBuffer of a fresh Float32Array, when it owns all of it (safe to transfer). */
export function ownBuffer(a: Float32Array): ArrayBuffer | undefined {
  const buf = a.buffer;
  return buf instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === buf.byteLength ? buf : undefined;
}
