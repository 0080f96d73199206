import * as z from 'zod';
import { admissionParam, aggregationParam, type AggregationRule } from '../../shared/aggregate.js';
import { defineAlgorithm } from '../../contract/declaration.js';
import { adagradL1, type AdagradL1Options } from './machines.js';

/**
 * QCMD / QRDA adagrad (paper 003, Xu et al.) and the 32-bit CMD / RDA adagrad and Prox-GD
 * baselines. Defaults are the paper's Table 2 row for LeNet on MNIST (4 workers, batch 16).
 */
const common = {
  batchSize: z.int().min(1).default(16).describe('mini-batch rows per worker and round'),
  aggregation: aggregationParam,
  admission: admissionParam,
};
const adaptive = {
  delta: z.number().min(0).max(1e3).default(1e-8).describe('δ of the adaptive matrix H_t = δI + diag(‖q_{1:t,i}‖₂)'),
};
const quantized = {
  quantizer: z.enum(['threshold', 'terngrad']).default('threshold').describe('ternary quantizer of the gradients: threshold (paper 003) or TernGrad (the baseline)'),
  threshold: z.enum(['optimal', 'approx']).default('optimal').describe('threshold quantizer\'s Δ: exact Δ* or 0.75·mean|v| over the selected coordinates'),
  scales: z.enum(['layer', 'vector']).default('layer').describe('TernGrad scales: one per layer of the model (Wen et al.) or one for the whole vector'),
  double: z.boolean().default(true).describe('quantize the server\'s average again (double quantization); false = the † variant: the unquantized average goes down, its non-zeros as float32 with their positions'),
};

function build(name: string, method: AdagradL1Options['method'], p: { lr: number; lambda: number; batchSize: number; delta?: number; quantizer?: 'threshold' | 'terngrad'; threshold?: 'optimal' | 'approx'; scales?: 'layer' | 'vector'; double?: boolean; aggregation: AggregationRule; admission: { maxNormRatio: number } }, server: string, devices: readonly string[]) {
  return adagradL1(name, server, devices, {
    method, lr: p.lr, lambda: p.lambda, batchSize: p.batchSize, delta: p.delta ?? 0,
    quantizer: p.quantizer ?? 'none', threshold: p.threshold ?? 'optimal', scales: p.scales ?? 'layer', double: p.double ?? true,
    aggregation: p.aggregation, admission: p.admission,
  });
}

export const qcmdDeclaration = defineAlgorithm({
  name: 'qcmd',
  summary: 'QCMD adagrad (paper 003): workers send a support indicator and ternary gradients on it (32 + d + 2k bits); the server averages, ORs, quantizes again; every node applies the L1 adagrad mirror-descent step (Eq. 16)',
  family: 'server',
  params: z.strictObject({
    lr: z.number().positive().default(0.004).describe('learning rate η'),
    lambda: z.number().min(0).default(1e-4).describe('L1 coefficient λ of φ(x) = λ‖x‖₁'),
    ...common, ...adaptive, ...quantized,
  }),
  build: (p, ctx) => build('qcmd', 'cmd', p, ctx.server, ctx.devices),
});

export const qrdaDeclaration = defineAlgorithm({
  name: 'qrda',
  summary: 'QRDA adagrad (paper 003): as qcmd, with the regularized dual-averaging step (Eq. 17), which keeps the model far sparser',
  family: 'server',
  params: z.strictObject({
    lr: z.number().positive().default(0.01).describe('learning rate η'),
    lambda: z.number().min(0).default(1e-3).describe('L1 coefficient λ of φ(x) = λ‖x‖₁'),
    ...common, ...adaptive, ...quantized,
  }),
  build: (p, ctx) => build('qrda', 'rda', p, ctx.server, ctx.devices),
});

export const cmdDeclaration = defineAlgorithm({
  name: 'cmd',
  summary: 'CMD adagrad with 32-bit gradients both ways (the baseline of qcmd): L1 adagrad mirror-descent step',
  family: 'server',
  params: z.strictObject({
    lr: z.number().positive().default(0.004).describe('learning rate η'),
    lambda: z.number().min(0).default(1e-4).describe('L1 coefficient λ'),
    ...common, ...adaptive,
  }),
  build: (p, ctx) => build('cmd', 'cmd', p, ctx.server, ctx.devices),
});

export const rdaDeclaration = defineAlgorithm({
  name: 'rda',
  summary: 'RDA adagrad with 32-bit gradients both ways (the baseline of qrda): L1 regularized dual averaging',
  family: 'server',
  params: z.strictObject({
    lr: z.number().positive().default(0.01).describe('learning rate η'),
    lambda: z.number().min(0).default(1e-3).describe('L1 coefficient λ'),
    ...common, ...adaptive,
  }),
  build: (p, ctx) => build('rda', 'rda', p, ctx.server, ctx.devices),
});

export const proxGdDeclaration = defineAlgorithm({
  name: 'prox-gd',
  summary: 'Prox-GD with 32-bit gradients (paper 003\'s baseline): the server averages mini-batch gradients, every node steps x ← soft(x − η·ḡ, ηλ)',
  family: 'server',
  params: z.strictObject({
    lr: z.number().positive().default(0.001).describe('step size η'),
    lambda: z.number().min(0).default(0.005).describe('L1 coefficient λ'),
    ...common,
  }),
  build: (p, ctx) => build('prox-gd', 'prox', p, ctx.server, ctx.devices),
});

export const adagradL1Declarations = [qcmdDeclaration, qrdaDeclaration, cmdDeclaration, rdaDeclaration, proxGdDeclaration];
export { adagradL1, type AdagradL1Options } from './machines.js';
