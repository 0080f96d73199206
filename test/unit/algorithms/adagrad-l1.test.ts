import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog, type Log } from '@edgefl/core';
import { createAlgorithm, type Algorithm, type Inbound, type LocalLearner, type NodeMachine, type Outbound } from '@edgefl/algorithms';
import { createThreshold, type CodecSpec } from '@edgefl/codec';
import { MemoryNetwork, TrafficAccounting, RoundTracker, countTraffic, createJob, nodeEnv, runNode, type Job } from '@edgefl/runtime';
import { parseExperimentConfig } from '@edgefl/config';
import { quadraticLearner } from '../../helpers/quadratic-learner.js';

/**
 * The workers' objectives are ½‖x − c_k‖²; their average is ½‖x − c̄‖² + const, so the L1
 * problem's solution is soft(c̄, λ): coordinates with |c̄_i| ≤ λ are exactly zero there.
 */
const D = 40;
function centers(workers: number): Float32Array[] {
  return Array.from({ length: workers }, (_, k) => Float32Array.from({ length: D }, (_, i) => {
    const big = i % 4 === 0 ? (i % 8 === 0 ? 2 : -1.5) : 0; // a quarter of the coordinates matter
    return big + 0.05 * Math.sin(7 * i + 3 * k); // small disagreement between workers
  }));
}

interface RunResult {
  job: Job;
  /** every node's model after each round */
  rounds: Map<string, Float32Array>[];
  fields: Record<string, number | null>[];
  payloadBits: number;
}

async function run(algorithm: Record<string, unknown>, o: { rounds?: number; workers?: number; layout?: { offset: number; size: number }[] } = {}): Promise<RunResult> {
  const rounds = o.rounds ?? 5, workers = o.workers ?? 3;
  const cfg = parseExperimentConfig({ job: 'adagrad-unit', rounds, fleet: { devices: workers }, algorithm });
  const job = createJob(cfg);
  const cs = centers(workers);
  const accounting = new TrafficAccounting(cfg.transport.maxMessageBytes, 1);
  const net = new MemoryNetwork({ job: cfg.job, algorithm: job.algorithm, expect: { dim: D, maxBytes: 1 << 20, phases: job.algorithm.phases.length }, log: nullLog });
  const out: Map<string, Float32Array>[] = [];
  const fields: Record<string, number | null>[] = [];
  const tracker = new RoundTracker(job.algorithm.nodes.map((n) => n.id), (r, models, metrics) => {
    out.push(new Map(models));
    fields.push({ ...job.algorithm.roundMetrics?.(r, models, metrics) });
  });
  await Promise.all(job.algorithm.nodes.map((spec) => {
    const k = job.devices.indexOf(spec.id);
    const learner: LocalLearner | undefined = k >= 0 ? { ...quadraticLearner(cs[k]!), ...(o.layout ? { layout: o.layout } : {}) } : undefined;
    const node = job.algorithm.createNode(nodeEnv(job, spec, { dim: D, initialParams: new Float32Array(D), log: nullLog as Log, ...(learner ? { learner } : {}), ...(o.layout ? { layout: o.layout } : {}) }));
    return runNode(node, countTraffic(accounting)(net.port(spec), spec), { rounds, phases: 3, phaseTimeoutMs: 5000, log: nullLog, onRoundEnd: tracker.hook(spec.id) });
  }));
  return { job, rounds: out, fields, payloadBits: accounting.totals().payloadBits };
}

const variants: Record<string, unknown>[] = [
  { name: 'qcmd', lr: 0.5, lambda: 0.3 },
  { name: 'qcmd', lr: 0.5, lambda: 0.3, double: false, quantizer: 'terngrad', scales: 'vector' },
  { name: 'qrda', lr: 0.5, lambda: 0.3, threshold: 'approx' },
  { name: 'qrda', lr: 0.5, lambda: 0.3, quantizer: 'terngrad' },
  { name: 'cmd', lr: 0.5, lambda: 0.3 },
  { name: 'rda', lr: 0.5, lambda: 0.3 },
  { name: 'prox-gd', lr: 0.5, lambda: 0.3 },
];

