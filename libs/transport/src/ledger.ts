import { frameSizes } from './chunking.js';
import type { LinkId } from './topics.js';

/**
 * Exact size in bytes of an MQTT PUBLISH packet as it crosses the socket
 * (MQTT 3.1.1 §3.3, MQTT 5 §3.3):
 *
 *   fixed header (1) + Remaining Length varint (1–4)
 *   + topic length prefix (2) + topic (UTF-8 bytes)
 *   + packet identifier (2, QoS 1 and 2 only)
 *   + [v5] properties length varint + properties
 *   + payload
 *
 * `topicLength` is in UTF-8 bytes (`Buffer.byteLength(topic)`); edgefl topics are ASCII.
 */
export function mqttPublishPacketBytes(
  topicLength: number,
  payloadLength: number,
  qos: 0 | 1 | 2,
  protocolVersion: 4 | 5 = 4,
  propertiesLength = 0,
): number {
  let remaining = 2 + topicLength + (qos > 0 ? 2 : 0) + payloadLength;
  if (protocolVersion === 5) remaining += varintBytes(propertiesLength) + propertiesLength;
  return 1 + varintBytes(remaining) + remaining;
}

/**
 * Wire bytes of one message of `messageLength` bytes published on `topic` by a FleetClient
 * with this `maxMessageBytes` and QoS: the sum over its frames (whole or chunks) of
 * `mqttPublishPacketBytes`. Equals what the client's ledger records for that publish.
 */
export function messageWireBytes(topic: string, messageLength: number, maxMessageBytes: number, qos: 0 | 1 | 2, protocolVersion: 4 | 5 = 4): number {
  const topicLength = Buffer.byteLength(topic);
  let total = 0;
  for (const size of frameSizes(messageLength, maxMessageBytes)) total += mqttPublishPacketBytes(topicLength, size, qos, protocolVersion);
  return total;
}

/** Bytes of MQTT's variable byte integer for `n` (0 … 268 435 455). */
export function varintBytes(n: number): number {
  if (n < 128) return 1;
  if (n < 16_384) return 2;
  if (n < 2_097_152) return 3;
  if (n < 268_435_456) return 4;
  throw new RangeError(`MQTT packet too large: remaining length ${n} exceeds 268435455`);
}

export interface LinkCounters {
  readonly from: string;
  readonly to: string;
  /** messages as the application sent them (one per publish call, however many chunks) */
  messages: number;
  /** payload bits as the papers count them, supplied by the caller */
  payloadBits: number;
  /** PUBLISH packets on the wire (chunks count one each) */
  packets: number;
  /** MQTT bytes as carried: every PUBLISH packet, headers included */
  wireBytes: number;
}

/**
 * Traffic per directed link (from → to): what the papers count (payload bits) next to
 * what the network carried (wire bytes). Counted where messages are sent, so a run
 * record can be cross-checked against the bytes the broker saw.
 */
export class ByteLedger {
  private readonly links = new Map<string, LinkCounters>();

  /** Adds one application message to a link. */
  recordMessage(link: LinkId, payloadBits: number): void {
    const c = this.counters(link);
    c.messages++;
    c.payloadBits += payloadBits;
  }

  /** Adds one PUBLISH packet of `wireBytes` to a link. */
  recordPacket(link: LinkId, wireBytes: number): void {
    const c = this.counters(link);
    c.packets++;
    c.wireBytes += wireBytes;
  }

  get(link: LinkId): Readonly<LinkCounters> | undefined {
    return this.links.get(key(link));
  }

  /** Copies of every link's counters, sorted by (from, to). */
  snapshot(): LinkCounters[] {
    return [...this.links.values()]
      .map((c) => ({ ...c }))
      .sort((a, b) => (a.from === b.from ? cmp(a.to, b.to) : cmp(a.from, b.from)));
  }

  /** Sums over all links. */
  totals(): { messages: number; payloadBits: number; packets: number; wireBytes: number } {
    let messages = 0;
    let payloadBits = 0;
    let packets = 0;
    let wireBytes = 0;
    for (const c of this.links.values()) {
      messages += c.messages;
      payloadBits += c.payloadBits;
      packets += c.packets;
      wireBytes += c.wireBytes;
    }
    return { messages, payloadBits, packets, wireBytes };
  }

  reset(): void {
    this.links.clear();
  }

  private counters(link: LinkId): LinkCounters {
    const k = key(link);
    let c = this.links.get(k);
    if (c === undefined) {
      c = { from: link.from, to: link.to, messages: 0, payloadBits: 0, packets: 0, wireBytes: 0 };
      this.links.set(k, c);
    }
    return c;
  }
}

/** Ids cannot contain '/', so "from/to" is unambiguous ('*' and 'gateway' included). */
function key(link: LinkId): string {
  return `${link.from}/${link.to}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
