import { decode, encode } from 'cbor-x';
import { EdgeflError } from '@edgefl/core';
import type { NodeEnv } from './types.js';

/**
 * A node machine's state on disk (a checkpoint's algorithm state): a typed record framed
 * with cbor-x. Machines list what they hold (model, duals, replicas, codec states with
 * their references and error memories) with `packState` and take it back with
 * `unpackState` and the typed readers below; everything is checked, since a checkpoint is a
 * file anyone with access to the state directory could have edited.
 */
export type StateValue = number | boolean | string | null | Float32Array | Float64Array | Uint8Array | readonly StateValue[] | { readonly [k: string]: StateValue };
export type StateRecord = { readonly [k: string]: StateValue };

export const NODE_STATE_FORMAT = 'edgefl-node-state/1';

/** Frames a machine's record with its algorithm, node id and seeded stream position. */
export function packState(env: NodeEnv, algorithm: string, state: StateRecord): Uint8Array {
  return encode({ format: NODE_STATE_FORMAT, algorithm, node: env.spec.id, rng: env.rng.position(), state });
}

/** Unframes a record packed by `packState` for the same algorithm and node, and restores the node's seeded stream. */
export function unpackState(env: NodeEnv, algorithm: string, bytes: Uint8Array): StateRecord {
  let raw: unknown;
  try {
    raw = decode(bytes);
  } catch (e) {
    throw new SnapshotError(`node state of ${env.spec.id} is not CBOR (${(e as Error).message})`);
  }
  if (!isRecord(raw) || raw['format'] !== NODE_STATE_FORMAT) throw new SnapshotError(`node state of ${env.spec.id} is not ${NODE_STATE_FORMAT}`);
  if (raw['algorithm'] !== algorithm) throw new SnapshotError(`node state is of algorithm ${String(raw['algorithm'])}, this job runs ${algorithm}`);
  if (raw['node'] !== env.spec.id) throw new SnapshotError(`node state is of node ${String(raw['node'])}, not ${env.spec.id}`);
  const rng = raw['rng'];
  if (!isRecord(rng) || !Array.isArray(rng['words']) || typeof rng['spareNormal'] !== 'number') throw new SnapshotError('node state has no random stream position');
  if (!isRecord(raw['state'])) throw new SnapshotError('node state has no state record');
  try {
    env.rng.seek({ words: rng['words'] as number[], spareNormal: rng['spareNormal'] });
  } catch {
    throw new SnapshotError('node state has no valid random stream position');
  }
  return raw['state'] as StateRecord;
}

/** A float vector of exactly `length` values (a copy). */
export function floats(r: StateRecord, key: string, length: number): Float32Array {
  const v = r[key];
  if (!(v instanceof Float32Array) || v.length !== length) throw new SnapshotError(`node state field ${key} is not ${length} float32 values`);
  return Float32Array.from(v);
}

export function doubles(r: StateRecord, key: string, length: number): Float64Array {
  const v = r[key];
  if (!(v instanceof Float64Array) || v.length !== length) throw new SnapshotError(`node state field ${key} is not ${length} float64 values`);
  return Float64Array.from(v);
}

export function num(r: StateRecord, key: string): number {
  const v = r[key];
  if (typeof v !== 'number') throw new SnapshotError(`node state field ${key} is not a number`);
  return v;
}

export function bool(r: StateRecord, key: string): boolean {
  const v = r[key];
  if (typeof v !== 'boolean') throw new SnapshotError(`node state field ${key} is not a boolean`);
  return v;
}

export function sub(r: StateRecord, key: string): StateRecord {
  const v = r[key];
  if (!isRecord(v)) throw new SnapshotError(`node state field ${key} is not a record`);
  return v as StateRecord;
}

/**
 * A codec's state as a record: codec states are plain objects of numbers and float
 * vectors (an error-feedback residual, a Q-GADMM reference θ̂ and step), or undefined.
 */
export function codecState(state: unknown): StateValue {
  if (state === undefined || state === null) return null;
  if (typeof state === 'number' || typeof state === 'boolean' || typeof state === 'string') return state;
  if (state instanceof Float32Array || state instanceof Float64Array || state instanceof Uint8Array) return state.slice();
  if (typeof state === 'object') {
    const out: Record<string, StateValue> = {};
    for (const [k, v] of Object.entries(state)) out[k] = codecState(v);
    return out;
  }
  throw new SnapshotError(`codec state holds a ${typeof state}, which cannot be saved`);
}

/** Copies a saved codec state into a live one of the same shape (created by `initState`), in place. */
export function restoreCodecState(target: unknown, saved: StateValue | undefined, where = 'codec'): void {
  if (target === undefined || target === null) return;
  if (typeof target !== 'object' || !isRecord(saved)) throw new SnapshotError(`node state ${where} does not match the codec's state`);
  const t = target as Record<string, unknown>;
  for (const [k, v] of Object.entries(t)) {
    const s = saved[k];
    if (v instanceof Float32Array || v instanceof Float64Array || v instanceof Uint8Array) {
      if (!(s instanceof v.constructor) || (s as Float32Array).length !== v.length) throw new SnapshotError(`node state ${where}.${k} does not match the codec's state`);
      v.set(s as Float32Array);
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      if (typeof s !== typeof v) throw new SnapshotError(`node state ${where}.${k} does not match the codec's state`);
      t[k] = s;
    } else {
      restoreCodecState(v, s, `${where}.${k}`);
    }
  }
}

function isRecord(v: unknown): v is Record<string, StateValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export class SnapshotError extends EdgeflError {
  constructor(message: string) {
    super('STATE', message, 'the state directory holds another job\'s or another version\'s files: remove it (or point state.dir elsewhere) to start afresh');
  }
}
