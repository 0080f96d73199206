import type { Dataset } from '@edgefl/core';
import type { ModelSpec } from '../models/types.js';

/** Messages between a Trainer and its worker thread. */
export interface WorkerInit {
  readonly model: ModelSpec;
  readonly data: Dataset;
  readonly seed: number;
  readonly threads: number;
}

export type Method = 'sgd' | 'admmStep' | 'proxStep' | 'gradient' | 'evaluate' | 'close';

export interface Request {
  readonly id: number;
  readonly method: Method;
  readonly params: Float32Array;
  readonly opts: unknown;
  /** evaluation data: `id` always, the rows only the first time this dataset is sent */
  readonly data?: { readonly id: number; readonly dataset?: Dataset };
}

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
