import { TrainError } from '../errors.js';
import type { AttrValue, Attrs, Dim, Shape } from './types.js';

/**
 * Static shape inference for the ops a forward graph may contain. Shapes are what the
 * autodiff needs to undo broadcasting and size transposed convolutions; a symbolic
 * dimension (the batch `'N'`) flows through unchanged. Returns `undefined` for an output
 * whose shape cannot be known statically; rules that need it then refuse by name.
 */
export interface ShapeEnv {
  /** shapes of the node's inputs ('' = absent optional input → undefined) */
  readonly inputs: readonly (Shape | undefined)[];
  /** integer values of constant inputs (Reshape's shape, Slice's starts…), when known */
  readonly values: readonly (readonly Dim[] | undefined)[];
  readonly attrs: Attrs;
  readonly nOutputs: number;
}

export function intAttr(attrs: Attrs, name: string, dflt: number): number {
  const v = attrs[name];
  return typeof v === 'number' ? v : dflt;
}

export function intsAttr(attrs: Attrs, name: string): readonly number[] | undefined {
  const v: AttrValue | undefined = attrs[name];
  return Array.isArray(v) ? (v as readonly number[]) : undefined;
}

export function floatAttr(attrs: Attrs, name: string, dflt: number): number {
  const v = attrs[name];
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'kind' in v && v.kind === 'float') return v.value;
  if (typeof v === 'number') return v;
  return dflt;
}

/** Numpy-style broadcast of two shapes; symbolic dims match only themselves or 1. */
export function broadcast(a: Shape, b: Shape): Shape {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da === 1) out.push(db);
    else if (db === 1 || da === db) out.push(da);
    else throw new TrainError('TRAIN_SHAPE', `shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`,
      'check the model: element-wise operands must have equal or 1-sized dimensions');
  }
  return out;
}

const SAME_SHAPE = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax', 'Identity', 'Dropout', 'Neg', 'Exp',
  'Log', 'Abs', 'Sign', 'Reciprocal', 'Sqrt', 'Softplus', 'Cast', 'BatchNormalization', 'LayerNormalization',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Greater', 'Less', 'Equal', 'Where', 'Sum', 'Max', 'Min', 'Pow']);

export function inferShapes(op: string, env: ShapeEnv): (Shape | undefined)[] {
  const ins = env.inputs;
  const a = env.attrs;
  const one = (s: Shape | undefined): (Shape | undefined)[] => {
    const out: (Shape | undefined)[] = [s];
    for (let i = 1; i < env.nOutputs; i++) out.push(op === 'MaxPool' ? s : undefined);
    return out;
  };
  if (SAME_SHAPE.has(op)) {
    const out = one(ins[0]);
    if (op === 'Dropout' && env.nOutputs > 1) out[1] = ins[0];
    return out;
  }
  if (BROADCAST.has(op)) {
    let s: Shape | undefined = ins[0];
    for (let i = 1; i < ins.length; i++) s = s && ins[i] ? broadcast(s, ins[i]!) : undefined;
    return one(s);
  }
  switch (op) {
    case 'Gemm': {
      const [sa, sb] = ins;
      if (!sa || !sb) return one(undefined);
      const m = intAttr(a, 'transA', 0) ? sa[1]! : sa[0]!;
      const n = intAttr(a, 'transB', 0) ? sb[0]! : sb[1]!;
      return one([m, n]);
    }
    case 'MatMul': {
      const [sa, sb] = ins;
      if (!sa || !sb || sa.length < 2 || sb.length < 2) return one(undefined);
      const batch = broadcast(sa.slice(0, -2), sb.slice(0, -2));
      return one([...batch, sa[sa.length - 2]!, sb[sb.length - 1]!]);
    }
    case 'Reshape': return one(reshapeShape(ins[0], env.values[1], intAttr(a, 'allowzero', 0)));
    case 'Flatten': {
      const s = ins[0];
      if (!s) return one(undefined);
      let axis = intAttr(a, 'axis', 1);
      if (axis < 0) axis += s.length;
      return one([product(s.slice(0, axis)), product(s.slice(axis))]);
    }
    case 'Transpose': {
      const s = ins[0];
      if (!s) return one(undefined);
      const perm = intsAttr(a, 'perm') ?? s.map((_, i) => s.length - 1 - i);
      return one(perm.map((p) => s[p]!));
    }
    case 'Concat': {
      if (ins.some((s) => !s)) return one(undefined);
      const first = ins[0]!;
      let axis = intAttr(a, 'axis', 0);
      if (axis < 0) axis += first.length;
      const parts = ins.map((s) => s![axis]!);
      const out = [...first];
      out[axis] = parts.every((p) => typeof p === 'number') ? (parts as number[]).reduce((x, y) => x + y, 0) : parts.join('+');
      return one(out);
    }
    case 'Conv': case 'MaxPool': case 'AveragePool': return one(windowShape(op, ins[0], ins[1], a));
    case 'GlobalAveragePool': case 'GlobalMaxPool': {
      const s = ins[0];
      return one(s ? [s[0]!, s[1]!, ...s.slice(2).map(() => 1)] : undefined);
    }
    case 'Shape': {
      const s = ins[0];
      if (!s) return one(undefined);
      const start = intAttr(a, 'start', 0);
      const end = intAttr(a, 'end', s.length);
      const lo = start < 0 ? start + s.length : start;
      const hi = end < 0 ? end + s.length : Math.min(end, s.length);
      return one([Math.max(0, hi - lo)]);
    }
    case 'Slice': return one(sliceShape(ins[0], env.values));
    case 'ReduceSum': case 'ReduceMean': {
      const s = ins[0];
      const axes = env.values[1] ?? intsAttr(a, 'axes');
      if (!s) return one(undefined);
      const keep = intAttr(a, 'keepdims', 1);
      if (!axes) return one(keep ? s.map(() => 1) : []);
      const norm = new Set((axes as number[]).map((x) => (x < 0 ? x + s.length : x)));
      const out: Dim[] = [];
      s.forEach((d, i) => {
        if (!norm.has(i)) out.push(d);
        else if (keep) out.push(1);
      });
      return one(out);
    }
    default: return one(undefined);
  }
}

