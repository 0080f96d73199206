import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseExperimentConfig } from '@edgefl/config';
import { EdgeflError, nullLog, type Log } from '@edgefl/core';
import { startBroker, type BrokerCounters, type ClientTraffic } from '@edgefl/gateway';
import { setTrainerThreads, trainerThreads } from '@edgefl/train';
import { closeIdleAgentThreads, idleAgentThreads, runExperiment, setAgentThreadsKeepWarm, spawnAgentThreads } from '@edgefl/lab';
import { assertSameModels, observeExperiment } from '../helpers/observed-run.js';

/**
 * `edgefl sim` runs a large fleet's agents in worker threads (agentThreadsFor). These tests
 * force threads on a small fleet: the agents are the same code either way, so the run must
 * be the same run.
 */
const execFileAsync = promisify(execFile);
const base = { job: 'threads', seed: 11, rounds: 3, fleet: { devices: 5 }, algorithm: { localSteps: 5, lr: 0.1, batchSize: 32 } };
const cfgOf = (kind: 'memory' | 'mqtt') => parseExperimentConfig({ ...base, transport: { kind, roundTimeoutMs: 30_000 } });

interface Captured { level: string; bindings: Record<string, unknown>; obj: Record<string, unknown>; msg: string | undefined }

/** A logger at `level` (pino's names) that keeps every record with its child bindings. */
function capture(level: 'debug' | 'info' | 'warn', out: Captured[], bindings: Record<string, unknown> = {}): Log {
  const at = (l: string) => (obj: object, msg?: string): void => {
    out.push({ level: l, bindings, obj: obj as Record<string, unknown>, msg });
  };
  return Object.assign({ level }, {
    debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'),
    child: (b: Record<string, unknown>) => capture(level, out, { ...bindings, ...b }),
  });
}

test('agents in two worker threads: the same models, links and broker-counted bytes as agents beside the gateway and the memory driver', async () => {
  const memory = await observeExperiment(cfgOf('memory'), { log: nullLog });
  const here = await observeExperiment(cfgOf('mqtt'), { log: nullLog, agentThreads: 0 });
  const records: Captured[] = [];
  // a process pool of 4 training workers: each of the two threads starts 2 of its own
  const pool = trainerThreads();
  setTrainerThreads(4);
  const threaded = await observeExperiment(cfgOf('mqtt'), { log: capture('debug', records), agentThreads: 2 }).finally(() => setTrainerThreads(pool));
  // the agents did run in two threads (3 and 2 of the 5), not beside the gateway
  const started = records.filter((r) => r.msg === 'agents started in this thread');
  assert.deepEqual(started.map((r) => r.obj['agents']).sort(), [2, 3]);
  assert.deepEqual(started.map((r) => r.obj['trainerThreads']), [2, 2]);
  assertSameModels(threaded, memory, 3);
  assertSameModels(threaded, here, 3);
  assert.deepEqual(threaded.rounds.map((r) => r.loss), memory.rounds.map((r) => r.loss));
  // the traffic each agent's port counted in its thread reached the run record, link by link
  assert.deepEqual(threaded.record.links, memory.record.links);
  assert.equal(threaded.record.totals.payloadBits, here.record.totals.payloadBits);
  const counters = threaded.broker as BrokerCounters | undefined;
  assert.ok(counters);
  for (const l of threaded.record.links) {
    const device = l.from === 'gateway' ? l.to : l.from;
    const seen: ClientTraffic['byKind'] = counters.get(`edgefl-${base.job}-${device}`).byKind;
    assert.equal(l.wireBytes, l.from === 'gateway' ? seen['down']?.delivered.bytes : seen['up']?.received.bytes, `${l.from}→${l.to}`);
  }
});

test('agents\' log records cross from their threads to the lab\'s logger with their device bindings', async () => {
  const records: Captured[] = [];
  const cfg = parseExperimentConfig({ ...base, job: 'threads-log', rounds: 1, fleet: { devices: 3 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } });
  await runExperiment(cfg, { log: capture('info', records), agentThreads: 1 });
  const ready = records.filter((r) => r.msg === 'ready' && typeof r.bindings['device'] === 'string');
  assert.deepEqual(ready.map((r) => r.bindings['device']).sort(), ['dev-01', 'dev-02', 'dev-03']);
  assert.equal(ready[0]!.obj['role'], 'worker');
  // the MQTT client's own child logger (bindings nested two deep) crossed too
  const connected = records.filter((r) => r.msg === 'mqtt connected' && r.bindings['device'] === 'dev-02');
  assert.equal(connected.length, 1);
  assert.equal(connected[0]!.bindings['clientId'], 'edgefl-threads-log-dev-02');
});

