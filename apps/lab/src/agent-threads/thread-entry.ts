/**
 * An agent thread: runs some of an emulated fleet's agents — the real `startAgent`, each
 * with its own MQTT connection to the gateway — and reports what the lab's run record
 * needs (each agent's round models, the traffic its port counted, its logs, how it ended)
 * to the main thread, where the gateway and the run record live. It is spawned as the run
 * begins, so its modules load while the main thread prepares the data and the gateway; the
 * devices come with `start`, once the gateway listens.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startAgent } from '@edgefl/agent';
import { setTrainerThreads } from '@edgefl/train';
import { countTraffic } from '@edgefl/runtime';
import { carry } from './carried-error.js';
import { forwardedLog } from './forwarded-log.js';
import { startFleetAgents, type EmulatedDevice, type FleetAgents } from '../fleet-agents.js';
import type { AgentThreadCommand, AgentThreadEvent, AgentThreadInit } from './protocol.js';

const port = parentPort!;
const init = workerData as AgentThreadInit;
setTrainerThreads(init.trainerThreads);

// Events go out in batches, one per loop turn, in the order they happened: a round's
// traffic always reaches the main thread before the round's end that follows it.
let batch: AgentThreadEvent[] = [];
let transfer: ArrayBuffer[] = [];
function emit(e: AgentThreadEvent): void {
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

const log = forwardedLog(init.logLevel, emit);

let fleet: FleetAgents | null = null;
let starting: Promise<void> | null = null;
let closing: Promise<void> | null = null;

port.on('message', (cmd: AgentThreadCommand) => {
  if (cmd.kind === 'start' && starting === null && closing === null) starting = start(cmd.url, cmd.agents);
  if (cmd.kind === 'close') void close();
});

function close(): Promise<void> {
  closing ??= (async () => {
    // agents still connecting are closed too, once they have started (or failed to)
    await starting;
    await fleet?.close();
    emit({ kind: 'closed' });
    flush();
  })();
  return closing;
}

async function start(url: string, devices: readonly EmulatedDevice[]): Promise<void> {
  try {
    fleet = await startFleetAgents(startAgent, devices, {
      url, job: init.job, jobTimeoutMs: init.jobTimeoutMs, log,
      // what the main thread's `countTraffic(accounting)` would have recorded, sent there instead
      wrapPort: countTraffic({ record: (t) => emit({ kind: 'traffic', transmission: t }) }),
      // a fresh copy per report: its buffer moves to the main thread
      onRoundEnd: (device) => (round, model, metrics) => emit({ kind: 'round', device, round, model: model.slice(), ...(metrics ? { metrics } : {}) }),
    });
  } catch (e) {
    emit({ kind: 'start-failed', error: carry(e) });
    return;
  }
  log.debug({ agents: devices.length }, 'agents started in this thread');
  emit({ kind: 'started' });
  // Reported after `start` settles, so `close` (which waits for it) never waits for the job.
  fleet.done.then(
    () => emit({ kind: 'done' }),
    (e: unknown) => emit({ kind: 'failed', error: carry(e) }),
  );
}
