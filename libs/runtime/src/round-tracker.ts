import type { NodeId } from '@edgefl/algorithms';

/**
 * Collects each node's model at the end of each round and reports a round once every
 * node has finished it. Nodes run ahead of each other, so models are copied at the
 * moment each node ends the round, not when the last one does.
 */
export class RoundTracker {
  private readonly pending = new Map<number, Map<NodeId, Float32Array>>();

  constructor(
    private readonly nodes: readonly NodeId[],
    private readonly onRound: (round: number, models: ReadonlyMap<NodeId, Float32Array>) => void,
  ) {}

  /** A `runNode` onRoundEnd hook for `node`. */
  hook(node: NodeId): (round: number, model: Float32Array) => void {
    return (round, model) => {
      let m = this.pending.get(round);
      if (!m) this.pending.set(round, (m = new Map()));
      m.set(node, Float32Array.from(model));
      if (m.size === this.nodes.length) {
        this.pending.delete(round);
        this.onRound(round, m);
      }
    };
  }
}
