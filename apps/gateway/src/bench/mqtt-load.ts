/**
 * A loopback MQTT load, run in a child process so the load generator shares nothing with
 * the broker under test: the gateway's aedes broker runs in the bench's process (as
 * `edgefl gateway` runs it in its own), Mosquitto in its own, and each gets the same load
 * from a process of its own (`edgefl bench broker --against mosquitto`). A worker thread
 * would share the broker's process: V8's garbage-collection helper threads and the
 * allocator, which Mosquitto's process never shares with the load. Clients are plain
 * mqtt.js with TCP_NODELAY (connectMqttAsync).
 */
import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { connectMqttAsync } from '@edgefl/transport';

/** `publishers` clients publish QoS 1 messages of `payloadBytes` to one subscriber, each keeping `window` unacknowledged. */
export interface FanInLoad {
  readonly kind: 'fan-in';
  readonly publishers: number;
  readonly payloadBytes: number;
  readonly messagesPerPublisher: number;
  readonly window: number;
}

/** One client publishes a QoS 1 message, a second one publishes it back, `iterations` times in a row. */
export interface PingPongLoad {
  readonly kind: 'ping-pong';
  readonly payloadBytes: number;
  readonly iterations: number;
}

export type MqttLoad = FanInLoad | PingPongLoad;

export interface FanInResult {
  readonly kind: 'fan-in';
  /** from the first publish to the subscriber's last arrival */
  readonly ms: number;
  readonly messages: number;
  readonly payloadBytes: number;
  /** messages the broker carried in all, warm-up included (for cost per message) */
  readonly carried: number;
}

export interface PingPongResult {
  readonly kind: 'ping-pong';
  /** each round trip, in order */
  readonly roundTripsMs: readonly number[];
  /** messages the broker carried in all, warm-up included (two per round trip) */
  readonly carried: number;
}

/** A load's result; from a child process also the CPU time (ms) the load generator itself used. */
export type MqttLoadResult = (FanInResult | PingPongResult) & { readonly loadCpuMs?: number };

const clientOptions = (id: string) => ({ protocolVersion: 4 as const, clientId: id, clean: true, reconnectPeriod: 0, connectTimeout: 10_000 });

async function fanIn(url: string, load: FanInLoad, tag: string): Promise<FanInResult> {
  const sub = await connectMqttAsync(url, clientOptions(`bench-${tag}-sub`));
  const pubs: MqttClient[] = [];
  try {
    for (let i = 0; i < load.publishers; i++) pubs.push(await connectMqttAsync(url, clientOptions(`bench-${tag}-pub-${i}`)));
    const base = `edgefl-bench/${tag}`;
    await sub.subscribeAsync(`${base}/#`, { qos: 1 });
    let received = 0;
    let want = 0;
    let arrived: (() => void) | null = null;
    sub.on('message', () => {
      if (++received === want) arrived?.();
    });
    const payload = randomBytes(load.payloadBytes);
    const phase = async (perPublisher: number): Promise<number> => {
      received = 0;
      want = perPublisher * load.publishers;
      const all = new Promise<void>((r) => (arrived = r));
      const t0 = performance.now();
      await Promise.all(pubs.map(async (p, i) => {
        const topic = `${base}/${i}`;
        let sent = 0;
        const lane = async (): Promise<void> => {
          while (sent < perPublisher) {
            sent++;
            await p.publishAsync(topic, payload, { qos: 1 });
          }
        };
        await Promise.all(Array.from({ length: load.window }, lane));
      }));
      await all;
      return performance.now() - t0;
    };
    const warmup = Math.max(1, Math.ceil(load.messagesPerPublisher / 10));
    await phase(warmup); // JIT, socket buffers
    const ms = await phase(load.messagesPerPublisher);
    const messages = load.messagesPerPublisher * load.publishers;
    return { kind: 'fan-in', ms, messages, payloadBytes: messages * load.payloadBytes, carried: messages + warmup * load.publishers };
  } finally {
    await Promise.all([sub, ...pubs].map((c) => c.endAsync(true)));
  }
}

async function pingPong(url: string, load: PingPongLoad, tag: string): Promise<PingPongResult> {
  const ping = await connectMqttAsync(url, clientOptions(`bench-${tag}-ping`));
  const echo = await connectMqttAsync(url, clientOptions(`bench-${tag}-echo`));
  try {
    const base = `edgefl-bench/${tag}`;
    await echo.subscribeAsync(`${base}/ping`, { qos: 1 });
    echo.on('message', (_t, payload) => echo.publish(`${base}/pong`, payload, { qos: 1 }));
    await ping.subscribeAsync(`${base}/pong`, { qos: 1 });
    let back: (() => void) | null = null;
    ping.on('message', () => back?.());
    const payload = randomBytes(load.payloadBytes);
    const roundTripsMs: number[] = [];
    const warmup = Math.max(5, Math.ceil(load.iterations / 10));
    for (let i = 0; i < warmup + load.iterations; i++) {
      const got = new Promise<void>((r) => (back = r));
      const t0 = performance.now();
      ping.publish(`${base}/ping`, payload, { qos: 1 });
      await got;
      if (i >= warmup) roundTripsMs.push(performance.now() - t0);
    }
    return { kind: 'ping-pong', roundTripsMs, carried: 2 * (warmup + load.iterations) };
  } finally {
    await Promise.all([ping, echo].map((c) => c.endAsync(true)));
  }
}

/** Runs `load` against the broker at `url` from this thread. */
export function runLoadHere(url: string, load: MqttLoad): Promise<MqttLoadResult> {
  const tag = randomBytes(4).toString('hex');
  return load.kind === 'fan-in' ? fanIn(url, load, tag) : pingPong(url, load, tag);
}

/**
 * Runs `load` against the broker at `url` from a fresh child process (the entry next to this
 * file: `.js` from dist/, or `.ts` when the bench itself runs under tsx, which the child
 * inherits through Node's exec arguments).
 */
export function runLoadInChild(url: string, load: MqttLoad): Promise<MqttLoadResult> {
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = fileURLToPath(new URL(`./mqtt-load-child${ext}`, import.meta.url));
  const underTsx = process.execArgv.some((a) => a.includes('tsx'));
  const execArgv = ext === '.ts' && !underTsx ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
  const child = fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: MqttLoadResult | null = null;
    let failure: Error | null = null;
    child.once('message', (m: { ok: true; result: MqttLoadResult } | { ok: false; error: string }) => {
      if (m.ok) result = m.result;
      else failure = new Error(`benchmark load failed: ${m.error}`);
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      result !== null ? resolve(result) : reject(failure ?? new Error(`benchmark load process exited with code ${code} and no result`)),
    );
    child.send({ url, load });
  });
}
