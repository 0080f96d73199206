import type * as z from 'zod';
import type { CodecSpec } from '@edgefl/codec';
import type { Algorithm, NodeId, RoundBudget } from './types.js';
import type { TopologySpec } from '../topology/graph.js';

/** The codecs a job names for each direction of a server algorithm (or for peer links). */
export interface Codecs {
  readonly up: CodecSpec;
  readonly down: CodecSpec;
}

/** What a job gives an algorithm to build its nodes from (identical on every node). */
export interface BuildContext {
  /** the aggregator's node id, for server algorithms */
  readonly server: NodeId;
  /** the job's devices, in job order */
  readonly devices: readonly NodeId[];
  readonly codecs: Codecs;
  /** the job seed (each node also gets its own seeded stream in its NodeEnv) */
  readonly seed: number;
  /** the job's `topology:` for decentralized algorithms (each picks its default when absent) */
  readonly topology?: TopologySpec;
  /**
   * Per-round payload budgets of the job's links (`budgets.*.bitsPerRound`), when it has
   * any: algorithms fit each round's codec setting to them (see contract/budget-fit.ts).
   */
  readonly roundBudget?: RoundBudget;
}

/** Where an algorithm's nodes run: a server and workers, or peers only (serverless). */
export type AlgorithmFamily = 'server' | 'decentralized';

/**
 * An algorithm as the rest of the product sees it: its name, a one-line summary, its
 * parameters declared once (a zod object whose fields carry defaults, ranges and a
 * `.describe()` line), and how to build it. Config validation, `--help`, the generated
 * docs/algorithms.md and the job build all read this one declaration.
 */
export interface AlgorithmDeclaration<P extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly summary: string;
  readonly family: AlgorithmFamily;
  /** the parameters, without `name` (added by the registry) */
  readonly params: P;
  build(params: z.output<P>, ctx: BuildContext): Algorithm;
}

/** Declares an algorithm; the identity function, there for type inference of `build`'s params. */
export function defineAlgorithm<P extends z.ZodObject>(d: AlgorithmDeclaration<P>): AlgorithmDeclaration<P> {
  return d;
}
