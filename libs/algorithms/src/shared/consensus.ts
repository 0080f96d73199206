import { AlgorithmError } from '../contract/errors.js';

/**
 * What decentralized algorithms report of their peers' models, all at once: the network
 * average x̄ (the model a peer-to-peer job is evaluated on; every peer's at consensus), and
 * the consensus error max_i ‖x_i − x̄‖∞.
 */
export function networkAverage(models: ReadonlyMap<string, Float32Array>): Float32Array {
  const first = models.values().next().value;
  if (!first) throw new AlgorithmError('no model recorded for any peer');
  const sum = new Float64Array(first.length);
  for (const m of models.values()) for (let i = 0; i < sum.length; i++) sum[i]! += m[i]!;
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sum[i]! / models.size;
  return out;
}

/** max_i ‖x_i − x̄‖∞ over the peers' models (0 for none), x̄ in float64. */
export function consensusError(models: ReadonlyMap<string, Float32Array>): number {
  const all = [...models.values()];
  if (all.length === 0) return 0;
  let worst = 0;
  for (let i = 0; i < all[0]!.length; i++) {
    let s = 0;
    for (const m of all) s += m[i]!;
    const mean = s / all.length;
    for (const m of all) worst = Math.max(worst, Math.abs(m[i]! - mean));
  }
  return worst;
}

/** Keyframes sent so far by all peers (their `metrics().keyframes`). */
export function keyframesSent(metrics: ReadonlyMap<string, Readonly<Record<string, number>>>): number {
  let n = 0;
  for (const m of metrics.values()) n += m['keyframes'] ?? 0;
  return n;
}
