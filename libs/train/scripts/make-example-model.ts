/**
 * Builds libs/train/models/digits-cnn.onnx: a small *inference* CNN for 8×8 digit
 * images, written with edgefl's own GraphBuilder (no Python needed), in the shape a
 * PyTorch export has — named initializers (conv1.weight…), BatchNormalization with running
 * statistics, Dropout, Flatten, Gemm with transB. Tests import it and train it.
 *
 *   node --conditions=edgefl-source --import tsx libs/train/scripts/make-example-model.ts [out.onnx]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '@edgefl/core';
import { GraphBuilder, f } from '../src/index.js';

export function makeExampleModel(seed = 2024): Uint8Array {
  const rng = new Rng(seed);
  const b = new GraphBuilder('digits-cnn');
  const he = (n: number, fanIn: number): Float32Array => Float32Array.from({ length: n }, () => Math.sqrt(2 / fanIn) * rng.normal());
  const param = (name: string, dims: number[], data: Float32Array): string => b.init(name, { type: 'float32', dims, data });
  param('conv1.weight', [4, 1, 3, 3], he(36, 9));
  param('conv1.bias', [4], new Float32Array(4));
  param('bn1.weight', [4], new Float32Array(4).fill(1));
  param('bn1.bias', [4], new Float32Array(4));
  param('bn1.running_mean', [4], Float32Array.from([0.1, -0.1, 0.05, 0]));
  param('bn1.running_var', [4], Float32Array.from([1.2, 0.9, 1, 1.1]));
  param('fc1.weight', [32, 64], he(32 * 64, 64));
  param('fc1.bias', [32], new Float32Array(32));
  param('fc2.weight', [10, 32], he(320, 32));
  param('fc2.bias', [10], new Float32Array(10));

  b.input('input', ['batch', 1, 8, 8]);
  let h = b.op1('Conv', ['input', 'conv1.weight', 'conv1.bias'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  h = b.op1('BatchNormalization', [h, 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var'], { epsilon: f(1e-5) });
  h = b.op1('Relu', [h]);
  h = b.op1('MaxPool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
  h = b.op1('Flatten', [h], { axis: 1 });
  h = b.op1('Relu', [b.op1('Gemm', [h, 'fc1.weight', 'fc1.bias'], { transB: 1 })]);
  h = b.op1('Dropout', [h]);
  b.op('Gemm', [h, 'fc2.weight', 'fc2.bias'], { transB: 1 }, ['logits']);
  b.output('logits');
  return b.toBytes();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? fileURLToPath(new URL('../models/digits-cnn.onnx', import.meta.url));
  const bytes = makeExampleModel();
  writeFileSync(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes)`);
}
