import type { ParamLayout } from '../params/layout.js';

/**
 * Reference for the training benchmark: one SGD step of the zoo's LeNet (conv5×5 pad 2 →
 * ReLU → maxpool 2 → conv5×5 pad 2 → ReLU → maxpool 2 → fc → ReLU → fc → ReLU → fc,
 * softmax cross-entropy) as plain TypeScript loops on Float32Array, reading the same flat
 * layout. Direct convolution loops, as a project without an engine would write them.
 */
export class LenetReference {
  private readonly off: Record<string, number> = {};
  private readonly s1: number;
  private readonly flat: number;
  private readonly k: number;
  // per-sample activations (reused across the batch) and the accumulated gradient
  private readonly z1: Float32Array;
  private readonly p1: Float32Array;
  private readonly a1: Int32Array;
  private readonly z2: Float32Array;
  private readonly p2: Float32Array;
  private readonly a2: Int32Array;
  private readonly h1 = new Float32Array(120);
  private readonly h2 = new Float32Array(84);
  private readonly out: Float32Array;
  private readonly d1: Float32Array;
  private readonly dp1: Float32Array;
  private readonly d2: Float32Array;
  private readonly dp2: Float32Array;
  private readonly dh1 = new Float32Array(120);
  private readonly dh2 = new Float32Array(84);
  private readonly dout: Float32Array;
  private readonly grad: Float32Array;

  constructor(layout: ParamLayout, readonly c: number, readonly s: number, readonly batch: number) {
    for (const e of layout) this.off[e.name] = e.offset;
    const last = layout[layout.length - 1]!;
    this.k = last.size;
    this.s1 = Math.floor(s / 2);
    const s2 = Math.floor(this.s1 / 2);
    this.flat = 16 * s2 * s2;
    this.z1 = new Float32Array(6 * s * s);
    this.d1 = new Float32Array(6 * s * s);
    this.p1 = new Float32Array(6 * this.s1 * this.s1);
    this.dp1 = new Float32Array(6 * this.s1 * this.s1);
    this.a1 = new Int32Array(6 * this.s1 * this.s1);
    this.z2 = new Float32Array(16 * this.s1 * this.s1);
    this.d2 = new Float32Array(16 * this.s1 * this.s1);
    this.p2 = new Float32Array(this.flat);
    this.dp2 = new Float32Array(this.flat);
    this.a2 = new Int32Array(this.flat);
    this.out = new Float32Array(this.k);
    this.dout = new Float32Array(this.k);
    this.grad = new Float32Array(last.offset + last.size);
  }

  /** θ ← θ − lr·∇L(θ; x, onehot) in place; returns the batch's mean loss. */
  step(theta: Float32Array, x: Float32Array, onehot: Float32Array, lr: number): number {
    const { c, s, s1, k, off, grad: g } = this;
    g.fill(0);
    let loss = 0;
    const px = c * s * s;
    for (let n = 0; n < this.batch; n++) {
      const xn = x.subarray(n * px, (n + 1) * px);
      conv(theta, off['conv1.weight']!, off['conv1.bias']!, xn, c, s, this.z1, 6);
      relu(this.z1);
      pool(this.z1, 6, s, this.p1, this.a1);
      conv(theta, off['conv2.weight']!, off['conv2.bias']!, this.p1, 6, s1, this.z2, 16);
      relu(this.z2);
      pool(this.z2, 16, s1, this.p2, this.a2);
      dense(theta, off['fc1.weight']!, off['fc1.bias']!, this.p2, this.h1, true);
      dense(theta, off['fc2.weight']!, off['fc2.bias']!, this.h1, this.h2, true);
      dense(theta, off['fc3.weight']!, off['fc3.bias']!, this.h2, this.out, false);
      // softmax cross-entropy, δ = (softmax − t)/B
      let m = -Infinity;
      for (let j = 0; j < k; j++) m = Math.max(m, this.out[j]!);
      let z = 0;
      for (let j = 0; j < k; j++) z += Math.exp(this.out[j]! - m);
      const lse = m + Math.log(z);
      for (let j = 0; j < k; j++) {
        const t = onehot[n * k + j]!;
        loss -= t * (this.out[j]! - lse);
        this.dout[j] = (Math.exp(this.out[j]! - lse) - t) / this.batch;
      }
      denseBack(theta, g, off['fc3.weight']!, off['fc3.bias']!, this.h2, this.dout, this.dh2);
      denseBack(theta, g, off['fc2.weight']!, off['fc2.bias']!, this.h1, this.dh2, this.dh1);
      denseBack(theta, g, off['fc1.weight']!, off['fc1.bias']!, this.p2, this.dh1, this.dp2);
      unpool(this.dp2, this.a2, this.z2, this.d2);
      convBack(theta, g, off['conv2.weight']!, off['conv2.bias']!, this.p1, 6, s1, this.d2, 16, this.dp1);
      unpool(this.dp1, this.a1, this.z1, this.d1);
      convBack(theta, g, off['conv1.weight']!, off['conv1.bias']!, xn, c, s, this.d1, 6, null);
    }
    for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! - lr * g[i]!;
    return loss / this.batch;
  }
}

