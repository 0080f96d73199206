import type { GraphBuilder } from '../graph/builder.js';
import type { LossKind } from '../losses/index.js';
import type { ParamDef } from '../params/layout.js';

/** What the user asks for (`createTrainer({ model })`). */
export type ModelSpec =
  | { readonly kind: 'mlp'; readonly hidden: readonly number[]; readonly activation?: Activation }
  | { readonly kind: 'logistic' }
  | { readonly kind: 'linear' }
  | { readonly kind: 'lenet'; readonly norm?: 'none' | 'layer' }
  | { readonly kind: 'onnx'; readonly path: string; readonly freeze?: readonly string[] };

export type Activation = 'relu' | 'tanh' | 'sigmoid';

/** Shape of the learning problem, from the dataset. */
export interface Task {
  readonly features: number;
  /** 0 for regression */
  readonly classes: number;
}

/**
 * A model ready to be compiled into step graphs: its trainable parameters (in layout
 * order), its loss, and a function that emits the forward pass.
 */
export interface ModelDef {
  readonly name: string;
  readonly params: readonly ParamDef[];
  readonly loss: LossKind;
  /** ONNX opset the step graphs must target (an imported model's, if above the default) */
  readonly opset?: number;
  /** width of the prediction row (K in N×K) */
  readonly outputs: number;
  /**
   * Emits the forward pass. `x` is the N×features batch; `params` maps parameter names to
   * tensors holding them. Returns the N×outputs prediction (logits for classification).
   */
  forward(b: GraphBuilder, x: string, params: ReadonlyMap<string, string>): string;
}
