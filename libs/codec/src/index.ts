export type * from './types.js';
export { CodecError } from './errors.js';
export * from './bits/index.js';
export * from './coders/index.js';

// compressors: one factory, typed specs and states
export { createCompressor, CODEC_IDS, isKnownCodecId, SHARED_REFERENCE_CODECS, keepsSharedReference } from './registry.js';
export type { CodecId, Float32Spec, Float64Spec, ErrorFeedbackSpec, StatelessSpec } from './registry.js';
export type { CodecCompressor, IndicatedCompressor } from './compressors/compressor.js';
export { createThreshold } from './compressors/threshold.js';
export { createTernGrad, parseLayers } from './compressors/terngrad.js';
export type { UniformSpec } from './compressors/uniform.js';
export type { Float16Spec } from './compressors/float16.js';
export type { QGadmmSpec, QGadmmState } from './compressors/qgadmm.js';
export type { MalcomSpec, MalcomShrink } from './compressors/malcom.js';
export { MALCOM_SHRINKS, MALCOM_DEFAULT_SHRINK } from './compressors/malcom.js';
export type { QsgdSpec, QsgdCoder } from './compressors/qsgd.js';
export { QSGD_CODERS } from './compressors/qsgd.js';
export type { ThresholdSpec } from './compressors/threshold.js';
export type { TernGradSpec } from './compressors/terngrad.js';
export type { DqSpec, DqState } from './compressors/dq.js';
export type { TopKSpec } from './compressors/topk.js';
export type { SignSpec } from './compressors/sign.js';
export { withErrorFeedback } from './compressors/error-feedback.js';
export type { ErrorFeedbackState } from './compressors/error-feedback.js';
export { MAX_DIM } from './compressors/checks.js';
export { SYMBOL_CODERS } from './compressors/symbol-stage.js';
export type { SymbolCoder } from './compressors/symbol-stage.js';

// quantizer math (pure functions on typed arrays), for algorithms and tests
export { optimalThreshold, optimalThresholdBySort, approxThreshold, thresholdAt, thresholdObjective } from './quantizers/threshold.js';
export type { Threshold, Indicator } from './quantizers/threshold.js';
export { malcomTau } from './quantizers/dither.js';
export { floatToHalf, halfToFloat, floatsToHalves, halvesToFloats, HALF_MAX } from './quantizers/half.js';
export { kthLargestAbs, topKIndices } from './quantizers/select.js';

// wire envelope
export { encodeEnvelope, decodeEnvelope, envelopeOverhead } from './envelope.js';
export type { EnvelopeExpectation } from './envelope.js';
export { benchQuantizers, BENCH_SPECS } from './bench/quantizers.js';
export { benchCoders } from './bench/coders.js';
export { timeAgainstReference, type TimedAgainstReference } from './bench/against-reference.js';
export { laplaceUpdateVector } from './bench/update-vector.js';
export { benchModelUpdateBits, MODEL_UPDATE_SPECS } from './bench/model-update-bits.js';
export { mlpUpdate, DIGITS_MLP_UPDATE, FASHION_MLP_UPDATE, type MlpUpdateOptions } from './bench/model-update.js';
export { encodeFloat64, decodeFloat64 } from './compressors/float64.js';

// rate allocation: one budget split across links
export { waterFill, roundRates } from './rate/water-filling.js';
export type { WaterFilling } from './rate/water-filling.js';
export { fitToBudget, fixedPayloadBits, minimumPayloadBits } from './rate/fit.js';
export type { BudgetFit } from './rate/fit.js';
