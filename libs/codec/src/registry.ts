import type { CodecSpec } from './types.js';
import type { CodecCompressor } from './compressors/compressor.js';
import { CodecError } from './errors.js';
import { createFloat32 } from './compressors/float32.js';
import { createKeyframe } from './compressors/keyframe.js';
import { createFloat64 } from './compressors/float64.js';
import { createFloat16, type Float16Spec } from './compressors/float16.js';
import { createUniform, type UniformSpec } from './compressors/uniform.js';
import { createQGadmm, type QGadmmSpec, type QGadmmState } from './compressors/qgadmm.js';
import { MALCOM_SHRINKS, createMalcom, type MalcomSpec } from './compressors/malcom.js';
import { QSGD_CODERS, createQsgd, type QsgdSpec } from './compressors/qsgd.js';
import { createThreshold, type ThresholdSpec } from './compressors/threshold.js';
import { createTernGrad, type TernGradSpec } from './compressors/terngrad.js';
import { createDq, type DqSpec, type DqState } from './compressors/dq.js';
import { createTopK, type TopKSpec } from './compressors/topk.js';
import { createSign, type SignSpec } from './compressors/sign.js';
import { SYMBOL_CODERS } from './compressors/symbol-stage.js';
import { withErrorFeedback, type ErrorFeedbackState } from './compressors/error-feedback.js';

/** Every codec id this build can create and decode. */
export const CODEC_IDS = [
  'float32', 'float64', 'float16', 'uniform', 'qgadmm', 'malcom', 'qsgd', 'threshold', 'terngrad', 'dq', 'topk', 'sign', 'ef', 'keyframe',
] as const;

export type CodecId = (typeof CODEC_IDS)[number];

const known: ReadonlySet<string> = new Set(CODEC_IDS);

export function isKnownCodecId(id: string): id is CodecId {
  return known.has(id);
}

/**
 * Codecs whose receiver holds a reference θ̂ that every decode moves forward, in step with
 * one sender's (Q-GADMM's residual θ − θ̂, paper 000, Sec. III). A receiver needs one such
 * state per sender, and sender and receiver stay in step only while every message of the
 * link is delivered exactly once, in order, or a keyframe re-anchors them after a gap
 * (the peer links of libs/algorithms do; see `keepsSharedReference`).
 */
export const SHARED_REFERENCE_CODECS: readonly CodecId[] = ['qgadmm'];

/**
 * Whether `spec` decodes against a reference shared with its sender (`SHARED_REFERENCE_CODECS`,
 * also inside `ef`). Error feedback alone does not: its residual lives on the sender only.
 */
export function keepsSharedReference(spec: CodecSpec): boolean {
  const id = spec.id === 'ef' ? spec['inner'] : spec.id;
  return typeof id === 'string' && (SHARED_REFERENCE_CODECS as readonly string[]).includes(id);
}

export type Float32Spec = { readonly id: 'float32' };
export type Float64Spec = { readonly id: 'float64' };

/** Error feedback around the codec named by `inner`; the other parameters are the inner codec's. */
export type ErrorFeedbackSpec = { readonly id: 'ef'; readonly inner: string; readonly [param: string]: string | number | boolean };

/** Stateless codecs: their compressors take `undefined` as state. */
export type StatelessSpec =
  | Float32Spec | Float64Spec | Float16Spec | UniformSpec | MalcomSpec | QsgdSpec | ThresholdSpec | TernGradSpec | TopKSpec | SignSpec;

/**
 * The one factory: a spec (from config, or read from an envelope) → its compressor.
 * Typed specs give typed states; a generic CodecSpec gives `unknown` state, to be created
 * with `initState(dim)`. Invalid parameters raise CodecError naming the parameter.
 */