test('every worker holds the server\'s model bit for bit after every round (all five methods, both quantizers, single and double)', async () => {
  for (const v of variants) {
    const layout = [{ offset: 0, size: 10 }, { offset: 10, size: 30 }];
    const r = await run(v, { rounds: 6, layout });
    assert.equal(r.rounds.length, 6);
    r.rounds.forEach((models, i) => {
      const server = models.get(r.job.server)!;
      for (const w of r.job.devices) assert.deepEqual(models.get(w), server, `${JSON.stringify(v)} round ${i + 1}: ${w} differs from the server`);
      assert.ok(server.some((x) => x !== 0), `${v['name']} round ${i + 1}: the model moved`);
    });
  }
});

test('an L1 problem gets exact zeros where the solution has them, and the run record carries modelSparsity and uplinkRelError', async () => {
  const cbar = new Float32Array(D);
  const cs = centers(3);
  for (const c of cs) for (let i = 0; i < D; i++) cbar[i]! += c[i]! / 3;
  for (const name of ['qrda', 'rda', 'qcmd', 'prox-gd']) {
    const r = await run({ name, lr: name === 'prox-gd' ? 0.5 : 1, lambda: 0.3 }, { rounds: 30 });
    const x = r.rounds[r.rounds.length - 1]!.get(r.job.server)!;
    for (let i = 0; i < D; i++) {
      if (Math.abs(cbar[i]!) < 0.3) assert.equal(x[i], 0, `${name}: coordinate ${i} (c̄ = ${cbar[i]}) should be exactly 0`);
      else assert.notEqual(x[i], 0, `${name}: coordinate ${i} (c̄ = ${cbar[i]}) should be kept`);
    }
    const last = r.fields[r.fields.length - 1]!;
    assert.equal(last['modelSparsity'], 0.75, `${name}: three quarters of the model are exact zeros`);
    if (name.startsWith('q')) {
      assert.ok(typeof last['uplinkRelError'] === 'number' && last['uplinkRelError'] >= 0 && last['uplinkRelError'] < 1, `${name}: uplinkRelError ${last['uplinkRelError']}`);
    } else assert.equal(last['uplinkRelError'], undefined);
  }
  // Prox-GD converges to soft(c̄, λ) itself
  const p = await run({ name: 'prox-gd', lr: 0.5, lambda: 0.3 }, { rounds: 40 });
  const x = p.rounds[39]!.get(p.job.server)!;
  for (let i = 0; i < D; i++) {
    const want = Math.sign(cbar[i]!) * Math.max(Math.abs(cbar[i]!) - 0.3, 0);
    assert.ok(Math.abs(x[i]! - want) < 1e-5, `prox-gd coordinate ${i}: ${x[i]} vs ${want}`);
  }
});

/** Drives one round by hand so each message can be inspected. */
async function oneRound(alg: Algorithm, workers: readonly string[], server: string, x0: Float32Array, cs: Float32Array[], layout?: { offset: number; size: number }[]) {
  const cfg = parseExperimentConfig({ job: 'adagrad-msgs', fleet: { devices: workers.length } });
  const job: Job = createJob(cfg, workers, () => alg);
  const nodes = new Map<string, NodeMachine>();
  for (const spec of alg.nodes) {
    const k = workers.indexOf(spec.id);
    const learner = k >= 0 ? quadraticLearner(cs[k]!) : undefined;
    nodes.set(spec.id, alg.createNode(nodeEnv(job, spec, { dim: x0.length, initialParams: x0, log: nullLog, ...(learner ? { learner } : {}), ...(layout ? { layout } : {}) })));
  }
  const inbound = (from: string, phase: number, o: Outbound): Inbound => ({ from, round: 1, phase, codec: o.codec, dim: o.dim, body: o.body, payloadBits: o.payloadBits });
  const ups = new Map<string, Outbound>();
  for (const w of workers) ups.set(w, (await nodes.get(w)!.act(1, 0, []))[0]!);
  const down = (await nodes.get(server)!.act(1, 1, workers.map((w) => inbound(w, 0, ups.get(w)!))))[0]!;
  return { ups, down, nodes, inbound };
}

