import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { nullLog } from '@edgefl/core';
import { timedRun } from '@edgefl/lab';

test('a fleet benchmark run reports its wall time and the CPU every thread of the process spent on it', async () => {
  const cfg = parseExperimentConfig({ job: 'timed', seed: 2, rounds: 2, fleet: { devices: 3 }, transport: { kind: 'memory' } });
  const t = await timedRun(cfg, 'memory', nullLog);
  assert.equal(t.record.rounds.length, 2);
  assert.ok(t.wholeMs > 0 && Number.isFinite(t.wholeMs));
  // training ran in the trainer's worker thread, and counts
  assert.ok(t.cpuMs > 0 && Number.isFinite(t.cpuMs), `cpuMs ${t.cpuMs}`);
});
