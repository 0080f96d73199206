import assert from 'node:assert/strict';
import type { ExperimentConfig } from '@edgefl/config';
import type { BrokerCounters } from '@edgefl/gateway';
import { runExperiment } from '@edgefl/lab';
import type { RoundRecord, RunRecord } from '@edgefl/runtime';

type Hooks = Parameters<typeof runExperiment>[1];

/** An experiment's run record with what it reported along the way. */
export interface ObservedRun {
  readonly record: RunRecord;
  /** the evaluation model after each round */
  readonly models: Float32Array[];
  /** each round's record as it was reported */
  readonly rounds: RoundRecord[];
  /** under `mqtt`: what the embedded broker saw, per client */
  readonly broker: BrokerCounters | undefined;
}

/** Runs `cfg` in the lab (either driver), keeping every round's model and record and, over MQTT, the broker's counters. */
export async function observeExperiment(cfg: ExperimentConfig, hooks: Omit<Hooks, 'onModel' | 'onRound' | 'onBrokerCounters'>): Promise<ObservedRun> {
  const models: Float32Array[] = [];
  const rounds: RoundRecord[] = [];
  let broker: BrokerCounters | undefined;
  const record = await runExperiment(cfg, {
    ...hooks, onModel: (_r, m) => models.push(m), onRound: (r) => rounds.push(r), onBrokerCounters: (c) => { broker = c; },
  });
  return { record, models, rounds, broker };
}

/** Both runs evaluated the same model after each of `rounds` rounds, bit for bit, and ran no other round. */
export function assertSameModels(actual: ObservedRun, expected: ObservedRun, rounds: number): void {
  assert.equal(actual.models.length, rounds);
  assert.equal(expected.models.length, rounds);
  for (let r = 0; r < rounds; r++) assert.deepEqual(actual.models[r], expected.models[r], `round ${r + 1} model differs`);
}
