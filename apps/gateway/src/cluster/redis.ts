import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { SecurityError } from '../security/errors.js';

/**
 * Shared state for several aedes gateways serving one fleet: mqemitter-redis carries
 * every publish between the brokers (a device on gateway B reaches the aggregator on
 * gateway A), aedes-persistence-redis keeps retained messages (the job announcement,
 * statuses), subscriptions and QoS 1 sessions in Redis. Both are the aedes project's own
 * plug-ins, so aedes' cluster semantics (a client id connecting to one broker closes the
 * same id on the others) hold.
 */
export interface ClusterStores {
  readonly mq: unknown;
  readonly persistence: unknown;
  /** disconnects the persistence from Redis (aedes closes `mq` itself) */
  close(): Promise<void>;
}

interface RedisOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: object;
}

/** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS) as ioredis options. */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SecurityError(`cluster.redis ${JSON.stringify(url)} is not a URL`, 'write it as redis://host:6379 (or rediss:// for TLS, redis://:password@host:6379/0)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new SecurityError(`cluster.redis must be a redis:// or rediss:// URL, got ${u.protocol}`, 'write it as redis://host:6379');
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && (!Number.isInteger(db) || db < 0)) throw new SecurityError(`cluster.redis database ${u.pathname.slice(1)} is not a number`, 'use redis://host:6379/0');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

type MqFactory = (o: RedisOptions & { connectionString?: string }) => unknown;
interface StreamingPersistence {
  destroy(): Promise<void>;
  createRetainedStreamCombi(patterns: unknown): Iterable<unknown> | AsyncIterable<unknown>;
  createRetainedStream(pattern: unknown): Iterable<unknown> | AsyncIterable<unknown>;
  outgoingStream(client: unknown): Iterable<unknown> | AsyncIterable<unknown>;
  streamWill(brokers: unknown): Iterable<unknown> | AsyncIterable<unknown>;
  getClientList(topic: unknown): Iterable<unknown> | AsyncIterable<unknown>;
}
type PersistenceClass = new (o: RedisOptions) => StreamingPersistence;

/**
 * aedes-persistence-redis 12 returns async iterables where aedes 1.2 pipes streams
 * (`stream.pipe is not a function` on the first SUBSCRIBE); the memory persistence wraps
 * them in Readable.from, and so does this subclass.
 */
function streaming(Base: PersistenceClass): PersistenceClass {
  return class extends Base {
    override createRetainedStreamCombi(patterns: unknown) {
      return Readable.from(super.createRetainedStreamCombi(patterns));
    }
    override createRetainedStream(pattern: unknown) {
      return Readable.from(super.createRetainedStream(pattern));
    }
    override outgoingStream(client: unknown) {
      return Readable.from(super.outgoingStream(client));
    }
    override streamWill(brokers: unknown) {
      return Readable.from(super.streamWill(brokers));
    }
    override getClientList(topic: unknown) {
      return Readable.from(super.getClientList(topic));
    }
  };
}

/**
 * The broker's persistence alone in Redis (one gateway): sessions, their queued QoS 1
 * messages, subscriptions and retained messages outlive the gateway's process, so what was
 * acknowledged before a crash or restart is still delivered after it.
 */
export function redisPersistence(url: string): ClusterStores {
  const opts = redisOptions(url);
  const require = createRequire(import.meta.url);
  const AsyncPersistence = streaming(require('aedes-persistence-redis/asyncPersistence.js') as PersistenceClass);
  const persistence = new AsyncPersistence({ ...opts });
  let closed = false;
  return {
    mq: undefined, persistence,
    async close() {
      if (closed) return;
      closed = true;
      // The closed broker's sockets finish closing on later ticks, and their clean-up issues
      // commands; Redis answers one connection's commands in order, so once this reply is in
      // they have completed and none is cut off (its rejection would surface unhandled inside
      // aedes and end the process).
      await new Promise((resolve) => setTimeout(resolve, 250));
      await (persistence as StreamingPersistence & { countOffline(): Promise<unknown> }).countOffline().catch(() => undefined);
      await persistence.destroy();
    },
  };
}

/** Redis-backed bus and store for `startBroker({ stores })`. */
export function redisStores(url: string): ClusterStores {
  const opts = redisOptions(url);
  const require = createRequire(import.meta.url);
  const mqemitterRedis = require('mqemitter-redis') as MqFactory;
  // aedes 1.x needs the async persistence class (the package's default export wraps it in callbacks).
  const AsyncPersistence = streaming(require('aedes-persistence-redis/asyncPersistence.js') as PersistenceClass);
  const mq = mqemitterRedis({ ...opts });
  const persistence = new AsyncPersistence({ ...opts });
  let closed = false;
  return {
    mq, persistence,
    async close() {
      if (closed) return;
      closed = true;
      await persistence.destroy();
    },
  };
}
