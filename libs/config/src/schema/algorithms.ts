import * as z from 'zod';
import { algorithmSchemas } from '@edgefl/algorithms';

/**
 * `algorithm:` of a job: each registered algorithm's declared parameters (libs/algorithms
 * declares them once, with defaults and ranges), told apart by `name`.
 */
export const ALGORITHM_SCHEMAS = algorithmSchemas();


/** A resolved `algorithm:` section: the name and that algorithm's parameters with defaults filled in. */
export interface AlgorithmConfig {
  readonly name: string;
  readonly [param: string]: unknown;
}
export type AlgorithmName = string;

/**
 * zod types a union built at run time loosely (`Record<string, unknown>`); the registry
 * guarantees every member has its literal `name`, so the output is an AlgorithmConfig.
 */
export const AlgorithmSchema = z.discriminatedUnion('name', ALGORITHM_SCHEMAS) as unknown as z.ZodType<AlgorithmConfig, AlgorithmConfig>;
