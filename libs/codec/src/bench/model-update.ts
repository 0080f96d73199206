/**
 * Real model updates for the codec benchmarks: a ReLU MLP with softmax cross-entropy,
 * trained with seeded mini-batch SGD in plain JS (no ONNX: the codec package stays light),
 * and the parameter change over a window of steps — what a worker or gossip node sends.
 * Parameters are laid out layer by layer as [W (in × out, row-major), b (out)].
 */
import { Rng, type Dataset } from '@edgefl/core';

export interface MlpUpdateOptions {
  /** hidden layer widths, e.g. [128] or [512, 512] */
  readonly hidden: readonly number[];
  /** SGD steps before the measured window */
  readonly warmupSteps: number;
  /** SGD steps whose parameter change is the update */
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly seed: number;
}

interface Layer { readonly inputs: number; readonly outputs: number; readonly w: number; readonly b: number }

function layout(sizes: readonly number[]): { layers: Layer[]; dim: number } {
  const layers: Layer[] = [];
  let o = 0;
  for (let k = 0; k + 1 < sizes.length; k++) {
    const inputs = sizes[k]!, outputs = sizes[k + 1]!;
    layers.push({ inputs, outputs, w: o, b: o + inputs * outputs });
    o += inputs * outputs + outputs;
  }
  return { layers, dim: o };
}

/**
 * Gradient of the summed loss over `rows` into `g` (zeroed first). Inner loops run over
 * contiguous output units and skip zero activations (ReLU zeros, blank pixels).
 */
function gradient(theta: Float32Array, g: Float32Array, layers: readonly Layer[], acts: Float32Array[], deltas: Float32Array[], ds: Dataset, rows: ArrayLike<number>): void {
  g.fill(0);
  const last = layers.length - 1;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    acts[0]!.set(ds.x.subarray(row * ds.features, (row + 1) * ds.features));
    for (let k = 0; k <= last; k++) {
      const { inputs, outputs, w, b } = layers[k]!;
      const a = acts[k]!, z = acts[k + 1]!;
      for (let j = 0; j < outputs; j++) z[j] = theta[b + j]!;
      for (let i = 0; i < inputs; i++) {
        const ai = a[i]!;
        if (ai === 0) continue;
        const base = w + i * outputs;
        for (let j = 0; j < outputs; j++) z[j]! += ai * theta[base + j]!;
      }
      if (k < last) for (let j = 0; j < outputs; j++) if (z[j]! < 0) z[j] = 0;
    }
    // softmax cross-entropy: δ = softmax(z) − onehot(y)
    const z = acts[last + 1]!, dz = deltas[last + 1]!;
    let max = -Infinity;
    for (let c = 0; c < z.length; c++) if (z[c]! > max) max = z[c]!;
    let sum = 0;
    for (let c = 0; c < z.length; c++) { dz[c] = Math.exp(z[c]! - max); sum += dz[c]!; }
    for (let c = 0; c < z.length; c++) dz[c] = dz[c]! / sum - (c === ds.y[row] ? 1 : 0);
    for (let k = last; k >= 0; k--) {
      const { inputs, outputs, w, b } = layers[k]!;
      const a = acts[k]!, d = deltas[k + 1]!, da = deltas[k]!;
      for (let j = 0; j < outputs; j++) g[b + j]! += d[j]!;
      for (let i = 0; i < inputs; i++) {
        const ai = a[i]!;
        const base = w + i * outputs;
        if (k === 0) {
          if (ai !== 0) for (let j = 0; j < outputs; j++) g[base + j]! += ai * d[j]!;
          continue;
        }
        // ReLU′: a zero activation passes no gradient back
        if (ai === 0) { da[i] = 0; continue; }
        let s = 0;
        for (let j = 0; j < outputs; j++) { g[base + j]! += ai * d[j]!; s += theta[base + j]! * d[j]!; }
        da[i] = s;
      }
    }
  }
}

/** The parameter change over `steps` SGD steps after `warmupSteps`, of an MLP on `ds`. */
export function mlpUpdate(ds: Dataset, opts: MlpUpdateOptions): Float32Array {
  const sizes = [ds.features, ...opts.hidden, ds.classes];
  const { layers, dim } = layout(sizes);
  const rng = new Rng(opts.seed);
  const theta = new Float32Array(dim);
  for (const l of layers) {
    const scale = Math.sqrt(2 / l.inputs); // He initialisation, biases 0
    for (let i = 0; i < l.inputs * l.outputs; i++) theta[l.w + i] = rng.normal() * scale;
  }
  const acts = sizes.map((n) => new Float32Array(n));
  const deltas = sizes.map((n) => new Float32Array(n));
  const g = new Float32Array(dim);
  const order = Uint32Array.from({ length: ds.n }, (_, i) => i);
  let before = theta;
  let at = ds.n; // position in the current epoch's order
  for (let step = 0; step < opts.warmupSteps + opts.steps; step++) {
    if (step === opts.warmupSteps) before = theta.slice();
    if (at + opts.batch > ds.n) { rng.shuffle(order); at = 0; }
    gradient(theta, g, layers, acts, deltas, ds, order.subarray(at, at + opts.batch));
    at += opts.batch;
    const a = opts.lr / opts.batch;
    for (let i = 0; i < dim; i++) theta[i] = theta[i]! - a * g[i]!;
  }
  const u = new Float32Array(dim);
  for (let i = 0; i < dim; i++) u[i] = theta[i]! - before[i]!;
  return u;
}

/**
 * The updates `edgefl bench codec` codes. Digits: the docs' fixture — MLP 64-128-10, the
 * change over the fourth epoch (56 steps of 32 after 168). Fashion-MNIST: the MALCOM-PSGD
 * paper's MLP 784-512-512-10 (d = 669,706) with its batch of 20, the change over 5 steps
 * after 10 (on the 10,000-image test split, which loads faster than the training split).
 */
export const DIGITS_MLP_UPDATE: MlpUpdateOptions = { hidden: [128], warmupSteps: 168, steps: 56, batch: 32, lr: 0.05, seed: 1 };
export const FASHION_MLP_UPDATE: MlpUpdateOptions = { hidden: [512, 512], warmupSteps: 10, steps: 5, batch: 20, lr: 0.05, seed: 1 };