export function createCompressor(spec: StatelessSpec): CodecCompressor<void>;
export function createCompressor(spec: QGadmmSpec): CodecCompressor<QGadmmState>;
export function createCompressor(spec: DqSpec): CodecCompressor<DqState>;
export function createCompressor(spec: ErrorFeedbackSpec): CodecCompressor<ErrorFeedbackState<unknown>>;
export function createCompressor(spec: CodecSpec): CodecCompressor<unknown>;
export function createCompressor(spec: CodecSpec): CodecCompressor<void> | CodecCompressor<unknown> {
  const p = new Params(spec);
  switch (spec.id) {
    case 'float32':
      p.done([]);
      return createFloat32();
    case 'float64':
      p.done([]);
      return createFloat64();
    case 'float16':
      p.done([]);
      return createFloat16();
    case 'uniform':
      p.done(['bits', 'coder']);
      return createUniform({ id: 'uniform', bits: p.num('bits'), coder: p.optEnum('coder', SYMBOL_CODERS) });
    case 'qgadmm': {
      p.done(['bits', 'initBits', 'maxBits', 'coder']);
      const bits = spec['bits'] === 'auto' ? 'auto' : p.num('bits');
      return createQGadmm({ id: 'qgadmm', bits, initBits: p.optNum('initBits'), maxBits: p.optNum('maxBits'), coder: p.optEnum('coder', SYMBOL_CODERS) }) as CodecCompressor<unknown>;
    }
    case 'malcom': {
      p.done(['levels', 'shrink', 'coder']);
      return createMalcom({ id: 'malcom', levels: p.num('levels'), shrink: p.optEnum('shrink', MALCOM_SHRINKS), coder: p.optEnum('coder', SYMBOL_CODERS) });
    }
    case 'qsgd':
      p.done(['levels', 'rescale', 'coder']);
      return createQsgd({ id: 'qsgd', levels: p.num('levels'), rescale: p.optBool('rescale'), coder: p.optEnum('coder', QSGD_CODERS) });
    case 'threshold':
      p.done(['threshold', 'form', 'coder']);
      return createThreshold({
        id: 'threshold', threshold: p.optEnum('threshold', ['optimal', 'approx']), form: p.optEnum('form', ['dense', 'sparse']),
        coder: p.optEnum('coder', SYMBOL_CODERS),
      });
    case 'terngrad':
      p.done(['coder', 'form', 'layers']);
      return createTernGrad({ id: 'terngrad', coder: p.optEnum('coder', SYMBOL_CODERS), form: p.optEnum('form', ['dense', 'sparse']), layers: p.optStr('layers') });
    case 'dq':
      p.done(['bits', 'coder']);
      return createDq({ id: 'dq', bits: p.num('bits'), coder: p.optEnum('coder', SYMBOL_CODERS) }) as CodecCompressor<unknown>;
    case 'topk':
      p.done(['k', 'ratio']);
      return createTopK({ id: 'topk', k: p.optNum('k'), ratio: p.optNum('ratio') });
    case 'sign':
      p.done([]);
      return createSign();
    case 'keyframe':
      p.done(['extra']);
      return createKeyframe({ id: 'keyframe', extra: p.num('extra') });
    case 'ef': {
      const innerId = spec['inner'];
      if (typeof innerId !== 'string' || innerId === 'ef' || !isKnownCodecId(innerId)) {
        throw new CodecError(`ef: inner codec ${JSON.stringify(innerId)} is not a known codec other than ef`,
          `name the compressed codec, e.g. { id: 'ef', inner: 'topk', ratio: 0.01 }; known: ${CODEC_IDS.join(', ')}`);
      }
      const { inner: _inner, id: _id, ...rest } = spec;
      return withErrorFeedback(createCompressor({ ...rest, id: innerId })) as CodecCompressor<unknown>;
    }
    default:
      throw new CodecError(`unknown codec id "${spec.id}"`, `use one of: ${CODEC_IDS.join(', ')}`);
  }
}

/** Typed reads of a spec's scalar parameters, with errors that name the parameter. */
class Params {
  constructor(private readonly spec: CodecSpec) {}

  /** Rejects parameters the codec does not know (typos would otherwise be silently ignored). */
  done(allowed: readonly string[]): void {
    for (const k of Object.keys(this.spec)) {
      if (k !== 'id' && !allowed.includes(k)) {
        throw new CodecError(`${this.spec.id}: unknown parameter "${k}"`,
          allowed.length ? `${this.spec.id} takes: ${allowed.join(', ')}` : `${this.spec.id} takes no parameters`);
      }
    }
  }

  num(name: string): number {
    const v = this.optNum(name);
    if (v === undefined) {
      throw new CodecError(`${this.spec.id}: parameter "${name}" is missing, expected a number`,
        `add ${name} to the codec spec, e.g. { id: '${this.spec.id}', ${name}: 2 }`);
    }
    return v;
  }

  optNum(name: string): number | undefined {
    const v = this.spec[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw this.wrongType(name, v, 'a number');
    return v;
  }

  optBool(name: string): boolean | undefined {
    const v = this.spec[name];
    if (v === undefined || typeof v === 'boolean') return v;
    throw this.wrongType(name, v, 'true or false');
  }

  optStr(name: string): string | undefined {
    const v = this.spec[name];
    if (v === undefined || typeof v === 'string') return v;
    throw this.wrongType(name, v, 'a string');
  }

  optEnum<T extends string>(name: string, options: readonly T[]): T | undefined {
    const v = this.spec[name];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
    throw this.wrongType(name, v, options.map((o) => `'${o}'`).join(' or '));
  }

  private wrongType(name: string, v: unknown, expected: string): CodecError {
    return new CodecError(`${this.spec.id}: parameter "${name}" is ${JSON.stringify(v)}, expected ${expected}`,
      `fix ${name} in the codec spec`);
  }
}
