/** Messages and MQTT bytes of PUBLISH packets for one client id, as the broker saw them. */
export interface Traffic {
  messages: number;
  bytes: number;
}

export interface ClientTraffic {
  readonly clientId: string;
  /** PUBLISH packets the client sent that the broker accepted */
  readonly received: Traffic;
  /** PUBLISH packets the broker delivered to the client */
  readonly delivered: Traffic;
  /** PUBLISH packets the broker refused (over the size limit or not authorized) */
  readonly refused: Traffic;
  /**
   * `received` and `delivered` split by edgefl topic kind (`up`, `down`, `link`, `ctl`,
   * `status`, `telemetry`; `other` outside the scheme), so the data plane of a run record
   * can be checked apart from control traffic.
   */
  readonly byKind: Record<string, { received: Traffic; delivered: Traffic }>;
}

/** The kind level of `edgefl/v1/{job}/{kind}/…`, or `other`. */
export function topicKind(topic: string): string {
  if (!topic.startsWith('edgefl/v1/')) return 'other';
  const parts = topic.split('/', 4);
  return parts[3] ?? 'other';
}

/** One PUBLISH packet counted at the broker's socket, as listeners (the monitor) see it. */
export interface PacketEvent {
  readonly clientId: string;
  /** `received` from the client, or `delivered` to it */
  readonly direction: 'received' | 'delivered';
  readonly topic: string;
  /** the whole MQTT packet */
  readonly bytes: number;
  /** its application payload (the rest is MQTT overhead) */
  readonly payloadBytes: number;
}

/**
 * Byte counters per client id, kept by the broker so a run record's wire bytes (counted
 * by each sender's ByteLedger) can be cross-checked against what actually crossed it.
 */
export class BrokerCounters {
  private readonly clients = new Map<string, ClientTraffic>();
  private readonly listeners = new Set<(e: PacketEvent) => void>();

  addReceived(clientId: string, bytes: number, topic = '', payloadBytes = 0): void {
    const c = this.of(clientId);
    add(c.received, bytes);
    add(kindOf(c, topic).received, bytes);
    this.emit({ clientId, direction: 'received', topic, bytes, payloadBytes });
  }

  addDelivered(clientId: string, bytes: number, topic = '', payloadBytes = 0): void {
    const c = this.of(clientId);
    add(c.delivered, bytes);
    add(kindOf(c, topic).delivered, bytes);
    this.emit({ clientId, direction: 'delivered', topic, bytes, payloadBytes });
  }

  /** Calls `fn` for every counted packet, until the returned function is called. */
  onPacket(fn: (e: PacketEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: PacketEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  addRefused(clientId: string, bytes: number): void {
    add(this.of(clientId).refused, bytes);
  }

  /** Counters of one client (zeros if it never published or received). */
  get(clientId: string): ClientTraffic {
    const c = this.clients.get(clientId);
    return c === undefined ? empty(clientId) : copy(c);
  }

  /** Copies of every client's counters, sorted by client id. */
  snapshot(): ClientTraffic[] {
    return [...this.clients.values()].map(copy).sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  }

  totals(): { received: Traffic; delivered: Traffic; refused: Traffic } {
    const t = empty('');
    for (const c of this.clients.values()) {
      sum(t.received, c.received);
      sum(t.delivered, c.delivered);
      sum(t.refused, c.refused);
    }
    return { received: t.received, delivered: t.delivered, refused: t.refused };
  }

  reset(): void {
    this.clients.clear();
  }

  private of(clientId: string): ClientTraffic {
    let c = this.clients.get(clientId);
    if (c === undefined) {
      c = empty(clientId);
      this.clients.set(clientId, c);
    }
    return c;
  }
}

function empty(clientId: string): ClientTraffic {
  return { clientId, received: { messages: 0, bytes: 0 }, delivered: { messages: 0, bytes: 0 }, refused: { messages: 0, bytes: 0 }, byKind: {} };
}

function copy(c: ClientTraffic): ClientTraffic {
  const byKind: ClientTraffic['byKind'] = {};
  for (const [k, t] of Object.entries(c.byKind)) byKind[k] = { received: { ...t.received }, delivered: { ...t.delivered } };
  return { clientId: c.clientId, received: { ...c.received }, delivered: { ...c.delivered }, refused: { ...c.refused }, byKind };
}

function kindOf(c: ClientTraffic, topic: string): { received: Traffic; delivered: Traffic } {
  const k = topicKind(topic);
  return (c.byKind[k] ??= { received: { messages: 0, bytes: 0 }, delivered: { messages: 0, bytes: 0 } });
}

function add(t: Traffic, bytes: number): void {
  t.messages++;
  t.bytes += bytes;
}

function sum(into: Traffic, t: Traffic): void {
  into.messages += t.messages;
  into.bytes += t.bytes;
}
