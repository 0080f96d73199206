import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, nullLog, type Dataset } from '@edgefl/core';
import { syntheticLeastSquares } from '@edgefl/data';
import {
  AdmittedDecodes, adagradL1, createAlgorithm, dqAlgorithm, fedAvg, gd,
  type Algorithm, type Inbound, type NodeEnv, type NodeMachine, type NodeSpec, type StarCodecs,
} from '@edgefl/algorithms';
import type { CodecSpec } from '@edgefl/codec';
import { quadraticLearner } from '../../helpers/quadratic-learner.js';

/**
 * A server decodes every update once: admission (`NodeMachine.admit`, run on each message the
 * gateway receives) keeps what it decoded for `act`. These tests run one round by hand with
 * two copies of the server: A admits every message before acting on it, as the drivers do;
 * B only acts (it decodes in `act`). A's model must be B's, bit for bit, and A must call its
 * decoder once per update.
 */

const D = 6;
const WORKERS = ['w1', 'w2'];
const centres = [Float32Array.of(1, -2, 3, 0.5, -1, 2), Float32Array.of(-1, 0.25, 2, -3, 1, 0)];
const shards = new Map<string, Dataset>(WORKERS.map((w, k) => [w, syntheticLeastSquares({ synthetic: 'least-squares', rows: 32, features: D - 1, kappa: 4, seed: k + 1 })]));

function envOf(spec: NodeSpec, opts: { data?: boolean } = {}): NodeEnv {
  const k = WORKERS.indexOf(spec.id);
  const base: NodeEnv = { spec, rng: new Rng(`7/${spec.id}`), dim: D, initialParams: Float32Array.of(0.1, 0.2, -0.1, 0, 0.3, -0.2), log: nullLog };
  if (k < 0) return base;
  return opts.data ? { ...base, data: shards.get(spec.id)! } : { ...base, learner: quadraticLearner(centres[k]!, 10 * (k + 1)) };
}

interface Twins {
  readonly admitted: NodeMachine;
  readonly actOnly: NodeMachine;
  /** decoder calls A made on updates */
  readonly decodes: number;
  /** updates A admitted */
  readonly updates: number;
}

/**
 * Round 1 of `alg`, phase by phase. `decoderOf(server)` names the object and method the
 * server decodes updates with, once it exists (a DQ server creates its codecs at setup).
 */
async function roundWithTwins(alg: Algorithm, decoderOf: (server: NodeMachine) => [object, string] | undefined, opts: { data?: boolean } = {}): Promise<Twins> {
  const serverSpec = alg.nodes.find((n) => n.role === 'server')!;
  const admitted = alg.createNode(envOf(serverSpec, opts));
  const actOnly = alg.createNode(envOf(serverSpec, opts));
  const workers = alg.nodes.filter((n) => n.role === 'worker').map((spec) => alg.createNode(envOf(spec, opts)));
  const mail = new Map<string, Inbound[]>();
  let spy: { mock: { callCount(): number } } | undefined;
  let updates = 0;
  for (let phase = 0; phase < alg.phases.length; phase++) {
    const sent: [string, Inbound][] = [];
    for (const node of [admitted, ...workers]) {
      const keys = node.expects(1, phase);
      if (keys === null) continue;
      const box = mail.get(node.spec.id) ?? [];
      const inbox = keys.map((k) => box.find((m) => m.from === k.from && m.phase === k.phase)).filter((m): m is Inbound => m !== undefined);
      if (node === admitted) {
        if (!spy) {
          const d = decoderOf(admitted);
          if (d) spy = mock.method(d[0], d[1] as never);
        }
        for (const m of inbox) {
          assert.equal(admitted.admit?.(m) ?? null, null, `${alg.name}: the update of ${m.from} is admitted`);
          if (m.body.length > 0) updates++;
        }
        await actOnly.act(1, phase, inbox);
      }
      for (const out of await node.act(1, phase, inbox)) {
        for (const to of out.to) sent.push([to, { from: node.spec.id, round: 1, phase, codec: out.codec, dim: out.dim, body: out.body, payloadBits: out.payloadBits, ...(out.meta ? { meta: out.meta } : {}) }]);
      }
    }
    for (const [to, m] of sent) mail.set(to, [...(mail.get(to) ?? []), m]);
  }
  return { admitted, actOnly, decodes: spy?.mock.callCount() ?? 0, updates };
}

/** The compressor a star server decodes `w1`'s uploads with (its `codecs.upload`). */
const uploadDecoder = (server: NodeMachine): [object, string] => [(Reflect.get(server, 'codecs') as StarCodecs).upload('w1').c, 'decode'];

