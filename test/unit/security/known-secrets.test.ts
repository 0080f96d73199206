import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog } from '@edgefl/core';
import { Authorizer, clientIdFor, hashSecret, provisionFleet, provisionKnownFleet, verifySecret } from '@edgefl/gateway';

const login = (a: Authorizer, device: string, secret: string): Promise<boolean> =>
  Promise.resolve(a.hooks.authenticate(clientIdFor('j', device), device, Buffer.from(secret)));

test('a provisioned fleet handed over with knownSecrets logs in; wrong or borrowed secrets are still refused', async () => {
  const fleet = await provisionFleet(['d1', 'd2']);
  const a = new Authorizer({ keys: { entries: fleet.entries, knownSecrets: fleet.secrets }, jobs: ['j'], log: nullLog });
  try {
    assert.equal(await login(a, 'd1', fleet.secrets.get('d1')!), true);
    assert.equal(await login(a, 'd2', fleet.secrets.get('d2')!), true);
    assert.equal(await login(a, 'd1', 'not-the-secret'), false, 'an unknown secret still goes through scrypt and fails');
    assert.equal(await login(a, 'd2', fleet.secrets.get('d1')!), false, "d1's secret is not d2's");
  } finally {
    a.close();
  }
});

test('knownSecrets count as verified without scrypt: the check the gateway skips for secrets its own process made', async () => {
  // An entry whose hash was made from another secret: only the seeded digest can admit `known`,
  // which is why knownSecrets must come from the process that made the hashes (provisionFleet).
  const hash = await hashSecret('made-from-this', 10);
  const entries = [{ id: 'd1', role: 'device' as const, hash, created: new Date(0).toISOString() }];
  const seeded = new Authorizer({ keys: { entries, knownSecrets: new Map([['d1', 'known']]) }, jobs: ['j'], log: nullLog });
  const plain = new Authorizer({ keys: { entries }, jobs: ['j'], log: nullLog });
  try {
    assert.equal(await login(seeded, 'd1', 'known'), true);
    assert.equal(await login(plain, 'd1', 'known'), false, 'without knownSecrets the secret is checked against the hash');
    assert.equal(await login(plain, 'd1', 'made-from-this'), true);
  } finally {
    seeded.close();
    plain.close();
  }
});

test('a fleet provisioned for knownSecrets only (edgefl sim) logs in with its secrets; its markers verify nothing', async () => {
  const fleet = provisionKnownFleet(['d1', 'd2']);
  const a = new Authorizer({ keys: { entries: fleet.entries, knownSecrets: fleet.secrets }, jobs: ['j'], log: nullLog });
  const without = new Authorizer({ keys: { entries: fleet.entries }, jobs: ['j'], log: nullLog });
  try {
    assert.equal(await login(a, 'd1', fleet.secrets.get('d1')!), true);
    assert.equal(await login(a, 'd2', fleet.secrets.get('d2')!), true);
    assert.equal(await login(a, 'd1', 'not-the-secret'), false);
    assert.equal(await login(a, 'd2', fleet.secrets.get('d1')!), false, "d1's secret is not d2's");
    // fails closed: without knownSecrets even the right secret is refused, and the marker is no hash of it
    assert.equal(await login(without, 'd1', fleet.secrets.get('d1')!), false);
    assert.equal(await verifySecret(fleet.secrets.get('d1')!, fleet.entries[0]!.hash), false);
    assert.notEqual(fleet.entries[0]!.hash, fleet.entries[1]!.hash);
  } finally {
    a.close();
    without.close();
  }
});
