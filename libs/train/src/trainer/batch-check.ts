import type { Dataset } from '@edgefl/core';
import { TrainError } from '../errors.js';

/** What a caller's batch must match: the geometry the trainer's model was built for. */
export interface BatchShape {
  readonly features: number;
  /** 0 for regression */
  readonly classes: number;
}

/**
 * Checks a caller-supplied batch (`stepOn`, `gradientOn`) before anything runs: the
 * shape of its arrays, the model's feature count and classes, labels that are class
 * indices, and finite values (one NaN would silently poison every parameter). Runs on
 * the caller's thread before a batch is copied to a worker, and again in the engine;
 * training and evaluation datasets get the same checks (`kind` 'dataset').
 */
export function checkBatchData(b: Dataset, like: BatchShape, kind: 'batch' | 'dataset' = 'batch'): void {
  const name = typeof b?.name === 'string' ? b.name : kind;
  const bad = (what: string, hint: string): never => {
    throw new TrainError('TRAIN_DATA', `${kind} "${name}": ${what}`, hint);
  };
  if (b === null || typeof b !== 'object') bad(`must be a Dataset { name, n, features, x, y, classes }, got ${b === null ? 'null' : typeof b}`, 'pass one Dataset per batch (e.g. subset(ds, rows) from @edgefl/core)');
  if (!Number.isInteger(b.n) || b.n < 1) bad(`n must be a positive integer, got ${b.n}`, 'a batch needs at least one row');
  if (b.features !== like.features) {
    bad(`has ${b.features} features per row, the model takes ${like.features}`, `give each row the ${like.features} features of the training data, in the same order`);
  }
  if (b.classes !== like.classes) {
    bad(`declares ${b.classes} classes, the model was built for ${like.classes}${like.classes === 0 ? ' (regression)' : ''}`,
      'take batches from the same source as the training data (set classes as it does)');
  }
  if (!(b.x instanceof Float32Array)) bad(`x must be a Float32Array, got ${describe(b.x)}`, 'store rows as one row-major Float32Array');
  if (!(b.y instanceof Float32Array)) bad(`y must be a Float32Array, got ${describe(b.y)}`, 'store targets as a Float32Array');
  if (b.x.length !== b.n * b.features) bad(`x has ${b.x.length} values, expected n·features = ${b.n}·${b.features} = ${b.n * b.features}`, 'x is n rows × features, row-major');
  if (b.y.length !== b.n) bad(`y has ${b.y.length} values, expected n = ${b.n}`, 'give one target per row');

  // x − x is 0 for finite x and NaN for NaN/±∞: one branch-free pass (four independent
  // sums, so the adds pipeline), then a search for the offender only when one exists
  const x = b.x;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  const end4 = x.length - (x.length % 4);
  for (let i = 0; i < end4; i += 4) {
    a0 += x[i]! - x[i]!;
    a1 += x[i + 1]! - x[i + 1]!;
    a2 += x[i + 2]! - x[i + 2]!;
    a3 += x[i + 3]! - x[i + 3]!;
  }
  for (let i = end4; i < x.length; i++) a0 += x[i]! - x[i]!;
  if (a0 + a1 + a2 + a3 !== 0) {
    let i = 0;
    while (Number.isFinite(x[i]!)) i++;
    const f = like.features;
    bad(`x[row ${Math.floor(i / f)}, feature ${i % f}] is ${x[i]}`, 'drop or impute rows with non-finite features before training; one would poison every parameter');
  }
  const y = b.y;
  if (like.classes > 0) {
    for (let r = 0; r < y.length; r++) {
      const v = y[r]!;
      if (!Number.isInteger(v) || v < 0 || v >= like.classes) {
        bad(`row ${r} has label ${v}, outside 0…${like.classes - 1}`, `labels must be class indices 0…${like.classes - 1} of the training data`);
      }
    }
  } else {
    for (let r = 0; r < y.length; r++) {
      if (!Number.isFinite(y[r]!)) bad(`row ${r} has target ${y[r]}`, 'drop or impute rows with non-finite targets before training');
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
