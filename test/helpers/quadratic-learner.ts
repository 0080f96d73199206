import type { LocalLearner, StepResult } from '@edgefl/algorithms';

/**
 * A closed-form local learner for algorithm tests: f(θ) = ½‖θ − c‖² (gradient θ − c, the
 * same on every mini-batch), so every step's result is known exactly. It implements every
 * step of `LocalLearner` without ONNX Runtime.
 */
export function quadraticLearner(center: Float32Array, samples = 1): LocalLearner {
  const dim = center.length;
  const loss = (p: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += (p[i]! - center[i]!) ** 2;
    return s / 2;
  };
  const steps = (params: Float32Array, n: number, step: (p: Float32Array, i: number) => number): StepResult => {
    const p = Float32Array.from(params);
    const before = loss(p);
    for (let s = 0; s < n; s++) for (let i = 0; i < dim; i++) p[i] = step(p, i);
    return { params: p, loss: n === 0 ? NaN : before };
  };
  return {
    dim,
    samples,
    async sgd(params, o) {
      return steps(params, o.steps, (p, i) => p[i]! - o.lr * (p[i]! - center[i]!));
    },
    async admmStep(params, o) {
      return steps(params, o.steps, (p, i) => p[i]! - o.lr * (p[i]! - center[i]! + o.dual[i]! + o.rho * (p[i]! - o.anchor[i]!)));
    },
    async proxStep(params, o) {
      return steps(params, o.steps, (p, i) => {
        const v = p[i]! - o.lr * (p[i]! - center[i]!);
        const t = o.lr * o.l1;
        return v > t ? v - t : v < -t ? v + t : 0;
      });
    },
    async gradient(params) {
      const grad = new Float32Array(dim);
      for (let i = 0; i < dim; i++) grad[i] = params[i]! - center[i]!;
      return { grad, loss: loss(params) };
    },
    async evaluate(params) {
      return { loss: loss(params), accuracy: null };
    },
  };
}
