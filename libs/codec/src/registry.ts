import type { CodecSpec } from './types.js';
import type { CodecCompressor } from './compressors/compressor.js';
import { CodecError } from './errors.js';
import { createFloat32 } from './compressors/float32.js';
import { createUniform, type UniformSpec } from './compressors/uniform.js';

/** Every codec id this build can create and decode. */
export const CODEC_IDS = ['float32', 'uniform'] as const;

export type CodecId = (typeof CODEC_IDS)[number];

const known: ReadonlySet<string> = new Set(CODEC_IDS);

export function isKnownCodecId(id: string): id is CodecId {
  return known.has(id);
}

export type Float32Spec = {
  readonly id: 'float32';
};

/**
 * The one factory: a spec (from config, or read from an envelope) → its compressor.
 * Typed specs give typed states; a generic CodecSpec gives `unknown` state, to be created
 * with `initState(dim)`. Invalid parameters raise CodecError naming the parameter.
 */
export function createCompressor(spec: Float32Spec): CodecCompressor<void>;
export function createCompressor(spec: UniformSpec): CodecCompressor<void>;
export function createCompressor(spec: CodecSpec): CodecCompressor<unknown>;
export function createCompressor(spec: CodecSpec): CodecCompressor<void> | CodecCompressor<unknown> {
  switch (spec.id) {
    case 'float32':
      return createFloat32();
    case 'uniform':
      return createUniform({ id: 'uniform', bits: param(spec, 'bits') });
    default:
      throw new CodecError(`unknown codec id "${spec.id}"`, `use one of: ${CODEC_IDS.join(', ')}`);
  }
}

function param(spec: CodecSpec, name: string): number {
  const v = spec[name];
  if (typeof v !== 'number') {
    throw new CodecError(`${spec.id}: parameter "${name}" is ${v === undefined ? 'missing' : JSON.stringify(v)}, expected a number`,
      `add ${name} to the codec spec, e.g. { id: '${spec.id}', ${name}: 2 }`);
  }
  return v;
}
