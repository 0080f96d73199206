import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { isEdgeflError, nullLog } from '@edgefl/core';
import { runExperiment } from '@edgefl/lab';

const base = {
  job: 'budget-test', seed: 3, rounds: 4, fleet: { devices: 4 }, algorithm: { localSteps: 5, lr: 0.1, batchSize: 32 },
  transport: { kind: 'memory', roundTimeoutMs: 30_000 },
};

test('per-round budget: every uplink meets it every round (uniform refitted per round), and the record says so', async () => {
  const budget = 6000; // ⌊(6000 − 64)/2410⌋ = 2 bits per coordinate
  const cfg = parseExperimentConfig({
    ...base, codec: { up: { id: 'uniform', bits: 8 }, down: { id: 'float32' } },
    budgets: { default: { up: { bitsPerRound: budget } }, devices: { 'dev-02': { up: { bitsPerSec: 50_000 } } } },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  const dim = rec.model.dim;
  const ups = rec.links.filter((l) => l.to === 'gateway');
  assert.equal(ups.length, 4);
  for (const l of ups) {
    assert.equal(l.budgetBitsPerRound, budget);
    assert.equal(l.overBudget, 0, `${l.from} over budget`);
    assert.equal(l.payloadBits, cfg.rounds * (64 + 2 * dim), `${l.from} sent 2-bit updates`);
  }
  assert.equal(ups.find((l) => l.from === 'dev-02')!.budgetBitsPerSec, 50_000);
  assert.equal(ups.find((l) => l.from === 'dev-01')!.budgetBitsPerSec, null);
  for (const l of rec.links.filter((l) => l.from === 'gateway')) assert.equal(l.budgetBitsPerRound, null);
  // Each round: 4 updates within budget plus one float32 broadcast.
  for (const r of rec.rounds) assert.ok(r.payloadBits <= 4 * budget + 32 * dim, `round ${r.round}: ${r.payloadBits} bits`);
});

test('per-round budget: a codec that cannot adapt is counted over budget every round it overruns', async () => {
  const cfg = parseExperimentConfig({
    ...base, codec: { up: { id: 'qsgd', levels: 16 }, down: { id: 'float32' } },
    budgets: { default: { up: { bitsPerRound: 500 } } },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  for (const l of rec.links.filter((l) => l.to === 'gateway')) assert.equal(l.overBudget, cfg.rounds, `${l.from}`);
});

test('a budget no codec setting meets fails at job start, naming the minimum it needs', async () => {
  const cfg = parseExperimentConfig({
    ...base, codec: { up: { id: 'uniform', bits: 8 }, down: { id: 'float32' } },
    budgets: { devices: { 'dev-03': { up: { bitsPerRound: 1000 } } } },
  });
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  await assert.rejects(runExperiment(cfg, { log: nullLog }), (e: unknown) =>
    isEdgeflError(e) && /dev-03 → gateway/.test(e.message) && /at least 2474 bits/.test(e.message) && /2474/.test(e.hint ?? ''));
  // The failing node stopped the others: none is left waiting out its rounds (which kept the process alive for minutes).
  assert.ok(timers() <= before, `${timers() - before} timers left behind`);
});

test('budgets config: exact keys, bad values rejected with their path', () => {
  const ok = parseExperimentConfig({ job: 'x', budgets: { default: { up: { bitsPerSec: 1e5, bitsPerRound: 1e4 }, down: {} }, links: { 'a->b': { bitsPerSec: 10 } } } });
  assert.deepEqual(ok.budgets?.links, { 'a->b': { bitsPerSec: 10 } });
  assert.throws(() => parseExperimentConfig({ job: 'x', budgets: { default: { up: { bitsPerSec: -1 } } } }), /budgets\.default\.up\.bitsPerSec/);
  assert.throws(() => parseExperimentConfig({ job: 'x', budgets: { links: { 'a-b': {} } } }), /budgets\.links/);
  assert.throws(() => parseExperimentConfig({ job: 'x', budgets: { default: { up: { bitsPerSecond: 1 } } } }), /bitsPerSecond/);
});

test('FedAvg on digits under 1/8 of its float32 uplink reaches the unbudgeted accuracy within 1 point', async () => {
  const job = {
    job: 'budget-acc', seed: 1, rounds: 20, fleet: { devices: 8 }, algorithm: { localSteps: 10, lr: 0.1, batchSize: 32 },
    transport: { kind: 'memory', roundTimeoutMs: 30_000 },
  };
  const free = await runExperiment(parseExperimentConfig({ ...job, codec: { up: { id: 'float32' }, down: { id: 'float32' } } }), { log: nullLog });
  const f32Bits = 32 * free.model.dim;
  const budgeted = await runExperiment(parseExperimentConfig({
    ...job, codec: { up: { id: 'uniform', bits: 16 }, down: { id: 'float32' } },
    budgets: { default: { up: { bitsPerRound: f32Bits / 8 } } },
  }), { log: nullLog });
  for (const l of budgeted.links.filter((x) => x.to === 'gateway')) {
    assert.equal(l.overBudget, 0);
    assert.ok(l.payloadBits <= (job.rounds * f32Bits) / 8, `${l.from}: ${l.payloadBits}`);
  }
  const a = free.totals.finalAccuracy!;
  const b = budgeted.totals.finalAccuracy!;
  assert.ok(Math.abs(a - b) <= 0.01, `float32 ${(100 * a).toFixed(2)} % vs budgeted ${(100 * b).toFixed(2)} %`);
});

test('per-round downlink budget: the broadcast codec is fitted to the tightest device downlink', async () => {
  const cfg = parseExperimentConfig({
    ...base, codec: { up: { id: 'uniform', bits: 8 }, down: { id: 'uniform', bits: 16 } },
    budgets: { default: { down: { bitsPerRound: 30_000 } }, devices: { 'dev-04': { down: { bitsPerRound: 15_000 } } } },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  const dim = rec.model.dim;
  // ⌊(15000 − 64)/2410⌋ = 6 bits for everyone: one broadcast reaches every device.
  for (const l of rec.links.filter((x) => x.from === 'gateway')) {
    assert.equal(l.payloadBits, cfg.rounds * (64 + 6 * dim), l.to);
    assert.equal(l.overBudget, 0);
    assert.equal(l.budgetBitsPerRound, l.to === 'dev-04' ? 15_000 : 30_000);
  }
});

// Every algorithm whose codec has a bits/sparsity knob fits it to the per-round budget (the
// shared BudgetedCodec), not only FedAvg.
const leastSquares = {
  seed: 5, rounds: 4, fleet: { devices: 5, prefix: 'w-' }, model: { kind: 'linear' },
  data: { dataset: { synthetic: 'least-squares', rows: 500, features: 12, target: 'planted', seed: 2 }, testFraction: 0.2, normalize: 'standard' },
  transport: { kind: 'memory', roundTimeoutMs: 30_000 },
};

test('per-round budget, QGD: each worker\'s gradient is refitted to its link (3 bits, 1 bit for w-02) every round', async () => {
  const d = 13;
  const cfg = parseExperimentConfig({
    ...leastSquares, job: 'budget-qgd', algorithm: { name: 'qgd', bits: 8 },
    budgets: { default: { up: { bitsPerRound: 64 + 3 * d + 5 } }, devices: { 'w-02': { up: { bitsPerRound: 64 + d } } } },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  const ups = rec.links.filter((l) => l.to === 'gateway');
  assert.equal(ups.length, 5);
  for (const l of ups) {
    const bits = l.from === 'w-02' ? 1 : 3;
    assert.equal(l.overBudget, 0, `${l.from} over budget`);
    assert.equal(l.messages, cfg.rounds);
    assert.equal(l.payloadBits, cfg.rounds * (64 + bits * d), `${l.from} sent ${bits}-bit gradients`);
  }
  assert.ok(rec.rounds.every((r) => typeof r.objectiveGap === 'number' && Number.isFinite(r.objectiveGap)));
});

test('per-round budget, Q-GADMM: each peer\'s one transmission is fitted to the tightest of its links, every round', async () => {
  const d = 13;
  const cfg = parseExperimentConfig({
    ...leastSquares, job: 'budget-qgadmm', algorithm: { name: 'q-gadmm', bits: 8 },
    budgets: { default: { up: { bitsPerRound: 64 + 2 * d } }, links: { 'w-02->w-03': { bitsPerRound: 64 + d } } },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  // One publish per transmission: a peer's transmissions are its uplink in the record.
  const sends = rec.links.filter((l) => l.to === 'gateway');
  assert.equal(sends.length, 5);
  for (const l of sends) {
    // w-02 sends to w-01 and w-03 at once: the tighter w-02 → w-03 budget sets 1 bit for both.
    const bits = l.from === 'w-02' ? 1 : 2;
    assert.equal(l.messages, cfg.rounds);
    assert.equal(l.overBudget, 0, `${l.from} over budget`);
    assert.equal(l.payloadBits, cfg.rounds * (64 + bits * d), `${l.from} sent ${bits}-bit residuals`);
  }
  // A budget below one bit per coordinate is refused at job start, naming the link.
  await assert.rejects(runExperiment(parseExperimentConfig({ ...cfg, budgets: { links: { 'w-04->w-05': { bitsPerRound: 50 } } } }), { log: nullLog }),
    (e: unknown) => isEdgeflError(e) && /w-04 → w-05/.test(e.message) && /at least 77 bits/.test(e.message));
});

test('per-round budget, local-SADMM on digits: the uniform uplink is refitted (8 → 2 bits) and met every round', async () => {
  const cfg = parseExperimentConfig({
    ...base, job: 'budget-sadmm', rounds: 3, model: { kind: 'mlp', hidden: [32] },
    algorithm: { name: 'local-sadmm', localSteps: 5, lr: 0.05, batchSize: 16, rho: 1, beta: 0.001 },
    codec: { up: { id: 'uniform', bits: 8 }, down: { id: 'float32' } },
    budgets: { default: { up: { bitsPerRound: 5000 } } },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  const dim = rec.model.dim;
  const bits = Math.floor((5000 - 64) / dim);
  assert.ok(bits >= 1 && bits < 8, `${bits} bits for d = ${dim}`);
  for (const l of rec.links.filter((x) => x.to === 'gateway')) {
    assert.equal(l.overBudget, 0);
    assert.equal(l.payloadBits, cfg.rounds * (64 + bits * dim), l.from);
  }
  // still learning (10 classes: chance is 0.1)
  assert.ok(rec.totals.finalAccuracy! > 0.2, `accuracy ${rec.totals.finalAccuracy}`);
});

test('budgets.total: one uplink total split by water-filling at job start — shares in the record, each met every round', async () => {
  const d = 2410; // the default MLP 64-32-10 on digits
  const T = 4 * 3 * d; // R = T/d = 12 bits per coordinate across 4 uplinks
  const cfg = parseExperimentConfig({
    ...base, job: 'budget-total', rounds: 3, codec: { up: { id: 'uniform', bits: 16 }, down: { id: 'float32' } },
    budgets: { total: { up: { bitsPerRound: T, bitsPerSec: 400_000 }, split: 'water-filling', weights: { 'dev-01': 8 } } },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  assert.equal(rec.model.dim, d);
  // Weights [8, 1, 1, 1]: R_k = log2(L_k/ν), Σ R_k = 12 ⇒ log2 ν = −9/4: R = [5.25, 2.25, 2.25, 2.25] bits per coordinate.
  const want: Record<string, number> = { 'dev-01': Math.floor(5.25 * d), 'dev-02': Math.floor(2.25 * d), 'dev-03': Math.floor(2.25 * d), 'dev-04': Math.floor(2.25 * d) };
  // bits/s are split the same way: R = 400000/d per coordinate.
  const ups = rec.links.filter((l) => l.to === 'gateway');
  let sum = 0;
  let sumRate = 0;
  for (const l of ups) {
    assert.equal(l.budgetBitsPerRound, want[l.from], `${l.from}'s share`);
    sum += l.budgetBitsPerRound!;
    sumRate += l.budgetBitsPerSec!;
    assert.equal(l.overBudget, 0);
    // the codec is fitted to the share: 5 bits for dev-01 (64 + 5d ≤ 5.25d), 2 bits for the others
    const bits = l.from === 'dev-01' ? 5 : 2;
    assert.equal(l.payloadBits, cfg.rounds * (64 + bits * d), l.from);
  }
  assert.ok(sum <= T && sum > T - 4, `shares sum to ${sum} of ${T}`);
  assert.ok(sumRate <= 400_000 && sumRate > 400_000 - 4, `rates sum to ${sumRate}`);
  assert.ok(ups.find((l) => l.from === 'dev-01')!.budgetBitsPerSec! > ups.find((l) => l.from === 'dev-02')!.budgetBitsPerSec!);
  assert.equal((rec.config as { budgets?: { total?: unknown } }).budgets?.total, undefined, 'the record holds the resolved per-device budgets');

  // equal split
  const eq = await runExperiment(parseExperimentConfig({ ...cfg, rounds: 1, budgets: { total: { up: { bitsPerRound: T }, split: 'equal' } } }), { log: nullLog });
  for (const l of eq.links.filter((x) => x.to === 'gateway')) assert.equal(l.budgetBitsPerRound, T / 4);
});

test('budgets.total: conflicting per-device values and unknown or starved devices are clear errors', async () => {
  assert.throws(() => parseExperimentConfig({ job: 'x', budgets: { total: { up: { bitsPerRound: 1e5 } }, devices: { 'dev-02': { up: { bitsPerRound: 10 } } } } }),
    /budgets\.devices\.dev-02\.up\.bitsPerRound[\s\S]*split across the devices/);
  assert.throws(() => parseExperimentConfig({ job: 'x', budgets: { total: { up: { bitsPerRound: 1e5 }, split: 'halves' } } }), /budgets\.total\.split/);
  await assert.rejects(runExperiment(parseExperimentConfig({ ...base, budgets: { total: { up: { bitsPerRound: 1e5 }, weights: { 'dev-09': 2 } } } }), { log: nullLog }),
    (e: unknown) => isEdgeflError(e) && /dev-09, not devices of this job/.test(e.message));
  // weight 1e6 against 1: with R = 8 bits per coordinate in all, the light links get nothing.
  await assert.rejects(runExperiment(parseExperimentConfig({ ...base, budgets: { total: { up: { bitsPerRound: 8 * 2410 }, weights: { 'dev-01': 1e6 } } } }), { log: nullLog }),
    (e: unknown) => isEdgeflError(e) && /leaves device dev-02 \(weight 1\) no share/.test(e.message) && /raise the total/.test(e.hint ?? ''));
});

test('budgets.total at the gateway: resolved before the monitor and the job start; the announced job carries the shares', async () => {
  const { deviceIds } = await import('@edgefl/config');
  const { prepareFederatedData } = await import('@edgefl/data');
  const { startGateway } = await import('@edgefl/gateway');
  const { FleetClient, topics } = await import('@edgefl/transport');
  const { decodeJobAnnouncement } = await import('@edgefl/runtime');
  const d = 2410;
  const cfg = parseExperimentConfig({
    ...base, job: 'budget-total-gw', transport: { roundTimeoutMs: 30_000 },
    budgets: { total: { up: { bitsPerRound: 12 * d }, down: { bitsPerSec: 1_000_000 }, weights: { 'dev-01': 8 } } },
  });
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, auth: 'none', experiment: cfg, devices, log: nullLog, data, readyTimeoutMs: 60_000 });
  const watcher = await FleetClient.connect({ url: `mqtt://127.0.0.1:${gw.broker.port}`, clientId: 'watcher', job: cfg.job, device: 'watcher', maxMessageBytes: 262_144, qos: 1 });
  try {
    const snap = gw.monitor.links.snapshot();
    const share = (k: string): number => snap.devices.find((x) => x.device === k)!.up.budgetBitsPerRound!;
    assert.equal(share('dev-01'), Math.floor(5.25 * d));
    for (const k of ['dev-02', 'dev-03', 'dev-04']) assert.equal(share(k), Math.floor(2.25 * d));
    // The weights apply to every total: R = 10⁶/d per coordinate, R_1 = (R + 9)/4, the others (R − 3)/4.
    for (const x of snap.devices) assert.equal(x.down.budgetBitsPerSec, x.device === 'dev-01' ? Math.floor((1e6 + 9 * d) / 4) : Math.floor((1e6 - 3 * d) / 4), x.device);
    // Agents learn their budgets from the retained announcement: resolved, no `total` left.
    const ann = await new Promise<ReturnType<typeof decodeJobAnnouncement>>((resolve) => {
      void watcher.subscribe(topics.ctl(cfg.job), (_t, bytes) => resolve(decodeJobAnnouncement(bytes)));
    });
    assert.equal(ann.experiment.budgets?.total, undefined);
    assert.equal(ann.experiment.budgets?.devices['dev-01']?.up?.bitsPerRound, Math.floor(5.25 * d));
  } finally {
    await watcher.close();
    await gw.close();
  }
});
