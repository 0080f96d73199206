import { test } from 'node:test';
import { ALGORITHMS, algorithmNames } from '@edgefl/algorithms';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetSpecSchema,
  ConfigError, loadConfig, loadExperimentConfig, loadGatewayConfig, loadAgentConfig, parseExperimentConfig,
  ExperimentConfigSchema, DATASET_NAMES, deviceIds, type ExperimentConfig,
} from '@edgefl/config';
import { BUILTIN_DATASETS, type DatasetSpec, type PartitionSpec } from '@edgefl/data';
import type { CodecSpec } from '@edgefl/codec';

const dir = mkdtempSync(join(tmpdir(), 'edgefl-config-'));
let counter = 0;
function yaml(text: string, name = `c${counter++}.yaml`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function configError(fn: () => unknown): ConfigError {
  try { fn(); } catch (e) { assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`); return e; }
  assert.fail('expected a ConfigError');
}

/** The problem lines of a ConfigError, without the header. */
function lines(e: ConfigError): string[] {
  return e.problems.map((p) => p.message);
}

test('a minimal file gets every default', () => {
  const cfg = loadExperimentConfig(yaml('job: demo\n'));
  const expected: ExperimentConfig = {
    job: 'demo', seed: 1, rounds: 20, evaluation: { every: 1 },
    data: { dataset: 'digits', testFraction: 0.2, normalize: 'standard', partition: { kind: 'iid' } },
    model: { kind: 'mlp', hidden: [32], activation: 'relu' },
    fleet: { devices: 8, prefix: 'dev-' },
    algorithm: { name: 'fedavg', localSteps: 10, lr: 0.1, batchSize: 32, aggregation: { rule: 'mean', trim: 0.1 }, admission: { maxNormRatio: 100 } },
    codec: { up: { id: 'uniform', bits: 8 }, down: { id: 'float32' } },
    transport: { kind: 'mqtt', qos: 1, maxMessageBytes: 262144, roundTimeoutMs: 60000 },
    health: { maxEmptyRoundFraction: 0.25, maxLossRatio: 100 },
    gateway: { host: '127.0.0.1', port: 0 },
    log: {},
  };
  assert.deepEqual(cfg, expected);
  assert.deepEqual(deviceIds(cfg.fleet), ['dev-01', 'dev-02', 'dev-03', 'dev-04', 'dev-05', 'dev-06', 'dev-07', 'dev-08']);
  assert.equal(deviceIds({ devices: 120, prefix: 'n' })[119], 'n120');
});

test('the shipped configs load', () => {
  const q = loadExperimentConfig('configs/quickstart.yaml');
  assert.deepEqual([q.job, q.rounds, q.fleet.devices, q.data.dataset, q.algorithm.name], ['quickstart', 20, 8, 'digits', 'fedavg']);
  assert.deepEqual(q.codec.up, { id: 'uniform', bits: 8 });
  const g = loadGatewayConfig('configs/gateway.yaml');
  assert.deepEqual(g.listen, { host: '127.0.0.1', port: 1883 }, 'plain MQTT on loopback by default');
  assert.deepEqual(g.auth, { keys: 'keys.json' });
  assert.equal(g.limits.maxConnections, 1000);
  assert.equal(g.experiment.job, 'quickstart');
  assert.equal(g.devices.length, 8);
  const a = loadAgentConfig('configs/agent.yaml');
  assert.deepEqual([a.device, a.job, a.gateway.url, a.data.index, a.data.of], ['dev-01', 'quickstart', 'mqtt://127.0.0.1:1883', undefined, undefined]);
  assert.deepEqual(a.auth, { secretEnv: 'EDGEFL_SECRET' });
  // A device's own file is used whole; a demo shard is opted into.
  assert.deepEqual(loadAgentConfig('configs/agent.yaml', ['data.dataset={csv: /var/lib/edgefl/local.csv}']).data, { dataset: { csv: '/var/lib/edgefl/local.csv' } });
  assert.equal(loadAgentConfig('configs/agent.yaml', ['data.index=2']).data.index, 2);
  assert.equal(loadAgentConfig('configs/agent.yaml', ['data.index=2', 'data.index=null']).data.index, undefined);
});

test('security keys: agent auth takes exactly one of secretFile/secretEnv; client TLS needs cert and key together', () => {
  const base = 'device: d\njob: j\ndata: { dataset: digits, index: 0 }\n';
  assert.throws(() => loadAgentConfig(yaml(base + 'auth: { secretFile: a, secretEnv: B }\n')), ConfigError);
  assert.throws(() => loadAgentConfig(yaml(base + 'auth: {}\n')), ConfigError);
  assert.throws(() => loadAgentConfig(yaml(base + 'auth: { secretEnv: "bad name" }\n')), ConfigError);
  assert.throws(() => loadAgentConfig(yaml(base + 'tls: { cert: c.pem }\n')), ConfigError);
  assert.throws(() => loadAgentConfig(yaml(base + 'password: x\n')), ConfigError, 'no secret as a plain key');
  assert.deepEqual(loadAgentConfig(yaml(base + 'auth: { secretFile: s }\ntls: { ca: ca.pem }\n')).tls, { ca: 'ca.pem' });
});

test('--set kind=… switches a tagged section: keys only the old kind has are dropped', () => {
  // model.hidden belongs to mlp; logistic has no other keys
  const q = loadExperimentConfig('configs/quickstart.yaml', ['model.kind=logistic']);
  assert.deepEqual(q.model, { kind: 'logistic' });
  // the tag may be implicit in the file (mlp is the default kind)
  const implicit = loadExperimentConfig(yaml('job: demo\nmodel: { hidden: [8], activation: tanh }\n'), ['model.kind=onnx', 'model.path=m.onnx']);
  assert.deepEqual(implicit.model, { kind: 'onnx', path: 'm.onnx', freeze: [] });
  // partitions too; keys the new kind shares stay
  const p = loadExperimentConfig(yaml('job: demo\ndata: { partition: { kind: dirichlet, alpha: 0.3 } }\n'), ['data.partition.kind=shards']);
  assert.deepEqual(p.data.partition, { kind: 'shards', shardsPerDevice: 2 });
  // a key given with --set is never dropped: a wrong one is still reported
  assert.deepEqual(lines(configError(() => loadExperimentConfig('configs/quickstart.yaml', ['model.kind=logistic', 'model.hidden=[8]']))),
    ['model.hidden: expected a known key (kind), got unknown key "hidden" (from --set model.hidden=[8])']);
  // without a switch, a stray key in the file is still an error
  assert.equal(configError(() => loadExperimentConfig(yaml('job: demo\nmodel: { kind: logistic, hidden: [8] }\n'))).problems.length, 1);
  // the gateway's inlined experiment switches the same way
  assert.deepEqual(loadGatewayConfig('configs/gateway.yaml', ['experiment.model.kind=logistic']).experiment.model, { kind: 'logistic' });
});

test('--set overrides any key, parsing YAML scalars and flow values, before validation', () => {
  const cfg = loadExperimentConfig(yaml('job: demo\nrounds: 3\n'), [
    'rounds=5', 'model.hidden=[64,32]', 'data.partition={kind: dirichlet, alpha: 0.1}', 'fleet.prefix=node-',
    'codec.up.bits=4', 'transport.kind=memory', 'log.level=debug', 'job=other',
  ]);
  assert.equal(cfg.rounds, 5);
  assert.deepEqual(cfg.model, { kind: 'mlp', hidden: [64, 32], activation: 'relu' });
  assert.deepEqual(cfg.data.partition, { kind: 'dirichlet', alpha: 0.1 });
  assert.deepEqual(cfg.codec.up, { id: 'uniform', bits: 4 });
  assert.deepEqual([cfg.fleet.prefix, cfg.transport.kind, cfg.log.level, cfg.job], ['node-', 'memory', 'debug', 'other']);
  // the tag of a union may be left out: the default kind applies
  const shards = loadExperimentConfig(yaml('job: demo\n'), ['data.partition.kind=shards', 'data.partition.shardsPerDevice=3']);
  assert.deepEqual(shards.data.partition, { kind: 'shards', shardsPerDevice: 3 });
});

test('missing file', () => {
  const p = join(dir, 'absent.yaml');
  const e = configError(() => loadExperimentConfig(p));
  assert.equal(e.message, `invalid configuration ${p} (1 problem):\n  (root): expected a YAML file, got no such file`);
  assert.equal(e.file, p);
  assert.match(e.hint ?? '', /check the path/);
});

test('YAML syntax error names the line', () => {
  const p = yaml('job: demo\nrounds: 5\n  seed: 2\n');
  const e = configError(() => loadExperimentConfig(p));
  assert.match(e.message.split('\n')[0]!, new RegExp(`^invalid configuration ${p} \\(\\d problems?\\):$`));
  assert.equal(lines(e)[0], 'line 2, column 9: YAML syntax error: Nested mappings are not allowed in compact mappings');
  const dup = yaml('job: a\njob: b\n');
  assert.match(lines(configError(() => loadExperimentConfig(dup)))[0]!, /^line 2, column 1: YAML syntax error: Map keys must be unique/);
});

test('unknown key, wrong type and missing key are all listed at once, with the file name', () => {
  const p = yaml([
    'rounds: ten',
    'seed: -1',
    'extra: 1',
    'data: { normalize: zscore, testFraction: 1.5 }',
    'model: { kind: mlp, hidden: [64, x] }',
    'algorithm: { name: fedavg, lrr: 0.1, batchSize: 0 }',
    'transport: { qos: 3 }',
    '',
  ].join('\n'));
  const e = configError(() => loadExperimentConfig(p));
  assert.deepEqual(lines(e), [
    'job: expected string (required), got nothing (the key is missing)',
    'seed: expected integer ≥ 0, got -1',
    'rounds: expected integer, got "ten"',
    'data.testFraction: expected number < 1, got 1.5',
    'data.normalize: expected one of "standard" | "minmax" | "none", got "zscore"',
    'model.hidden.1: expected integer, got "x"',
    'algorithm.batchSize: expected integer ≥ 1, got 0',
    'algorithm.lrr: expected a known key (name, localSteps, lr, batchSize, aggregation, admission), got unknown key "lrr"',
    'transport.qos: expected one of 0 | 1 | 2, got 3',
    'extra: expected a known key (job, seed, rounds, evaluation, data, model, fleet, algorithm, topology, codec, transport, health, budgets, telemetry, gateway, log), got unknown key "extra"',
  ]);
  assert.equal(e.message.split('\n')[0], `invalid configuration ${p} (10 problems):`);
  assert.deepEqual(e.problems.map((x) => x.path).slice(0, 3), ['job', 'seed', 'rounds']);
});

test('unions: a wrong tag lists the options; an unrecognisable value gets the description', () => {
  const e = configError(() => loadExperimentConfig(yaml('job: demo\nalgorithm: { name: fedsgd }\nmodel: { kind: cnn }\ndata: { dataset: mnist, partition: { kind: dirichlet, alpha: 0 } }\n')));
  assert.deepEqual(lines(e), [
    `data.dataset: expected ${DatasetSpecSchema.description}, got "mnist"`,
    'data.partition.alpha: expected number > 0, got 0',
    'model.kind: expected one of "mlp" | "logistic" | "linear" | "lenet" | "onnx", got "cnn"',
    `algorithm.name: expected one of ${algorithmNames().map((n) => JSON.stringify(n)).join(' | ')}, got "fedsgd"`,
  ]);
  // a csv spec with a typo is matched to the csv alternative
  const csv = configError(() => loadExperimentConfig(yaml('job: demo\ndata: { dataset: { csv: a.csv, delimter: comma } }\n')));
  assert.deepEqual(lines(csv), [
    'data.dataset.delimter: expected a known key (csv, delimiter, header, label, targetPath, task, name), got unknown key "delimter"',
  ]);
});

test('an override of an unknown key is an error naming the key and the --set', () => {
  const e = configError(() => loadExperimentConfig(yaml('job: demo\n'), ['algorithm.lrr=0.1', 'rounds=0']));
  assert.deepEqual(lines(e), [
    'rounds: expected integer ≥ 1, got 0 (from --set rounds=0)',
    // no algorithm.name in the file: the keys of every algorithm are candidates
    `algorithm.lrr: expected a known key (${[...new Set(['name', ...ALGORITHMS.flatMap((d) => Object.keys(d.params.shape))])].join(', ')}), got unknown key "lrr" (from --set algorithm.lrr=0.1)`,
  ]);
  const into = configError(() => loadExperimentConfig(yaml('job: demo\nrounds: 5\n'), ['rounds.max=3']));
  assert.deepEqual(lines(into), ['--set rounds.max=3: expected rounds to be a mapping, got 5; set rounds={…} instead']);
  const syntax = configError(() => loadExperimentConfig(yaml('job: demo\n'), ['rounds', 'a..b=1']));
  assert.equal(syntax.file, '--set');
  assert.deepEqual(lines(syntax), ['--set rounds: expected path.to.key=value, got "rounds"', '--set a..b=1: expected path.to.key=value, got "a..b=1"']);
});

test('the document root must be a mapping; an empty file is an empty mapping', () => {
  assert.deepEqual(lines(configError(() => loadExperimentConfig(yaml('- a\n- b\n')))), ['(root): expected mapping of keys, got a list']);
  assert.deepEqual(lines(configError(() => loadExperimentConfig(yaml('')))), ['job: expected string (required), got nothing (the key is missing)']);
});

test('gateway: experimentFile is inlined relative to the gateway file; devices set the fleet', () => {
  yaml('job: remote\nfleet: { devices: 3 }\n', 'exp.yaml');
  const g = loadGatewayConfig(yaml('experimentFile: exp.yaml\n'), ['experiment.rounds=4', 'listen.port=1999']);
  assert.deepEqual([g.experiment.job, g.experiment.rounds, g.listen.port], ['remote', 4, 1999]);
  assert.deepEqual(g.devices, ['dev-01', 'dev-02', 'dev-03']);
  const listed = loadGatewayConfig(yaml('experiment: { job: x }\ndevices: [pi-a, pi-b]\n'));
  assert.deepEqual([listed.devices, listed.experiment.fleet.devices], [['pi-a', 'pi-b'], 2]);

  const both = configError(() => loadGatewayConfig(yaml('experimentFile: exp.yaml\nexperiment: { job: x }\n')));
  assert.deepEqual(lines(both), ['experiment: expected either experiment or experimentFile, got both']);
  const dup = configError(() => loadGatewayConfig(yaml('experiment: { job: x }\ndevices: [a, a]\n')));
  assert.deepEqual(lines(dup), ['devices: expected a list without duplicate ids, got ["a","a"]']);
  const reserved = configError(() => loadGatewayConfig(yaml('experiment: { job: x, fleet: { devices: 2 } }\ndevices: [a, gateway]\n')));
  assert.deepEqual(lines(reserved), ['devices.1: expected an id other than gateway (the aggregator\'s node id), got "gateway"']);
  const count = configError(() => loadGatewayConfig(yaml('experiment: { job: x, fleet: { devices: 3 } }\ndevices: [a, b]\n')));
  assert.deepEqual(lines(count), ['devices: expected 3 ids (experiment.fleet.devices), got 2']);
  const none = configError(() => loadGatewayConfig(yaml('listen: { port: 70000 }\n')));
  assert.deepEqual(lines(none), ['listen.port: expected integer ≤ 65535, got 70000', 'experiment: expected mapping (required), got nothing (the key is missing)']);
  // a bad experiment file is reported with its own name
  const badExp = yaml('job: Bad\n', 'bad-exp.yaml');
  const e = configError(() => loadGatewayConfig(yaml('experimentFile: bad-exp.yaml\n')));
  assert.ok(e.message.includes(`(experiment from ${badExp})`), e.message);
  assert.deepEqual(lines(e), ['experiment.job: expected string matching /^[a-z0-9_-]{1,64}$/, got "Bad"']);
});

test('agent: shard fields need index, and index < of', () => {
  const base = 'device: dev-03\njob: quickstart\n';
  const ok = loadAgentConfig(yaml(`${base}data: { dataset: { csv: /data/local.csv } }\n`));
  assert.deepEqual(ok.data, { dataset: { csv: '/data/local.csv' } });
  assert.equal(ok.threads, 1);
  assert.deepEqual(lines(configError(() => loadAgentConfig(yaml(`${base}data: { dataset: digits, index: 8, of: 8 }\n`)))),
    ['data.index: expected integer ≤ 7, got 8']);
  assert.deepEqual(lines(configError(() => loadAgentConfig(yaml(`${base}data: { dataset: digits, partition: { kind: iid }, of: 4 }\n`)))),
    ['data.index: expected integer (required), got nothing (the key is missing)']);
  // index alone: partition, of and seed follow the job
  assert.deepEqual(loadAgentConfig(yaml(`${base}data: { dataset: digits, index: 2 }\n`)).data, { dataset: 'digits', index: 2 });
  assert.deepEqual(lines(configError(() => loadAgentConfig(yaml('gateway: { url: "http://x" }\ndevice: "a b"\n')))), [
    'gateway.url: expected string matching /^(mqtts?|wss?|tcp):\\/\\/[^\\s/]+/, got "http://x"',
    'device: expected string matching /^[A-Za-z0-9_-]{1,64}$/, got "a b"',
    'job: expected string (required), got nothing (the key is missing)',
    'data: expected mapping (required), got nothing (the key is missing)',
  ]);
});

test('job specs that travel as data are validated the same way', () => {
  const cfg = parseExperimentConfig({ job: 'x', rounds: 2 });
  assert.equal(cfg.rounds, 2);
  const e = configError(() => parseExperimentConfig({ job: 'x', rounds: '2' }, 'job spec from gateway'));
  assert.equal(e.message, 'invalid configuration job spec from gateway (1 problem):\n  rounds: expected integer, got "2"');
  // loadConfig takes any schema
  assert.equal(loadConfig(yaml('job: y\n'), ExperimentConfigSchema).job, 'y');
});

test('config types line up with the libs that consume them', () => {
  assert.deepEqual([...DATASET_NAMES], [...BUILTIN_DATASETS]);
  const cfg = loadExperimentConfig(yaml('job: demo\n'));
  // compile-time checks: these assignments fail type-checking if the shapes drift
  const ds: DatasetSpec = cfg.data.dataset;
  const part: PartitionSpec = cfg.data.partition;
  const codec: CodecSpec = cfg.codec.up;
  assert.deepEqual([ds, part.kind, codec.id], ['digits', 'iid', 'uniform']);
});
