import * as ort from 'onnxruntime-node';
import { Rng } from '@edgefl/core';
import { backward, GraphBuilder } from '@edgefl/train';

export interface CheckInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float64Array;
  /** differentiate with respect to this input (default true) */
  readonly wrt?: boolean;
}

export interface CheckOptions {
  readonly floatType: 'float32' | 'float64';
  readonly inputs: readonly CheckInput[];
  /**
   * Emits the op(s) under test. Returns the output tensor; when `seed` is given, `value`
   * must be a scalar loss and `seed` its analytic gradient at `seedAt` (loss modules).
   */
  readonly build: (b: GraphBuilder) => { value: string; seed?: string; seedAt?: string };
  /** finite-difference step; default 1e-6 (float64) / 1e-2 (float32) */
  readonly h?: number;
  readonly rtol?: number;
  readonly atol?: number;
  /** check at most this many coordinates per input (random, seeded); default 48 */
  readonly maxCoords?: number;
}

export interface CheckReport {
  readonly checked: number;
  readonly worst: number;
  readonly failures: string[];
}

/**
 * Gradient check: the ONNX gradient of L = Σ R ⊙ op(inputs) (R fixed random weights, so
 * every output element matters) against the central difference (L(x+h) − L(x−h))/2h of
 * the ONNX forward, differenced in float64 in JS.
 */
export async function gradCheck(o: CheckOptions): Promise<CheckReport> {
  const b = new GraphBuilder('gradcheck', o.floatType);
  for (const i of o.inputs) b.input(i.name, i.shape);
  const built = o.build(b);
  let loss: string;
  let seeds: Map<string, string>;
  if (built.seed) {
    loss = built.value;
    seeds = new Map([[built.seedAt!, built.seed]]);
  } else {
    const s = b.requireShape(built.value, 'gradcheck') as number[];
    const rng = new Rng(99);
    const r = b.constF(Array.from({ length: s.reduce((p, d) => p * d, 1) }, () => rng.normal()), s);
    loss = b.op1('ReduceSum', [b.op1('Mul', [built.value, r])], { keepdims: 0 });
    seeds = new Map([[built.value, r]]);
  }
  const wrt = o.inputs.filter((i) => i.wrt !== false).map((i) => i.name);
  const grads = backward(b, seeds, wrt);
  b.op('Identity', [loss], {}, ['L']);
  b.output('L');
  for (const w of wrt) {
    b.op('Identity', [grads.get(w)!], {}, [`d_${w}`]);
    b.output(`d_${w}`);
  }
  const session = await ort.InferenceSession.create(b.toBytes());
  const Arr = o.floatType === 'float64' ? Float64Array : Float32Array;
  const feeds = (over?: { name: string; k: number; dx: number }): Record<string, ort.Tensor> => {
    const f: Record<string, ort.Tensor> = {};
    for (const i of o.inputs) {
      const d = Arr.from(i.data);
      if (over && over.name === i.name) d[over.k] = i.data[over.k]! + over.dx;
      f[i.name] = new ort.Tensor(o.floatType, d, [...i.shape]);
    }
    return f;
  };
  const lossAt = async (over: { name: string; k: number; dx: number }): Promise<number> =>
    Number((await session.run(feeds(over), ['L'])).L!.data[0]);
  const base = await session.run(feeds());
  const h = o.h ?? (o.floatType === 'float64' ? 1e-6 : 1e-2);
  const rtol = o.rtol ?? (o.floatType === 'float64' ? 1e-5 : 2e-2);
  const atol = o.atol ?? (o.floatType === 'float64' ? 1e-7 : 2e-3);
  const rng = new Rng(5);
  const failures: string[] = [];
  let checked = 0;
  let worst = 0;
  for (const i of o.inputs) {
    if (i.wrt === false) continue;
    const analytic = base[`d_${i.name}`]!.data as Float32Array | Float64Array;
    if (analytic.length !== i.data.length) {
      failures.push(`${i.name}: gradient has ${analytic.length} entries, input has ${i.data.length}`);
      continue;
    }
    const max = o.maxCoords ?? 48;
    const coords = i.data.length <= max ? [...i.data.keys()] : Array.from({ length: max }, () => rng.int(i.data.length));
    for (const k of coords) {
      const num = ((await lossAt({ name: i.name, k, dx: h })) - (await lossAt({ name: i.name, k, dx: -h }))) / (2 * h);
      const a = analytic[k]!;
      const err = Math.abs(a - num);
      const tol = atol + rtol * Math.max(Math.abs(a), Math.abs(num));
      worst = Math.max(worst, err / tol);
      checked++;
      if (err > tol) failures.push(`${i.name}[${k}]: analytic ${a} vs numeric ${num}`);
    }
  }
  await session.release();
  return { checked, worst, failures };
}

/** Seeded N(0, scale²) data. */
export function randn(n: number, seed: number, scale = 1): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from({ length: n }, () => scale * r.normal());
}

/** Distinct values 0.1 apart in random order (no ties or near-ties for max/relu kinks). */
export function spaced(n: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const v = Float64Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + 0.05);
  return r.shuffle(v);
}