/** Product of dims; symbolic factors are kept as a `*`-joined symbol. */
export function product(s: Shape): Dim {
  let n = 1;
  const syms: string[] = [];
  for (const d of s) {
    if (typeof d === 'number') n *= d;
    else syms.push(d);
  }
  if (syms.length === 0) return n;
  return n === 1 ? syms.join('*') : [...syms, String(n)].join('*');
}

function reshapeShape(s: Shape | undefined, target: readonly Dim[] | undefined, allowzero: number): Shape | undefined {
  if (!s || !target) return undefined;
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowzero ? s[i]! : d));
  const hole = out.indexOf(-1);
  if (hole < 0) return out;
  const inSyms = s.filter((d): d is string => typeof d === 'string');
  const outSyms = out.filter((d): d is string => typeof d === 'string');
  const inStatic = s.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1);
  const outStatic = out.reduce<number>((p, d) => (typeof d === 'number' && d !== -1 ? p * d : p), 1);
  const rest = outSyms.slice();
  const extra: string[] = [];
  for (const sym of inSyms) {
    const k = rest.indexOf(sym);
    if (k >= 0) rest.splice(k, 1);
    else extra.push(sym);
  }
  if (rest.length > 0 || inStatic % outStatic !== 0) return undefined;
  const ratio = inStatic / outStatic;
  out[hole] = extra.length === 0 ? ratio : ratio === 1 ? extra.join('*') : [...extra, String(ratio)].join('*');
  return out;
}

function sliceShape(s: Shape | undefined, values: readonly (readonly Dim[] | undefined)[]): Shape | undefined {
  const starts = values[1];
  const ends = values[2];
  if (!s || !starts || !ends) return undefined;
  const axes = values[3] ?? starts.map((_, i) => i);
  const steps = values[4];
  const out = [...s];
  for (let k = 0; k < starts.length; k++) {
    let ax = axes[k] as number;
    if (ax < 0) ax += s.length;
    const dim = s[ax];
    if (typeof dim !== 'number' || (steps && steps[k] !== 1)) return undefined;
    const clamp = (v: number): number => Math.max(0, Math.min(dim, v < 0 ? v + dim : v));
    out[ax] = Math.max(0, clamp(ends[k] as number) - clamp(starts[k] as number));
  }
  return out;
}

/** Output spatial size of Conv / pooling (ONNX formula, explicit pads or auto_pad). */
function windowShape(op: string, x: Shape | undefined, w: Shape | undefined, a: Attrs): Shape | undefined {
  if (!x) return undefined;
  const spatial = x.length - 2;
  const kernel = op === 'Conv' ? (w ? (w.slice(2) as number[]) : intsAttr(a, 'kernel_shape')) : intsAttr(a, 'kernel_shape');
  if (!kernel) return undefined;
  const strides = intsAttr(a, 'strides') ?? kernel.map(() => 1);
  const dil = intsAttr(a, 'dilations') ?? kernel.map(() => 1);
  const pads = intsAttr(a, 'pads') ?? kernel.map(() => 0).concat(kernel.map(() => 0));
  const autoPad = typeof a.auto_pad === 'string' ? a.auto_pad : 'NOTSET';
  const ceil = intAttr(a, 'ceil_mode', 0);
  const out: Dim[] = [x[0]!, op === 'Conv' ? (w ? w[0]! : 'M') : x[1]!];
  for (let i = 0; i < spatial; i++) {
    const d = x[2 + i];
    if (typeof d !== 'number') return undefined;
    const k = (kernel[i]! - 1) * dil[i]! + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') out.push(Math.ceil(d / strides[i]!));
    else if (autoPad === 'VALID') out.push(Math.floor((d - k) / strides[i]!) + 1);
    else {
      const span = d + pads[i]! + pads[i + spatial]! - k;
      out.push((ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1);
    }
  }
  return out;
}
