import * as z from 'zod';
import { defineAlgorithm } from '../../contract/declaration.js';
import { gd } from '../gd/machines.js';
import { gdLr } from '../gd/index.js';

/** QGD: GD whose workers send b-bit uniformly quantized gradients (b·d + 64 bits). */
export const qgdDeclaration = defineAlgorithm({
  name: 'qgd',
  summary: 'QGD: GD with each gradient stochastically quantized to b bits per coordinate (uniform codec, b·d + 64 bits; the Q-GADMM paper\'s baseline)',
  family: 'server',
  params: z.strictObject({
    lr: gdLr,
    bits: z.int().min(1).max(16).default(2).describe('bits per gradient coordinate'),
  }),
  build: (p, ctx) => gd(ctx.server, ctx.devices, { name: 'qgd', lr: p.lr, up: { id: 'uniform', bits: p.bits }, down: { id: 'float32' } }),
});
