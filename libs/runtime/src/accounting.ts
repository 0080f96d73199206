import { GATEWAY, messageWireBytes } from '@edgefl/transport';
import type { NodeId } from '@edgefl/algorithms';
import type { PortDecorator, Transmission } from './port.js';

/** Traffic of one physical hop: a device's uplink to the gateway or its downlink from it. */
export interface HopCounters {
  readonly from: string;
  readonly to: string;
  messages: number;
  /** payload bits the hop carried, as the papers count them */
  payloadBits: number;
  /** MQTT PUBLISH bytes the hop carried, headers and chunk framing included */
  wireBytes: number;
}

/**
 * Counts what every device's links carry, identically under every driver: the aggregator
 * sits next to the broker, so a publish costs its sender's uplink (unless the sender is
 * the aggregator) and each delivery a receiving device's downlink. `payloadBits` in
 * `totals` counts each transmission once however many publishes and deliveries it took,
 * as the papers do; a hop counts the payload of every copy it carried.
 *
 * It sees traffic through `countTraffic`, a port decorator, so drivers and apps never
 * thread it through their options.
 */
export class TrafficAccounting {
  private readonly hops = new Map<string, HopCounters>();
  /** payload bits per hop and round, for per-round budgets */
  private readonly perRound = new Map<string, Map<number, number>>();
  private transmissions = 0;
  private payloadBits = 0;

  constructor(private readonly maxMessageBytes: number, private readonly qos: 0 | 1 | 2, private readonly gateway: NodeId = GATEWAY) {}

  /** One transmission: its payload bits once, each publish on the sender's uplink, each delivery on its receiver's downlink. */
  record(t: Transmission): void {
    this.transmissions++;
    this.payloadBits += t.payloadBits;
    for (const p of t.publishes) {
      const wire = messageWireBytes(p.topic, p.bytes, this.maxMessageBytes, this.qos);
      if (t.from !== this.gateway) this.add(t.from, this.gateway, wire, t.payloadBits, t.round);
      for (const r of p.deliveries) if (r !== this.gateway) this.add(this.gateway, r, wire, t.payloadBits, t.round);
    }
  }

  /** Every hop, sorted by device then direction. */
  links(): HopCounters[] {
    const device = (h: HopCounters): string => (h.from === this.gateway ? h.to : h.from);
    return [...this.hops.values()]
      .map((h) => ({ ...h }))
      .sort((a, b) => device(a).localeCompare(device(b)) || (a.from === this.gateway ? 1 : -1));
  }

  /** Payload bits a hop carried in each round it carried anything (for per-round budgets). */
  roundBits(link: { readonly from: string; readonly to: string }): number[] {
    return [...(this.perRound.get(`${link.from}>${link.to}`)?.values() ?? [])];
  }

  totals(): { transmissions: number; payloadBits: number; wireBytes: number } {
    let wireBytes = 0;
    for (const h of this.hops.values()) wireBytes += h.wireBytes;
    return { transmissions: this.transmissions, payloadBits: this.payloadBits, wireBytes };
  }

  /** The ledger as plain data, for a checkpoint (a resumed gateway goes on counting from it). */
  save(): AccountingState {
    return {
      transmissions: this.transmissions, payloadBits: this.payloadBits, hops: this.links(),
      perRound: [...this.perRound].map(([k, m]) => [k, [...m]] as [string, [number, number][]]),
    };
  }

  /** Takes back `save()`; anything malformed is ignored field by field (the ledger is a report, not the model). */
  load(s: unknown): void {
    const st = s as Partial<AccountingState> | null;
    if (typeof st !== 'object' || st === null) return;
    if (Number.isFinite(st.transmissions)) this.transmissions = st.transmissions!;
    if (Number.isFinite(st.payloadBits)) this.payloadBits = st.payloadBits!;
    for (const h of Array.isArray(st.hops) ? st.hops : []) {
      if (typeof h?.from !== 'string' || typeof h.to !== 'string') continue;
      this.hops.set(`${h.from}>${h.to}`, { from: h.from, to: h.to, messages: Number(h.messages) || 0, payloadBits: Number(h.payloadBits) || 0, wireBytes: Number(h.wireBytes) || 0 });
    }
    for (const e of Array.isArray(st.perRound) ? st.perRound : []) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !Array.isArray(e[1])) continue;
      this.perRound.set(e[0], new Map(e[1].filter((x) => Array.isArray(x) && x.length === 2).map(([r, b]) => [Number(r), Number(b)])));
    }
  }

  private add(from: string, to: string, wire: number, bits: number, round: number): void {
    const k = `${from}>${to}`;
    let h = this.hops.get(k);
    if (!h) this.hops.set(k, (h = { from, to, messages: 0, payloadBits: 0, wireBytes: 0 }));
    h.messages++;
    h.payloadBits += bits;
    h.wireBytes += wire;
    let r = this.perRound.get(k);
    if (!r) this.perRound.set(k, (r = new Map()));
    r.set(round, (r.get(round) ?? 0) + bits);
  }
}

export interface AccountingState {
  readonly transmissions: number;
  readonly payloadBits: number;
  readonly hops: readonly HopCounters[];
  readonly perRound: readonly (readonly [string, readonly (readonly [number, number])[]])[];
}

/** A port decorator that records every transmission of the node in `accounting`. */
export function countTraffic(accounting: Pick<TrafficAccounting, 'record'>): PortDecorator {
  return (port) => ({
    mailbox: port.mailbox,
    async send(out, round, phase) {
      const t = await port.send(out, round, phase);
      accounting.record(t);
      return t;
    },
  });
}
