import * as z from 'zod';

/**
 * Every algorithm's parameters, one strict object per algorithm, told apart by `name`.
 * Adding an algorithm = adding one entry here (its defaults included).
 */
export const ALGORITHM_SCHEMAS = [
  // FedAvg (McMahan et al. 2017): E local SGD steps of size lr on mini-batches of B rows.
  z.strictObject({
    name: z.literal('fedavg'),
    localSteps: z.int().min(1).default(10),
    lr: z.number().positive().default(0.1),
    batchSize: z.int().min(1).default(32),
  }),
] as const;

export const AlgorithmSchema = z.discriminatedUnion('name', ALGORITHM_SCHEMAS);
export type AlgorithmConfig = z.output<typeof AlgorithmSchema>;
export type AlgorithmName = AlgorithmConfig['name'];
