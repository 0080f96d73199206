import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Log } from '@edgefl/core';
import { trainerThreads } from '@edgefl/train';
import { startModuleWorker } from '@edgefl/core/module-worker';
import type { Transmission } from '@edgefl/runtime';
import { revive, threadExitError } from './carried-error.js';
import { forwardLevelOf, replay } from './forwarded-log.js';
import type { EmulatedDevice } from '../fleet-agents.js';
import type { AgentRunSettings, AgentThreadCommand, AgentThreadEvent } from './protocol.js';

export interface AgentThreadsOptions {
  readonly job: string;
  readonly jobTimeoutMs: number;
  /** the lab's logger: agents' records at its level are logged with it, under their bindings */
  readonly log: Log;
  /** worker threads to spread the agents over (≥ 1) */
  readonly threads: number;
}

export interface FleetStart {
  /** the gateway's broker */
  readonly url: string;
  readonly agents: readonly EmulatedDevice[];
  /** an agent's round ended (its node's model, a copy this side owns) */
  readonly onRoundEnd: (device: string, round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /** what an agent's port put on the wire (the in-process fleet's `countTraffic`) */
  readonly onTraffic: (t: Transmission) => void;
}

/** An emulated fleet's agents, running in worker threads. */
export interface AgentThreads {
  /**
   * Starts the agents, spread over the threads, and resolves once every one of them is ready
   * for the job; rejects with a failure of the first thread (in thread order) whose agents
   * did not all start (the others are closed by `close`). Once.
   */
  start(o: FleetStart): Promise<void>;
  /** resolves once every agent finished the job; rejects with the first agent's failure */
  readonly done: Promise<void>;
  /** stops every agent where it is (each publishes `offline` and disconnects), then keeps the threads warm for a next run or ends them */
  close(): Promise<void>;
}

/**
 * Agent threads of finished runs, waiting for the next run of this process (a sweep, a
 * benchmark's pairs): a fresh thread loads the agent's modules and compiles their code
 * again, about a second of CPU at 1,000 agents, while the memory driver's nodes run on the
 * main thread's code compiled by the runs before. Unreferenced, so they never keep the
 * process alive; at most one per core, each ended after `keepWarmMs` without a run (a warm
 * thread holds its modules' memory, ~100 MB).
 */
const warm: { readonly worker: Worker; readonly timer: NodeJS.Timeout }[] = [];
let keepWarmMs = 30_000;

/** How long an agent thread waits for the next run before it ends (default 30 s; 0: threads end with their run). */
export function setAgentThreadsKeepWarm(ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`keep-warm time must be a number of ms ≥ 0, got ${ms}`);
  keepWarmMs = ms;
}

/** Agent threads kept warm between runs, waiting for the next one. */
export function idleAgentThreads(): number {
  return warm.length;
}

/**
 * Ends the agent threads kept warm between runs; the next run spawns fresh ones. Threads of
 * runs still closing are not among them: they are kept (or ended) when their run closed.
 */
export async function closeIdleAgentThreads(): Promise<void> {
  await Promise.all(warm.splice(0).map((t) => {
    clearTimeout(t.timer);
    return t.worker.terminate();
  }));
}

/** Removes `w` from the warm threads, if it is there. */
function leaveWarm(w: Worker): { readonly worker: Worker; readonly timer: NodeJS.Timeout } | undefined {
  const i = warm.findIndex((t) => t.worker === w);
  if (i < 0) return undefined;
  const [t] = warm.splice(i, 1);
  clearTimeout(t!.timer);
  return t;
}

/** A warm thread if one waits, else a new one. */
function takeWorker(): Worker {
  const t = warm.pop();
  if (t !== undefined) {
    clearTimeout(t.timer);
    t.worker.ref();
    return t.worker;
  }
  const fresh = startModuleWorker(import.meta.url, 'thread-entry');
  // While it waits between runs nobody else listens: a thread that dies then leaves the pool.
  fresh.on('error', () => leaveWarm(fresh));
  fresh.on('exit', () => leaveWarm(fresh));
  return fresh;
}

/** Keeps a thread whose run closed cleanly for the next run, or ends it. */
async function release(w: Worker): Promise<void> {
  if (keepWarmMs === 0 || warm.length >= availableParallelism()) {
    await w.terminate();
    return;
  }
  w.unref();
  const timer = setTimeout(() => {
    if (leaveWarm(w) !== undefined) void w.terminate();
  }, keepWarmMs);
  timer.unref();
  warm.push({ worker: w, timer });
}