test('a later run of the process takes the agent thread an earlier run left warm, and runs the same run', async () => {
  await closeIdleAgentThreads();
  const cfg = parseExperimentConfig({ ...base, job: 'threads-warm', rounds: 2, fleet: { devices: 3 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } });
  const run = async (): Promise<{ losses: number[]; threads: unknown[] }> => {
    const records: Captured[] = [];
    const record = await runExperiment(cfg, { log: capture('debug', records), agentThreads: 1 });
    return { losses: record.rounds.map((r) => r.loss), threads: records.filter((r) => r.msg === 'agents started in this thread').map((r) => r.obj['threadId']) };
  };
  const first = await run();
  assert.equal(idleAgentThreads(), 1, 'the first run left its thread warm');
  const second = await run();
  assert.equal(first.threads.length, 1);
  assert.equal(typeof first.threads[0], 'number');
  assert.deepEqual(second.threads, first.threads, 'the second run\'s agents ran in the same thread');
  assert.deepEqual(second.losses, first.losses);
  assert.equal(idleAgentThreads(), 1);
  await closeIdleAgentThreads();
  assert.equal(idleAgentThreads(), 0);
  const third = await run();
  assert.notDeepEqual(third.threads, first.threads, 'after closeIdleAgentThreads a run starts a fresh thread');
  assert.deepEqual(third.losses, first.losses);
});

test('a warm agent thread never keeps the process alive: a program that ran one run exits by itself', async () => {
  // The child's kill after two minutes guards against a hang (the defect this tests), it bounds no speed.
  const program = `
    import { parseExperimentConfig } from '@edgefl/config';
    import { nullLog } from '@edgefl/core';
    import { idleAgentThreads, runExperiment } from '@edgefl/lab';
    const cfg = parseExperimentConfig(${JSON.stringify({ ...base, job: 'threads-exit', rounds: 1, fleet: { devices: 2 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } })});
    const record = await runExperiment(cfg, { log: nullLog, agentThreads: 1 });
    console.log(JSON.stringify({ rounds: record.rounds.length, idle: idleAgentThreads() }));`;
  const { stdout } = await execFileAsync(process.execPath, ['--conditions=edgefl-source', '--import', 'tsx', '--input-type=module', '-e', program], { timeout: 120_000 });
  assert.deepEqual(JSON.parse(stdout), { rounds: 1, idle: 1 });
});

test('a warm thread not taken within the keep-warm time ends; with 0 threads end with their run', async () => {
  await closeIdleAgentThreads();
  const cfg = parseExperimentConfig({ ...base, job: 'threads-cool', rounds: 1, fleet: { devices: 2 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } });
  try {
    setAgentThreadsKeepWarm(0);
    await runExperiment(cfg, { log: nullLog, agentThreads: 1 });
    assert.equal(idleAgentThreads(), 0);
    setAgentThreadsKeepWarm(50);
    await runExperiment(cfg, { log: nullLog, agentThreads: 1 });
    assert.equal(idleAgentThreads(), 1);
    // waits on the event loop (the keep-warm timer), not on a time bound
    while (idleAgentThreads() > 0) await new Promise((r) => setTimeout(r, 20));
    assert.throws(() => setAgentThreadsKeepWarm(-1), RangeError);
  } finally {
    setAgentThreadsKeepWarm(30_000);
  }
});

test('a thread answers a close before any start, and then serves the next run; threads start once and never after close', async () => {
  await closeIdleAgentThreads();
  const unused = spawnAgentThreads({ job: 'never-started', jobTimeoutMs: 300, log: nullLog, threads: 1 });
  await unused.close();
  assert.equal(idleAgentThreads(), 1, 'a thread that never ran agents is kept');
  await assert.rejects(unused.start({ url: 'mqtt://127.0.0.1:1', agents: [], onRoundEnd: () => undefined, onTraffic: () => undefined }), /start after close/);
  const records: Captured[] = [];
  const cfg = parseExperimentConfig({ ...base, job: 'threads-after-close', rounds: 1, fleet: { devices: 2 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } });
  const record = await runExperiment(cfg, { log: capture('debug', records), agentThreads: 1 });
  assert.equal(record.rounds.length, 1);
  assert.equal(idleAgentThreads(), 1, 'the run took the warm thread and gave it back');
  await closeIdleAgentThreads();
});

