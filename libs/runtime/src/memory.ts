import type { Log } from '@edgefl/core';
import { errorMessage } from '@edgefl/core';
import type { Algorithm, NodeId, NodeSpec, Outbound } from '@edgefl/algorithms';
import { Mailbox } from './mailbox.js';
import type { Port, Publish, Transmission } from './port.js';
import { Routes } from './routes.js';
import { frame, unframe, type Expectation } from './wire.js';

/** One delivery of one message, as a fault hook sees it. */
export interface DeliveryKey {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly round: number;
  readonly phase: number;
}

export interface MemoryNetworkOptions {
  readonly job: string;
  /** who the nodes are and who hears whom (`Algorithm.senders`) */
  readonly algorithm: Pick<Algorithm, 'name' | 'nodes' | 'senders'>;
  /** what every receiver checks (sender set and job are added per receiver) */
  readonly expect: Omit<Expectation, 'senders' | 'job'>;
  readonly log: Log;
  /**
   * Fault injection: return true to lose this delivery (the receiver never gets it; the
   * sender's transmission and payload bits still count, the lost delivery's downlink does not).
   * Used to test keyframe resync.
   */
  readonly drop?: (key: DeliveryKey) => boolean;
}

/**
 * The lab driver: every node in one process. Messages still go through the wire envelope
 * (the same bytes a fleet sends) and the same routes (one publish per transmission to all
 * who hear the sender), so a lab result is a result of the product; only the broker hop is
 * skipped.
 */
export class MemoryNetwork {
  readonly routes: Routes;
  private readonly boxes = new Map<NodeId, Mailbox>();

  constructor(private readonly o: MemoryNetworkOptions) {
    this.routes = new Routes(o.job, o.algorithm);
  }

  /**
   * The port of node `spec`. Asking again for the same node replaces its mailbox: the node
   * restarted and what was queued for the old one is gone.
   */
  port(spec: NodeSpec): Port {
    const log = this.o.log.child({ node: spec.id });
    const mailbox = new Mailbox(log);
    this.routes.spec(spec.id);
    this.boxes.set(spec.id, mailbox);
    let seq = 0;
    return {
      mailbox,
      send: async (out: Outbound, round: number, phase: number): Promise<Transmission> => {
        const pubs = this.routes.publications(spec.id, out.to);
        const bytes = frame(out, this.o.job, spec.id, round, phase, seq++);
        const publishes: Publish[] = [];
        for (const pub of pubs) {
          const deliveries: NodeId[] = [];
          for (const r of pub.receivers) {
            if (this.o.drop?.({ from: spec.id, to: r, round, phase }) === true) {
              log.debug({ to: r, round, phase }, 'delivery dropped (fault hook)');
              continue;
            }
            deliveries.push(r);
            const box = this.boxes.get(r);
            if (!box) continue;
            try {
              box.put(unframe(bytes, { ...this.o.expect, job: this.o.job, senders: this.routes.senders(r) }, spec.id));
            } catch (e) {
              box.refuse({ reason: 'envelope', detail: errorMessage(e) }, { from: spec.id });
            }
          }
          publishes.push({ topic: pub.topic, bytes: bytes.length, deliveries });
        }
        return { from: spec.id, round, phase, payloadBits: out.payloadBits, publishes };
      },
    };
  }
}
