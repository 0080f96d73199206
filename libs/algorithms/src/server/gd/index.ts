import * as z from 'zod';

/**
 * The gradient-descent machines behind `qgd` (the Q-GADMM paper's quantized baseline). The
 * full-precision `gd` is declared with the differentially quantized family (server/dq), whose
 * `lr: auto` is the same 1/Σ_n λ_max(X_nᵀX_n) step.
 */
export const gdLr = z.union([z.number().positive(), z.literal('auto')]).default('auto').describe("step size α, or 'auto' = 1/Σ_n λ_max(X_nᵀX_n) (linear least squares)");

export { gd, type GdOptions } from './machines.js';
