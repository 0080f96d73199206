import * as z from 'zod';
import { defineAlgorithm } from '../../contract/declaration.js';
import { gossip } from './machines.js';

/** Parameters every gossip algorithm shares (defaults: paper 002's MNIST experiment). */
const stepParams = {
  lr: z.number().positive().default(0.2).describe('SGD step size η (paper: 0.2)'),
  batchSize: z.int().min(1).default(20).describe('mini-batch rows of the local SGD step (paper: 20)'),
  mixing: z.enum(['auto', 'uniform', 'metropolis']).default('auto').describe("mixing matrix W: 'uniform' 1/(deg+1) on a regular graph (complete graph: 11ᵀ/n), 'metropolis' Metropolis–Hastings, 'auto' uniform when the graph is regular"),
};
const gamma = z.number().positive().max(1).default(1).describe('consensus step size γ (paper: 1)');
const levels = z.int().min(1).max(65533).default(8).describe('quantization levels L (paper: 8)');
const shrink = z.enum(['none', 'paper']).default('none').describe("'none': unbiased dithered levels; 'paper': divide by τ = 1 + d/L² as Lemma 1 needs (≈ 10⁴ at d = 669,706: replicas barely move)");

/** MALCOM-PSGD (paper 002): proximal SGD, residual quantization of z − y, the type-vector/Golomb coder, consensus with γ. */
export const malcomPsgdDeclaration = defineAlgorithm({
  name: 'malcom-psgd',
  summary: 'MALCOM-PSGD: decentralized proximal SGD (L1) whose peers gossip the dithered-quantized residual z − y against shared replicas, coded by type vector + Golomb runs',
  family: 'decentralized',
  params: z.strictObject({
    ...stepParams,
    gamma,
    l1: z.number().min(0).default(7e-6).describe('L1 weight μ of the proximal step (paper: 7e−6)'),
    levels,
    shrink,
  }),
  build: ({ l1, levels: L, shrink: s, ...p }, ctx) => gossip(ctx.devices, ctx.topology, { name: 'malcom-psgd', ...p, l1, codec: { id: 'malcom', levels: L, shrink: s } }),
});

/** CHOCO-SGD (Koloskova et al.) with QSGD, the paper's baseline. */
export const chocoQsgdDeclaration = defineAlgorithm({
  name: 'choco-qsgd',
  summary: 'CHOCO-SGD with QSGD: gossip SGD exchanging the QSGD-quantized residual x − x̂ against shared replicas (rescaled by τ = 1 + min(d/s², √d/s) as CHOCO-SGD needs)',
  family: 'decentralized',
  params: z.strictObject({
    ...stepParams,
    gamma: z.number().positive().max(1).default(0.02).describe('consensus step size γ (0.02: with QSGD γ = 1 diverges and γ ≥ 0.1 diverges at d = 669,706, see docs/reproductions.md)'),
    levels: z.int().min(1).max(1 << 24).default(8).describe('QSGD levels s (paper: 8)'),
    rescale: z.boolean().default(true).describe("divide QSGD's output by τ = 1 + min(d/s², √d/s) (CHOCO-SGD's contractive form)"),
  }),
  build: ({ levels: s, rescale, ...p }, ctx) => gossip(ctx.devices, ctx.topology, { name: 'choco-qsgd', ...p, l1: null, codec: { id: 'qsgd', levels: s, rescale } }),
});

/** CHOCO-SGD with MALCOM's quantizer and coder (no proximal step): the paper's ablation. */
export const chocoMalcomDeclaration = defineAlgorithm({
  name: 'choco-malcom',
  summary: "CHOCO-SGD with MALCOM's dithered quantizer and type-vector/Golomb coder: MALCOM-PSGD without the proximal (L1) step",
  family: 'decentralized',
  params: z.strictObject({ ...stepParams, gamma, levels, shrink }),
  build: ({ levels: L, shrink: s, ...p }, ctx) => gossip(ctx.devices, ctx.topology, { name: 'choco-malcom', ...p, l1: null, codec: { id: 'malcom', levels: L, shrink: s } }),
});

/** D-PSGD (Lian et al.): uncompressed gossip; with γ = 1, x_i ← Σ_j w_ij (x_j − η∇F_j). */
export const dpsgdDeclaration = defineAlgorithm({
  name: 'd-psgd',
  summary: 'D-PSGD: uncompressed gossip SGD; peers send their model after the SGD step in float32 and average with the mixing matrix',
  family: 'decentralized',
  params: z.strictObject({ ...stepParams, gamma }),
  build: (p, ctx) => gossip(ctx.devices, ctx.topology, { name: 'd-psgd', ...p, l1: null, codec: { id: 'float32' } }),
});

export const gossipDeclarations = [malcomPsgdDeclaration, chocoQsgdDeclaration, chocoMalcomDeclaration, dpsgdDeclaration] as const;
export { gossip, GossipNode, type GossipOptions } from './machines.js';
export { withReplica, type ReplicaState } from './replica-codec.js';
