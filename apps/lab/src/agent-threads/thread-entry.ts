/**
 * An agent thread: runs some of an emulated fleet's agents — the real `startAgent`, each
 * with its own MQTT connection to the gateway — and reports what the lab's run record
 * needs (each agent's round models, the traffic its port counted, its logs, how it ended)
 * to the main thread, where the gateway and the run record live. It is spawned as the first
 * run begins, so its modules load while the main thread prepares the data and the gateway;
 * the devices come with `start`, once the gateway listens. After a run's `close` it waits
 * for the next run's `start` (agent-threads.ts keeps it warm between runs).
 */
import { parentPort, threadId } from 'node:worker_threads';
import { startAgent } from '@edgefl/agent';
import { setTrainerThreads, trainerThreads } from '@edgefl/train';
import { countTraffic } from '@edgefl/runtime';
import { carry } from './carried-error.js';
import { forwardedLog } from './forwarded-log.js';
import { startFleetAgents, type EmulatedDevice, type FleetAgents } from '../fleet-agents.js';
import type { AgentRunSettings, AgentThreadCommand, AgentThreadEvent } from './protocol.js';

const port = parentPort!;

// Events go out in batches, one per loop turn, in the order they happened: a round's
// traffic always reaches the main thread before the round's end that follows it.
let batch: AgentThreadEvent[] = [];
let transfer: ArrayBuffer[] = [];
function post(e: AgentThreadEvent): void {
  if (batch.length === 0) setImmediate(flush);
  batch.push(e);
  if (e.kind === 'round') transfer.push(e.model.buffer as ArrayBuffer);
}
function flush(): void {
  if (batch.length === 0) return;
  const out = batch, moved = transfer;
  batch = [];
  transfer = [];
  port.postMessage(out, moved);
}

/** One run's agents. Once it reported `closed`, nothing of it is posted any more (a late `done` would end the next run). */
interface Run {
  fleet: FleetAgents | null;
  starting: Promise<void> | null;
  closing: Promise<void> | null;
  over: boolean;
  emit(e: AgentThreadEvent): void;
}

let current: Run | null = null;

port.on('message', (cmd: AgentThreadCommand) => {
  if (cmd.kind === 'start' && current === null) current = begin(cmd.run, cmd.url, cmd.agents);
  if (cmd.kind === 'close') void close(current);
});

function close(run: Run | null): Promise<void> {
  if (run === null) {
    // closed before any start: there is nothing to stop
    post({ kind: 'closed', clean: true });
    flush();
    return Promise.resolve();
  }
  run.closing ??= (async () => {
    // agents still connecting are closed too, once they have started (or failed to)
    await run.starting;
    // a run whose agents failed to start, or did not all close, may have left something
    // running here (a client, a training worker): the thread is not kept for another run
    const clean = run.fleet !== null && (await run.fleet.close());
    run.emit({ kind: 'closed', clean });
    flush();
    run.over = true;
    if (current === run) current = null;
  })();
  return run.closing;
}

function begin(settings: AgentRunSettings, url: string, devices: readonly EmulatedDevice[]): Run {
  const run: Run = {
    fleet: null, starting: null, closing: null, over: false,
    emit: (e) => {
      if (!run.over) post(e);
    },
  };
  setTrainerThreads(settings.trainerThreads);
  run.starting = start(run, settings, url, devices);
  return run;
}

async function start(run: Run, settings: AgentRunSettings, url: string, devices: readonly EmulatedDevice[]): Promise<void> {
  const emit = run.emit;
  const log = forwardedLog(settings.logLevel, emit);
  try {
    run.fleet = await startFleetAgents(startAgent, devices, {
      url, job: settings.job, jobTimeoutMs: settings.jobTimeoutMs, log,
      // what the main thread's `countTraffic(accounting)` would have recorded, sent there instead
      wrapPort: countTraffic({ record: (t) => emit({ kind: 'traffic', transmission: t }) }),
      // a fresh copy per report: its buffer moves to the main thread
      onRoundEnd: (device) => (round, model, metrics) => emit({ kind: 'round', device, round, model: model.slice(), ...(metrics ? { metrics } : {}) }),
    });
  } catch (e) {
    emit({ kind: 'start-failed', error: carry(e) });
    return;
  }
  log.debug({ agents: devices.length, threadId, trainerThreads: trainerThreads() }, 'agents started in this thread');
  emit({ kind: 'started' });
  // Reported after `start` settles, so `close` (which waits for it) never waits for the job.
  run.fleet.done.then(
    () => emit({ kind: 'done' }),
    (e: unknown) => emit({ kind: 'failed', error: carry(e) }),
  );
}
