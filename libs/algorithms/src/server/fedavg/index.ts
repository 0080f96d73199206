import * as z from 'zod';
import { defineAlgorithm } from '../../contract/declaration.js';
import { fedAvg } from './machines.js';
import { admissionParam, aggregationParam } from '../../shared/aggregate.js';
import { roundBudgetOf } from '../../contract/budget-fit.js';

/** FedAvg (McMahan et al. 2017): E local SGD steps of size lr on mini-batches of B rows. */
export const fedavgDeclaration = defineAlgorithm({
  name: 'fedavg',
  summary: 'FedAvg: workers run local SGD from the global model and upload compressed deltas; the server adds their sample-weighted mean',
  family: 'server',
  params: z.strictObject({
    localSteps: z.int().min(1).default(10).describe('local SGD steps per round (E)'),
    lr: z.number().positive().default(0.1).describe('local step size'),
    batchSize: z.int().min(1).default(32).describe('mini-batch rows (B)'),
    aggregation: aggregationParam,
    admission: admissionParam,
  }),
  build: (p, ctx) => fedAvg(ctx.server, ctx.devices, { ...p, ...ctx.codecs, ...roundBudgetOf(ctx) }),
});

export { fedAvg, type FedAvgOptions } from './machines.js';
