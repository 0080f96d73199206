import * as z from 'zod';
import { defineAlgorithm, type AlgorithmDeclaration } from '../../contract/declaration.js';
import { dqAlgorithm } from './machines.js';
import { admissionParam, aggregationParam, type AggregationRule } from '../../shared/aggregate.js';
import { roundBudgetOf } from '../../contract/budget-fit.js';
import type { Method, Quantization } from './methods.js';

const constants = {
  start: z.enum(['gaussian', 'model']).default('gaussian').describe('x̂_0: standard normal from the job seed (the paper\'s experiment) or the model\'s initial parameters'),
  smoothness: z.number().positive().optional().describe('L of f = Σ_k ½‖y_k − A_k x‖² (default: Σ_k of each worker\'s largest eigenvalue of A_kᵀA_k)'),
  strongConvexity: z.number().positive().optional().describe('μ of f (default: Σ_k of each worker\'s smallest eigenvalue of A_kᵀA_k); κ = L/μ must be ≥ 1'),
  radius: z.number().positive().optional().describe('D ≥ ‖x̂_0 − x*‖ of the dynamic ranges (default: measured by the workers); too small a D overloads the quantizer, which doubles it'),
  bias: z.boolean().default(false).describe('also fit the linear model\'s bias (rows [a, 1]); the paper\'s f = ½‖y − Ax‖² has none'),
};
const bits = z.int().min(1).max(32).default(8).describe('R: bits per dimension of each uplink message (n·R bits per iteration; K workers share R by water-filling)');

function declare(name: string, method: Method, quant: Quantization, summary: string, extra: z.ZodRawShape = {}): AlgorithmDeclaration {
  // K workers' gradients are summed in full precision and NQ-GD: there a robust rule applies (DQ's single worker has nothing to combine)
  const robust = quant === 'dq' ? {} : { aggregation: aggregationParam, admission: admissionParam };
  const params = quant === 'none' ? z.strictObject({ ...constants, ...extra, ...robust }) : z.strictObject({ bits, ...constants, ...extra, ...robust });
  return defineAlgorithm({
    name,
    summary,
    family: 'server',
    params,
    build: (p, ctx) => {
      const q = p as Record<string, unknown>;
      return dqAlgorithm(name, ctx.server, ctx.devices, {
        method, quant, seed: ctx.seed,
        bits: (q['bits'] as number | undefined) ?? 0,
        start: q['start'] as 'gaussian' | 'model',
        smoothness: q['smoothness'] as number | undefined,
        strongConvexity: q['strongConvexity'] as number | undefined,
        radius: q['radius'] as number | undefined,
        alpha: (q['alpha'] as number | undefined) ?? 0,
        bias: q['bias'] as boolean,
        lr: q['lr'] as number | 'auto' | undefined,
        aggregation: q['aggregation'] as AggregationRule | undefined,
        admission: q['admission'] as { maxNormRatio: number } | undefined,
        ...roundBudgetOf(ctx),
      });
    },
  }) as unknown as AlgorithmDeclaration;
}

/** The gradient methods of "Differentially Quantized Gradient Methods" (Lin, Kostina, Hassibi) on least squares. */
export const dqDeclarations: readonly AlgorithmDeclaration[] = [
  declare('dq-gd', 'gd', 'dq', 'DQ-GD (Lin–Kostina–Hassibi Alg. 1): one worker quantizes ∇f(x̂+ηe) − e at R bits/dim with a shrinking range; contracts at max(σ_GD, √n·2^−R)'),
  declare('dq-agd', 'agd', 'dq', 'DQ-AGD (Alg. 2): differentially quantized Nesterov acceleration; contracts at max(σ_AGD, √n·2^−R·φ)'),
  declare('dq-hb', 'hb', 'dq', 'DQ-HB (Alg. 3): differentially quantized heavy ball; reaches σ_HB = (√κ−1)/(√κ+1) above its threshold rate', {
    alpha: z.number().min(0).max(16).default(0).describe('α of the range recursion (45); the paper\'s experiment uses 0'),
  }),
  declare('nq-gd', 'gd', 'nq', 'NQ-GD (Alg. 4): K workers quantize their own gradients naively at water-filled rates R_k = [log2(L_k/ν)]₊, Σ R_k = R'),
  declare('gd', 'gd', 'none', 'gradient descent, full precision: workers send float32 gradients of ½‖y − Ax‖², the server steps x ← x − η·Σ_k ∇f_k with η = 2/(L+μ)', {
    lr: z.union([z.number().positive(), z.literal('auto')]).optional().describe("step size η: default the paper's 2/(L+μ); 'auto' = 1/L (L = Σ_k λ_max(A_kᵀA_k)); or a number"),
  }),
  declare('agd', 'agd', 'none', 'Nesterov accelerated gradient descent, full precision (η = 1/L, γ = (√κ−1)/(√κ+1))'),
  declare('hb', 'hb', 'none', 'Polyak heavy ball, full precision (η = (2/(√L+√μ))², γ = ((√κ−1)/(√κ+1))²)'),
];

export { dqAlgorithm, runConstants, type DqOptions } from './machines.js';
export { contractionBound, methodConstants, coveringEfficiency, thresholdRate, phi, type Method, type Quantization } from './methods.js';
export { fitContraction } from './contraction.js';
export { LeastSquares } from './least-squares.js';
export { RangeSchedule } from './ranges.js';
