import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { TrainError } from '../errors.js';
import type { GraphBuilder } from '../graph/builder.js';
import { onnx, type OnnxTypes } from '../graph/proto.js';
import { f, fs, type Attrs, type AttrValue, type ConstTensor } from '../graph/types.js';
import type { LossKind } from '../losses/index.js';
import type { ParamDef } from '../params/layout.js';
import { buildStepGraph } from '../steps/graphs.js';
import type { ModelDef, Task } from './types.js';

/** Oldest opset accepted: ReduceSum/Softmax/Split semantics the rules rely on date from 13. */
const MIN_OPSET = 13;

type Long = { toString(): string };
const num = (v: number | Long | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : Number(v.toString()));

/**
 * Turns a user's inference ONNX model into a trainable ModelDef. Float initializers
 * become the trainable parameters (in file order; initial values from the file) unless
 * `freeze` names them (an exact name, or a prefix ending a dotted path: "conv1" freezes
 * "conv1.weight" and "conv1.bias"); BatchNormalization running statistics are always
 * frozen. The graph's single non-initializer input takes the dataset's rows (reshaped to
 * the input's declared shape); its first output must be the logits (classification,
 * K = classes, or K = 1 with BCE for two classes) or the prediction (regression, K = 1).
 */
export async function importOnnxModel(path: string, task: Task, freeze: readonly string[]): Promise<ModelDef> {
  const bytes = await readModelFile(path);
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new TrainError('TRAIN_MODEL_FILE', `"${path}" is not an ONNX model (${(e as Error).message})`, 'export with torch.onnx.export(...) or onnx.save(...)', { cause: e });
  }
  const def = fromProto(model, path, task, freeze);
  // compile once now, so unsupported ops and shape problems surface at load, not mid-run
  buildStepGraph(def, task.features, 'grad');
  return def;
}

/**
 * Largest model file read (512 MiB, 128 M float32 parameters): the whole parameter vector
 * crosses the network every round, and the file is held in memory about three times while
 * it is decoded, so anything larger is a mistake on the devices edgefl targets.
 */
export const MAX_MODEL_BYTES = 512 * 2 ** 20;

/**
 * The file's bytes, refusing what is not a regular file (a device or FIFO would be read
 * forever, or block) or is larger than MAX_MODEL_BYTES, and reading no more than stat said.
 */
