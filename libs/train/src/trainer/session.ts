import * as ort from 'onnxruntime-node';

/**
 * Session options, chosen for small boards that also keep an MQTT connection alive:
 * - intra-op threads default 1: the step graphs are small; extra threads mostly add
 *   synchronisation, and a Pi has 4 cores shared with the agent. Configurable.
 * - no spinning (session.intra_op.allow_spinning = 0): idle pool threads sleep instead
 *   of burning a core between runs (ORT spins by default, which starves the agent).
 * - CPU memory arena and memory patterns on: the same graph runs thousands of times
 *   with the same shapes, so buffers are planned once and reused.
 * - sequential execution, all graph optimisations (constant folding, fusions).
 */
export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

export async function createSession(bytes: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, sessionOptions(threads));
}