test('bit counts: 32 + d + 2k up and down, the server\'s indicator is the OR of the workers\', TernGrad per layer adds 32 bits a layer', async () => {
  const d = 12;
  const workers = ['w1', 'w2'];
  // x_t has coordinate 0 non-zero; the workers' gradients push different coordinates past λ
  const x0 = new Float32Array(d); x0[0] = 0.5;
  const c1 = new Float32Array(d); c1[3] = 5; c1[4] = -5;
  const c2 = new Float32Array(d); c2[4] = -5; c2[7] = 5;
  const alg = createAlgorithm({ name: 'qrda', lr: 1, lambda: 1 }, { server: 'gw', devices: workers, codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 });
  const { ups, down } = await oneRound(alg, workers, 'gw', x0, [c1, c2]);
  const q = createThreshold({ id: 'threshold', form: 'sparse' });
  // worker 1: x_0 ≠ 0 and the tentative RDA step keeps |g_i| > λ at 3 and 4 (g = x − c): I = {0, 3, 4}
  const i1 = q.decodeIndicated(ups.get('w1')!.body, d).indicator, i2 = q.decodeIndicated(ups.get('w2')!.body, d).indicator;
  assert.deepEqual([...i1].flatMap((b, i) => (b ? [i] : [])), [0, 3, 4]);
  assert.deepEqual([...i2].flatMap((b, i) => (b ? [i] : [])), [0, 4, 7]);
  assert.equal(ups.get('w1')!.payloadBits, 32 + d + 2 * 3);
  const syn = q.decodeIndicated(down.body, d);
  assert.deepEqual([...syn.indicator].flatMap((b, i) => (b ? [i] : [])), [0, 3, 4, 7]); // I^Syn = I¹ OR I²
  assert.equal(down.payloadBits, 32 + d + 2 * 4);
  assert.deepEqual(down.to, workers);
  // the same with TernGrad and two layers: 2 scales
  const tern = createAlgorithm({ name: 'qrda', lr: 1, lambda: 1, quantizer: 'terngrad' }, { server: 'gw', devices: workers, codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 });
  const t = await oneRound(tern, workers, 'gw', x0, [c1, c2], [{ offset: 0, size: 5 }, { offset: 5, size: 7 }]);
  assert.equal(t.ups.get('w1')!.payloadBits, 2 * 32 + d + 2 * 3);
  assert.equal(t.down.payloadBits, 2 * 32 + d + 2 * 4);
  // † single quantization: the unquantized average goes down, S(SynQ_t, ·) as Alg. 1 pushes it —
  // its non-zeros (within I^Syn = {0, 3, 4, 7}) as float32 plus their positions, not 32·d bits
  const single = createAlgorithm({ name: 'qrda', lr: 1, lambda: 1, double: false }, { server: 'gw', devices: workers, codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 });
  const s = await oneRound(single, workers, 'gw', x0, [c1, c2]);
  const synq = new Float32Array(d);
  for (const w of workers) {
    const got = q.decodeIndicated(s.ups.get(w)!.body, d).decoded;
    for (let i = 0; i < d; i++) synq[i]! += got[i]! / 2;
  }
  const nz = [...synq].flatMap((x, i) => (x !== 0 ? [i] : []));
  assert.ok(nz.length > 0 && nz.every((i) => [0, 3, 4, 7].includes(i)), `SynQ non-zeros ${nz} within I^Syn`);
  assert.deepEqual(s.down.codec, { id: 'topk', k: nz.length });
  assert.ok(s.down.payloadBits <= 32 * nz.length + d + 1 && s.down.payloadBits < 32 * d, `† downlink ${s.down.payloadBits} bits`);
  // every worker applies exactly SynQ_t (no second quantization) — its model equals the server's
  await s.nodes.get('gw')!.act(1, 2, []);
  for (const w of workers) {
    await s.nodes.get(w)!.act(1, 2, [s.inbound('gw', 1, s.down)]);
    assert.deepEqual(s.nodes.get(w)!.model(), s.nodes.get('gw')!.model());
  }
  // a downlink naming another codec, or a k beyond d, is refused: the model stays as it was
  const fresh = await oneRound(single, workers, 'gw', x0, [c1, c2]);
  const refused: CodecSpec[] = [{ id: 'float32' }, { id: 'topk', k: d + 1 }, { id: 'topk', k: 1.5 }, { id: 'topk', ratio: 0.5 }];
  for (const codec of refused) {
    await fresh.nodes.get('w1')!.act(1, 2, [{ ...fresh.inbound('gw', 1, fresh.down), codec }]);
    assert.deepEqual(fresh.nodes.get('w1')!.model(), x0, `downlink codec ${JSON.stringify(codec)} refused`);
  }
});

