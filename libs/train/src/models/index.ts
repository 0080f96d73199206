import { TrainError } from '../errors.js';
import { lenetModel } from './lenet.js';
import { linearModel, logisticModel, mlpModel } from './dense.js';
import { importOnnxModel } from './onnx-import.js';
import type { ModelDef, ModelSpec, Task } from './types.js';

/** The zoo: a spec and the dataset's shape → a model ready to compile. */
export async function resolveModel(spec: ModelSpec, task: Task): Promise<ModelDef> {
  switch (spec.kind) {
    case 'mlp': return mlpModel(task, spec.hidden, spec.activation ?? 'relu');
    case 'linear': return linearModel(task);
    case 'logistic': return logisticModel(task);
    case 'lenet': return lenetModel(task, spec.norm ?? 'none');
    case 'onnx': return importOnnxModel(spec.path, task, spec.freeze ?? []);
    default: {
      const kind = (spec as { kind?: unknown }).kind;
      throw new TrainError('TRAIN_SPEC', `unknown model kind ${JSON.stringify(kind)}`, 'use one of: mlp, logistic, linear, lenet, onnx');
    }
  }
}
