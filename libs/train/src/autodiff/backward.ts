import { TrainError } from '../errors.js';
import type { GraphBuilder } from '../graph/builder.js';
import { gradRule, supportedOps } from './registry.js';

/**
 * Reverse-mode differentiation over the nodes already in `b`.
 *
 * `seeds` maps forward tensors to the gradient of the loss with respect to them (a loss
 * module emits its own analytic seed, e.g. (softmax − onehot)/N for cross-entropy).
 * Walks the nodes that lie between `wrt` and a seed in reverse topological order, emits
 * each node's gradient rule, sums gradients of tensors used more than once, and returns
 * ∂L/∂w for every `wrt` tensor (zeros when a tensor does not reach the loss).
 * An op without a rule is refused here, at build time, by name and node.
 */
export function backward(b: GraphBuilder, seeds: ReadonlyMap<string, string>, wrt: readonly string[]): Map<string, string> {
  const forward = b.nodes.slice();
  // tensors that depend on a trainable tensor
  const reach = new Set(wrt);
  for (const n of forward) if (n.inputs.some((i) => reach.has(i))) for (const o of n.outputs) reach.add(o);
  // tensors a seed depends on
  const feeds = new Set(seeds.keys());
  const active: typeof forward = [];
  for (let k = forward.length - 1; k >= 0; k--) {
    const n = forward[k]!;
    if (!n.outputs.some((o) => feeds.has(o)) || !n.inputs.some((i) => reach.has(i))) continue;
    for (const i of n.inputs) feeds.add(i);
    active.push(n);
  }
  for (const n of active) {
    if (!gradRule(n.op)) {
      throw new TrainError('TRAIN_UNSUPPORTED_OP',
        `op "${n.op}" (node "${n.name}", output "${n.outputs[0]}") has no gradient rule; supported ops: ${supportedOps().join(', ')}`,
        'freeze the parameters before this node (freeze: [...]) so it is not differentiated, or replace the op in the model');
    }
  }

  const pending = new Map<string, string[]>();
  for (const [t, g] of seeds) pending.set(t, [g]);
  const total = (t: string): string | undefined => {
    const gs = pending.get(t);
    if (!gs || gs.length === 0) return undefined;
    if (gs.length === 1) return gs[0];
    const s = b.op1('Sum', gs);
    b.setShape(s, b.shapeOf(t));
    pending.set(t, [s]);
    return s;
  };

  for (const node of active) {
    const dy = node.outputs.map((o) => (o === '' ? undefined : total(o)));
    if (dy.every((g) => g === undefined)) continue;
    const grads = gradRule(node.op)!({ b, node, dy, needs: (i) => node.inputs[i] !== undefined && node.inputs[i] !== '' && reach.has(node.inputs[i]!) });
    grads.forEach((g, i) => {
      const x = node.inputs[i];
      if (g === undefined || x === undefined || x === '' || !reach.has(x)) return;
      if (b.shapeOf(g) === undefined) b.setShape(g, b.shapeOf(x));
      const list = pending.get(x) ?? [];
      list.push(g);
      pending.set(x, list);
    });
  }

  const out = new Map<string, string>();
  for (const w of wrt) {
    let g = total(w);
    if (g === undefined) {
      const s = b.requireShape(w, 'a parameter that does not reach the loss');
      g = b.constF(new Array<number>(s.reduce<number>((p, d) => p * (d as number), 1)).fill(0), s as number[]);
    }
    out.set(w, g);
  }
  return out;
}
