/**
 * The reference of the training benchmark: one SGD step of a ReLU MLP with softmax
 * cross-entropy written as plain TypeScript loops on Float32Array (what a project without
 * an engine would write). Weights out×in, the same flat layout as the zoo's MLP.
 */
export class MlpReference {
  private readonly acts: Float32Array[];
  private readonly deltas: Float32Array[];
  private readonly grad: Float32Array;
  readonly dim: number;
  private readonly offsets: { w: number; b: number }[] = [];

  constructor(readonly widths: readonly number[], readonly batch: number) {
    let off = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      this.offsets.push({ w: off, b: off + widths[l + 1]! * widths[l]! });
      off += widths[l + 1]! * widths[l]! + widths[l + 1]!;
    }
    this.dim = off;
    this.grad = new Float32Array(off);
    this.acts = widths.map((w) => new Float32Array(batch * w));
    this.deltas = widths.map((w) => new Float32Array(batch * w));
  }

  /** θ ← θ − lr·∇L(θ; x, onehot) in place; returns the batch's mean loss. */
  step(theta: Float32Array, x: Float32Array, onehot: Float32Array, lr: number): number {
    const L = this.widths.length - 1;
    const B = this.batch;
    this.acts[0]!.set(x);
    for (let l = 0; l < L; l++) {
      const nin = this.widths[l]!, nout = this.widths[l + 1]!;
      const { w, b } = this.offsets[l]!;
      const a = this.acts[l]!, z = this.acts[l + 1]!;
      for (let r = 0; r < B; r++) {
        for (let o = 0; o < nout; o++) {
          let s = theta[b + o]!;
          const wo = w + o * nin, ar = r * nin;
          for (let i = 0; i < nin; i++) s += theta[wo + i]! * a[ar + i]!;
          z[r * nout + o] = l + 1 < L && s < 0 ? 0 : s;
        }
      }
    }
    // softmax cross-entropy: δ = (softmax − t)/B
    const K = this.widths[L]!;
    const out = this.acts[L]!, dOut = this.deltas[L]!;
    let loss = 0;
    for (let r = 0; r < B; r++) {
      let m = -Infinity;
      for (let k = 0; k < K; k++) m = Math.max(m, out[r * K + k]!);
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(out[r * K + k]! - m);
      const lse = m + Math.log(s);
      for (let k = 0; k < K; k++) {
        const t = onehot[r * K + k]!;
        loss -= t * (out[r * K + k]! - lse);
        dOut[r * K + k] = (Math.exp(out[r * K + k]! - lse) - t) / B;
      }
    }
    const g = this.grad;
    g.fill(0);
    for (let l = L - 1; l >= 0; l--) {
      const nin = this.widths[l]!, nout = this.widths[l + 1]!;
      const { w, b } = this.offsets[l]!;
      const a = this.acts[l]!, d = this.deltas[l + 1]!, dPrev = this.deltas[l]!;
      for (let r = 0; r < B; r++) {
        for (let o = 0; o < nout; o++) {
          const dv = d[r * nout + o]!;
          if (dv === 0) continue;
          g[b + o] = g[b + o]! + dv;
          const wo = w + o * nin, ar = r * nin;
          for (let i = 0; i < nin; i++) g[wo + i] = g[wo + i]! + dv * a[ar + i]!;
        }
      }
      if (l === 0) break;
      // δ_prev = (δ·W) ⊙ relu'(a)
      for (let r = 0; r < B; r++) {
        for (let i = 0; i < nin; i++) {
          if (a[r * nin + i]! <= 0) {
            dPrev[r * nin + i] = 0;
            continue;
          }
          let s = 0;
          for (let o = 0; o < nout; o++) s += d[r * nout + o]! * theta[w + o * nin + i]!;
          dPrev[r * nin + i] = s;
        }
      }
    }
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! - lr * g[i]!;
    return loss / B;
  }
}