async function readModelFile(path: string): Promise<Uint8Array> {
  const unreadable = (e: unknown): TrainError => new TrainError('TRAIN_MODEL_FILE', `cannot read ONNX model "${path}": ${(e as Error).message}`,
    'check model.path (relative paths resolve from the working directory)', { cause: e });
  let st: Stats;
  try {
    st = await stat(path);
  } catch (e) {
    throw unreadable(e);
  }
  if (!st.isFile()) throw new TrainError('TRAIN_MODEL_FILE', `"${path}" is not a regular file`, 'point model.path at an .onnx file');
  if (st.size > MAX_MODEL_BYTES) {
    throw new TrainError('TRAIN_MODEL_FILE', `"${path}" is ${(st.size / 2 ** 20).toFixed(0)} MiB; edgefl imports models up to ${MAX_MODEL_BYTES / 2 ** 20} MiB`,
      'train a smaller model: its whole parameter vector is sent every round');
  }
  const bytes = new Uint8Array(st.size);
  let n = 0;
  try {
    const fh = await open(path, 'r');
    try {
      while (n < bytes.length) {
        const { bytesRead } = await fh.read(bytes, n, bytes.length - n, n);
        if (bytesRead === 0) break; // shrank since stat: decoding reports the truncation
        n += bytesRead;
      }
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw unreadable(e);
  }
  return bytes.subarray(0, n);
}

function fromProto(model: OnnxTypes.ModelProto, path: string, task: Task, freeze: readonly string[]): ModelDef {
  // decoded messages are class instances: repeated fields default to empty arrays
  const g = model.graph as OnnxTypes.GraphProto | null | undefined;
  if (!g) throw new TrainError('TRAIN_MODEL_FILE', `"${path}" has no graph`, 're-export the model');
  const opset = num(model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version);
  if (opset < MIN_OPSET) {
    throw new TrainError('TRAIN_MODEL_OPSET', `"${path}" uses opset ${opset}; edgefl trains opset ${MIN_OPSET} or newer`, 'export again with torch.onnx.export(..., opset_version=17)');
  }
  const gnodes = g.node as OnnxTypes.NodeProto[];
  const ginit = g.initializer as OnnxTypes.TensorProto[];
  const ginputs = g.input as OnnxTypes.ValueInfoProto[];
  const goutputs = g.output as OnnxTypes.ValueInfoProto[];
  const foreign = gnodes.find((n) => n.domain && n.domain !== 'ai.onnx');
  if (foreign) {
    throw new TrainError('TRAIN_UNSUPPORTED_OP', `node "${foreign.name}" uses op ${foreign.domain}.${foreign.opType}; only standard ai.onnx ops are supported`,
      'export without vendor-specific optimisations (no onnxruntime transformers / fusions)');
  }

  const consts = new Map<string, ConstTensor>();
  for (const t of ginit) consts.set(t.name, decodeTensor(t, path));
  // float initializers that are settings, not weights: BatchNorm running statistics and
  // Dropout's ratio (ONNX Runtime needs the ratio constant; it has no gradient anyway)
  const settings = new Set<string>();
  for (const n of gnodes) {
    if (n.opType === 'BatchNormalization') n.input.slice(3, 5).forEach((i) => settings.add(i));
    if (n.opType === 'Dropout' && n.input[1]) settings.add(n.input[1]);
  }

  const floats = [...consts].filter(([, t]) => t.type === 'float32').map(([name]) => name);
  for (const fz of freeze) {
    if (!floats.some((n) => n === fz || n.startsWith(`${fz}.`))) {
      throw new TrainError('TRAIN_SPEC', `freeze entry "${fz}" matches no parameter of "${path}"`, `parameters are: ${floats.join(', ')}`);
    }
  }
  const frozen = (n: string): boolean => settings.has(n) || freeze.some((fz) => n === fz || n.startsWith(`${fz}.`));
  const params: ParamDef[] = floats.filter((n) => !frozen(n)).map((name) => {
    const t = consts.get(name)!;
    return { name, shape: [...t.dims], init: { kind: 'values', values: t.data as Float32Array } };
  });

  const dataInputs = ginputs.filter((i) => !consts.has(i.name));
  if (dataInputs.length !== 1) {
    throw new TrainError('TRAIN_MODEL_IO', `"${path}" has ${dataInputs.length} data inputs (${dataInputs.map((i) => i.name).join(', ')}); edgefl feeds exactly one`,
      'export a model with a single input tensor (the features)');
  }
  const input = dataInputs[0]!;
  const dims = input.type?.tensorType?.shape?.dim ?? [];
  const rest = dims.slice(1).map((d) => (d.dimValue !== undefined && d.dimValue !== null && num(d.dimValue) > 0 ? num(d.dimValue) : NaN));
  const perRow = rest.reduce((p, d) => p * d, 1);
  if (dims.length < 2 || !Number.isFinite(perRow) || perRow !== task.features) {
    throw new TrainError('TRAIN_MODEL_IO',
      `"${path}" input "${input.name}" has shape [${dims.map((d) => d.dimParam || num(d.dimValue)).join(', ')}], which does not hold ${task.features} features per row`,
      'declare a batch dimension first and fixed sizes whose product is the dataset\'s feature count (e.g. [N, 1, 8, 8] for 64 features)');
  }
  const outName = goutputs[0]?.name;
  if (!outName) throw new TrainError('TRAIN_MODEL_IO', `"${path}" has no outputs`, 're-export the model');
  if (!gnodes.some((n) => n.output.includes(outName))) {
    throw new TrainError('TRAIN_MODEL_IO', `"${path}" output "${outName}" is computed by no node`,
      'export a model whose first output is the logits (or prediction) computed from the input');
  }

  // output width from the declared output shape (checked again by shape inference)
  const outDims = goutputs[0]!.type?.tensorType?.shape?.dim ?? [];
  const k = outDims.length === 2 ? num(outDims[1]!.dimValue) : NaN;
  let loss: LossKind;
  if (task.classes === 0 && k === 1) loss = 'mse';
  else if (task.classes > 0 && k === task.classes) loss = 'softmax-ce';
  else if (task.classes === 2 && k === 1) loss = 'bce-logits';
  else {
    throw new TrainError('TRAIN_MODEL_IO', `"${path}" output "${outName}" has shape [${outDims.map((d) => d.dimParam || num(d.dimValue)).join(', ')}], but the dataset needs [N, ${task.classes || 1}]`,
      task.classes > 0 ? `end the model with ${task.classes} logits (no softmax: the loss applies it)` : 'end the model with one output per row');
  }

  // a probability output would be squashed twice by the loss and train poorly: refuse it
  const last = gnodes.find((n) => n.output.includes(outName));
  if (last && loss !== 'mse' && ['Softmax', 'LogSoftmax', 'Sigmoid'].includes(last.opType)) {
    throw new TrainError('TRAIN_MODEL_IO', `"${path}" ends in ${last.opType} (node "${last.name}"); edgefl's loss needs the raw logits`,
      `export the model without the final ${last.opType} (the loss applies it; add it back at inference)`);
  }
  for (const n of gnodes) checkArity(n, path);
  const nodes = gnodes.map((n, i) => ({
    name: n.name || `node${i}`, op: n.opType,
    // Dropout is the identity in training graphs (docs/training.md): without its
    // training_mode input ONNX Runtime applies no random mask, matching the gradient rule
    inputs: n.opType === 'Dropout' ? n.input.slice(0, 2) : n.input,
    outputs: n.output, attrs: decodeAttrs(n, path),
  }));
  return {
    name: `onnx:${path}`,
    params,
    loss,
    outputs: k,
    opset,
    forward(b: GraphBuilder, x: string, p: ReadonlyMap<string, string>): string {
      const names = new Map<string, string>([['', '']]);
      names.set(input.name, rest.length === 1 ? x : b.op1('Reshape', [x, b.constI64([-1, ...rest])]));
      for (const [name, t] of consts) names.set(name, p.get(name) ?? b.init(b.fresh(`m_${safe(name)}`), t));
      for (const n of nodes) {
        if (n.op === 'Constant') {
          const v = n.attrs.value;
          if (typeof v === 'object' && !Array.isArray(v) && 'kind' in v && v.kind === 'tensor') {
            names.set(n.outputs[0]!, b.init(b.fresh(`m_${safe(n.outputs[0]!)}`), v.value));
            continue;
          }
        }
        const ins = n.inputs.map((i) => {
          const m = names.get(i);
          if (m === undefined) throw new TrainError('TRAIN_MODEL_FILE', `node "${n.name}" reads "${i}", which nothing defines`, 'the graph is not topologically sorted or is incomplete; re-export it');
          return m;
        });
        const outs = n.outputs.map((o) => (o === '' ? '' : b.fresh(`m_${safe(o)}`)));
        // optional outputs left empty stay empty (e.g. Dropout's mask)
        const real = outs.filter((o) => o !== '');
        const made = b.op(n.op, ins, n.attrs, outs.length === real.length ? real : real.length);
        let j = 0;
        n.outputs.forEach((o) => {
          if (o !== '') names.set(o, made[j++]!);
        });
      }
      return names.get(outName)!;
    },
  };
}

/**
 * Input counts (min, max) the ONNX spec allows for the ops edgefl differentiates or infers
 * shapes for: the gradient rules index inputs by position, so a node with one too few or
 * too many is refused here rather than half-read. Other ops are left to ONNX Runtime.
 */
const ARITY: Readonly<Record<string, readonly [number, number]>> = {
  Gemm: [2, 3], MatMul: [2, 2], Conv: [2, 3], BatchNormalization: [5, 5], Reshape: [2, 2], Dropout: [1, 3],
  Add: [2, 2], Sub: [2, 2], Mul: [2, 2], Div: [2, 2], Where: [3, 3], Concat: [1, Infinity],
  Neg: [1, 1], Identity: [1, 1], Relu: [1, 1], LeakyRelu: [1, 1], Sigmoid: [1, 1], Tanh: [1, 1], Softmax: [1, 1],
  LogSoftmax: [1, 1], Flatten: [1, 1], Transpose: [1, 1], MaxPool: [1, 1], AveragePool: [1, 1], GlobalAveragePool: [1, 1],
};

function checkArity(n: OnnxTypes.INodeProto, path: string): void {
  const range = ARITY[n.opType ?? ''];
  const inputs = n.input ?? [];
  // trailing '' entries are absent optional inputs
  let count = inputs.length;
  while (count > 0 && inputs[count - 1] === '') count--;
  if (range && (count < range[0] || count > range[1] || inputs.slice(0, range[0]).includes(''))) {
    const want = range[0] === range[1] ? `${range[0]}` : range[1] === Infinity ? `at least ${range[0]}` : `${range[0]}–${range[1]}`;
    throw new TrainError('TRAIN_MODEL_FILE', `"${path}": node "${n.name}" (${n.opType}) has ${count} inputs; ${n.opType} takes ${want}`, 'the file is damaged or was not written by an ONNX exporter; re-export it');
  }
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Bytes per element of the tensor types read (ONNX TensorProto.DataType codes). */
const ELEM_BYTES: Readonly<Record<number, number>> = { 1: 4, 11: 8, 7: 8, 9: 1 };

function decodeTensor(t: OnnxTypes.ITensorProto, path: string): ConstTensor {
  const bad = (what: string, hint: string): never => {
    throw new TrainError('TRAIN_MODEL_FILE', `"${path}": tensor "${t.name}" ${what}`, hint);
  };
  if (t.dataLocation === 1) bad('is stored as external data', 'save the model with all tensors inside the file (onnx.save(..., save_as_external_data=False))');
  const width = ELEM_BYTES[t.dataType ?? 0];
  if (width === undefined) bad(`has element type ${t.dataType}; only float32/float64/int64/bool are read`, 'export in float32');
  const dims = (t.dims ?? []).map(num);
  const size = dims.reduce((p, d) => p * d, 1);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) bad(`has dimensions [${dims.join(', ')}]`, 're-export the model');
  // the values must be in the file, exactly as many as the dimensions say: checking the
  // count before any view is made also bounds what a hostile header can make us allocate
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const stored = raw ? raw.length / width! : storedCount(t);
  if (stored !== size) bad(`holds ${stored} values, but its dimensions [${dims.join(', ')}] need ${size}`, 'the file is truncated or was written wrongly; re-export it');
  // copy into a fresh buffer: protobufjs hands out (Buffer) views that are unaligned and pooled
  const own = raw ? new Uint8Array(raw) : null;
  switch (t.dataType) {
    case 1: return { type: 'float32', dims, data: own ? new Float32Array(own.buffer) : Float32Array.from(t.floatData ?? []) };
    case 11: return { type: 'float64', dims, data: own ? new Float64Array(own.buffer) : Float64Array.from(t.doubleData ?? []) };
    case 7: return { type: 'int64', dims, data: own ? new BigInt64Array(own.buffer) : BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(num(v)))) };
    default: return { type: 'bool', dims, data: own ?? Uint8Array.from(t.int32Data ?? []) };
  }
}

