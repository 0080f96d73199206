import { errorMessage, type Log } from '@edgefl/core';
import { GATEWAY, filters, parseTopic, topics, type FleetClient } from '@edgefl/transport';
import type { NodeId, NodeSpec, Outbound } from '@edgefl/algorithms';
import { Mailbox } from './mailbox.js';
import type { Port } from './node-runner.js';
import { route } from './routes.js';
import { frame, unframe, type Expectation } from './wire.js';
import type { TrafficAccounting } from './accounting.js';

export interface MqttPortOptions {
  readonly job: string;
  readonly nodes: readonly NodeSpec[];
  readonly expect: Omit<Expectation, 'senders' | 'job'>;
  readonly log: Log;
  /** counts traffic as the lab does, for the run record and cross-checks */
  readonly accounting?: TrafficAccounting;
  /**
   * Also count what this node receives (a gateway keeping its own record of every link,
   * where no sender's accounting is shared with it). Off when senders count their own.
   */
  readonly accountInbound?: boolean;
}

/**
 * The fleet driver: a node's messages travel as MQTT publishes through a real broker.
 * The topic a message arrives on vouches for its sender (a device may publish only its
 * own `up` and `link/{self}/…` once ACLs are on), and the envelope must agree with it.
 */
export async function mqttPort(client: FleetClient, spec: NodeSpec, o: MqttPortOptions): Promise<Port> {
  const log = o.log.child({ node: spec.id });
  const mailbox = new Mailbox(log);
  const workers = new Set(o.nodes.filter((n) => n.role === 'worker').map((n) => n.id));
  const senders = new Set(o.nodes.map((n) => n.id));
  const expect: Expectation = { ...o.expect, job: o.job, senders };

  const onMessage = (topic: string, bytes: Uint8Array): void => {
    let claimed: NodeId;
    try {
      claimed = senderOf(topic);
      const m = unframe(bytes, expect, claimed);
      if (o.accountInbound) o.accounting?.record(topic, bytes.length, claimed, [spec.id], m.payloadBits, m.round);
      mailbox.put(m);
    } catch (e) {
      log.warn({ topic, bytes: bytes.length, reason: errorMessage(e) }, 'message rejected');
    }
  };
  await client.subscribe(inboxFilters(o.job, spec), onMessage);

  let seq = 0;
  return {
    mailbox,
    async send(out: Outbound, round: number, phase: number): Promise<void> {
      const bytes = frame(out, o.job, spec.id, round, phase, seq++);
      const pubs = route(o.job, spec, out.to, workers);
      await Promise.all(pubs.map((pub) => {
        o.accounting?.record(pub.topic, bytes.length, spec.id, pub.receivers, out.payloadBits, round);
        const to = pub.receivers.length === 1 ? pub.receivers[0]! : '*';
        return client.publish(pub.topic, bytes, { link: { from: spec.id, to, payloadBits: out.payloadBits } });
      }));
    },
  };
}

/** What a node reads: the aggregator every `up`; a worker the broadcast and its own `down`; a peer its links. */
export function inboxFilters(job: string, spec: NodeSpec): string[] {
  switch (spec.role) {
    case 'server':
      return [filters.allUp(job)];
    case 'worker':
      return [topics.down(job), topics.down(job, spec.id)];
    case 'peer':
      return [filters.linksTo(job, spec.id)];
  }
}

function senderOf(topic: string): NodeId {
  const t = parseTopic(topic);
  switch (t?.kind) {
    case 'up':
      return t.device;
    case 'down':
      return GATEWAY;
    case 'link':
      return t.from;
    default:
      throw new Error(`topic ${topic} carries no algorithm messages`);
  }
}
