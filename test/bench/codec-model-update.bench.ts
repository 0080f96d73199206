/**
 * Bits per element of every codec on a real model update: an MLP 64-128-10 (ReLU,
 * softmax cross-entropy) trained with seeded mini-batch SGD on scikit-learn's digits,
 * in plain JS (`mlpUpdate` of @edgefl/codec); the update is the parameter change over the
 * fourth epoch (56 steps of 32), what a FedAvg worker would upload. Also reports the relative error ‖Q(u) − u‖/‖u‖. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/codec-model-update.bench.ts
 * The table in docs/codecs/README.md comes from this script.
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '@edgefl/core';
import { DIGITS_MLP_UPDATE, createCompressor, mlpUpdate } from '@edgefl/codec';
import type { CodecSpec } from '@edgefl/codec';
import { loadDataset, standardize } from '@edgefl/data';

/** The parameter change over the fourth epoch of seeded SGD on digits (DIGITS_MLP_UPDATE). */
export function digitsModelUpdate(): Float32Array {
  return mlpUpdate(standardize(loadDataset('digits')).train, DIGITS_MLP_UPDATE);
}

export const UPDATE_SPECS: readonly CodecSpec[] = [
  { id: 'float32' }, { id: 'float16' },
  { id: 'uniform', bits: 2 }, { id: 'uniform', bits: 4 }, { id: 'uniform', bits: 4, coder: 'rans' },
  { id: 'qgadmm', bits: 2 }, { id: 'qgadmm', bits: 2, coder: 'rans' },
  { id: 'malcom', levels: 8, coder: 'fixed' }, { id: 'malcom', levels: 8 }, { id: 'malcom', levels: 8, coder: 'rans' },
  { id: 'malcom', levels: 8, shrink: 'none' },
  { id: 'qsgd', levels: 16 }, { id: 'qsgd', levels: 16, coder: 'per-coordinate' }, { id: 'qsgd', levels: 16, coder: 'rans' }, { id: 'qsgd', levels: 16, rescale: true },
  { id: 'threshold' }, { id: 'threshold', threshold: 'approx' }, { id: 'threshold', form: 'sparse' }, { id: 'threshold', coder: 'rans' },
  { id: 'terngrad' }, { id: 'terngrad', coder: 'rans' },
  { id: 'dq', bits: 4 }, { id: 'topk', ratio: 0.01 }, { id: 'topk', ratio: 0.1 }, { id: 'sign' },
];

export interface UpdateRow { readonly codec: string; readonly bitsPerElement: number; readonly relativeError: number }

export function measureOnUpdate(u: Float32Array, specs: readonly CodecSpec[] = UPDATE_SPECS): UpdateRow[] {
  let nu = 0;
  for (const x of u) nu += x * x;
  let max = 0;
  for (const x of u) max = Math.max(max, Math.abs(x));
  return specs.map((spec) => {
    const c = createCompressor(spec);
    const st = c.initState(u.length);
    if (spec.id === 'dq') (st as { range: number }).range = max; // DQ's range r_t ≥ ‖u‖∞
    const out = c.encode(u, st, new Rng(7));
    let e = 0;
    for (let i = 0; i < u.length; i++) e += (out.decoded[i]! - u[i]!) ** 2;
    return { codec: JSON.stringify(spec), bitsPerElement: out.payloadBits / u.length, relativeError: Math.sqrt(e / nu) };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const u = digitsModelUpdate();
  console.log(`update: MLP 64-128-10 on digits, epoch 3 → 4, d = ${u.length}`);
  console.log('| codec | bits/element | ‖Q(u) − u‖/‖u‖ |');
  console.log('|---|---|---|');
  for (const r of measureOnUpdate(u)) console.log(`| \`${r.codec}\` | ${r.bitsPerElement.toFixed(3)} | ${r.relativeError < 0.01 ? r.relativeError.toExponential(1) : r.relativeError.toFixed(3)} |`);
}
