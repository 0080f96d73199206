import type { Log } from '@edgefl/core';
import { errorMessage } from '@edgefl/core';
import type { NodeId, NodeSpec, Outbound } from '@edgefl/algorithms';
import { Mailbox } from './mailbox.js';
import type { Port } from './node-runner.js';
import { route } from './routes.js';
import { frame, unframe, type Expectation } from './wire.js';
import type { TrafficAccounting } from './accounting.js';

/**
 * The lab driver: every node in one process. Messages still go through the wire envelope
 * (the same bytes a fleet sends) and are counted by the same accounting, so a lab result is a
 * result of the product; only the broker hop is skipped.
 */
export class MemoryNetwork {
  private readonly ports = new Map<NodeId, Mailbox>();
  private readonly workers: ReadonlySet<NodeId>;
  private readonly specs: ReadonlyMap<NodeId, NodeSpec>;

  constructor(
    private readonly job: string,
    nodes: readonly NodeSpec[],
    private readonly expect: Omit<Expectation, 'senders' | 'job'>,
    private readonly accounting: TrafficAccounting,
    private readonly log: Log,
  ) {
    this.workers = new Set(nodes.filter((n) => n.role === 'worker').map((n) => n.id));
    this.specs = new Map(nodes.map((n) => [n.id, n]));
  }

  port(spec: NodeSpec): Port {
    const mailbox = new Mailbox(this.log.child({ node: spec.id }));
    this.ports.set(spec.id, mailbox);
    let seq = 0;
    const senders = new Set(this.specs.keys());
    return {
      mailbox,
      send: async (out: Outbound, round: number, phase: number): Promise<void> => {
        const bytes = frame(out, this.job, spec.id, round, phase, seq++);
        for (const pub of route(this.job, spec, out.to, this.workers)) {
          this.accounting.record(pub.topic, bytes.length, spec.id, pub.receivers, out.payloadBits, round);
          for (const r of pub.receivers) {
            const box = this.ports.get(r);
            if (!box) continue;
            try {
              box.put(unframe(bytes, { ...this.expect, job: this.job, senders }, spec.id));
            } catch (e) {
              this.log.warn({ from: spec.id, to: r, reason: errorMessage(e) }, 'message rejected');
            }
          }
        }
      },
    };
  }
}
