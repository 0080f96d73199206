import { errorMessage, type Log } from '@edgefl/core';
import { topics, type FleetClient, type TokenBucketShaper } from '@edgefl/transport';
import { encodeTelemetry, type TrafficTotals } from '@edgefl/runtime';

export interface TelemetryPublisher {
  /** Publishes the counters as they stand now. */
  publishNow(): Promise<void>;
  stop(): void;
}

/**
 * Publishes this device's own byte counters (its client's ledgers, counted as packets
 * left and arrived) on `telemetry/{device}` every `intervalMs`, so an operator can set
 * them beside what the gateway counted at its sockets.
 */
export function startTelemetry(client: FleetClient, shaper: TokenBucketShaper, intervalMs: number, round: () => number, log: Log): TelemetryPublisher {
  let seq = 0;
  const topic = topics.telemetry(client.job, client.device);
  const publishNow = async (): Promise<void> => {
    const sent = client.ledger.totals();
    const rec = client.received.totals();
    let delayed = 0;
    let delayMs = 0;
    for (const s of shaper.snapshot()) {
      delayed += s.delayed;
      delayMs += s.delayMs;
    }
    const totals = (t: { messages: number; packets: number; wireBytes: number; payloadBits: number }): TrafficTotals =>
      ({ messages: t.messages, packets: t.packets, wireBytes: t.wireBytes, payloadBits: t.payloadBits });
    await client.publish(topic, encodeTelemetry({
      device: client.device, seq: seq++, round: round(), sent: totals(sent), received: totals(rec), shaped: { delayed, delayMs: Math.round(delayMs) },
    }));
  };
  const timer = intervalMs > 0
    ? setInterval(() => {
      if (!client.connected) return;
      publishNow().catch((e: unknown) => log.debug({ reason: errorMessage(e) }, 'telemetry not published'));
    }, intervalMs)
    : undefined;
  timer?.unref();
  return { publishNow, stop: () => clearInterval(timer) };
}
