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
