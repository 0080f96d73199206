/**
 * An agent thread: runs some of an emulated fleet's agents — the real `startAgent`, each
 * with its own MQTT connection to the gateway — and reports what the lab's run record
 * needs (each agent's round models, the traffic its port counted, its logs, how it ended)
 * to the main thread, where the gateway and the run record live. It is spawned as the run
 * begins, so its modules load while the main thread prepares the data and the gateway; the
 * devices come with `start`, once the gateway listens.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startAgent, type RunningAgent } from '@edgefl/agent';
import { errorMessage } from '@edgefl/core';
import type { PortDecorator } from '@edgefl/runtime';
import { carry } from './carried-error.js';
import { forwardedLog } from './forwarded-log.js';
import type { AgentThreadCommand, AgentThreadEvent, AgentThreadInit, EmulatedDevice } from './protocol.js';

const port = parentPort!;
const init = workerData as AgentThreadInit;

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
// What the main thread's `countTraffic(accounting)` would have recorded, sent there instead.
const countHere: PortDecorator = (p) => ({
  mailbox: p.mailbox,
  async send(out, round, phase) {
    const t = await p.send(out, round, phase);
    emit({ kind: 'traffic', transmission: t });
    return t;
  },
});

const agents: RunningAgent[] = [];
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
    // All at once, like the in-process fleet: each close waits for its broker's PUBACK.
    await Promise.all(agents.map((a) => a.close().catch((e: unknown) => log.warn({ reason: errorMessage(e) }, 'agent close failed'))));
    emit({ kind: 'closed' });
    flush();
  })();
  return closing;
}

async function start(url: string, devices: readonly EmulatedDevice[]): Promise<void> {
  // Every start settles before a failure is reported, so an agent still connecting when
  // another one failed is closed too instead of reconnecting forever.
  const starts = await Promise.allSettled(devices.map((a) => startAgent({
    url, device: a.device, job: init.job, log, data: a.data, username: a.device, password: a.password,
    jobTimeoutMs: init.jobTimeoutMs, wrapPort: countHere,
    // a fresh copy per report: its buffer moves to the main thread
    onRoundEnd: (round, model, metrics) => emit({ kind: 'round', device: a.device, round, model: model.slice(), ...(metrics ? { metrics } : {}) }),
  })));
  for (const s of starts) if (s.status === 'fulfilled') agents.push(s.value);
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    emit({ kind: 'start-failed', error: carry(failed.reason) });
    return;
  }
  emit({ kind: 'started' });
  // Reported after `start` settles, so `close` (which waits for it) never waits for the job.
  Promise.all(agents.map((a) => a.done)).then(
    () => emit({ kind: 'done' }),
    (e: unknown) => emit({ kind: 'failed', error: carry(e) }),
  );
}
