import { Rng } from '@edgefl/core';
import type { LocalLearner, StepResult } from '@edgefl/algorithms';

/**
 * A small real learner for transport-free algorithm tests: f_i(x) = ½‖x − c_i‖², with
 * seeded Gaussian gradient noise of standard deviation `noise` (the "mini-batch"). The
 * consensus optimum of (1/n)Σ f_i + μ‖x‖₁ is soft(mean c_i, μ).
 */
export function noisyQuadraticLearner(centre: Float32Array, seed: string, noise = 0.05): LocalLearner {
  const rng = new Rng(seed);
  const d = centre.length;
  const grad = (x: Float32Array): Float32Array => {
    const g = new Float32Array(d);
    for (let i = 0; i < d; i++) g[i] = x[i]! - centre[i]! + noise * rng.normal();
    return g;
  };
  const loss = (x: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < d; i++) s += (x[i]! - centre[i]!) ** 2;
    return s / 2;
  };
  const sgd = (x: Float32Array, steps: number, lr: number, l1: number): StepResult => {
    let p = Float32Array.from(x);
    for (let s = 0; s < steps; s++) {
      const g = grad(p);
      const next = new Float32Array(d);
      for (let i = 0; i < d; i++) {
        const v = p[i]! - lr * g[i]!;
        next[i] = Math.sign(v) * Math.max(0, Math.abs(v) - lr * l1);
      }
      p = next;
    }
    return { params: p, loss: loss(p) };
  };
  const unsupported = (what: string): never => { throw new Error(`quadratic learner: ${what} is not used by gossip tests`); };
  return {
    dim: d,
    samples: 1,
    sgd: async (x, o) => sgd(x, o.steps, o.lr, 0),
    proxStep: async (x, o) => sgd(x, o.steps, o.lr, o.l1),
    admmStep: async () => unsupported('admmStep'),
    gradient: async (x) => ({ grad: grad(x), loss: loss(x) }),
    evaluate: async (x) => ({ loss: loss(x), accuracy: null }),
  };
}
