import type { GraphBuilder } from '../graph/builder.js';
import type { NodeDef } from '../graph/types.js';

/** What a gradient rule sees: the forward node and the gradients of its outputs. */
export interface GradContext {
  readonly b: GraphBuilder;
  readonly node: NodeDef;
  /** gradient tensor of each output; undefined when that output does not reach the loss */
  readonly dy: readonly (string | undefined)[];
  /** whether input `i` lies on a path from a trainable tensor (only those need a gradient) */
  needs(i: number): boolean;
}

/**
 * A reverse-mode rule: emits standard ai.onnx ops computing ∂L/∂input for each input
 * from ∂L/∂output. Returns one entry per input (undefined when not needed).
 */
export type GradRule = (ctx: GradContext) => (string | undefined)[];
