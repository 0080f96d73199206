import { EdgeflError, type Dataset, type Log } from '@edgefl/core';
import type { NodeId, NodeMachine, NodeSpec, ParamSegment } from '@edgefl/algorithms';
import { createTrainer, type Trainer } from '@edgefl/train';
import { nodeEnv, nodeSpec, trainerSeed, type Job } from './job.js';
import { runNode } from './node-runner.js';
import type { RunHealth } from './health.js';
import { decorate, type Port, type PortDecorator } from './port.js';

export interface NodeHostOptions {
  readonly job: Job;
  readonly id: NodeId;
  readonly log: Log;
  /** the node's local shard: a worker or peer trains on it in ONNX Runtime (a server has none) */
  readonly data?: Dataset;
  /** ONNX Runtime intra-op threads of its learner (default 1) */
  readonly threads?: number;
  /** the model every node starts from, for a node without a shard; default: its learner's initialisation from the job seed */
  readonly initial?: { readonly dim: number; readonly params: Float32Array; readonly layout?: readonly ParamSegment[] };
  /** the job's model dimension: a learner of any other size is refused with `error(dim)` */
  readonly expectDim?: { readonly dim: number; readonly error: (dim: number) => Error };
  /** the driver: makes the node's port (under MQTT this subscribes) */
  readonly port: (spec: NodeSpec, dim: number) => Port | Promise<Port>;
  /** wraps the driver's port, e.g. `countTraffic(accounting)` */
  readonly wrapPort?: PortDecorator;
}

export interface NodeRunOptions {
  /** the round to start at (default 1); a node starting later is a fresh machine with no references, unless it is restored */
  readonly firstRound?: number;
  /** the machine's `snapshot()` from a checkpoint: the node takes it back before `firstRound` */
  readonly restore?: Uint8Array;
  readonly signal?: AbortSignal;
  readonly onRoundStart?: (round: number) => void;
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /** see RunNodeOptions.onResender */
  readonly onResender?: (resend: (to: NodeId) => void) => void;
  /** the run's health collector: this node reports to `health.node(spec)` */
  readonly health?: RunHealth;
}

/** One node of a job hosted in this process: its learner, port and machine, ready to run. */
export interface HostedNode {
  readonly spec: NodeSpec;
  readonly dim: number;
  readonly port: Port;
  /**
   * Creates the node's machine and runs it from `firstRound` to the job's last round (or until
   * `signal` aborts), then closes its learner. Call once.
   */
  run(o?: NodeRunOptions): Promise<void>;
  /** the machine's state for a checkpoint (null before `run`, or when its algorithm cannot snapshot); call between rounds */
  snapshot(): Uint8Array | null;
  /** the model the node holds (its initial model before `run`) */
  model(): Float32Array;
  /** closes the learner (a local step in flight finishes first); safe to call more than once */
  close(): Promise<void>;
}

/**
 * The one place a node of a job is put together — by the agent (one device), the
 * aggregator (the server node) and the lab (every node in one process): learner over the
 * node's shard, node environment, the driver's port (decorated), `runNode` and its hooks.
 */
export async function hostNode(o: NodeHostOptions): Promise<HostedNode> {
  const { job } = o;
  const cfg = job.cfg;
  const spec = nodeSpec(job, o.id);
  const learner: Trainer | undefined = o.data
    ? await createTrainer({ model: cfg.model, data: o.data, seed: trainerSeed(job, o.id), threads: o.threads ?? 1 })
    : undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= learner?.close() ?? Promise.resolve());
  try {
    const dim = learner?.dim ?? o.initial?.dim;
    if (dim === undefined) throw new NodeHostError(`node ${o.id} has neither a data shard nor an initial model`);
    if (o.expectDim && dim !== o.expectDim.dim) throw o.expectDim.error(dim);
    const initialParams = o.initial?.params ?? learner!.initParams(cfg.seed);
    const port = decorate(await o.port(spec, dim), spec, [o.wrapPort]);
    let node: NodeMachine | undefined;
    return {
      spec, dim, port,
      async run(r: NodeRunOptions = {}): Promise<void> {
        if (node) throw new NodeHostError(`node ${o.id} is already running`);
        const firstRound = r.firstRound ?? 1;
        node = job.algorithm.createNode(nodeEnv(job, spec, {
          dim, initialParams, log: o.log, startRound: firstRound,
          ...(learner ? { learner } : {}), ...(o.data ? { data: o.data } : {}),
          // where each parameter tensor sits (per-layer codecs); a server without a learner gets it with its initial model
          ...(learner ? { layout: learner.layout } : o.initial?.layout ? { layout: o.initial.layout } : {}),
        }));
        if (r.restore) {
          if (!node.restore) throw new NodeHostError(`algorithm ${job.algorithm.name} cannot resume from a checkpoint`);
          node.restore(r.restore);
        }
        try {
          await runNode(node, port, {
            firstRound, rounds: cfg.rounds, phases: job.algorithm.phases.length, phaseTimeoutMs: cfg.transport.roundTimeoutMs, log: o.log,
            ...(r.signal ? { signal: r.signal } : {}),
            ...(r.onRoundStart ? { onRoundStart: r.onRoundStart } : {}),
            ...(r.onRoundEnd ? { onRoundEnd: r.onRoundEnd } : {}),
            ...(r.onResender ? { onResender: r.onResender } : {}),
            ...(r.health ? { health: r.health.node(spec) } : {}),
          });
        } finally {
          await close();
        }
      },
      model: () => node?.model() ?? initialParams,
      snapshot: () => node?.snapshot?.() ?? null,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

export class NodeHostError extends EdgeflError {
  constructor(message: string) {
    super('NODE', message, 'give every worker and peer its data shard, and the server the initial model');
  }
}
