import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALGORITHMS, AlgorithmError, algorithmsMarkdown, createAlgorithm, paramDocs } from '@edgefl/algorithms';
import { ConfigError, parseExperimentConfig } from '@edgefl/config';

const ctx = { server: 'gateway', devices: ['dev-01', 'dev-02'], codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 };

test('declarations: names are unique and every parameter has a default-or-required, a type and a description', () => {
  const names = ALGORITHMS.map((d) => d.name);
  assert.equal(new Set(names).size, names.length, `duplicate algorithm names in ${names.join(', ')}`);
  for (const d of ALGORITHMS) {
    assert.ok(d.summary.length > 10, `${d.name} has no summary`);
    for (const p of paramDocs(d)) assert.ok(p.description.length > 0, `${d.name}.${p.key} has no .describe() line`);
  }
});

test('declarations: docs/algorithms.md is generated from them and current (npm run docs:algorithms)', () => {
  const onDisk = readFileSync(new URL('../../../docs/algorithms.md', import.meta.url), 'utf8');
  assert.equal(onDisk, algorithmsMarkdown(), 'docs/algorithms.md is stale: run `npm run docs:algorithms`');
});

test('declarations: config validation reads them (defaults filled in, ranges refused with the key path)', () => {
  const cfg = parseExperimentConfig({ job: 'demo', algorithm: { name: 'fedavg' } });
  assert.deepEqual(cfg.algorithm, { name: 'fedavg', localSteps: 10, lr: 0.1, batchSize: 32, aggregation: { rule: 'mean', trim: 0.1 }, admission: { maxNormRatio: 100 } });
  assert.throws(() => parseExperimentConfig({ job: 'demo', algorithm: { name: 'fedavg', aggregation: { rule: 'mode' } } }), (e: unknown) => e instanceof ConfigError && /algorithm\.aggregation\.rule/.test(e.message));
  assert.throws(() => parseExperimentConfig({ job: 'demo', algorithm: { name: 'fedavg', lr: -1 } }), (e: unknown) => e instanceof ConfigError && /algorithm\.lr/.test(e.message));
  assert.throws(() => parseExperimentConfig({ job: 'demo', algorithm: { name: 'nope' } }), (e: unknown) => e instanceof ConfigError && /algorithm\.name/.test(e.message) && /fedavg/.test(e.message));
});

test('declarations: the job build checks parameters again (a hostile announcement cannot skip config validation)', () => {
  assert.equal(createAlgorithm({ name: 'fedavg', localSteps: 2 }, ctx).name, 'fedavg');
  assert.throws(() => createAlgorithm({ name: 'fedavg', localSteps: 0 }, ctx), (e: unknown) => e instanceof AlgorithmError && /localSteps/.test(e.message));
  assert.throws(() => createAlgorithm({ name: 'fedavg', extra: 1 }, ctx), AlgorithmError);
  assert.throws(() => createAlgorithm({ name: 'nope' }, ctx), (e: unknown) => e instanceof AlgorithmError && /use one of: fedavg/.test(e.hint ?? ''));
});
