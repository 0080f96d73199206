import { GATEWAY, budgetOf, decodeFrame, mqttPublishPacketBytes, parseTopic, type LinkBudgets, type LinkId, type ParsedTopic } from '@edgefl/transport';
import { decodeTelemetry, decodeJobAnnouncement, type DeviceTelemetry, type TrafficAccounting } from '@edgefl/runtime';
import type { BrokerCounters, PacketEvent } from '../broker-counters.js';

/** Traffic of one direction of a device's link, as the gateway's sockets saw it. */
export interface DirectionStats {
  /** PUBLISH packets */
  messages: number;
  /** MQTT bytes, headers included */
  wireBytes: number;
  /** of which application payload */
  payloadBytes: number;
  /** payload bits of algorithm messages as the papers count them (the gateway's ledger) */
  payloadBits: number;
  /** bytes per topic kind (up, down, ctl, status, telemetry, link) */
  byKind: Record<string, number>;
}

export interface DirectionView extends DirectionStats {
  /** MQTT overhead: wireBytes − payloadBytes */
  readonly overheadBytes: number;
  /** wire rate over the last `windowSec` seconds */
  readonly rateBitsPerSec: number;
  /** wire bytes in the last finished round */
  readonly bytesLastRound: number;
  readonly budgetBitsPerSec: number | null;
  readonly budgetBitsPerRound: number | null;
  /** rate ÷ bitsPerSec, or last round's payload ÷ bitsPerRound, whichever is higher; null without a budget */
  readonly budgetUse: number | null;
  /** rounds over bitsPerRound + seconds whose trailing rate was over bitsPerSec */
  readonly overBudget: number;
}

export interface DeviceView {
  readonly device: string;
  /** the device's retained status: online, ready, done, offline — or unknown before it said anything */
  readonly status: string;
  readonly online: boolean;
  /** ms since epoch of the last packet from the device, or null */
  readonly lastSeen: number | null;
  readonly up: DirectionView;
  readonly down: DirectionView;
  /** what the device itself last reported on telemetry/{device}, beside the gateway's count at that moment */
  readonly telemetry: {
    readonly report: DeviceTelemetry;
    readonly at: number;
    /** bytes the gateway had received from the device when the report arrived (the report's own packet excluded) */
    readonly gatewayReceivedBytes: number;
  } | null;
}

export interface PeerView extends LinkId {
  readonly messages: number;
  readonly wireBytes: number;
  readonly rateBitsPerSec: number;
  readonly budgetBitsPerSec: number | null;
  readonly overBudget: number;
}

export interface LinksSnapshot {
  readonly format: 'edgefl-links/1';
  readonly job: string;
  /** ms since epoch */
  readonly time: number;
  readonly uptimeSec: number;
  readonly windowSec: number;
  readonly round: number;
  readonly rounds: number;
  readonly state: 'waiting' | 'running' | 'done';
  readonly accuracy: number | null;
  readonly loss: number | null;
  readonly devices: readonly DeviceView[];
  readonly peers: readonly PeerView[];
  /** traffic of clients that are not devices of this job (the aggregator's own loopback excluded) */
  readonly other: { readonly received: number; readonly delivered: number };
  readonly totals: { readonly upBytes: number; readonly downBytes: number; readonly upRateBitsPerSec: number; readonly downRateBitsPerSec: number };
}

export interface LinkMonitorOptions {
  readonly job: string;
  readonly devices: readonly string[];
  readonly rounds: number;
  readonly budgets?: LinkBudgets | undefined;
  /** the gateway's ledger (payload bits per link and round) */
  readonly accounting?: TrafficAccounting;
  /** seconds over which rates are measured (default 5) */
  readonly windowSec?: number;
  readonly now?: () => number;
}

interface DeviceState {
  readonly device: string;
  status: string;
  lastSeen: number | null;
  readonly up: DirectionStats;
  readonly down: DirectionStats;
  /** samples of cumulative wire bytes, one per tick: [t, up, down] */
  readonly samples: [number, number, number][];
  upAtRoundStart: number;
  downAtRoundStart: number;
  upLastRound: number;
  downLastRound: number;
  rateViolationsUp: number;
  rateViolationsDown: number;
  largestUp: number;
  largestDown: number;
  telemetry: DeviceView['telemetry'];
}

