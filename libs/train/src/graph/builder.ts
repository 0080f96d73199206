import { onnx, type OnnxTypes } from './proto.js';
import { TrainError } from '../errors.js';
import { inferShapes } from './shapes.js';
import type { Attrs, AttrValue, ConstTensor, Dim, ElemType, NodeDef, Shape, ValueInfo } from './types.js';


/** Opset the emitted graphs target: ReduceSum takes axes as an input (≥ 13), Shape has start/end (≥ 15). */
export const DEFAULT_OPSET = 17;

const ELEM_CODE: Record<ElemType, number> = { float32: 1, float64: 11, int64: 7, bool: 9 };

/**
 * A small typed builder of ONNX graphs. Tensors are referred to by name; every op call
 * infers its output shapes (symbolic batch dim allowed) so later stages — autodiff in
 * particular — can reason about broadcasting statically. `toBytes()` emits a ModelProto.
 */
export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  readonly initializers = new Map<string, ConstTensor>();
  private readonly shapes = new Map<string, Shape | undefined>();
  private readonly types = new Map<string, ElemType>();
  /** integer contents of small tensors known at build time (constants, Shape outputs) */
  private readonly values = new Map<string, readonly Dim[]>();
  private counter = 0;

  constructor(readonly name: string, readonly floatType: 'float32' | 'float64' = 'float32', readonly opset = DEFAULT_OPSET) {}

  /** A fresh tensor name with a readable prefix. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.types.has(n));
    return n;
  }

  input(name: string, shape: Shape, type: ElemType = this.floatType): string {
    this.declare(name, type, shape);
    this.inputs.push({ name, type, shape });
    return name;
  }

  output(name: string): void {
    this.outputs.push({ name, type: this.typeOf(name), shape: this.shapeOf(name) });
  }

  /** A named initializer (constant tensor). */
  init(name: string, t: ConstTensor): string {
    this.declare(name, t.type, t.dims);
    this.initializers.set(name, t);
    if (t.type === 'int64' && t.dims.length <= 1) this.values.set(name, Array.from(t.data as BigInt64Array, Number));
    return name;
  }

  /** A float constant of the graph's float type. */
  constF(values: readonly number[] | number, dims?: readonly number[]): string {
    const arr = typeof values === 'number' ? [values] : values;
    const data = this.floatType === 'float64' ? Float64Array.from(arr) : Float32Array.from(arr);
    return this.init(this.fresh('c'), { type: this.floatType, dims: dims ?? (typeof values === 'number' ? [] : [arr.length]), data });
  }

  /** An int64 1-D constant (axes, shapes, starts…). */
  constI64(values: readonly number[]): string {
    return this.init(this.fresh('i'), { type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
  }

  /**
   * Appends a node. `outputs` is a count (names are generated) or explicit names.
   * Returns the output names.
   */
  op(op: string, inputs: readonly string[], attrs: Attrs = {}, outputs: number | readonly string[] = 1): string[] {
    for (const i of inputs) if (i !== '' && !this.types.has(i)) throw new Error(`builder: ${op} reads unknown tensor "${i}"`);
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase())) : [...outputs];
    const node: NodeDef = { name: this.fresh(`n_${op}`), op, inputs: [...inputs], outputs: names, attrs };
    this.nodes.push(node);
    const shapes = inferShapes(op, {
      inputs: inputs.map((i) => (i === '' ? undefined : this.shapes.get(i))),
      values: inputs.map((i) => this.values.get(i)),
      attrs,
      nOutputs: names.length,
    });
    names.forEach((n, k) => this.declare(n, this.outTypeOf(op, inputs, attrs, k), shapes[k]));
    if (op === 'Shape') this.recordShapeValue(inputs[0]!, attrs, names[0]!);
    // a Constant's shape and integer contents are its tensor's (its type came from outTypeOf)
    const v = op === 'Constant' ? attrs.value : undefined;
    if (typeof v === 'object' && !Array.isArray(v) && 'kind' in v && v.kind === 'tensor') {
      this.shapes.set(names[0]!, v.value.dims);
      if (v.value.type === 'int64' && v.value.dims.length <= 1) this.values.set(names[0]!, Array.from(v.value.data as BigInt64Array, Number));
    }
    return names;
  }

  /** `op` with exactly one output. */
  op1(op: string, inputs: readonly string[], attrs: Attrs = {}): string {
    return this.op(op, inputs, attrs, 1)[0]!;
  }

  /**
   * Gives `node` an optional output it did not request (MaxPool's indices, needed by its
   * gradient). The forward node is shared by loss and gradient, so the work is done once.
   */
  ensureOutput(node: NodeDef, k: number, type: ElemType, shape: Shape | undefined): string {
    while (node.outputs.length <= k) node.outputs.push('');
    if (node.outputs[k] === '') {
      const name = this.fresh(`${node.op.toLowerCase()}_out${k}`);
      this.declare(name, type, shape);
      node.outputs[k] = name;
    }
    return node.outputs[k]!;
  }

  /** Declares the shape of a tensor whose shape inference could not see it (e.g. a gradient). */
  setShape(name: string, shape: Shape | undefined): void {
    this.shapes.set(name, shape);
  }

  shapeOf(name: string): Shape | undefined {
    return this.shapes.get(name);
  }

  typeOf(name: string): ElemType {
    const t = this.types.get(name);
    if (!t) throw new Error(`builder: unknown tensor "${name}"`);
    return t;
  }

  /** The static shape of `name`, or a TrainError naming who needed it. */
  requireShape(name: string, why: string): Shape {
    const s = this.shapes.get(name);
    if (!s) {
      throw new TrainError('TRAIN_SHAPE', `the shape of tensor "${name}" is not known statically, but ${why} needs it`,
        'give the model fixed input dimensions (only the batch dimension may be symbolic) and constant Reshape shapes');
    }
    return s;
  }

  /** Emits the ModelProto bytes. */
  toBytes(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'edgefl',
      producerVersion: '0.1.0',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: this.name,
        node: this.nodes.map((n) => ({
          name: n.name,
          opType: n.op,
          input: [...n.inputs],
          output: [...n.outputs],
          attribute: Object.entries(n.attrs).map(([k, v]) => encodeAttr(k, v)),
        })),
        initializer: [...this.initializers].map(([name, t]) => encodeTensor(name, t)),
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private declare(name: string, type: ElemType, shape: Shape | undefined): void {
    if (this.types.has(name)) throw new Error(`builder: tensor "${name}" defined twice`);
    this.types.set(name, type);
    this.shapes.set(name, shape);
  }

  private outTypeOf(op: string, inputs: readonly string[], attrs: Attrs, k: number): ElemType {
    switch (op) {
      case 'Shape': return 'int64';
      case 'Greater': case 'Less': case 'Equal': return 'bool';
      case 'Cast': return (Object.entries(ELEM_CODE).find(([, c]) => c === attrs.to)?.[0] as ElemType | undefined) ?? this.floatType;
      case 'MaxPool': return k === 1 ? 'int64' : this.typeOf(inputs[0]!);
      case 'Dropout': return k === 1 ? 'bool' : this.typeOf(inputs[0]!);
      case 'Where': return this.typeOf(inputs[1]!);
      case 'Constant': case 'ConstantOfShape': {
        const v = attrs.value;
        return typeof v === 'object' && !Array.isArray(v) && 'kind' in v && v.kind === 'tensor' ? v.value.type : this.floatType;
      }
      default: return inputs[0] ? this.typeOf(inputs[0]) : this.floatType;
    }
  }

  private recordShapeValue(input: string, attrs: Attrs, out: string): void {
    const s = this.shapes.get(input);
    if (!s) return;
    const start = typeof attrs.start === 'number' ? attrs.start : 0;
    const end = typeof attrs.end === 'number' ? attrs.end : s.length;
    this.values.set(out, s.slice(start < 0 ? start + s.length : start, end < 0 ? end + s.length : end));
  }
}

function valueInfo(v: ValueInfo): OnnxTypes.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ELEM_CODE[v.type],
        ...(v.shape ? { shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
      },
    },
  };
}

export function encodeTensor(name: string, t: ConstTensor): OnnxTypes.ITensorProto {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name, dataType: ELEM_CODE[t.type], dims: [...t.dims], rawData: bytes.slice() };
}

function encodeAttr(name: string, v: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: [...(v as number[])] };
  const tagged = v as Exclude<AttrValue, number | string | readonly number[]>;
  if (tagged.kind === 'float') return { name, type: T.FLOAT, f: tagged.value };
  if (tagged.kind === 'floats') return { name, type: T.FLOATS, floats: [...tagged.value] };
  return { name, type: T.TENSOR, t: encodeTensor('', tagged.value) };
}
