import { topics } from '@edgefl/transport';
import type { NodeId, NodeSpec } from '@edgefl/algorithms';

/** One MQTT publication an outbound message turns into, and who receives it. */
export interface Publication {
  readonly topic: string;
  readonly receivers: readonly NodeId[];
}

/**
 * Maps an algorithm's receivers to the topic scheme (docs/transport.md): the server broadcasts on
 * `down` when it addresses every worker (one publish, the broker fans out) and otherwise
 * on `down/{device}`; workers send on `up/{device}`; peers on `link/{from}/{to}`.
 * Both drivers use it, so the lab counts the bytes the fleet would carry.
 */
export function route(job: string, from: NodeSpec, to: readonly NodeId[], workers: ReadonlySet<NodeId>): Publication[] {
  switch (from.role) {
    case 'server':
      if (to.length === workers.size && to.every((d) => workers.has(d))) return [{ topic: topics.down(job), receivers: to }];
      return to.map((d) => ({ topic: topics.down(job, d), receivers: [d] }));
    case 'worker':
      return [{ topic: topics.up(job, from.id), receivers: to }];
    case 'peer':
      return to.map((d) => ({ topic: topics.link(job, from.id, d), receivers: [d] }));
  }
}
