/**
 * The in-memory graph the builder, the shape inference and the autodiff share.
 * A dimension is a number or a symbol (the batch dimension is `'N'`).
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

export type ElemType = 'float32' | 'float64' | 'int64' | 'bool';

/** A float attribute must be tagged, since `1` would otherwise be emitted as an int. */
export interface FloatAttr {
  readonly kind: 'float';
  readonly value: number;
}
export interface FloatsAttr {
  readonly kind: 'floats';
  readonly value: readonly number[];
}
export interface TensorAttr {
  readonly kind: 'tensor';
  readonly value: ConstTensor;
}
/** number → INT, number[] → INTS, string → STRING. */
export type AttrValue = number | readonly number[] | string | FloatAttr | FloatsAttr | TensorAttr;
export type Attrs = Readonly<Record<string, AttrValue>>;

export const f = (value: number): FloatAttr => ({ kind: 'float', value });
export const fs = (value: readonly number[]): FloatsAttr => ({ kind: 'floats', value });

/** A constant tensor (initializer or Constant attribute). */
export interface ConstTensor {
  readonly type: ElemType;
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
}

export interface NodeDef {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  /** mutable so a gradient rule may request an optional output (MaxPool indices) */
  outputs: string[];
  readonly attrs: Attrs;
}

export interface ValueInfo {
  readonly name: string;
  readonly type: ElemType;
  readonly shape: Shape | undefined;
}
