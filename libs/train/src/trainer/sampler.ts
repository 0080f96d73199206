import { Rng } from '@edgefl/core';

/**
 * Seeded mini-batch sampling without replacement within an epoch: a Fisher–Yates
 * permutation is consumed in order and redrawn when exhausted, so every row is seen
 * once per epoch and a run replays from the seed.
 */
export class BatchSampler {
  private readonly perm: Uint32Array;
  private cursor: number;

  constructor(readonly n: number, private readonly rng: Rng) {
    this.perm = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.perm[i] = i;
    this.cursor = n;
  }

  /** Fills `out` with the next `out.length` row indices. */
  next(out: Uint32Array): Uint32Array {
    for (let k = 0; k < out.length; k++) {
      if (this.cursor === this.n) {
        this.rng.shuffle(this.perm);
        this.cursor = 0;
      }
      out[k] = this.perm[this.cursor++]!;
    }
    return out;
  }
}