/** Values stored in the typed repeated field of `t`'s element type (no raw_data). */
function storedCount(t: OnnxTypes.ITensorProto): number {
  switch (t.dataType) {
    case 1: return t.floatData?.length ?? 0;
    case 11: return t.doubleData?.length ?? 0;
    case 7: return t.int64Data?.length ?? 0;
    default: return t.int32Data?.length ?? 0;
  }
}

function decodeAttrs(n: OnnxTypes.INodeProto, path: string): Attrs {
  const T = onnx.AttributeProto.AttributeType;
  const out: Record<string, AttrValue> = {};
  for (const a of n.attribute ?? []) {
    const name = a.name ?? '';
    switch (a.type) {
      case T.INT: out[name] = num(a.i); break;
      case T.INTS: out[name] = (a.ints ?? []).map(num); break;
      case T.FLOAT: out[name] = f(a.f ?? 0); break;
      case T.FLOATS: out[name] = fs(a.floats ?? []); break;
      case T.STRING: out[name] = new TextDecoder().decode(a.s ?? new Uint8Array()); break;
      case T.TENSOR: out[name] = { kind: 'tensor', value: decodeTensor(a.t ?? {}, path) }; break;
      default:
        throw new TrainError('TRAIN_UNSUPPORTED_OP', `node "${n.name}" (${n.opType}) has attribute "${name}" of a kind edgefl does not read (subgraphs, sparse tensors)`,
          'control flow (If/Loop/Scan) is not supported: export a straight-line model');
    }
  }
  return out;
}

