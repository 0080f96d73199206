import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@edgefl/runtime';
import { freePort } from '../helpers/daemons.js';
import { BIN, runCli } from '../helpers/cli-run.js';



test('edgefl gateway exits 3 when every update of its job is refused; its --json run record carries the health section', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-e2e-health-'));
  try {
    const keys = join(dir, 'keys.json');
    const secrets = ['dev-01', 'dev-02'].map((d) => {
      const r = spawnSync(process.execPath, [BIN, 'keys', 'add', d, '--keys', keys], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const file = join(dir, `${d}.secret`);
      writeFileSync(file, r.stdout, { mode: 0o600 });
      return file;
    });
    const port = await freePort();
    const json = join(dir, 'run.json');
    // An admission bound of 1e-12 × the model's norm refuses every real update.
    const gateway = runCli(['gateway', '--config', 'configs/gateway.yaml', '--set', `auth.keys=${keys}`, '--set', `listen.port=${port}`, '--set', 'monitor.port=0',
      '--set', 'experiment.rounds=2', '--set', 'experiment.fleet.devices=2', '--set', 'experiment.transport.roundTimeoutMs=1500',
      '--set', 'experiment.algorithm.admission.maxNormRatio=1e-12', '--json', json]);
    const agents = ['dev-01', 'dev-02'].map((device, i) => runCli([
      'agent', '--config', 'configs/agent.yaml', '--set', `gateway.url=mqtt://127.0.0.1:${port}`, '--set', `device=${device}`, '--set', `data.index=${i}`,
      '--set', `auth={secretFile: ${secrets[i]}}`,
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
    rmSync(dir, { recursive: true, force: true });
  }
});
