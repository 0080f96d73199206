import { activationRules } from './rules/activations.js';
import { convRules } from './rules/conv.js';
import { elementwiseRules } from './rules/elementwise.js';
import { linearRules } from './rules/linear.js';
import { normRules } from './rules/norm.js';
import { poolRules } from './rules/pool.js';
import { shapeRules } from './rules/shape-ops.js';
import type { GradRule } from './types.js';

/** Every op the autodiff can differentiate, one module per op family. */
const RULES: ReadonlyMap<string, GradRule> = new Map(Object.entries({
  ...linearRules, ...elementwiseRules, ...activationRules, ...shapeRules, ...convRules, ...poolRules, ...normRules,
}));

export function gradRule(op: string): GradRule | undefined {
  return RULES.get(op);
}

/** Sorted names of the differentiable ops (for error messages and docs). */
export function supportedOps(): string[] {
  return [...RULES.keys()].sort();
}
