import type { ModelDef, Task } from './types.js';
import { TrainError } from '../errors.js';

export async function importOnnxModel(path: string, _task: Task, _freeze: readonly string[]): Promise<ModelDef> {
  throw new TrainError('TRAIN_SPEC', `ONNX import is not available yet (${path})`);
}
