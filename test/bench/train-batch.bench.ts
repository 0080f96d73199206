/**
 * Explicit-batch calls vs sampled calls: `stepOn(params, batch)` against `sgd({ steps: 1 })`
 * on the same trainer and batch size (the reference, measured in the same run), in a
 * worker and in-thread. The difference is the batch check and, with a worker, copying
 * the batch across. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/train-batch.bench.ts
 */
import { Rng, subset, type Dataset } from '@edgefl/core';
import { createTrainer, type ModelSpec, type Trainer } from '@edgefl/train';

/** Best time per call (ms) of an async call, over at least `minMs` in all, after a warm-up. */
async function bestMsAsync(fn: () => Promise<unknown>, minMs: number): Promise<number> {
  await fn();
  let best = Infinity;
  const t0 = performance.now();
  let calls = 0;
  while (calls < 5 || performance.now() - t0 < minMs) {
    const a = performance.now();
    await fn();
    best = Math.min(best, performance.now() - a);
    calls++;
  }
  return best;
}

function synthetic(n: number, features: number, classes: number): Dataset {
  const r = new Rng(1);
  return {
    name: 'synthetic', n, features, classes,
    x: Float32Array.from({ length: n * features }, () => r.normal()),
    y: Float32Array.from({ length: n }, () => r.int(classes)),
  };
}

const MODELS: readonly { name: string; spec: ModelSpec; features: number }[] = [
  { name: 'mlp 784-128-64-10', spec: { kind: 'mlp', hidden: [128, 64] }, features: 784 },
  { name: 'lenet 1x28x28', spec: { kind: 'lenet' }, features: 784 },
];

const head = ['model', 'mode', 'batch', 'sgd ms', 'stepOn ms', 'stepOn/sgd', 'gradientOn ms'];
console.log(head.join('\t'));
for (const m of MODELS) {
  const data = synthetic(2048, m.features, 10);
  for (const worker of [true, false]) {
    const t: Trainer = await createTrainer({ model: m.spec, data, seed: 1, worker });
    try {
      const p = t.initParams(1);
      for (const bs of [1, 32, 256]) {
        const batch = subset(data, Array.from({ length: bs }, (_, i) => (i * 7) % data.n));
        const ref = await bestMsAsync(() => t.sgd(p, { steps: 1, lr: 0.01, batchSize: bs }), 400);
        const on = await bestMsAsync(() => t.stepOn(p, batch, { lr: 0.01 }), 400);
        const g = await bestMsAsync(() => t.gradientOn(p, batch), 400);
        console.log([m.name, worker ? 'worker' : 'in-thread', bs, ref.toFixed(3), on.toFixed(3), (on / ref).toFixed(2), g.toFixed(3)].join('\t'));
      }
    } finally {
      await t.close();
    }
  }
}
