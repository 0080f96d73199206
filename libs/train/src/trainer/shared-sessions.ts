import { createHash } from 'node:crypto';
import type * as ort from 'onnxruntime-node';
import { createSession } from './session.js';

interface Entry {
  readonly session: Promise<ort.InferenceSession>;
  users: number;
}

/**
 * ONNX Runtime sessions shared by the engines of one thread that run the same graph with
 * the same options. A step graph takes the parameters and the batch as inputs and holds no
 * state between runs, so one session serves every trainer of a model: an emulated fleet
 * of 1,000 devices built 1,000 identical sessions (about 10 ms of the worker each), and
 * held 1,000 copies of the graph's buffers. A session is released when its last engine
 * lets go of it.
 */
const shared = new Map<string, Entry>();

export interface SessionLease {
  readonly session: Promise<ort.InferenceSession>;
  /** Lets go of the session; the last one to let go releases it. Call once. */
  release(): Promise<void>;
}

export function leaseSession(graph: Uint8Array, threads: number): SessionLease {
  const key = `${threads}:${createHash('sha256').update(graph).digest('base64')}`;
  let entry = shared.get(key);
  if (entry === undefined) {
    const e: Entry = { session: createSession(graph, threads), users: 0 };
    // A graph ONNX Runtime refused is not kept: the next engine asks again (and is told why).
    e.session.catch(() => {
      if (shared.get(key) === e) shared.delete(key);
    });
    shared.set(key, e);
    entry = e;
  }
  const held = entry;
  held.users++;
  let released = false;
  return {
    session: held.session,
    async release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      if (shared.get(key) === held) shared.delete(key);
      const s = await held.session.catch(() => null);
      await s?.release();
    },
  };
}

/** Sessions alive in this thread (tests). */
export function sharedSessionCount(): number {
  return shared.size;
}
