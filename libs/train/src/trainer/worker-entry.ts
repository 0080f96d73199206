import { parentPort, workerData } from 'node:worker_threads';
import type { Dataset } from '@edgefl/core';
import { isEdgeflError } from '@edgefl/core';
import { Engine } from './engine.js';
import { ownBuffer, type Request, type Response, type WorkerInit } from './protocol.js';

/**
 * Worker thread body: owns the Engine (and so every ONNX Runtime session) and answers
 * requests one at a time, in order. Result vectors are transferred, not copied.
 */
const port = parentPort!;
const init = workerData as WorkerInit;
const evalSets = new Map<number, Dataset>();
const engineP = Engine.create(init);
engineP.catch(() => undefined);

let queue: Promise<void> = Promise.resolve();
port.on('message', (req: Request) => {
  queue = queue.then(() => handle(req));
});

async function handle(req: Request): Promise<void> {
  let res: Response;
  const transfer: ArrayBuffer[] = [];
  try {
    const engine = await engineP;
    let result: unknown;
    switch (req.method) {
      case 'sgd': result = await engine.sgd(req.params, req.opts as Parameters<Engine['sgd']>[1]); break;
      case 'admmStep': result = await engine.admmStep(req.params, req.opts as Parameters<Engine['admmStep']>[1]); break;
      case 'proxStep': result = await engine.proxStep(req.params, req.opts as Parameters<Engine['proxStep']>[1]); break;
      case 'gradient': result = await engine.gradient(req.params, req.opts as Parameters<Engine['gradient']>[1]); break;
      case 'evaluate': {
        let data: Dataset | undefined;
        if (req.data) {
          if (req.data.dataset) evalSets.set(req.data.id, req.data.dataset);
          data = evalSets.get(req.data.id);
        }
        result = await engine.evaluate(req.params, data);
        break;
      }
      case 'close': await engine.close(); result = null; break;
    }
    const vec = (result as { params?: Float32Array; grad?: Float32Array } | null)?.params ?? (result as { grad?: Float32Array } | null)?.grad;
    const buf = vec ? ownBuffer(vec) : undefined;
    if (buf) transfer.push(buf);
    res = { id: req.id, ok: true, result };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    res = {
      id: req.id, ok: false,
      error: { name: err.name, message: err.message, ...(isEdgeflError(e) ? { code: e.code, ...(e.hint ? { hint: e.hint } : {}) } : {}) },
    };
  }
  port.postMessage(res, transfer);
}
