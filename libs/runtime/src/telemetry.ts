import { EdgeflError } from '@edgefl/core';

/** What an agent publishes about itself on `telemetry/{device}` (plain JSON, readable by any MQTT tool). */
export const TELEMETRY_FORMAT = 'edgefl-telemetry/1';

export interface TrafficTotals {
  /** application messages */
  readonly messages: number;
  /** PUBLISH packets (chunks count one each) */
  readonly packets: number;
  /** MQTT bytes of those packets, headers included */
  readonly wireBytes: number;
  /** payload bits as the papers count them (0 where unknown, e.g. received) */
  readonly payloadBits: number;
}

export interface DeviceTelemetry {
  readonly format: typeof TELEMETRY_FORMAT;
  readonly device: string;
  /** increases by one per report */
  readonly seq: number;
  /** the round the device is in (0 before the first) */
  readonly round: number;
  /** everything this device's client sent, counted as it sent it */
  readonly sent: TrafficTotals;
  /** everything delivered to it */
  readonly received: TrafficTotals;
  /** packets its token bucket held back, and for how long in total */
  readonly shaped: { readonly delayed: number; readonly delayMs: number };
}

export function encodeTelemetry(t: Omit<DeviceTelemetry, 'format'>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ format: TELEMETRY_FORMAT, ...t }));
}

/** Largest telemetry message accepted; real ones are ~300 bytes. */
export const MAX_TELEMETRY_BYTES = 4096;

/**
 * Parses a telemetry message. It is network input from a device that may be compromised:
 * size, shape and every number are checked, and the device must match the topic's.
 */
export function decodeTelemetry(bytes: Uint8Array, topicDevice: string): DeviceTelemetry {
  if (bytes.length > MAX_TELEMETRY_BYTES) throw new TelemetryError(`telemetry of ${bytes.length} bytes exceeds ${MAX_TELEMETRY_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new TelemetryError(`telemetry is not JSON (${(e as Error).message})`);
  }
  const r = obj(raw, 'telemetry');
  if (r['format'] !== TELEMETRY_FORMAT) throw new TelemetryError(`telemetry format ${JSON.stringify(r['format'])} is not ${TELEMETRY_FORMAT}`);
  if (r['device'] !== topicDevice) throw new TelemetryError(`telemetry claims device ${JSON.stringify(r['device'])} on ${topicDevice}'s topic`);
  const totals = (v: unknown, what: string): TrafficTotals => {
    const o = obj(v, what);
    return { messages: count(o['messages'], `${what}.messages`), packets: count(o['packets'], `${what}.packets`), wireBytes: count(o['wireBytes'], `${what}.wireBytes`), payloadBits: count(o['payloadBits'], `${what}.payloadBits`) };
  };
  const shaped = obj(r['shaped'], 'shaped');
  return {
    format: TELEMETRY_FORMAT, device: topicDevice, seq: count(r['seq'], 'seq'), round: count(r['round'], 'round'),
    sent: totals(r['sent'], 'sent'), received: totals(r['received'], 'received'),
    shaped: { delayed: count(shaped['delayed'], 'shaped.delayed'), delayMs: nonNegative(shaped['delayMs'], 'shaped.delayMs') },
  };
}

export class TelemetryError extends EdgeflError {
  constructor(message: string) {
    super('TELEMETRY', message, 'agents and gateway must run the same edgefl version; a device sending this may be misconfigured or hostile');
  }
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TelemetryError(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function count(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new TelemetryError(`${what} must be a whole number ≥ 0`);
  return v;
}

function nonNegative(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TelemetryError(`${what} must be a finite number ≥ 0`);
  return v;
}
