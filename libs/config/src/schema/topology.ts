import * as z from 'zod';

/**
 * `topology:` of a job: the graph decentralized algorithms run on, over the job's devices
 * in order (0-based indices in `edges`). Built and checked (connected, no self-loops or
 * repeated edges) by libs/algorithms/src/topology when the job is created.
 */
export const TopologySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('chain') }),
  z.strictObject({ kind: z.literal('ring') }),
  z.strictObject({ kind: z.literal('complete') }),
  z.strictObject({ kind: z.literal('ring-like') }),
  z.strictObject({ kind: z.literal('regular'), degree: z.int().min(1), seed: z.int().min(0).max(0xffffffff).optional() }),
  z.strictObject({ kind: z.literal('edges'), edges: z.array(z.tuple([z.int().min(0), z.int().min(0)])).min(1) }),
]);
export type TopologyConfig = z.output<typeof TopologySchema>;
