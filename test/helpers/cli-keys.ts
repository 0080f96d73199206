import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliSync } from './cli-run.js';

export interface ProvisionedKeys {
  /** a fresh directory holding the key file and the secrets (the caller removes it) */
  readonly dir: string;
  /** the gateway's key file (`auth.keys`) */
  readonly keys: string;
  /** the 0600 file holding `device`'s secret (an agent's `auth.secretFile`) */
  secretFile(device: string): string;
}

/**
 * Provisions keys the way an operator does: `edgefl keys add <device> --keys <file>` prints
 * the secret alone on stdout; it goes into a 0600 file the agent's auth.secretFile names.
 * Asserts each step as it goes (exit 0, the secret alone on stdout, a 0600 key file).
 */
export function provisionKeys(devices: readonly string[]): ProvisionedKeys {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-e2e-keys-'));
  const keys = join(dir, 'keys.json');
  for (const d of devices) {
    const r = runCliSync(['keys', 'add', d, '--keys', keys]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^[A-Za-z0-9_-]{43}\n$/, 'the secret, alone, on stdout');
    writeFileSync(join(dir, `${d}.secret`), r.stdout, { mode: 0o600 });
  }
  assert.equal(statSync(keys).mode & 0o777, 0o600);
  return { dir, keys, secretFile: (d) => join(dir, `${d}.secret`) };
}
