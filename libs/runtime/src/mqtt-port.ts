import { errorMessage, type Log } from '@edgefl/core';
import { BROADCAST, type FleetClient } from '@edgefl/transport';
import type { NodeId, NodeSpec, Outbound } from '@edgefl/algorithms';
import { Mailbox } from './mailbox.js';
import type { Port, Transmission } from './port.js';
import type { Routes } from './routes.js';
import { frame, unframe, type Expectation } from './wire.js';

export interface MqttPortOptions {
  /** the job's routes: who hears whom, and on which topics */
  readonly routes: Routes;
  readonly expect: Omit<Expectation, 'senders' | 'job'>;
  readonly log: Log;
  /**
   * Called with every message this node accepts, as the sender's transmission seen from
   * here (a gateway keeping its own record of every link, where no sender's accounting is
   * shared with it: `t => accounting.record(t)`). Leave unset when senders count their own.
   */
  readonly onReceive?: (t: Transmission) => void;
  /** the round the node resumes at (a checkpoint): messages of earlier rounds a broker replays are repeats (Mailbox.resumeAt) */
  readonly firstRound?: number;
}

/**
 * The fleet driver: a node's messages travel as MQTT publishes through a real broker.
 * A node subscribes to exactly its senders' topics (`Algorithm.senders`); the topic a
 * message arrives on vouches for its sender (a device may publish only its own `up`,
 * `peer/{self}` and `link/{self}/…` once ACLs are on), and the envelope must agree with it.
 */
export async function mqttPort(client: FleetClient, spec: NodeSpec, o: MqttPortOptions): Promise<Port> {
  const routes = o.routes;
  const log = o.log.child({ node: spec.id });
  const mailbox = new Mailbox(log);
  if (o.firstRound !== undefined) mailbox.resumeAt(o.firstRound);
  const expect: Expectation = { ...o.expect, job: routes.job, senders: routes.senders(spec.id) };

  const onMessage = (topic: string, bytes: Uint8Array): void => {
    try {
      const claimed = routes.senderOf(topic, spec.id);
      const m = unframe(bytes, expect, claimed);
      // A repeated delivery (QoS 1 is at least once; a persistent session replays) is counted once.
      if (mailbox.put(m) !== 'duplicate') {
        o.onReceive?.({ from: claimed, round: m.round, phase: m.phase, payloadBits: m.payloadBits, publishes: [{ topic, bytes: bytes.length, deliveries: [spec.id] }] });
      }
    } catch (e) {
      mailbox.refuse({ reason: 'envelope', detail: errorMessage(e) }, { topic, bytes: bytes.length });
    }
  };
  const filters = routes.filters(spec.id);
  if (filters.length > 0) await client.subscribe(filters, onMessage);

  let seq = 0;
  return {
    mailbox,
    async send(out: Outbound, round: number, phase: number): Promise<Transmission> {
      const pubs = routes.publications(spec.id, out.to);
      const bytes = frame(out, routes.job, spec.id, round, phase, seq++);
      await Promise.all(pubs.map((pub) => {
        const to: NodeId = pub.receivers.length === 1 ? pub.receivers[0]! : BROADCAST;
        return client.publish(pub.topic, bytes, { link: { from: spec.id, to, payloadBits: out.payloadBits } });
      }));
      return {
        from: spec.id, round, phase, payloadBits: out.payloadBits,
        publishes: pubs.map((p) => ({ topic: p.topic, bytes: bytes.length, deliveries: p.receivers })),
      };
    },
  };
}

