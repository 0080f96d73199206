import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExperimentConfig, deviceIds } from '@edgefl/config';
import { Rng } from '@edgefl/core';
import { createCompressor, decodeEnvelope } from '@edgefl/codec';
import { prepareFederatedData } from '@edgefl/data';
import { startGateway } from '@edgefl/gateway';
import { startAgent } from '@edgefl/agent';
import { FleetClient, topics } from '@edgefl/transport';
import { frame, type HealthRecord, type PortDecorator } from '@edgefl/runtime';
import { CaptureLog } from './broker-helpers.js';
import { runCliSync } from '../helpers/cli-run.js';

/**
 * Hostile but well-formed updates over a real aedes broker. The gateway runs with `auth:
 * none` so a test client can publish on dev-01's uplink under a client id of its own, beside
 * the genuine dev-01 agent — what a stolen device key allows under per-device auth.
 */
const ROUNDS = 4;
const cfg = parseExperimentConfig({
  job: 'hostile', seed: 5, rounds: ROUNDS, fleet: { devices: 3 },
  algorithm: { name: 'fedavg', localSteps: 5, lr: 0.1, batchSize: 32 }, transport: { roundTimeoutMs: 20_000 },
});
const devices = deviceIds(cfg.fleet);
const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
/** accuracy the hostile runs must stay within of the honest one (docs/reliability.md) */
const TOLERANCE = 0.02;

type Attack = 'none' | 'refused' | 'forged-duplicate';

interface Outcome {
  readonly model: Float32Array;
  readonly accuracy: number;
  readonly health: HealthRecord;
  readonly log: CaptureLog;
  readonly sent: number;
}

/** The hostile copies of dev-01's update for `round`: huge-but-finite side info, NaN side info, a codec id not the job's. */
function refusedCopies(round: number, dim: number, seq: number): Uint8Array[] {
  const up = createCompressor(cfg.codec.up);
  const rng = new Rng(round);
  const delta = Float32Array.from({ length: dim }, () => rng.normal() * 0.01);
  const enc = up.encode(delta, up.initState(dim), rng);
  const withSide = (lo: number, hi: number): Uint8Array => {
    const body = Uint8Array.from(enc.body);
    const v = new DataView(body.buffer);
    v.setFloat32(0, lo, true);
    v.setFloat32(4, hi, true);
    return frame({ to: ['gateway'], codec: up.spec, dim, body, payloadBits: enc.payloadBits, meta: { samples: 1 } }, cfg.job, 'dev-01', round, 1, seq);
  };
  const f32 = new Uint8Array(Float32Array.from(delta).buffer);
  return [
    withSide(-3e38, 3e38),
    withSide(NaN, NaN),
    frame({ to: ['gateway'], codec: { id: 'float32' }, dim, body: f32, payloadBits: 32 * dim, meta: { samples: 400 } }, cfg.job, 'dev-01', round, 1, seq + 1),
  ];
}

/** A well-formed, in-bound forgery under dev-01's name (a zero update, claiming one sample), sent twice. */
function forgedCopies(round: number, dim: number, seq: number): Uint8Array[] {
  const up = createCompressor(cfg.codec.up);
  const enc = up.encode(new Float32Array(dim), up.initState(dim), new Rng(round));
  const f = frame({ to: ['gateway'], codec: up.spec, dim, body: enc.body, payloadBits: enc.payloadBits, meta: { samples: 1 } }, cfg.job, 'dev-01', round, 1, seq);
  return [f, f];
}

async function fleet(attack: Attack): Promise<Outcome> {
  const log = new CaptureLog();
  const gw = await startGateway({
    listen: { host: '127.0.0.1', port: 0 }, auth: 'none', experiment: cfg, devices, log, data, readyTimeoutMs: 20_000,
  });
  const url = `mqtt://127.0.0.1:${gw.broker.port}`;
  const dim = gw.aggregator.dim;
  let sent = 0;
  let rogue: FleetClient | undefined;
  // dev-01 sends a round's update only once the rogue's copies of that round were
  // acknowledged by the broker, so they reach the gateway first, while the round is open
  // (a rogue that lost the race under load left a round's copies to arrive after the round
  // closed: dropped as stale rather than refused, and the counts below varied).
  const copiesOut = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  const roundCopies = (round: number): { promise: Promise<void>; resolve: () => void } => {
    let c = copiesOut.get(round);
    if (c === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      c = { promise, resolve };
      copiesOut.set(round, c);
    }
    return c;
  };
  if (attack !== 'none') {
    const r = await FleetClient.connect({ url, clientId: 'rogue-client', job: cfg.job, device: 'rogue', maxMessageBytes: 262_144, qos: 1 });
    rogue = r;
    // As soon as a round's broadcast is out, the rogue races dev-01's real update with its copies.
    await r.subscribe(topics.down(cfg.job), (_t, bytes) => {
      const round = decodeEnvelope(bytes).header.round;
      const copies = attack === 'refused' ? refusedCopies(round, dim, 1000 + 10 * round) : forgedCopies(round, dim, 1000 + 10 * round);
      const acks = copies.map((c) => {
        sent++;
        return r.publish(topics.up(cfg.job, 'dev-01'), c).catch(() => undefined);
      });
      void Promise.all(acks).then(() => roundCopies(round).resolve());
    });
  }
  const afterRogue: PortDecorator = (port) => ({
    mailbox: port.mailbox,
    send: async (out, round, phase) => {
      // bounded: a broadcast the rogue never saw must not stall the run (the counts then fail)
      await Promise.race([roundCopies(round).promise, new Promise((r) => setTimeout(r, 5000).unref())]);
      return port.send(out, round, phase);
    },
  });
  const agents = await Promise.all(devices.map((device, i) => startAgent({
    url, device, job: cfg.job, log, data: data.shards[i]!, jobTimeoutMs: 20_000, ...(attack !== 'none' && device === 'dev-01' ? { wrapPort: afterRogue } : {}),
  })));
  try {
    const model = await gw.aggregator.done;
    await Promise.all(agents.map((a) => a.done));
    assert.ok(model);
    const record = gw.record();
    assert.ok(record.health, 'the gateway\'s run record has a health section');
    return { model, accuracy: record.totals.finalAccuracy!, health: record.health, log, sent };
  } finally {
    await rogue?.close();
    for (const a of agents) await a.close();
    await gw.close();
  }
}

