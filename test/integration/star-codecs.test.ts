import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { isEdgeflError, nullLog } from '@edgefl/core';
import { runExperiment } from '@edgefl/lab';

/**
 * A fleet job of a server algorithm naming a shared-reference codec (qgadmm) for a link is
 * refused when it is built — before any broker, agent or round — on either transport, with
 * the codec, the algorithm and the fix; the same job with uniform at the same bits runs.
 */
const base = { job: 'star-codec', seed: 5, rounds: 2, fleet: { devices: 3 } };

for (const kind of ['memory', 'mqtt'] as const) {
  for (const [algorithm, dir] of [[{ name: 'fedavg', localSteps: 2, lr: 0.1, batchSize: 16 }, 'up'], [{ name: 'local-sadmm', localSteps: 2, lr: 0.1, batchSize: 16 }, 'down']] as const) {
    test(`${kind}: ${algorithm.name} with codec.${dir} qgadmm is refused at job start, naming codec, algorithm and fix`, async () => {
      const codec = { up: { id: 'uniform', bits: 8 }, down: { id: 'float32' }, [dir]: { id: 'qgadmm', bits: 3 } };
      const cfg = parseExperimentConfig({ ...base, algorithm, codec, transport: { kind, roundTimeoutMs: 30_000 } });
      await assert.rejects(runExperiment(cfg, { log: nullLog }), (e: unknown) => {
        assert.ok(isEdgeflError(e), String(e));
        assert.equal(e.code, 'ALGORITHM');
        assert.match(e.message, new RegExp(`codec\\.${dir} \\{"id":"qgadmm","bits":3\\} cannot be used by ${algorithm.name}`));
        assert.match(e.hint ?? '', new RegExp(`codec\\.${dir} of ${algorithm.name}, e\\.g\\. \\{ id: uniform, bits: 3 \\}`));
        return true;
      });
    });
  }
}

test('memory: fedavg with the suggested codec (uniform at the same 3 bits) runs; every update is b·d + 64 bits', async () => {
  const cfg = parseExperimentConfig({
    ...base, algorithm: { name: 'fedavg', localSteps: 2, lr: 0.1, batchSize: 16 }, codec: { up: { id: 'uniform', bits: 3 }, down: { id: 'float32' } },
    transport: { kind: 'memory', roundTimeoutMs: 30_000 },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  assert.equal(rec.rounds.length, 2);
  for (const l of rec.links.filter((l) => l.to === 'gateway')) assert.equal(l.payloadBits, 2 * (3 * rec.model.dim + 64), l.from);
});
