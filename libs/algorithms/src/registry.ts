import * as z from 'zod';
import type { Algorithm } from './contract/types.js';
import type { AlgorithmDeclaration, BuildContext } from './contract/declaration.js';
import { AlgorithmError } from './contract/errors.js';
import { fedavgDeclaration } from './server/fedavg/index.js';
import { qgdDeclaration } from './server/qgd/index.js';
import { gadmmDeclaration } from './decentralized/gadmm/index.js';
import { qgadmmDeclaration } from './decentralized/q-gadmm/index.js';
import { chocoMalcomDeclaration, chocoQsgdDeclaration, dpsgdDeclaration, malcomPsgdDeclaration } from './decentralized/gossip/index.js';
import { dqDeclarations } from './server/dq/index.js';
import { localSadmmDeclaration, stocAdmmDeclaration } from './server/sadmm/index.js';
import { adagradL1Declarations } from './server/adagrad-l1/index.js';

/**
 * Every algorithm the product knows, one line each. Adding an algorithm is its folder
 * (declaration + state machines) and one line here.
 */
export const ALGORITHMS: readonly AlgorithmDeclaration[] = [
  fedavgDeclaration,
  qgdDeclaration,
  gadmmDeclaration,
  qgadmmDeclaration,
  malcomPsgdDeclaration,
  chocoQsgdDeclaration,
  chocoMalcomDeclaration,
  dpsgdDeclaration,
  ...dqDeclarations,
  localSadmmDeclaration,
  stocAdmmDeclaration,
  ...adagradL1Declarations,
];

/** An algorithm as a job names it: `name` plus that algorithm's parameters. */
export interface AlgorithmSpec {
  readonly name: string;
  readonly [param: string]: unknown;
}

export function algorithmNames(): string[] {
  return ALGORITHMS.map((d) => d.name);
}

export function findAlgorithm(name: string): AlgorithmDeclaration | undefined {
  return ALGORITHMS.find((d) => d.name === name);
}

/** The schema of `algorithm:` in a job: each declaration's parameters, told apart by `name`. */
export function algorithmSchemas(): [z.ZodObject, ...z.ZodObject[]] {
  const schemas = ALGORITHMS.map((d) => z.strictObject({ name: z.literal(d.name) }).extend(d.params.shape));
  return schemas as [z.ZodObject, ...z.ZodObject[]];
}

/** Builds the algorithm a job names; its parameters are checked against the declaration again. */
export function createAlgorithm(spec: AlgorithmSpec, ctx: BuildContext): Algorithm {
  const decl = findAlgorithm(spec.name);
  if (!decl) throw new AlgorithmError(`unknown algorithm "${spec.name}"`, `use one of: ${algorithmNames().join(', ')}`);
  const { name: _name, ...rest } = spec;
  const parsed = decl.params.safeParse(rest);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AlgorithmError(`algorithm ${spec.name}: ${first ? `${first.path.join('.') || '(params)'}: ${first.message}` : 'bad parameters'}`, `see \`edgefl sim --help\` or docs/algorithms.md for ${spec.name}'s parameters`);
  }
  return decl.build(parsed.data, ctx);
}
