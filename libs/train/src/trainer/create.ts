import { checkDataset, Engine } from './engine.js';
import { resolveModel } from '../models/index.js';
import { initParams, makeLayout } from '../params/layout.js';
import type { Trainer, TrainerOptions } from './types.js';
import { WorkerTrainer } from './worker-client.js';

/**
 * Builds a trainer for `model` on `data`. By default the engine runs in a worker thread
 * shared with other trainers of this process (see `setTrainerThreads`); `worker: false`
 * keeps it on the calling thread (simpler to debug; blocks while running).
 */
export async function createTrainer(o: TrainerOptions): Promise<Trainer> {
  if (o.worker === false) return Engine.create(o);
  checkDataset(o.data);
  // resolve here too: layout and initialisation are answered without a round trip,
  // and spec errors surface before a thread starts
  const model = await resolveModel(o.model, { features: o.data.features, classes: o.data.classes });
  const layout = makeLayout(model.params);
  return WorkerTrainer.create(layout, (seed) => initParams(model.params, layout, seed), {
    model: o.model, data: o.data, seed: o.seed, threads: o.threads ?? 1,
  });
}
