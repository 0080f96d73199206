import * as z from 'zod';
import { defineAlgorithm } from '../../contract/declaration.js';
import { roundBudgetOf } from '../../contract/budget-fit.js';
import { gadmm } from '../gadmm/machines.js';
import { gadmmParams } from '../gadmm/index.js';

/**
 * Q-GADMM (Elgabli et al., paper 000): GADMM whose peers send their model stochastically
 * quantized relative to the previous quantized model θ̂ (b·d + 64 bits per transmission).
 */
export const qgadmmDeclaration = defineAlgorithm({
  name: 'q-gadmm',
  summary: 'Q-GADMM: GADMM exchanging b-bit stochastically quantized model residuals θ − θ̂ (the qgadmm codec), with keyframe resync after a lost message',
  family: 'decentralized',
  params: z.strictObject({
    ...gadmmParams,
    bits: z.union([z.int().min(1).max(16), z.literal('auto')]).default(2).describe("bits per coordinate b, or 'auto' (non-increasing step sizes, the paper's Theorem 1)"),
  }),
  build: ({ bits, ...p }, ctx) => gadmm(ctx.devices, ctx.topology, { name: 'q-gadmm', ...p, codec: { id: 'qgadmm', bits }, ...roundBudgetOf(ctx) }),
});
