import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { nullLog } from '@edgefl/core';
import { runExperiment } from '@edgefl/lab';
import { FleetClient, GATEWAY } from '@edgefl/transport';

/**
 * Each device's close waits for its broker's PUBACK of the offline status; closed one after
 * another, 1,000 of those were most of a run. What is asserted is the overlap itself (no
 * timing): every device's close is in flight before the first one finishes.
 */
test('sim closes its agents concurrently: every device\'s MQTT close is under way at once', async () => {
  const original = FleetClient.prototype.close;
  let inFlight = 0;
  let most = 0;
  const devices = new Set<string>();
  FleetClient.prototype.close = async function (this: FleetClient) {
    if (this.device === GATEWAY) return original.call(this);
    devices.add(this.device);
    most = Math.max(most, ++inFlight);
    try {
      return await original.call(this);
    } finally {
      inFlight--;
    }
  };
  try {
    const cfg = parseExperimentConfig({ job: 'teardown', seed: 3, rounds: 1, fleet: { devices: 6 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } });
    const record = await runExperiment(cfg, { log: nullLog });
    assert.equal(record.rounds.length, 1);
  } finally {
    FleetClient.prototype.close = original;
  }
  assert.equal(devices.size, 6, [...devices].join(' '));
  assert.equal(most, 6, `at most ${most} of 6 device closes were in flight together`);
});
