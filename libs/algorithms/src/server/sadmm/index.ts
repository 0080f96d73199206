import * as z from 'zod';
import { defineAlgorithm } from '../../contract/declaration.js';
import { AlgorithmError } from '../../contract/errors.js';
import { sadmm } from './machines.js';
import { admissionParam, aggregationParam } from '../../shared/aggregate.js';
import { roundBudgetOf } from '../../contract/budget-fit.js';

const rho = z.number().positive().default(1).describe('ADMM penalty ρ > 0');
const beta = z.number().min(0).default(0.01).describe('L1 weight β of the server\'s soft threshold');
const batchSize = z.int().min(1).default(10).describe('mini-batch rows (B)');

/** local-SADMM (paper 001, Algorithm 1): T local steps on the augmented Lagrangian from the global model. */
export const localSadmmDeclaration = defineAlgorithm({
  name: 'local-sadmm',
  summary: 'local-SADMM: workers run T local SGD steps on the augmented Lagrangian from the global model and upload θ + λ/ρ; the server soft-thresholds the sum (L1)',
  family: 'server',
  params: z.strictObject({
    localSteps: z.int().min(1).default(10).describe('local steps per round (T)'),
    lr: z.number().positive().default(0.01).describe('local step size α'),
    batchSize,
    rho,
    beta,
    aggregation: aggregationParam,
    admission: admissionParam,
  }),
  build: (p, ctx) => sadmm('local-sadmm', ctx.server, ctx.devices, { start: 'global', ...p, ...ctx.codecs, ...roundBudgetOf(ctx) }),
});

/** STOC-ADMM (the paper's baseline, eq. 9): one linearised step from the worker's own model, α = 1/(ρ + η). */
export const stocAdmmDeclaration = defineAlgorithm({
  name: 'stoc-admm',
  summary: 'STOC-ADMM: each worker takes one linearised ADMM step of size 1/(ρ + η) from its own model per round; server as local-SADMM',
  family: 'server',
  params: z.strictObject({
    lr: z.number().positive().default(0.01).describe('step size α = 1/(ρ + η); used when eta is not given (the paper matches it to local-SADMM\'s α)'),
    eta: z.number().positive().optional().describe('η of eq. 9; given, the step is 1/(ρ + η) and lr is ignored'),
    batchSize,
    rho,
    beta,
    aggregation: aggregationParam,
    admission: admissionParam,
  }),
  build: (p, ctx) => {
    const lr = p.eta === undefined ? p.lr : 1 / (p.rho + p.eta);
    if (p.eta === undefined && 1 / p.lr - p.rho <= 0) {
      throw new AlgorithmError(`stoc-admm: lr ${p.lr} implies η = 1/lr − ρ = ${1 / p.lr - p.rho} ≤ 0`, 'choose lr < 1/ρ, or give eta > 0');
    }
    return sadmm('stoc-admm', ctx.server, ctx.devices, { start: 'own', localSteps: 1, lr, batchSize: p.batchSize, rho: p.rho, beta: p.beta, aggregation: p.aggregation, admission: p.admission, ...ctx.codecs, ...roundBudgetOf(ctx) });
  },
});

export { sadmm, type SadmmOptions } from './machines.js';
