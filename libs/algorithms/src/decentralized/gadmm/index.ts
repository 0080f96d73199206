import * as z from 'zod';
import { defineAlgorithm } from '../../contract/declaration.js';
import { roundBudgetOf } from '../../contract/budget-fit.js';
import { gadmm } from './machines.js';

/** Parameters GADMM and Q-GADMM share. */
export const gadmmParams = {
  rho: z.number().positive().default(1).describe('ADMM penalty ρ'),
  solver: z.enum(['auto', 'exact', 'steps']).default('auto').describe("local argmin: 'exact' closed form (linear least squares), 'steps' T augmented-Lagrangian steps, 'auto' exact when possible"),
  localSteps: z.int().min(1).default(10).describe('T local steps when the argmin is solved inexactly'),
  lr: z.number().positive().default(0.01).describe('step size of the inexact local steps'),
  batchSize: z.int().min(1).default(32).describe('mini-batch rows of the inexact local steps'),
};

/** GADMM (Elgabli et al.): group ADMM on a chain (or any bipartite topology) with full-precision exchange. */
export const gadmmDeclaration = defineAlgorithm({
  name: 'gadmm',
  summary: 'GADMM: serverless group ADMM; heads then tails solve their local argmin and send their float32 model to their neighbours (chain or any bipartite topology)',
  family: 'decentralized',
  params: z.strictObject(gadmmParams),
  build: (p, ctx) => gadmm(ctx.devices, ctx.topology, { name: 'gadmm', ...p, codec: { id: 'float32' }, ...roundBudgetOf(ctx) }),
});

export { gadmm, type GadmmOptions } from './machines.js';
