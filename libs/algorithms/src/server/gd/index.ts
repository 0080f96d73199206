import * as z from 'zod';
import { defineAlgorithm } from '../../contract/declaration.js';
import { gd } from './machines.js';

export const gdLr = z.union([z.number().positive(), z.literal('auto')]).default('auto').describe("step size α, or 'auto' = 1/Σ_n λ_max(X_nᵀX_n) (linear least squares)");

/** GD: the full-precision baseline of Q-GADMM's paper. */
export const gdDeclaration = defineAlgorithm({
  name: 'gd',
  summary: 'GD: workers send float32 full-shard gradients to the server, which takes a gradient step and broadcasts the model (the Q-GADMM paper\'s baseline)',
  family: 'server',
  params: z.strictObject({ lr: gdLr }),
  build: (p, ctx) => gd(ctx.server, ctx.devices, { name: 'gd', lr: p.lr, up: { id: 'float32' }, down: { id: 'float32' } }),
});

export { gd, type GdOptions } from './machines.js';
