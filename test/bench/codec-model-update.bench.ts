/**
 * Bits per element of every codec on a real model update: an MLP 64-128-10 (ReLU,
 * softmax cross-entropy) trained with seeded mini-batch SGD on scikit-learn's digits,
 * in plain JS; the update is the parameter change over one epoch (epoch 3 → 4), what a
 * FedAvg worker would upload. Also reports the relative error ‖Q(u) − u‖/‖u‖. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/codec-model-update.bench.ts
 * The table in docs/codecs/README.md comes from this script.
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '@edgefl/core';
import { createCompressor } from '@edgefl/codec';
import type { CodecSpec } from '@edgefl/codec';
import { loadDataset, standardize } from '@edgefl/data';

const HIDDEN = 128;

interface Mlp { readonly w1: Float32Array; readonly b1: Float32Array; readonly w2: Float32Array; readonly b2: Float32Array; readonly flat: Float32Array }

function createMlp(inputs: number, classes: number, rng: Rng): Mlp {
  const sizes = [inputs * HIDDEN, HIDDEN, HIDDEN * classes, classes];
  const flat = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let o = 0;
  const [w1, b1, w2, b2] = sizes.map((n) => { const v = flat.subarray(o, o + n); o += n; return v; }) as [Float32Array, Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < w1.length; i++) w1[i] = rng.normal() * Math.sqrt(2 / inputs);
  for (let i = 0; i < w2.length; i++) w2[i] = rng.normal() * Math.sqrt(2 / HIDDEN);
  return { w1, b1, w2, b2, flat };
}

/** One SGD step on a mini-batch (softmax cross-entropy), in place. */
function sgdStep(m: Mlp, x: Float32Array, y: Float32Array, rows: number[], inputs: number, classes: number, lr: number): void {
  const g = new Float32Array(m.flat.length);
  let o = 0;
  const gw1 = g.subarray(o, (o += m.w1.length)), gb1 = g.subarray(o, (o += HIDDEN)), gw2 = g.subarray(o, (o += m.w2.length)), gb2 = g.subarray(o, (o += classes));
  const h = new Float32Array(HIDDEN), z = new Float64Array(classes), dh = new Float32Array(HIDDEN);
  for (const r of rows) {
    const xr = x.subarray(r * inputs, (r + 1) * inputs);
    for (let j = 0; j < HIDDEN; j++) {
      let s = m.b1[j]!;
      for (let i = 0; i < inputs; i++) s += m.w1[j * inputs + i]! * xr[i]!;
      h[j] = s > 0 ? s : 0;
    }
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = m.b2[c]!;
      for (let j = 0; j < HIDDEN; j++) s += m.w2[c * HIDDEN + j]! * h[j]!;
      z[c] = s;
      max = Math.max(max, s);
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) { z[c] = Math.exp(z[c]! - max); sum += z[c]!; }
    dh.fill(0);
    for (let c = 0; c < classes; c++) {
      const dz = z[c]! / sum - (c === y[r] ? 1 : 0);
      gb2[c]! += dz;
      for (let j = 0; j < HIDDEN; j++) { gw2[c * HIDDEN + j]! += dz * h[j]!; dh[j]! += dz * m.w2[c * HIDDEN + j]!; }
    }
    for (let j = 0; j < HIDDEN; j++) {
      if (h[j]! <= 0) continue;
      gb1[j]! += dh[j]!;
      for (let i = 0; i < inputs; i++) gw1[j * inputs + i]! += dh[j]! * xr[i]!;
    }
  }
  const a = lr / rows.length;
  for (let i = 0; i < g.length; i++) m.flat[i] = m.flat[i]! - a * g[i]!;
}

/** The parameter change over epoch `epochs` of seeded SGD on digits. */
export function digitsModelUpdate(epochs = 4, seed = 1): Float32Array {
  const ds = standardize(loadDataset('digits')).train;
  const rng = new Rng(seed);
  const m = createMlp(ds.features, ds.classes, rng);
  const order = Array.from({ length: ds.n }, (_, i) => i);
  let before = new Float32Array(0);
  for (let e = 0; e < epochs; e++) {
    if (e === epochs - 1) before = Float32Array.from(m.flat);
    rng.shuffle(order);
    for (let s = 0; s < ds.n; s += 32) sgdStep(m, ds.x, ds.y, order.slice(s, s + 32), ds.features, ds.classes, 0.05);
  }
  return m.flat.map((x, i) => x - before[i]!);
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