const K = 5;
const PAD = 2;

/** 5×5 convolution, pad 2, stride 1: out[m] = b[m] + Σ_c W[m,c] ⋆ in[c]. */
function conv(th: Float32Array, w: number, b: number, inp: Float32Array, cin: number, s: number, out: Float32Array, m: number): void {
  for (let o = 0; o < m; o++) {
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        let acc = th[b + o]!;
        for (let ci = 0; ci < cin; ci++) {
          const wb = w + ((o * cin + ci) * K) * K;
          const ib = ci * s * s;
          for (let ki = 0; ki < K; ki++) {
            const r = i + ki - PAD;
            if (r < 0 || r >= s) continue;
            for (let kj = 0; kj < K; kj++) {
              const q = j + kj - PAD;
              if (q < 0 || q >= s) continue;
              acc += th[wb + ki * K + kj]! * inp[ib + r * s + q]!;
            }
          }
        }
        out[(o * s + i) * s + j] = acc;
      }
    }
  }
}

/** Gradient of `conv` for upstream δ: accumulates ∂W, ∂b and (optionally) ∂in. */
function convBack(th: Float32Array, g: Float32Array, w: number, b: number, inp: Float32Array, cin: number, s: number, d: Float32Array, m: number, din: Float32Array | null): void {
  if (din) din.fill(0);
  for (let o = 0; o < m; o++) {
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        const dv = d[(o * s + i) * s + j]!;
        if (dv === 0) continue;
        g[b + o] = g[b + o]! + dv;
        for (let ci = 0; ci < cin; ci++) {
          const wb = w + ((o * cin + ci) * K) * K;
          const ib = ci * s * s;
          for (let ki = 0; ki < K; ki++) {
            const r = i + ki - PAD;
            if (r < 0 || r >= s) continue;
            for (let kj = 0; kj < K; kj++) {
              const q = j + kj - PAD;
              if (q < 0 || q >= s) continue;
              g[wb + ki * K + kj] = g[wb + ki * K + kj]! + dv * inp[ib + r * s + q]!;
              if (din) din[ib + r * s + q] = din[ib + r * s + q]! + dv * th[wb + ki * K + kj]!;
            }
          }
        }
      }
    }
  }
}

function relu(v: Float32Array): void {
  for (let i = 0; i < v.length; i++) if (v[i]! < 0) v[i] = 0;
}

/** 2×2 max pool, stride 2 (floor), remembering the winner's index. */
function pool(inp: Float32Array, ch: number, s: number, out: Float32Array, arg: Int32Array): void {
  const so = Math.floor(s / 2);
  for (let c = 0; c < ch; c++) {
    for (let i = 0; i < so; i++) {
      for (let j = 0; j < so; j++) {
        let best = -Infinity;
        let at = 0;
        for (let di = 0; di < 2; di++) {
          for (let dj = 0; dj < 2; dj++) {
            const idx = (c * s + 2 * i + di) * s + 2 * j + dj;
            if (inp[idx]! > best) {
              best = inp[idx]!;
              at = idx;
            }
          }
        }
        out[(c * so + i) * so + j] = best;
        arg[(c * so + i) * so + j] = at;
      }
    }
  }
}

/** Routes pooled gradients to the winners, then through the ReLU before the pool. */
function unpool(dp: Float32Array, arg: Int32Array, act: Float32Array, d: Float32Array): void {
  d.fill(0);
  for (let i = 0; i < dp.length; i++) d[arg[i]!] = d[arg[i]!]! + dp[i]!;
  for (let i = 0; i < d.length; i++) if (act[i]! <= 0) d[i] = 0;
}

function dense(th: Float32Array, w: number, b: number, inp: Float32Array, out: Float32Array, act: boolean): void {
  const nin = inp.length;
  for (let o = 0; o < out.length; o++) {
    let s = th[b + o]!;
    const wo = w + o * nin;
    for (let i = 0; i < nin; i++) s += th[wo + i]! * inp[i]!;
    out[o] = act && s < 0 ? 0 : s;
  }
}

/** ∂W += δ⊗in, ∂b += δ, ∂in = Wᵀδ masked by in > 0 (in is a ReLU or pool output). */
function denseBack(th: Float32Array, g: Float32Array, w: number, b: number, inp: Float32Array, d: Float32Array, din: Float32Array): void {
  const nin = inp.length;
  din.fill(0);
  for (let o = 0; o < d.length; o++) {
    const dv = d[o]!;
    if (dv === 0) continue;
    g[b + o] = g[b + o]! + dv;
    const wo = w + o * nin;
    for (let i = 0; i < nin; i++) {
      g[wo + i] = g[wo + i]! + dv * inp[i]!;
      din[i] = din[i]! + dv * th[wo + i]!;
    }
  }
  for (let i = 0; i < nin; i++) if (inp[i]! <= 0) din[i] = 0;
}
