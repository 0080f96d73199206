import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode } from 'cbor-x';
import { EdgeflError } from '@edgefl/core';
import type { ExperimentConfig } from '@edgefl/config';

/**
 * A node's checkpoint: written after every round it finished, read when its process starts
 * again (after a crash, a kill -9, a power cut), so the job goes on from that round instead
 * of round 1. One file per node under its `state.dir`, replaced atomically (a temporary
 * file, fsync, rename): a crash mid-write leaves the previous checkpoint whole.
 */
export const CHECKPOINT_FORMAT = 'edgefl-checkpoint/1';

export interface Checkpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  /** the node it belongs to (`gateway` for the aggregator, or a device id) */
  readonly node: string;
  readonly job: string;
  /** `jobIdentity` of the job that wrote it: a checkpoint of another configuration is refused */
  readonly identity: string;
  /** the last round the node finished */
  readonly round: number;
  readonly model: Float32Array;
  /** the machine's `snapshot()` (null when its algorithm has none) */
  readonly state: Uint8Array | null;
  /** what else the owner keeps across a restart (the gateway's traffic ledger) */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly savedAt: string;
}

/** sha256 of everything that makes two runs the same job: experiment, fleet and model size. */
export function jobIdentity(cfg: ExperimentConfig, devices: readonly string[], dim: number): string {
  return createHash('sha256').update(JSON.stringify({ experiment: cfg, devices, dim })).digest('hex');
}

export function checkpointFile(dir: string, node: string): string {
  return join(dir, `${node}.checkpoint`);
}

export function writeCheckpoint(dir: string, c: Omit<Checkpoint, 'format' | 'savedAt'>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = checkpointFile(dir, c.node);
  const tmp = `${file}.${process.pid}.tmp`;
  const bytes = encode({ format: CHECKPOINT_FORMAT, ...c, savedAt: new Date().toISOString() });
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The checkpoint of `node` under `dir`, or null when there is none. */
export function readCheckpoint(dir: string, node: string): Checkpoint | null {
  const file = checkpointFile(dir, node);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CheckpointError(`cannot read checkpoint ${file}: ${(e as Error).message}`, file);
  }
  let raw: unknown;
  try {
    raw = decode(bytes);
  } catch (e) {
    throw new CheckpointError(`checkpoint ${file} is damaged (${(e as Error).message})`, file);
  }
  const r = raw as Record<string, unknown>;
  if (typeof r !== 'object' || r === null || r['format'] !== CHECKPOINT_FORMAT) throw new CheckpointError(`${file} is not an ${CHECKPOINT_FORMAT} file`, file);
  const ok = r['node'] === node && typeof r['job'] === 'string' && typeof r['identity'] === 'string'
    && Number.isInteger(r['round']) && (r['round'] as number) >= 0 && r['model'] instanceof Float32Array
    && (r['state'] === null || r['state'] instanceof Uint8Array) && typeof r['extra'] === 'object' && r['extra'] !== null;
  if (!ok) throw new CheckpointError(`checkpoint ${file} is damaged or of another node`, file);
  return r as unknown as Checkpoint;
}

/** Throws unless `c` was written by this very job (same experiment, fleet and model size). */
export function assertSameJob(c: Checkpoint, dir: string, job: string, identity: string): void {
  if (c.job === job && c.identity === identity) return;
  const file = checkpointFile(dir, c.node);
  throw new CheckpointError(
    `checkpoint ${file} was written by ${c.job === job ? 'another configuration of' : `job ${c.job}, not`} job ${job} (round ${c.round}, ${c.savedAt})`,
    file,
  );
}

/** The job is over: its checkpoint must not make the next run of the same job start at its end. */
export function removeCheckpoint(dir: string, node: string): void {
  rmSync(checkpointFile(dir, node), { force: true });
}

export class CheckpointError extends EdgeflError {
  constructor(message: string, file: string) {
    super('CHECKPOINT', message, `to resume, run with the configuration that wrote it; to start this job afresh, delete ${file} (or set state.dir to an empty directory)`);
  }
}