test('one 32-bit CMD adagrad round is Eq. 16 and one RDA adagrad round is Eq. 17, coordinate by coordinate', async () => {
  const d = 4, lr = 0.7, lambda = 0.2, delta = 0.1;
  const x0 = Float32Array.from([1, -1, 0.05, 0]);
  const c = Float32Array.from([3, -0.5, 0, 0.1]);
  const g = Array.from(x0, (x, i) => x - c[i]!);
  for (const name of ['cmd', 'rda']) {
    const alg = createAlgorithm({ name, lr, lambda, delta }, { server: 'gw', devices: ['w1'], codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 });
    const r = await oneRound(alg, ['w1'], 'gw', x0, [c]);
    const w = r.nodes.get('w1')!;
    await w.act(1, 2, [r.inbound('gw', 1, r.down)]);
    const want = g.map((gi, i) => {
      const h = delta + Math.abs(gi);
      if (name === 'cmd') {
        const z = x0[i]! - lr * gi / h;
        return Math.sign(z) * Math.max(Math.abs(z) - lambda * lr / h, 0);
      }
      return -Math.sign(gi) * (1 * lr / h) * Math.max(Math.abs(gi) - lambda, 0);
    });
    for (let i = 0; i < d; i++) assert.ok(Math.abs(w.model()[i]! - Math.fround(want[i]!)) < 1e-7, `${name} coordinate ${i}: ${w.model()[i]} vs ${want[i]}`);
  }
});

test('bad parameters are refused with the parameter named', () => {
  const ctx = { server: 'gw', devices: ['w1'], codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 };
  assert.throws(() => createAlgorithm({ name: 'qrda', lr: -1 }, ctx), /algorithm qrda: lr: .*(>0|positive|greater)/i);
  assert.throws(() => createAlgorithm({ name: 'qcmd', quantizer: 'qsgd' }, ctx), /algorithm qcmd: quantizer/);
  assert.throws(() => createAlgorithm({ name: 'qcmd', lambda: -0.1 }, ctx), /algorithm qcmd: lambda/);
  assert.throws(() => createAlgorithm({ name: 'cmd', double: false }, ctx), /algorithm cmd: .*double|Unrecognized key/i);
  assert.throws(() => createAlgorithm({ name: 'prox-gd', delta: 1 }, ctx), /algorithm prox-gd/);
  assert.throws(() => createAlgorithm({ name: 'qrda', double: 'yes' }, ctx), /algorithm qrda: double/);
  assert.throws(() => parseExperimentConfig({ job: 'x', algorithm: { name: 'qrda', threshold: 'median' } }), /threshold/);
  // per-layer TernGrad without a layout is refused when the node is built, naming the fix
  const alg = createAlgorithm({ name: 'qrda', quantizer: 'terngrad' }, ctx);
  const cfg = parseExperimentConfig({ job: 'x', fleet: { devices: 1 } });
  const job: Job = createJob(cfg, ['w1'], () => alg);
  assert.throws(() => alg.createNode(nodeEnv(job, alg.nodes[0]!, { dim: 4, initialParams: new Float32Array(4), log: nullLog })), /per-layer scales needs the model's parameter layout/);
});
