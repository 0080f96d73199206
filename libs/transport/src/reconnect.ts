import type { MqttClient } from 'mqtt';
import { errorMessage } from '@edgefl/core';
import type { Log } from '@edgefl/core';
import { TransportError } from './errors.js';

/** CONNACK return code 2 (MQTT 3.1.1 §3.2.2.3): the broker refuses this client id. */
export const CONNACK_IDENTIFIER_REJECTED = 2;

export interface ReconnectOptions {
  readonly url: string;
  readonly clientId: string;
  readonly device: string;
  /** first pause after the connection is lost; doubled after every failed attempt */
  readonly basePeriodMs: number;
  /** the pause never grows beyond this */
  readonly maxPeriodMs: number;
  /** stop trying once the connection has been down this long; undefined: never */
  readonly giveUpAfterMs?: number;
}

/** mqtt.js 5 (lib/client.js) re-arms its reconnect interval only through these two methods. */
interface ReconnectInternals {
  _clearReconnect(): void;
  _setupReconnect(): void;
}

/**
 * Why a broker refused a CONNECT, as a TransportError naming the cause and the fix. Code 2
 * is how the edgefl gateway refuses a second connection with a client id already held.
 */
export function connackRefusal(url: string, clientId: string, device: string, err: Error & { code?: unknown }): TransportError {
  if (err.code === CONNACK_IDENTIFIER_REJECTED) {
    return new TransportError(
      `the MQTT broker at ${url} refused client id ${clientId}: device id ${device} is already connected (another agent runs with the same device id)`,
      `give every device its own id (--set device=…), or stop the agent that holds ${device} first`,
      { cause: err },
    );
  }
  return new TransportError(`the MQTT broker at ${url} refused the connection: ${err.message}`, 'check the username/password and client id for this device', { cause: err });
}

/**
 * Reconnects with exponential back-off instead of mqtt.js's fixed period, logs each failed
 * attempt once at warn (1 s, 2 s, 4 s … apart, never faster), and gives up after
 * `giveUpAfterMs` of downtime: `onGiveUp` gets the reason and the client is ended.
 */
export class ReconnectBackoff {
  private lostAt: number | null = null;
  private attempts = 0;
  private lastError: Error | undefined;
  private stopped = false;

  constructor(
    private readonly client: MqttClient,
    private readonly o: ReconnectOptions,
    private readonly log: Log,
    private readonly onGiveUp: (err: TransportError) => void,
  ) {
    client.options.reconnectPeriod = o.basePeriodMs;
    client.on('offline', () => {
      this.lostAt ??= Date.now();
      this.log.warn({ url: o.url, retryInMs: o.basePeriodMs, ...(o.giveUpAfterMs !== undefined ? { giveUpAfterMs: o.giveUpAfterMs } : {}) }, 'mqtt connection lost; reconnecting');
    });
    client.on('connect', () => {
      if (this.lostAt !== null) this.log.info({ url: o.url, downMs: Date.now() - this.lostAt, attempts: this.attempts }, 'mqtt reconnected');
      this.lostAt = null;
      this.attempts = 0;
      this.lastError = undefined;
      client.options.reconnectPeriod = o.basePeriodMs;
    });
    client.on('error', (err) => {
      this.lastError = err;
    });
    // mqtt.js emits `close` after every failed attempt, then re-arms its interval: lengthen it.
    client.on('close', () => this.afterFailedAttempt());
  }

  /** true while the connection is down and being retried */
  get reconnecting(): boolean {
    return this.lostAt !== null && !this.stopped;
  }

  stop(): void {
    this.stopped = true;
  }

  private afterFailedAttempt(): void {
    if (this.stopped || this.lostAt === null || this.client.disconnecting) return;
    const downMs = Date.now() - this.lostAt;
    const reason = this.lastError ? errorMessage(this.lastError) : 'connection closed';
    if (this.o.giveUpAfterMs !== undefined && downMs >= this.o.giveUpAfterMs) {
      this.stopped = true;
      this.client.end(true);
      this.onGiveUp(new TransportError(
        `gave up reconnecting to the MQTT broker at ${this.o.url} after ${Math.round(downMs / 1000)} s down (${this.attempts} attempts; last: ${reason})`,
        'start the gateway (or fix the network to it), then start this agent again; gateway.giveUpAfterMs sets how long an agent keeps trying',
        { cause: this.lastError },
      ));
      return;
    }
    const next = Math.min(this.o.maxPeriodMs, this.o.basePeriodMs * 2 ** Math.min(this.attempts, 30));
    if (this.attempts > 0) this.log.warn({ url: this.o.url, attempts: this.attempts, downMs, retryInMs: next, err: reason }, 'mqtt broker still unreachable; retrying');
    this.attempts++;
    this.client.options.reconnectPeriod = next;
    const internals = this.client as unknown as ReconnectInternals;
    internals._clearReconnect();
    internals._setupReconnect();
  }
}