const star = (up: CodecSpec) => ({ up, down: { id: 'float32' } as CodecSpec });
const localSadmm = (workers: readonly string[], up: CodecSpec, beta: number): Algorithm =>
  createAlgorithm({ name: 'local-sadmm', localSteps: 2, lr: 0.1, batchSize: 1, rho: 0.5, beta }, { server: 'gw', devices: workers, codecs: star(up), seed: 1 });
/** `perWorker`: the server has one decoder per worker (DQ's agreed codecs); else one per codec, shared by the workers */
const cases: { name: string; alg: Algorithm; decoder: (s: NodeMachine) => [object, string] | undefined; data?: boolean; perWorker?: boolean }[] = [
  { name: 'fedavg', alg: fedAvg('gw', WORKERS, { localSteps: 2, lr: 0.3, batchSize: 1, ...star({ id: 'uniform', bits: 4 }) }), decoder: uploadDecoder },
  { name: 'fedavg, median', alg: fedAvg('gw', WORKERS, { localSteps: 2, lr: 0.3, batchSize: 1, aggregation: { rule: 'median', trim: 0.1, clip: 2 }, ...star({ id: 'float16' }) }), decoder: uploadDecoder },
  { name: 'local-sadmm', alg: localSadmm(WORKERS, { id: 'uniform', bits: 8 }, 0.01), decoder: uploadDecoder },
  { name: 'qgd', alg: gd('gw', WORKERS, { name: 'qgd', lr: 'auto', ...star({ id: 'uniform', bits: 3 }) }), decoder: uploadDecoder, data: true },
  {
    name: 'qcmd', alg: adagradL1('qcmd', 'gw', WORKERS, { method: 'cmd', lr: 0.5, lambda: 0.01, delta: 1e-8, batchSize: 1, quantizer: 'threshold', threshold: 'optimal', scales: 'vector', double: true }),
    decoder: (s) => [Reflect.get(s, 'quantizer') as object, 'decodeIndicated'],
  },
  {
    name: 'gd (DQ family, full precision)', alg: dqAlgorithm('gd', 'gw', WORKERS, { method: 'gd', quant: 'none', bits: 8, start: 'gaussian', alpha: 0, seed: 3 }),
    decoder: (s) => { const c = (Reflect.get(s, 'codecs') as object[])[0]; return c ? [c, 'decode'] : undefined; }, data: true, perWorker: true,
  },
];

for (const c of cases) {
  test(`${c.name}: admission and act decode each update once, and the server's model is the one act alone computes`, async () => {
    const r = await roundWithTwins(c.alg, c.decoder, c.data ? { data: true } : {});
    mock.restoreAll();
    assert.equal(r.updates, WORKERS.length);
    // one decode an update (at admission), not one there and another in act
    assert.equal(r.decodes, c.perWorker ? 1 : WORKERS.length);
    assert.deepEqual(r.admitted.model(), r.actOnly.model());
    assert.notDeepEqual(r.admitted.model(), envOf(c.alg.nodes[0]!).initialParams, 'the round moved the model');
  });
}

test('AdmittedDecodes hands admission\'s value to the decoder that made it, once; otherwise act decodes', () => {
  const memo = new AdmittedDecodes<Float32Array>();
  const m: Inbound = { from: 'w1', round: 1, phase: 1, codec: { id: 'float32' }, dim: 1, body: new Uint8Array(4), payloadBits: 32 };
  const codec = {};
  let calls = 0;
  const decode = () => { calls++; return Float32Array.of(calls); };
  const kept = memo.decode(m, codec, decode);
  assert.equal(memo.take(m, codec, decode), kept);
  assert.equal(calls, 1);
  // taken once: a second take decodes afresh
  assert.deepEqual(memo.take(m, codec, decode), Float32Array.of(2));
  // a different decoder (e.g. the codec changed with a restored state) never gets another's value
  memo.decode(m, codec, decode);
  assert.deepEqual(memo.take(m, {}, decode), Float32Array.of(4));
  // a message admission never decoded (a driver without admission) is decoded by act
  const other: Inbound = { ...m };
  assert.deepEqual(memo.take(other, codec, decode), Float32Array.of(5));
  // a decode that throws keeps nothing
  assert.throws(() => memo.decode(other, codec, () => { throw new Error('bad body'); }), /bad body/);
  assert.deepEqual(memo.take(other, codec, decode), Float32Array.of(6));
});
