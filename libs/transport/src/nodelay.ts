import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';

/**
 * Every MQTT hop of a round is a small write answered by a small write (PUBLISH → PUBACK).
 * With Nagle's algorithm on, the second small write of a burst waits for the ACK of the first,
 * and the peer delays that ACK (~40 ms on Linux): a QoS 1 ping-pong then costs ~88 ms instead
 * of < 1 ms. MQTT packets are written whole (mqtt-packet corks the stream per packet), so
 * turning Nagle off costs no extra segments.
 */
export function setNoDelay(stream: unknown): void {
  const s = stream as { setNoDelay?: (on: boolean) => unknown } | null;
  // TCP and TLS sockets have it; WebSocket streams do not (their socket is the ws library's).
  if (s !== null && typeof s === 'object' && typeof s.setNoDelay === 'function') s.setNoDelay(true);
}

type StreamBuilder = (client: MqttClient) => unknown;

/**
 * `mqtt.connect` whose every connection (the first and each reconnect) has TCP_NODELAY set
 * before its CONNECT is written. mqtt.js opens sockets without the option and offers no hook,
 * so the client is created without connecting, its stream builder wrapped, then connected.
 */
export function connectMqtt(url: string, opts: IClientOptions): MqttClient {
  const client = mqtt.connect(url, { ...opts, manualConnect: true });
  const internals = client as unknown as { streamBuilder: StreamBuilder };
  const build = internals.streamBuilder;
  internals.streamBuilder = (c) => {
    const stream = build(c);
    setNoDelay(stream);
    return stream;
  };
  client.connect();
  // Back to mqtt.js's defaults for everything after (its end() treats manual clients like reconnectPeriod 0).
  delete client.options.manualConnect;
  return client;
}

/** `connectMqtt`, resolved on the first CONNACK (rejects on the first error), like `mqtt.connectAsync`. */
export function connectMqttAsync(url: string, opts: IClientOptions): Promise<MqttClient> {
  const client = connectMqtt(url, opts);
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      client.off('error', onError);
      resolve(client);
    };
    const onError = (err: Error): void => {
      client.off('connect', onConnect);
      client.end(true);
      reject(err);
    };
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}
