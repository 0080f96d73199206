import * as z from 'zod';
import { defineAlgorithm } from '../../contract/declaration.js';
import { gd } from '../gd/machines.js';
import { gdLr } from '../gd/index.js';
import { admissionParam, aggregationParam } from '../../shared/aggregate.js';
import { roundBudgetOf } from '../../contract/budget-fit.js';

/**
 * QGD, the Q-GADMM paper's baselines (000, Sec. 4): workers send their full-shard gradient
 * b-bit uniformly quantized (b·d + 64 bits), or in float32 with `bits: 32` — plain GD with the
 * paper's f_n = ½‖X_nθ − y_n‖² and step 1/Σ_n λ_max(X_nᵀX_n).
 */
export const qgdDeclaration = defineAlgorithm({
  name: 'qgd',
  summary: 'QGD: GD through a server with each worker\'s gradient stochastically quantized to b bits per coordinate (uniform codec, b·d + 64 bits), or float32 with bits 32 (plain GD); the Q-GADMM paper\'s baselines',
  family: 'server',
  params: z.strictObject({
    lr: gdLr,
    bits: z.union([z.int().min(1).max(16), z.literal(32)]).default(2).describe('bits per gradient coordinate (1…16, uniform), or 32 for float32 gradients (GD)'),
    aggregation: aggregationParam,
    admission: admissionParam,
  }),
  build: (p, ctx) => gd(ctx.server, ctx.devices, {
    name: p.bits === 32 ? 'gd' : 'qgd', lr: p.lr,
    up: p.bits === 32 ? { id: 'float32' } : { id: 'uniform', bits: p.bits }, down: { id: 'float32' }, ...roundBudgetOf(ctx),
    aggregation: p.aggregation, admission: p.admission,
  }),
});
