import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '@edgefl/runtime';
import { freePort } from '../helpers/daemons.js';
import { runCli } from '../helpers/cli-run.js';
import { provisionKeys } from '../helpers/cli-keys.js';

test('edgefl gateway exits 3 when every update of its job is refused; its --json run record carries the health section', async () => {
  const k = provisionKeys(['dev-01', 'dev-02']);
  try {
    const port = await freePort();
    const json = join(k.dir, 'run.json');
    // An admission bound of 1e-12 × the model's norm refuses every real update.
    const gateway = runCli(['gateway', '--config', 'configs/gateway.yaml', '--set', `auth.keys=${k.keys}`, '--set', `listen.port=${port}`, '--set', 'monitor.port=0',
      '--set', 'experiment.rounds=2', '--set', 'experiment.fleet.devices=2', '--set', 'experiment.transport.roundTimeoutMs=1500',
      '--set', 'experiment.algorithm.admission.maxNormRatio=1e-12', '--json', json]);
    const agents = ['dev-01', 'dev-02'].map((device, i) => runCli([
      'agent', '--config', 'configs/agent.yaml', '--set', `gateway.url=mqtt://127.0.0.1:${port}`, '--set', `device=${device}`, '--set', `data.index=${i}`,
      '--set', `auth={secretFile: ${k.secretFile(device)}}`,
    ]));
    const [g] = await Promise.all([gateway, ...agents]);
    assert.equal(g.code, 3, g.stderr);
    assert.match(g.stderr, /the job did not do its work: 2 of 2 rounds had no usable update/);
    const summary = g.lines.find((l) => String(l['msg']).startsWith('health summary'));
    assert.ok(summary, 'the health summary is logged');
    assert.equal(summary['level'], 40, 'at warn');
    const rec = JSON.parse(readFileSync(json, 'utf8')) as RunRecord;
    assert.equal(rec.format, 'edgefl-run/1');
    assert.equal(rec.source, 'gateway');
    const h = rec.health!;
    assert.equal(h.ok, false);
    assert.equal(h.roundsCompleted, 2);
    assert.deepEqual(h.updatesPerRound, [0, 0]);
    assert.deepEqual(h.neverContributed, ['dev-01', 'dev-02']);
    assert.equal(h.refusals.norm, 4);
    assert.equal(h.reassemblyDrops, 0);
  } finally {
    rmSync(k.dir, { recursive: true, force: true });
  }
});