interface PeerState {
  readonly from: string;
  readonly to: string;
  messages: number;
  wireBytes: number;
  largest: number;
  readonly samples: [number, number][];
  violations: number;
}

const newDirection = (): DirectionStats => ({ messages: 0, wireBytes: 0, payloadBytes: 0, payloadBits: 0, byKind: {} });

/**
 * Live per-device, per-link bandwidth at the gateway: every PUBLISH the broker counts at its
 * sockets is attributed to a device's uplink (what its client sent), downlink (what was
 * delivered to it) or a peer link; `tick()` (once a second) samples them for rates and
 * checks rate budgets. Status, telemetry and round progress are read from the same packets.
 * Device labels are limited to the job's devices, so a hostile client id cannot grow it.
 */
export class LinkMonitor {
  private readonly devices = new Map<string, DeviceState>();
  private readonly peers = new Map<string, PeerState>();
  private readonly clientDevice = new Map<string, string>();
  private readonly other = { received: 0, delivered: 0 };
  private readonly now: () => number;
  private readonly started: number;
  private readonly windowSec: number;
  private round = 0;
  private state: LinksSnapshot['state'] = 'waiting';
  private accuracy: number | null = null;
  private loss: number | null = null;

  constructor(private readonly o: LinkMonitorOptions) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
    this.windowSec = o.windowSec ?? 5;
    for (const d of o.devices) {
      this.devices.set(d, {
        device: d, status: 'unknown', lastSeen: null, up: newDirection(), down: newDirection(), samples: [],
        upAtRoundStart: 0, downAtRoundStart: 0, upLastRound: 0, downLastRound: 0,
        rateViolationsUp: 0, rateViolationsDown: 0, largestUp: 0, largestDown: 0, telemetry: null,
      });
    }
  }

  /** Counts every packet the broker counts from now on; returns a function that stops it. */
  attach(counters: BrokerCounters): () => void {
    return counters.onPacket((e) => this.onPacket(e));
  }

  /** One PUBLISH crossed a socket. */
  onPacket(e: PacketEvent): void {
    let t: ParsedTopic | null = null;
    try {
      t = parseTopic(e.topic);
    } catch {
      t = null;
    }
    if (t !== null && t.job !== this.o.job) t = null;
    if (e.direction === 'received') this.learnClient(e.clientId, t);
    const device = this.deviceOf(e.clientId);
    if (device === GATEWAY) return; // the aggregator's loopback connection
    const d = device === undefined ? undefined : this.devices.get(device);
    if (d === undefined) {
      this.other[e.direction] += e.bytes;
      return;
    }
    const now = this.now();
    const dir = e.direction === 'received' ? d.up : d.down;
    dir.messages++;
    dir.wireBytes += e.bytes;
    dir.payloadBytes += e.payloadBytes;
    const kind = t?.kind ?? 'other';
    dir.byKind[kind] = (dir.byKind[kind] ?? 0) + e.bytes;
    if (e.direction === 'received') {
      d.lastSeen = now;
      d.largestUp = Math.max(d.largestUp, e.bytes);
      if (t?.kind === 'link' && t.from === d.device && this.devices.has(t.to)) this.countPeer(t.from, t.to, e.bytes);
    } else {
      d.largestDown = Math.max(d.largestDown, e.bytes);
    }
  }

  /**
   * A PUBLISH as the broker routes it (aedes' `publish` event), for what it says rather than
   * its size: status, the job's round (ctl) and agents' telemetry. Bad input is ignored.
   */
  onMessage(topic: string, payload: Uint8Array, clientId: string | null, qos: 0 | 1 | 2 = 1): void {
    let t: ParsedTopic | null;
    try {
      t = parseTopic(topic);
    } catch {
      return;
    }
    if (t === null || t.job !== this.o.job) return;
    if (t.kind === 'status') {
      const d = this.devices.get(t.device);
      if (d && payload.length > 0 && payload.length <= 64) d.status = new TextDecoder().decode(payload).replace(/[^\x20-\x7e]/g, '?');
    } else if (t.kind === 'telemetry') {
      const d = this.devices.get(t.device);
      if (d === undefined || clientId === null || this.deviceOf(clientId) !== t.device) return;
      try {
        const report = decodeTelemetry(wholeBody(payload), t.device);
        // The broker counted this packet before routing it; the report could not include itself.
        const own = mqttPublishPacketBytes(Buffer.byteLength(topic), payload.length, qos);
        d.telemetry = { report, at: this.now(), gatewayReceivedBytes: d.up.wireBytes - own };
      } catch {
        // counted as traffic, not shown
      }
    } else if (t.kind === 'ctl') {
      try {
        const ann = decodeJobAnnouncement(wholeBody(payload));
        this.setRound(ann.round, ann.state === 'done' ? 'done' : 'running');
      } catch {
        // a foreign or malformed announcement
      }
    }
  }

  /** The aggregator's evaluation of a round. */
  setEvaluation(round: number, loss: number, accuracy: number | null): void {
    if (round >= this.round) {
      this.loss = loss;
      this.accuracy = accuracy;
    }
  }

  /** Samples counters (call once a second): rates and rate-budget checks. */
  tick(): void {
    const now = this.now();
    for (const d of this.devices.values()) {
      d.samples.push([now, d.up.wireBytes, d.down.wireBytes]);
      this.trim(d.samples, now);
      const first = d.samples[0]!;
      const span = (now - first[0]) / 1000;
      if (span <= 0) continue;
      const check = (bytes: number, largest: number, link: LinkId): boolean => {
        const b = budgetOf(this.o.budgets, link, this.o.devices)?.bitsPerSec;
        // Over the window a shaped sender sends at most rate·span plus one bucket and one packet.
        return b !== undefined && bytes * 8 > b * span * 1.05 + 8 * largest + b * 0.05;
      };
      if (check(d.up.wireBytes - first[1], d.largestUp, { from: d.device, to: GATEWAY })) d.rateViolationsUp++;
      if (check(d.down.wireBytes - first[2], d.largestDown, { from: GATEWAY, to: d.device })) d.rateViolationsDown++;
    }
    for (const p of this.peers.values()) {
      p.samples.push([now, p.wireBytes]);
      this.trim(p.samples, now);
      const first = p.samples[0]!;
      const span = (now - first[0]) / 1000;
      const b = budgetOf(this.o.budgets, p, this.o.devices)?.bitsPerSec;
      if (span > 0 && b !== undefined && (p.wireBytes - first[1]) * 8 > b * span * 1.05 + 8 * p.largest + b * 0.05) p.violations++;
    }
  }

  /** Rate-budget violations measured on a link (for the run record). */
  rateViolations(link: LinkId): number {
    if (link.to === GATEWAY) return this.devices.get(link.from)?.rateViolationsUp ?? 0;
    if (link.from === GATEWAY) return this.devices.get(link.to)?.rateViolationsDown ?? 0;
    return this.peers.get(`${link.from}>${link.to}`)?.violations ?? 0;
  }

  snapshot(): LinksSnapshot {
    const now = this.now();
    const acc = this.o.accounting;
    const ledger = new Map((acc?.links() ?? []).map((h) => [`${h.from}>${h.to}`, h]));
    const devices: DeviceView[] = [];
    let upRate = 0;
    let downRate = 0;
    let upBytes = 0;
    let downBytes = 0;
    for (const d of this.devices.values()) {
      const [upR, downR] = this.rates(d.samples);
      const view = (dir: DirectionStats, link: LinkId, rate: number, lastRound: number, violations: number): DirectionView => {
        const b = budgetOf(this.o.budgets, link, this.o.devices);
        const perRound = b?.bitsPerRound ?? null;
        const roundBits = acc?.roundBits(link) ?? [];
        const roundOver = perRound === null ? 0 : roundBits.filter((x) => x > perRound).length;
        const lastBits = roundBits.length > 0 ? roundBits[roundBits.length - 1]! : 0;
        const uses = [b?.bitsPerSec ? rate / b.bitsPerSec : null, perRound ? lastBits / perRound : null].filter((x): x is number => x !== null);
        return {
          ...dir, byKind: { ...dir.byKind }, payloadBits: ledger.get(`${link.from}>${link.to}`)?.payloadBits ?? 0,
          overheadBytes: dir.wireBytes - dir.payloadBytes, rateBitsPerSec: rate, bytesLastRound: lastRound,
          budgetBitsPerSec: b?.bitsPerSec ?? null, budgetBitsPerRound: perRound,
          budgetUse: uses.length === 0 ? null : Math.max(...uses), overBudget: roundOver + violations,
        };
      };
      const online = d.status !== 'offline' && d.status !== 'unknown';
      devices.push({
        device: d.device, status: d.status, online, lastSeen: d.lastSeen,
        up: view(d.up, { from: d.device, to: GATEWAY }, upR, d.upLastRound, d.rateViolationsUp),
        down: view(d.down, { from: GATEWAY, to: d.device }, downR, d.downLastRound, d.rateViolationsDown),
        telemetry: d.telemetry,
      });
      upRate += upR;
      downRate += downR;
      upBytes += d.up.wireBytes;
      downBytes += d.down.wireBytes;
    }
    const peers: PeerView[] = [...this.peers.values()].map((p) => {
      const first = p.samples[0];
      const last = p.samples[p.samples.length - 1];
      const span = first && last ? (last[0] - first[0]) / 1000 : 0;
      return {
        from: p.from, to: p.to, messages: p.messages, wireBytes: p.wireBytes,
        rateBitsPerSec: span > 0 ? ((last![1] - first![1]) * 8) / span : 0,
        budgetBitsPerSec: budgetOf(this.o.budgets, p, this.o.devices)?.bitsPerSec ?? null, overBudget: p.violations,
      };
    });
    return {
      format: 'edgefl-links/1', job: this.o.job, time: now, uptimeSec: (now - this.started) / 1000, windowSec: this.windowSec,
      round: this.round, rounds: this.o.rounds, state: this.state, accuracy: this.accuracy, loss: this.loss,
      devices, peers, other: { ...this.other },
      totals: { upBytes, downBytes, upRateBitsPerSec: upRate, downRateBitsPerSec: downRate },
    };
  }

  private setRound(round: number, state: LinksSnapshot['state']): void {
    if (round !== this.round) {
      for (const d of this.devices.values()) {
        d.upLastRound = d.up.wireBytes - d.upAtRoundStart;
        d.downLastRound = d.down.wireBytes - d.downAtRoundStart;
        d.upAtRoundStart = d.up.wireBytes;
        d.downAtRoundStart = d.down.wireBytes;
      }
      this.round = round;
    }
    this.state = state;
  }

  private rates(samples: readonly [number, number, number][]): [number, number] {
    const first = samples[0];
    const last = samples[samples.length - 1];
    if (!first || !last || last[0] <= first[0]) return [0, 0];
    const span = (last[0] - first[0]) / 1000;
    return [((last[1] - first[1]) * 8) / span, ((last[2] - first[2]) * 8) / span];
  }

  private trim(samples: { 0: number }[], now: number): void {
    while (samples.length > 1 && now - samples[0]![0] > this.windowSec * 1000) samples.shift();
  }

  private countPeer(from: string, to: string, bytes: number): void {
    const k = `${from}>${to}`;
    let p = this.peers.get(k);
    if (!p) this.peers.set(k, (p = { from, to, messages: 0, wireBytes: 0, largest: 0, samples: [], violations: 0 }));
    p.messages++;
    p.wireBytes += bytes;
    p.largest = Math.max(p.largest, bytes);
  }

  /** A client's device is the one whose status/up/telemetry topic it publishes on. */
  private learnClient(clientId: string, t: ParsedTopic | null): void {
    if (t === null || this.clientDevice.has(clientId)) return;
    if (t.kind === 'status' || t.kind === 'up' || t.kind === 'telemetry') {
      if (t.device === GATEWAY || this.devices.has(t.device)) this.clientDevice.set(clientId, t.device);
    }
  }

  private deviceOf(clientId: string): string | undefined {
    const known = this.clientDevice.get(clientId);
    if (known !== undefined) return known;
    // Before it published: agents connect as edgefl-{job}-{device}, the aggregator as edgefl-aggregator-{job}.
    if (clientId === `edgefl-aggregator-${this.o.job}`) return GATEWAY;
    const prefix = `edgefl-${this.o.job}-`;
    if (clientId.startsWith(prefix) && this.devices.has(clientId.slice(prefix.length))) return clientId.slice(prefix.length);
    return undefined;
  }
}


/** The body of a FleetClient frame carried whole (ctl and telemetry are never chunked); throws otherwise. */
function wholeBody(payload: Uint8Array): Uint8Array {
  const f = decodeFrame(payload);
  if (f.kind !== 'whole') throw new Error('chunked');
  return f.body;
}