test('hostile updates over aedes: huge-finite, NaN side info and a wrong codec id are refused before they take dev-01\'s slot; its genuine update still counts', async (t) => {
  const honest = await fleet('none');
  assert.equal(honest.health.ok, true, honest.health.problems.join('; '));
  assert.deepEqual(honest.health.updatesPerRound, Array(ROUNDS).fill(devices.length));
  assert.deepEqual(honest.health.refusals, {});

  const hostile = await fleet('refused');
  assert.ok(hostile.sent >= 3 * ROUNDS, `the rogue sent ${hostile.sent} copies`);
  const h = hostile.health;
  // every genuine update of every device was aggregated in every round
  assert.deepEqual(h.updatesPerRound, Array(ROUNDS).fill(devices.length));
  assert.deepEqual(h.neverContributed, []);
  assert.equal(h.ok, true);
  // every copy is refused and counted by reason: the wrong codec id as `codec`, the side info as `norm` (huge) and `decode` or `non-finite` (NaN)
  const refused = h.refusals;
  assert.equal(refused.codec, ROUNDS, JSON.stringify(refused));
  assert.equal(refused.norm, ROUNDS, JSON.stringify(refused));
  assert.equal((refused.decode ?? 0) + (refused['non-finite'] ?? 0), ROUNDS, JSON.stringify(refused));
  const lines = hostile.log.problems('message refused');
  assert.ok(lines.length >= 3 * (ROUNDS - 1), `refusals are logged (${lines.length})`);
  assert.ok(lines.every((l) => l.obj['from'] === 'dev-01' && typeof l.obj['detail'] === 'string'));
  // nothing got through: the model is the honest run's, bit for bit
  assert.deepEqual(hostile.model, honest.model);
  assert.ok(Math.abs(hostile.accuracy - honest.accuracy) <= TOLERANCE, `${hostile.accuracy} vs ${honest.accuracy}`);
  assert.equal(hostile.log.problems('acting without late messages').length, 0, 'no round lost dev-01\'s update');

  const forged = await fleet('forged-duplicate');
  // A plausible forgery cannot be told from an update (only per-device keys stop it); a
  // duplicate of it is dropped, and the damage stays within the tolerance.
  assert.equal(forged.health.ok, true);
  assert.deepEqual(forged.health.updatesPerRound, Array(ROUNDS).fill(devices.length), 'one update per sender and round, however many copies');
  assert.ok(Math.abs(forged.accuracy - honest.accuracy) <= TOLERANCE, `forged ${forged.accuracy} vs honest ${honest.accuracy}`);
  assert.ok(forged.model.every(Number.isFinite));
  t.diagnostic(`held-out accuracy after ${ROUNDS} rounds: honest ${honest.accuracy.toFixed(4)}, refused copies ${hostile.accuracy.toFixed(4)}, forged duplicate ${forged.accuracy.toFixed(4)}; refusals ${JSON.stringify(refused)}`);
});

test('edgefl sim through the compiled CLI exits 3 when every update is refused, with the health section in its run record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-health-'));
  try {
    const file = join(dir, 'refuse-all.yaml');
    // A norm bound of 1e-12 × the model's norm refuses every real update.
    writeFileSync(file, [
      'job: refuse-all', 'seed: 2', 'rounds: 2', 'fleet: { devices: 2 }',
      'algorithm: { name: fedavg, localSteps: 2, admission: { maxNormRatio: 1.0e-12 } }',
      'transport: { kind: mqtt, roundTimeoutMs: 1500 }', 'log: { level: error }', '',
    ].join('\n'));
    const out = join(dir, 'run.json');
    const r = runCliSync(['sim', file, '--json', out, '--quiet'], 120_000);
    assert.equal(r.status, 3, `exit ${r.status}; stderr: ${r.stderr}`);
    assert.match(r.stderr, /did not do its work: 2 of 2 rounds had no usable update/);
    const record = JSON.parse(readFileSync(out, 'utf8')) as { format: string; health: HealthRecord };
    assert.equal(record.format, 'edgefl-run/1');
    assert.equal(record.health.ok, false);
    assert.deepEqual(record.health.updatesPerRound, [0, 0]);
    assert.deepEqual(record.health.neverContributed, ['dev-01', 'dev-02']);
    assert.equal(record.health.refusals.norm, 4);

    // the same job with the default bound does its work: exit 0
    const ok = runCliSync(['sim', file, '--set', 'algorithm.admission.maxNormRatio=100', '--json', out, '--quiet'], 120_000);
    assert.equal(ok.status, 0, ok.stderr);
    const good = JSON.parse(readFileSync(out, 'utf8')) as { health: HealthRecord };
    assert.equal(good.health.ok, true);
    assert.deepEqual(good.health.updatesPerRound, [2, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
