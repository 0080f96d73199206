import { randomBytes } from 'node:crypto';
import { hashSecret, newSecret } from './secrets.js';
import { roleOf, type KeyEntry } from './keystore.js';

export interface ProvisionedFleet {
  /** key entries (scrypt hashes) for the gateway's Authorizer */
  readonly entries: KeyEntry[];
  /** each device's secret, for its agent */
  readonly secrets: ReadonlyMap<string, string>;
}

/**
 * Fresh credentials for a fleet that lives in one process (`edgefl sim`, tests): a random
 * secret per device, hashed as the key file would hold it, never written anywhere. Hand the
 * gateway `{ entries, knownSecrets: secrets }` so its agents' connections skip the scrypt
 * check of secrets this process made (KeySource).
 */
export async function provisionFleet(devices: readonly string[]): Promise<ProvisionedFleet> {
  const secrets = new Map(devices.map((d) => [d, newSecret()] as const));
  const created = new Date().toISOString();
  // The hashes live only in this process: scrypt at N = 2^10 (1 MiB), not the key file's 2^15.
  const entries = await Promise.all(devices.map(async (id) => ({ id, role: roleOf(id), hash: await hashSecret(secrets.get(id)!, 10), created })));
  return { entries, secrets };
}

/**
 * Fresh credentials for a fleet whose secrets go to the gateway's Authorizer as
 * `knownSecrets` (`edgefl sim`): `{ entries, knownSecrets: secrets }`. Each entry's hash is
 * an `$in-process$` marker that no secret verifies against and no key file accepts, so the
 * right secret is admitted by knownSecrets and any other fails closed. Scrypt hashes nobody
 * checks cost 1,000 devices several seconds of the run's start (provisionFleet's 1 MiB
 * scrypt per device); the secrets are 256 random bits, which no hash would protect better.
 */
export function provisionKnownFleet(devices: readonly string[]): ProvisionedFleet {
  const secrets = new Map(devices.map((d) => [d, newSecret()] as const));
  const created = new Date().toISOString();
  // unique per entry: an entry's hash is also what a connected client's key is checked against (a rotation changes it)
  const entries = devices.map((id) => ({ id, role: roleOf(id), hash: `$in-process$${randomBytes(16).toString('base64')}`, created }));
  return { entries, secrets };
}
