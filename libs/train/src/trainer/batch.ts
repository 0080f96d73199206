import type { Dataset } from '@edgefl/core';
import type { LossKind } from '../losses/index.js';

/** Reusable input buffers for one batch size (no allocation per step). */
export class BatchBuffers {
  readonly x: Float32Array;
  readonly target: Float32Array;
  readonly idx: Uint32Array;

  constructor(readonly rows: number, readonly features: number, readonly outputs: number) {
    this.x = new Float32Array(rows * features);
    this.target = new Float32Array(rows * outputs);
    this.idx = new Uint32Array(rows);
  }

  /** Copies rows `idx` (or `start…start+rows` when `idx` is omitted) of `ds` into the buffers. */
  fill(ds: Dataset, loss: LossKind, idx: Uint32Array | null, start = 0): void {
    const f = this.features;
    const k = this.outputs;
    if (loss === 'softmax-ce') this.target.fill(0);
    // contiguous rows: one copy instead of a view per row
    if (!idx) this.x.set(ds.x.subarray(start * f, (start + this.rows) * f));
    for (let r = 0; r < this.rows; r++) {
      const i = idx ? idx[r]! : start + r;
      if (idx) this.x.set(ds.x.subarray(i * f, (i + 1) * f), r * f);
      const y = ds.y[i]!;
      if (loss === 'softmax-ce') this.target[r * k + y] = 1;
      else this.target[r * k] = y;
    }
  }
}
