import type { NodeId, NodeMetrics } from '@edgefl/algorithms';

/**
 * Collects each node's model (and the figures it measured) at the end of each round and
 * reports a round once every node has finished it. Nodes run ahead of each other, so
 * models are copied at the moment each node ends the round, not when the last one does.
 */
export class RoundTracker {
  private readonly pending = new Map<number, { models: Map<NodeId, Float32Array>; metrics: Map<NodeId, Readonly<Record<string, number>>> }>();

  constructor(
    private readonly nodes: readonly NodeId[],
    private readonly onRound: (round: number, models: ReadonlyMap<NodeId, Float32Array>, metrics: NodeMetrics) => void,
  ) {}

  /**
   * A `runNode` onRoundEnd hook for `node`. `owned`: every model handed to it is the
   * caller's to give away (a copy that crossed from an agent thread), so it is kept as it
   * is; otherwise it is the node's live model, copied now.
   */
  hook(node: NodeId, owned = false): (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void {
    return (round, model, metrics) => {
      let m = this.pending.get(round);
      if (!m) this.pending.set(round, (m = { models: new Map(), metrics: new Map() }));
      m.models.set(node, owned ? model : Float32Array.from(model));
      if (metrics) m.metrics.set(node, metrics);
      if (m.models.size === this.nodes.length) {
        this.pending.delete(round);
        this.onRound(round, m.models, m.metrics);
      }
    };
  }

  /** Rounds some node reported and others never did, with the nodes missing (a run that ended early, or a defect). */
  unfinished(): { round: number; missing: NodeId[] }[] {
    return [...this.pending].map(([round, m]) => ({ round, missing: this.nodes.filter((n) => !m.models.has(n)) }));
  }
}
