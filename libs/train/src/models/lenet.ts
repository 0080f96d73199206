import { TrainError } from '../errors.js';
import { f } from '../graph/types.js';
import type { ParamDef } from '../params/layout.js';
import { dense, denseParams, headFor } from './dense.js';
import type { ModelDef, Task } from './types.js';

/**
 * Image geometry from flat features: C×S×S with C = 1 when `features` is a perfect
 * square (784 → 1×28×28, 64 → 1×8×8), else C = 3 when features/3 is (3072 → 3×32×32).
 */
export function imageGeometry(features: number): { c: number; s: number } {
  for (const c of [1, 3]) {
    const s = Math.round(Math.sqrt(features / c));
    if (features % c === 0 && s * s * c === features) return { c, s };
  }
  throw new TrainError('TRAIN_SPEC', `lenet reads rows as C×S×S images, but ${features} features is neither S² nor 3·S²`,
    'use an image dataset (e.g. 784 = 28×28, 64 = 8×8), or an mlp');
}

/** Normalization before every convolution and fully connected layer: none, or per-sample layer norm. */
export type LenetNorm = 'none' | 'layer';

/**
 * LeNet-5 style CNN: conv 5×5 (6) → ReLU → maxpool 2 → conv 5×5 (16) → ReLU → maxpool 2
 * → fc 120 → ReLU → fc 84 → ReLU → fc classes. Both convolutions pad by 2 (size
 * preserving) so the same net fits 8×8 digits and 28×28 MNIST: 28 → 14 → 7 (784 features
 * into fc1), 8 → 4 → 2 (64).
 *
 * `norm: 'layer'` normalizes the input of every convolution and fully connected layer per
 * sample, x̂ = (x − mean)/√(var + 1e-5) over that layer's input features (ONNX
 * LayerNormalization, no trainable scale or shift; no parameters added). It stands in for
 * the batch normalization paper 003 adds before each layer "to generate a network with
 * large sparsity": like batch norm it makes each layer blind to the scale of the weights
 * before it and centres its inputs, which RDA-style updates (weights rebuilt from gradient
 * sums, ≈ η√t in size) need; unlike batch norm it needs no batch statistics, so
 * a single row is classified the same way as in a batch.
 */
export function lenetModel(task: Task, norm: LenetNorm = 'none'): ModelDef {
  if (task.classes < 2) throw new TrainError('TRAIN_SPEC', 'lenet is a classifier, but the dataset has no classes', 'use an mlp or linear model for regression');
  const { c, s } = imageGeometry(task.features);
  const s2 = Math.floor(Math.floor(s / 2) / 2);
  if (s2 < 1) throw new TrainError('TRAIN_SPEC', `lenet needs images of at least 4×4, got ${s}×${s}`, 'use an mlp for tiny inputs');
  const flat = 16 * s2 * s2;
  const head = headFor(task);
  const params: ParamDef[] = [
    { name: 'conv1.weight', shape: [6, c, 5, 5], init: { kind: 'he', fanIn: c * 25 } },
    { name: 'conv1.bias', shape: [6], init: { kind: 'zeros' } },
    { name: 'conv2.weight', shape: [16, 6, 5, 5], init: { kind: 'he', fanIn: 150 } },
    { name: 'conv2.bias', shape: [16], init: { kind: 'zeros' } },
    ...denseParams('fc1', flat, 120, true),
    ...denseParams('fc2', 120, 84, true),
    ...denseParams('fc3', 84, head.outputs, false),
  ];
  return {
    name: `lenet${norm === 'layer' ? '-ln' : ''}-${c}x${s}x${s}`,
    params,
    ...head,
    forward(b, x, p) {
      // x̂ over every axis after the batch axis; LayerNormalization's scale input is required
      const normed = (h: string, dims: number[]): string => (norm === 'layer'
        ? b.op1('LayerNormalization', [h, b.constF(new Array<number>(dims.reduce((a, d) => a * d, 1)).fill(1), dims)], { axis: 1, epsilon: f(1e-5) })
        : h);
      let h = b.op1('Reshape', [x, b.constI64([-1, c, s, s])]);
      const convIn = [[c, s, s], [6, Math.floor(s / 2), Math.floor(s / 2)]];
      for (const [k, conv] of ['conv1', 'conv2'].entries()) {
        h = normed(h, convIn[k]!);
        h = b.op1('Conv', [h, p.get(`${conv}.weight`)!, p.get(`${conv}.bias`)!], { kernel_shape: [5, 5], pads: [2, 2, 2, 2] });
        h = b.op1('Relu', [h]);
        h = b.op1('MaxPool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
      }
      h = b.op1('Flatten', [h], { axis: 1 });
      h = b.op1('Relu', [dense(b, normed(h, [flat]), p, 'fc1')]);
      h = b.op1('Relu', [dense(b, normed(h, [120]), p, 'fc2')]);
      return dense(b, normed(h, [84]), p, 'fc3');
    },
  };
}
