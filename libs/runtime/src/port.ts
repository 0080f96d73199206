import type { NodeId, NodeSpec, Outbound } from '@edgefl/algorithms';
import type { Mailbox } from './mailbox.js';

/** One MQTT publish (or its in-memory equivalent) of a framed message. */
export interface Publish {
  readonly topic: string;
  /** bytes of the framed message (envelope included), before MQTT headers and chunking */
  readonly bytes: number;
  /** the nodes it reached */
  readonly deliveries: readonly NodeId[];
}

/** What one `send` put on the wire: one transmission, as one publish or one per receiver. */
export interface Transmission {
  readonly from: NodeId;
  readonly round: number;
  readonly phase: number;
  /** as the compressor reported it; counted once however many receive it */
  readonly payloadBits: number;
  readonly publishes: readonly Publish[];
}

/** How a driver moves one node's messages. */
export interface Port {
  readonly mailbox: Mailbox;
  /** Deliver `out`, sent by this node while acting in (round, phase), to its receivers. */
  send(out: Outbound, round: number, phase: number): Promise<Transmission>;
}

/** Wraps a node's port, e.g. to count its traffic (`countTraffic`) — a decorator, so drivers and apps know nothing of it. */
export type PortDecorator = (port: Port, spec: NodeSpec) => Port;

/** Applies decorators in order (the first wraps the driver's port). */
export function decorate(port: Port, spec: NodeSpec, decorators: readonly (PortDecorator | undefined)[]): Port {
  return decorators.reduce<Port>((p, d) => (d ? d(p, spec) : p), port);
}