test('two runs at once get a thread each: a warm thread serves one run at a time', async () => {
  await closeIdleAgentThreads();
  const threadsOf = (records: Captured[]): unknown[] => records.filter((r) => r.msg === 'agents started in this thread').map((r) => r.obj['threadId']);
  const cfg = (job: string) => parseExperimentConfig({ ...base, job, rounds: 2, fleet: { devices: 2 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } });
  const a: Captured[] = [], b: Captured[] = [];
  await runExperiment(cfg('threads-first'), { log: nullLog, agentThreads: 1 });
  assert.equal(idleAgentThreads(), 1);
  // two runs at once: one takes the warm thread, the other spawns its own
  await Promise.all([
    runExperiment(cfg('threads-a'), { log: capture('debug', a), agentThreads: 1 }),
    runExperiment(cfg('threads-b'), { log: capture('debug', b), agentThreads: 1 }),
  ]);
  assert.equal(threadsOf(a).length, 1);
  assert.equal(threadsOf(b).length, 1);
  assert.notDeepEqual(threadsOf(a), threadsOf(b));
  assert.equal(idleAgentThreads(), Math.min(2, availableParallelism()), 'both are kept warm (at most one per core)');
  await closeIdleAgentThreads();
});

test('an agent that fails to start in its thread fails with its own error (code, message, hint), and its thread is ended, not kept', async () => {
  // a broker that never announces the job: each agent gives up after jobTimeoutMs
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 65536 });
  const idle = idleAgentThreads();
  const threads = spawnAgentThreads({ job: 'nobody-announces', jobTimeoutMs: 300, log: nullLog, threads: 1 });
  try {
    const data = { name: 'tiny', n: 4, features: 2, classes: 2, x: new Float32Array(8), y: Float32Array.of(0, 1, 0, 1) };
    const start = threads.start({
      url: `mqtt://127.0.0.1:${broker.port}`, agents: [{ device: 'dev-01', password: 'x', data }],
      onRoundEnd: () => assert.fail('no round runs'), onTraffic: () => assert.fail('nothing is sent'),
    });
    await assert.rejects(start, (e: unknown) => {
      assert.ok(e instanceof EdgeflError, String(e));
      assert.equal(e.code, 'AGENT');
      assert.equal(e.exitCode, 2, 'a user-facing error keeps its exit code across the thread');
      assert.match(e.stack ?? '', /agent\.(ts|js)/, 'and the stack of where it was raised');
      assert.match(e.message, /no job announcement for nobody-announces after 300 ms/);
      assert.match(e.hint ?? '', /start the gateway for this job/);
      return true;
    });
  } finally {
    await threads.close();
    await broker.close();
  }
  // a run whose agents did not all start may have left something behind in its thread: it is ended, not kept
  assert.equal(idleAgentThreads(), idle);
});

test('a run stopped mid-way (Ctrl-C) with agents in threads returns the rounds done so far, marked incomplete', async () => {
  await closeIdleAgentThreads();
  const stop = new AbortController();
  const cfg = parseExperimentConfig({ ...base, job: 'threads-stop', rounds: 50, fleet: { devices: 3 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } });
  const record = await runExperiment(cfg, { log: nullLog, agentThreads: 1, signal: stop.signal, onRound: (r) => { if (r.round === 2) stop.abort(); } });
  assert.equal(record.incomplete, true);
  assert.ok(record.rounds.length >= 2 && record.rounds.length < 50, `${record.rounds.length} rounds`);
  // the stopped run's thread is kept; a full run on it gets nothing of the stopped one (its late events were dropped)
  assert.equal(idleAgentThreads(), 1);
  const short = parseExperimentConfig({ ...base, job: 'threads-stop', rounds: 3, fleet: { devices: 3 }, transport: { kind: 'mqtt', roundTimeoutMs: 30_000 } });
  const after = await runExperiment(short, { log: nullLog, agentThreads: 1 });
  const fresh = await runExperiment(short, { log: nullLog, agentThreads: 0 });
  assert.equal(after.incomplete, undefined);
  assert.deepEqual(after.rounds.map((r) => [r.round, r.loss]), fresh.rounds.map((r) => [r.round, r.loss]));
  assert.deepEqual(after.links, fresh.links);
});

test('a memory run of more than ten devices prints no listener-leak warning (every node waits on the run\'s one stop signal)', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(`${w.name}: ${w.message}`);
  };
  process.on('warning', onWarning);
  try {
    const cfg = parseExperimentConfig({ ...base, job: 'twelve', rounds: 1, fleet: { devices: 12 }, transport: { kind: 'memory' } });
    await runExperiment(cfg, { log: nullLog });
    // warnings are emitted on the next tick
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
});
