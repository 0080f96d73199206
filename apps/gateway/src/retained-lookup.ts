import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AedesPublishPacket } from 'aedes';
import type { AedesPersistence, Packet } from 'aedes-persistence';

// CommonJS, and its typings declare a default export that the module does not have.
const memory = createRequire(import.meta.url)('aedes-persistence') as () => AedesPersistence;

/**
 * aedes's in-memory persistence, with retained messages of an exact (wildcard-free) topic
 * found by a map lookup. aedes asks for the retained messages matching every filter a
 * client subscribes to, and the memory persistence answers by testing each retained topic
 * against the filter: with one retained status per device, a fleet of n devices subscribing
 * costs n² topic matches (5 % of a 1,000-agent `edgefl sim`'s main thread). A device
 * subscribes to exact topics only (its job's `ctl`, `down`, `down/{id}`, its peers'),
 * so those are answered from an index kept beside the store; filters with `+` or `#` are
 * answered by the memory persistence as before.
 */
export function retainedIndexedMemory(): AedesPersistence {
  const store: AedesPersistence = memory();
  const byTopic = new Map<string, Packet>();
  const storeRetained = store.storeRetained.bind(store);
  const byPattern = store.createRetainedStream.bind(store);
  const byPatterns = store.createRetainedStreamCombi.bind(store);
  // The same copy rule as the memory store: an empty payload clears the topic's retained message.
  // aedes 1.2 calls it without a callback and awaits the promise it then returns.
  store.storeRetained = (packet, cb) => {
    const { topic, payload } = packet as AedesPublishPacket;
    if (payload.length === 0) byTopic.delete(topic);
    else byTopic.set(topic, { ...packet });
    return storeRetained(packet, cb);
  };
  const exact = (patterns: readonly string[]): Readable => Readable.from(retainedOf(byTopic, patterns));
  store.createRetainedStream = (pattern) => (isExact(pattern) ? exact([pattern]) : byPattern(pattern));
  store.createRetainedStreamCombi = (patterns) => (patterns.every(isExact) ? exact(patterns) : byPatterns(patterns));
  return store;
}

function* retainedOf(byTopic: ReadonlyMap<string, Packet>, topics: readonly string[]): Generator<Packet> {
  for (const t of topics) {
    const p = byTopic.get(t);
    if (p !== undefined) yield p;
  }
}

/** A filter without wildcards matches exactly the topic it spells. */
function isExact(pattern: string): boolean {
  return !pattern.includes('+') && !pattern.includes('#');
}
