import type { Rng } from '@edgefl/core';
import { rowsByClass } from '../preprocess/split.js';
import { checkDevices, checkLabels, finish } from './check.js';

/**
 * Pathological non-IID split of McMahan et al. (FedAvg, 2017): rows sorted by label, cut
 * into devices·shardsPerDevice shards, and each device dealt `shardsPerDevice` shards
 * at random, so a device sees at most that many classes.
 *
 * When there are at least as many shards as classes, shards are cut inside classes
 * (each class gets a share of the shards proportional to its size, at least one), so no
 * shard straddles two classes and the "≤ shardsPerDevice classes" promise holds exactly
 * even when class sizes are uneven. With fewer shards than classes the label-sorted
 * order is cut into equal pieces, as in the paper.
 */
export function shards(labels: ArrayLike<number>, devices: number, rng: Rng, shardsPerDevice = 2): Int32Array[] {
  const n = labels.length;
  checkDevices(n, devices);
  const classes = checkLabels(labels, 'shards');
  const total = devices * shardsPerDevice;
  const byClass = rowsByClass(labels, classes).filter((g) => g.length > 0);
  for (const g of byClass) rng.shuffle(g); // which rows of a class share a shard is random

  const pieces: Int32Array[] = [];
  if (total >= byClass.length && n >= total) {
    const k = shardsPerClass(byClass.map((g) => g.length), total);
    byClass.forEach((g, c) => cutEvenly(g, k[c]!, pieces));
  } else {
    const sorted = new Int32Array(n);
    let o = 0;
    for (const g of byClass) { sorted.set(g, o); o += g.length; }
    cutEvenly(sorted, Math.min(total, n), pieces);
  }

  const order = rng.shuffle(Int32Array.from({ length: pieces.length }, (_, i) => i));
  const parts: number[][] = Array.from({ length: devices }, () => []);
  // deal round-robin over the shuffled shards: device d gets shards d, d+devices, …
  for (let s = 0; s < order.length; s++) {
    const piece = pieces[order[s]!]!;
    const part = parts[s % devices]!;
    for (let i = 0; i < piece.length; i++) part.push(piece[i]!);
  }
  return finish(parts);
}

/**
 * Split `total` shards over classes: one each, then one at a time to the class whose
 * shards are currently largest (D'Hondt), so shard sizes stay as equal as class sizes allow.
 */
function shardsPerClass(sizes: readonly number[], total: number): Int32Array {
  const k = new Int32Array(sizes.length).fill(1);
  for (let left = total - sizes.length; left > 0; left--) {
    let best = 0;
    for (let c = 1; c < sizes.length; c++) if (sizes[c]! / k[c]! > sizes[best]! / k[best]!) best = c;
    k[best] = k[best]! + 1;
  }
  return k;
}

/** Cut `rows` into `k` contiguous pieces whose sizes differ by at most one. */
function cutEvenly(rows: Int32Array, k: number, out: Int32Array[]): void {
  for (let i = 0; i < k; i++) {
    out.push(rows.subarray(Math.floor((i * rows.length) / k), Math.floor(((i + 1) * rows.length) / k)));
  }
}
