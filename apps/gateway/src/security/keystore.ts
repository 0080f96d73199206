import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { GATEWAY, isValidId } from '@edgefl/transport';
import { SecurityError } from './errors.js';
import { hashSecret, isScryptHash, mosquittoHash, newSecret } from './secrets.js';

/**
 * The gateway's key file (`auth.keys`): one entry per identity, secrets stored only as
 * scrypt hashes. The identity `gateway` is the aggregator's (the node id no device may
 * take); every other id is a device. Written atomically (temp file + fsync + rename)
 * with mode 0600, so a crash never leaves half a file and no other user can read it.
 */
export const KEYS_FORMAT = 'edgefl-keys/1';

export type Role = 'device' | 'aggregator';

export interface KeyEntry {
  readonly id: string;
  readonly role: Role;
  /** `$scrypt$…` of the secret */
  readonly hash: string;
  /** Mosquitto's `$7$…` of the same secret, when made with `--mosquitto` */
  readonly mosquitto?: string;
  readonly created: string;
  readonly rotated?: string;
}

export interface KeyFile {
  readonly format: typeof KEYS_FORMAT;
  readonly keys: readonly KeyEntry[];
  /** ids revoked and when (kept for the record; a revoked id can be added again) */
  readonly revoked: readonly { readonly id: string; readonly at: string }[];
}

export function roleOf(id: string): Role {
  return id === GATEWAY ? 'aggregator' : 'device';
}

const empty = (): KeyFile => ({ format: KEYS_FORMAT, keys: [], revoked: [] });

function bad(path: string, why: string): SecurityError {
  return new SecurityError(`key file ${path} is not an edgefl key file: ${why}`,
    'point auth.keys at a file made by `edgefl keys add <device> --keys <file>` (or restore it from a backup)');
}

/** Reads and checks a key file; `missingOk` returns an empty one when the file does not exist. */
export function readKeyFile(path: string, missingOk = false): KeyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (missingOk) return empty();
      throw new SecurityError(`key file ${path} does not exist`,
        `create it with \`edgefl keys add <device> --keys ${path}\` (once per device; each prints that device's secret)`);
    }
    throw new SecurityError(`cannot read key file ${path}: ${(e as Error).message}`, 'check the path and that this user may read it', { cause: e });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw bad(path, 'not JSON');
  }
  if (typeof data !== 'object' || data === null || (data as { format?: unknown }).format !== KEYS_FORMAT) throw bad(path, `format is not ${KEYS_FORMAT}`);
  const d = data as { keys?: unknown; revoked?: unknown };
  if (!Array.isArray(d.keys)) throw bad(path, 'no keys list');
  const seen = new Set<string>();
  const keys = d.keys.map((k: unknown, i): KeyEntry => {
    const e = k as Partial<KeyEntry> | null;
    if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || !isValidId(e.id)) throw bad(path, `entry ${i} has no valid id`);
    if (seen.has(e.id)) throw bad(path, `id ${e.id} appears twice`);
    seen.add(e.id);
    if (typeof e.hash !== 'string' || !isScryptHash(e.hash)) throw bad(path, `entry ${e.id} has no scrypt hash`);
    if (e.mosquitto !== undefined && (typeof e.mosquitto !== 'string' || !e.mosquitto.startsWith('$7$'))) throw bad(path, `entry ${e.id} has a malformed mosquitto hash`);
    return {
      id: e.id, role: roleOf(e.id), hash: e.hash, created: typeof e.created === 'string' ? e.created : '',
      ...(e.mosquitto !== undefined ? { mosquitto: e.mosquitto } : {}),
      ...(typeof e.rotated === 'string' ? { rotated: e.rotated } : {}),
    };
  });
  const revoked = Array.isArray(d.revoked)
    ? d.revoked.filter((r: unknown): r is { id: string; at: string } => typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string')
      .map((r) => ({ id: r.id, at: String(r.at) }))
    : [];
  return { format: KEYS_FORMAT, keys, revoked };
}

/** True when group or others may read the file (a key file should be 0600). */
export function isExposed(path: string): boolean {
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/** Writes atomically with mode 0600: temp file in the same directory, fsync, rename. */
export function writeKeyFile(path: string, file: KeyFile): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o600);
  } catch (e) {
    throw new SecurityError(`cannot write key file ${path}: ${(e as Error).message}`,
      `create the directory ${dirname(path)} first, and run as a user who may write there`, { cause: e });
  }
  try {
    writeSync(fd, JSON.stringify(file, null, 2) + '\n');
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

function checkId(id: string): void {
  if (!isValidId(id)) {
    throw new SecurityError(`invalid device id ${JSON.stringify(id)}: ids are 1–64 characters of A–Z, a–z, 0–9, '_' or '-'`,
      'use the device id the agent is configured with (its `device:`), or `gateway` for the aggregator');
  }
}

export interface AddOptions {
  /** also store a Mosquitto (`$7$`) hash, for `edgefl keys export --mosquitto` */
  readonly mosquitto?: boolean;
}

/** Adds `id` with a fresh secret and returns the secret (the only time it exists in clear). */
export async function addKey(path: string, id: string, o: AddOptions = {}): Promise<string> {
  checkId(id);
  const file = readKeyFile(path, true);
  if (file.keys.some((k) => k.id === id)) {
    throw new SecurityError(`${id} already has a key in ${path}`, `use \`edgefl keys rotate ${id} --keys ${path}\` to replace it`);
  }
  const secret = newSecret();
  const entry: KeyEntry = {
    id, role: roleOf(id), hash: await hashSecret(secret), created: new Date().toISOString(),
    ...(o.mosquitto === true ? { mosquitto: await mosquittoHash(secret) } : {}),
  };
  writeKeyFile(path, { ...file, keys: [...file.keys, entry], revoked: file.revoked.filter((r) => r.id !== id) });
  return secret;
}

/** Replaces `id`'s secret; the old one stops working (live connections are dropped by a running gateway). */
export async function rotateKey(path: string, id: string, o: AddOptions = {}): Promise<string> {
  checkId(id);
  const file = readKeyFile(path);
  const old = file.keys.find((k) => k.id === id);
  if (old === undefined) throw new SecurityError(`${id} has no key in ${path}`, `add one with \`edgefl keys add ${id} --keys ${path}\``);
  const secret = newSecret();
  const keepMosquitto = o.mosquitto ?? old.mosquitto !== undefined;
  const entry: KeyEntry = {
    id, role: old.role, hash: await hashSecret(secret), created: old.created, rotated: new Date().toISOString(),
    ...(keepMosquitto ? { mosquitto: await mosquittoHash(secret) } : {}),
  };
  writeKeyFile(path, { ...file, keys: file.keys.map((k) => (k.id === id ? entry : k)) });
  return secret;
}

/** Removes `id`'s key; a running gateway drops its live connection. */
export function revokeKey(path: string, id: string): void {
  checkId(id);
  const file = readKeyFile(path);
  if (!file.keys.some((k) => k.id === id)) throw new SecurityError(`${id} has no key in ${path}`, `\`edgefl keys list --keys ${path}\` shows the ids it has`);
  writeKeyFile(path, {
    ...file, keys: file.keys.filter((k) => k.id !== id), revoked: [...file.revoked.filter((r) => r.id !== id), { id, at: new Date().toISOString() }],
  });
}
