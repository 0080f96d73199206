import { parentPort } from 'node:worker_threads';
import type { Dataset } from '@edgefl/core';
import { isEdgeflError } from '@edgefl/core';
import { TrainError } from '../errors.js';
import { Engine } from './engine.js';
import { ownBuffer, type Request, type Response } from './protocol.js';

/**
 * Worker thread body: hosts the engines (and so every ONNX Runtime session) of any
 * number of trainers and answers requests one at a time, in arrival order, so each
 * trainer's calls replay deterministically. Result vectors are transferred, not copied.
 */
const port = parentPort!;
const engines = new Map<number, Promise<Engine>>();
const evalSets = new Map<number, Dataset>();

let queue: Promise<void> = Promise.resolve();
port.on('message', (req: Request) => {
  queue = queue.then(() => handle(req));
});

async function engineOf(id: number): Promise<Engine> {
  const e = engines.get(id);
  if (!e) throw new TrainError('TRAIN_CLOSED', `trainer ${id} is closed`, 'create a new trainer');
  return e;
}

function batchOf(req: Request & { kind: 'call' }): Dataset {
  if (!req.batch) throw new TrainError('TRAIN_WORKER', `${req.method} request carries no batch`, 'a protocol bug: report it');
  return req.batch;
}

/** The evaluation set a request names; never silently the training data in its place. */
function evalSetOf(ref: { readonly id: number; readonly dataset?: Dataset }): Dataset {
  if (ref.dataset) evalSets.set(ref.id, ref.dataset);
  const ds = evalSets.get(ref.id);
  if (!ds) throw new TrainError('TRAIN_WORKER', `evaluation set ${ref.id} was never sent to this worker`, 'a protocol bug: report it');
  return ds;
}

async function handle(req: Request): Promise<void> {
  let res: Response;
  const transfer: ArrayBuffer[] = [];
  try {
    let result: unknown = null;
    if (req.kind === 'create') {
      const e = Engine.create(req.init);
      engines.set(req.engine, e);
      e.catch(() => engines.delete(req.engine));
      await e;
    } else if (req.kind === 'dispose') {
      const e = engines.get(req.engine);
      engines.delete(req.engine);
      if (e) await (await e).close();
    } else {
      const engine = await engineOf(req.engine);
      switch (req.method) {
        case 'sgd': result = await engine.sgd(req.params, req.opts as Parameters<Engine['sgd']>[1]); break;
        case 'admmStep': result = await engine.admmStep(req.params, req.opts as Parameters<Engine['admmStep']>[1]); break;
        case 'proxStep': result = await engine.proxStep(req.params, req.opts as Parameters<Engine['proxStep']>[1]); break;
        case 'gradient': result = await engine.gradient(req.params, req.opts as Parameters<Engine['gradient']>[1]); break;
        // the client (WorkerTrainer) checked the batch before copying it here
        case 'stepOn': result = await engine.stepOnChecked(req.params, batchOf(req), req.opts as Parameters<Engine['stepOn']>[2]); break;
        case 'gradientOn': result = await engine.gradientOnChecked(req.params, batchOf(req)); break;
        case 'evaluate': result = await engine.evaluate(req.params, req.data ? evalSetOf(req.data) : undefined); break;
      }
      const r = result as { params?: Float32Array; grad?: Float32Array };
      const vec = r.params ?? r.grad;
      const buf = vec ? ownBuffer(vec) : undefined;
      if (buf) transfer.push(buf);
    }
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