/**
 * Takes `o.threads` agent threads: warm ones kept from an earlier run of this process, else
 * new ones, which load the agent's modules at once while the caller prepares the data and
 * the gateway. They wait for `start`. The agents are the devices' own code, each connected
 * to the gateway over TCP like a board; the threads keep their MQTT clients, job set-up and
 * rounds off the thread that runs the broker and the aggregator, as a real fleet's devices
 * are. `close` must be called in every case; a thread whose agents all started and all
 * closed without an error is then kept warm for the next run (`idleAgentThreads`,
 * `setAgentThreadsKeepWarm`), any other is ended.
 */
export function spawnAgentThreads(o: AgentThreadsOptions): AgentThreads {
  const count = Math.max(1, o.threads);
  // Each thread starts its own pool of training workers, its share of the process's size,
  // rather than a pool the size of the process's each.
  const settings: AgentRunSettings = {
    job: o.job, jobTimeoutMs: o.jobTimeoutMs, logLevel: forwardLevelOf(o.log), trainerThreads: Math.max(1, Math.floor(trainerThreads() / count)),
  };
  let sink: Pick<FleetStart, 'onRoundEnd' | 'onTraffic'> | null = null;
  const onEvent = (e: AgentThreadEvent): void => {
    switch (e.kind) {
      case 'traffic': sink?.onTraffic(e.transmission); break;
      case 'round': sink?.onRoundEnd(e.device, e.round, e.model, e.metrics); break;
      case 'log': replay(o.log, e); break;
      default: break;
    }
  };
  const threads: AgentThread[] = [];
  try {
    for (let i = 0; i < count; i++) threads.push(agentThread(settings, onEvent));
  } catch (e) {
    // a thread that could not start: the ones already started must not keep the process alive
    for (const t of threads) void t.close();
    throw e;
  }
  const done = Promise.all(threads.map((t) => t.done)).then(() => undefined);
  done.catch(() => undefined);
  let closing: Promise<void> | null = null;
  return {
    async start(s) {
      if (sink !== null) throw new Error('agent threads start once');
      // after close the threads serve another run, or are gone
      if (closing !== null) throw new Error('agent threads start after close');
      sink = s;
      const per = Math.ceil(s.agents.length / threads.length);
      const started = await Promise.allSettled(threads.map((t, i) => t.start(s.url, s.agents.slice(i * per, (i + 1) * per))));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
    done,
    close() {
      closing ??= Promise.all(threads.map((t) => t.close())).then(() => undefined);
      return closing;
    },
  };
}

interface AgentThread {
  start(url: string, agents: readonly EmulatedDevice[]): Promise<void>;
  readonly done: Promise<void>;
  close(): Promise<void>;
}

/** A promise with its settle functions; its rejection counts as handled (whoever awaits it sees it). */
function deferred(): { p: Promise<void>; ok: () => void; fail: (e: unknown) => void } {
  let ok!: () => void, fail!: (e: unknown) => void;
  const p = new Promise<void>((res, rej) => {
    ok = res;
    fail = rej;
  });
  p.catch(() => undefined);
  return { p, ok, fail };
}

function agentThread(settings: AgentRunSettings, onEvent: (e: AgentThreadEvent) => void): AgentThread {
  const w = takeWorker();
  const started = deferred(), done = deferred(), closed = deferred();
  let clean = false;
  const onMessage = (events: AgentThreadEvent[]): void => {
    for (const e of events) {
      switch (e.kind) {
        case 'started': started.ok(); break;
        case 'start-failed': started.fail(revive(e.error)); break;
        case 'done': done.ok(); break;
        case 'failed': done.fail(revive(e.error)); break;
        case 'closed':
          clean = e.clean;
          closed.ok();
          break;
        default: onEvent(e);
      }
    }
  };
  // A thread that dies (an uncaught error, out of memory) fails whatever still waits on it.
  let crash: Error | null = null;
  const onError = (e: Error): void => {
    crash = e;
  };
  const onExit = (code: number): void => {
    const e = threadExitError(code, crash);
    started.fail(e);
    done.fail(e);
    closed.ok();
  };
  w.on('message', onMessage);
  w.on('error', onError);
  w.on('exit', onExit);
  const send = (cmd: AgentThreadCommand): void => w.postMessage(cmd);
  let closing: Promise<void> | null = null;
  return {
    start(url, agents) {
      send({ kind: 'start', run: settings, url, agents });
      return started.p;
    },
    done: done.p,
    close() {
      closing ??= (async () => {
        send({ kind: 'close' });
        await closed.p;
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        // every agent of the run closed and the thread lives: the next run can have it
        if (clean && crash === null) await release(w);
        else await w.terminate();
      })();
      return closing;
    },
  };
}
