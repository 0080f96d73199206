import type { Dataset, Log, Rng } from '@edgefl/core';
import type { CodecSpec } from '@edgefl/codec';

/**
 * The contract between algorithms and drivers: an algorithm never knows how its
 * messages travel.
 *
 * An algorithm is a set of per-node state machines. A round has fixed phases; in each
 * phase a node that acts waits for the exact messages it `expects`, then `act`s and
 * returns the messages to send. Drivers (runtime/memory, runtime/mqtt) move messages
 * and never look inside them; algorithms never know how messages travel.
 */
export type NodeId = string;
export type Role = 'server' | 'worker' | 'peer';

export interface NodeSpec {
  readonly id: NodeId;
  readonly role: Role;
}

/** Identifies one logical message: the sender and the (round, phase) it was sent in. */
export interface MessageKey {
  readonly from: NodeId;
  readonly round: number;
  readonly phase: number;
}

export interface Inbound extends MessageKey {
  readonly codec: CodecSpec;
  readonly dim: number;
  readonly body: Uint8Array;
  readonly payloadBits: number;
  /** small scalar side data the algorithm attached (e.g. a worker's sample count) */
  readonly meta?: Readonly<Record<string, number>>;
}

export interface Outbound {
  /** receivers; one transmission is counted once in payload bits however many receive it */
  readonly to: readonly NodeId[];
  readonly codec: CodecSpec;
  readonly dim: number;
  readonly body: Uint8Array;
  readonly payloadBits: number;
  readonly meta?: Readonly<Record<string, number>>;
}

/** Where one parameter tensor (a layer's weights or biases) sits in the flat vector. */
export interface ParamSegment {
  readonly offset: number;
  readonly size: number;
}

/**
 * Payload bits per round `from` may send to `to` (the job's `budgets.*.bitsPerRound`), or
 * null when that link has no per-round budget. Algorithms fit their codecs to it.
 */
export type RoundBudget = (from: NodeId, to: NodeId) => number | null;

/** Result of a local training step: new parameters and the mean mini-batch loss. */
export interface StepResult { readonly params: Float32Array; readonly loss: number }

/**
 * What a local learner (the ONNX Runtime trainer over the node's shard) offers an
 * algorithm: every step the training engine has. Each call leaves the caller's arrays
 * untouched and returns fresh ones; mini-batches are drawn from the learner's seeded
 * sampler, so runs replay.
 */
export interface LocalLearner {
  readonly dim: number;
  /** rows in the local shard (FedAvg weights by it) */
  readonly samples: number;
  /** the model's parameter tensors in vector order (per-layer quantizer scales), when known */
  readonly layout?: readonly ParamSegment[];
  /** `steps` mini-batch SGD steps θ ← θ − lr·∇f(θ; B) from `params` */
  sgd(params: Float32Array, opts: { steps: number; lr: number; batchSize: number }): Promise<StepResult>;
  /**
   * `steps` steps on the augmented Lagrangian θ ← θ − lr·(∇f(θ; B) + dual + rho·(θ − anchor))
   * (the ADMM / proximal local step).
   */
  admmStep(params: Float32Array, opts: { steps: number; lr: number; batchSize: number; anchor: Float32Array; dual: Float32Array; rho: number }): Promise<StepResult>;
  /** `steps` proximal-gradient steps θ ← soft(θ − lr·∇f(θ; B), lr·l1) */
  proxStep(params: Float32Array, opts: { steps: number; lr: number; batchSize: number; l1: number }): Promise<StepResult>;
  /** gradient of the mean loss on one seeded mini-batch, or on the whole shard with `'full'` */
  gradient(params: Float32Array, opts: { batchSize: number | 'full' }): Promise<{ readonly grad: Float32Array; readonly loss: number }>;
  /** mean loss (and accuracy for classifiers, else null) over the whole shard */
  evaluate(params: Float32Array): Promise<{ readonly loss: number; readonly accuracy: number | null }>;
}

export interface NodeEnv {
  readonly spec: NodeSpec;
  /** this node's seeded stream */
  readonly rng: Rng;
  /** parameter-vector length of the model */
  readonly dim: number;
  /** initial model, identical on every node (drawn from the job seed) */
  readonly initialParams: Float32Array;
  /** the model's parameter tensors in vector order (identical on every node), when the driver knows the model */
  readonly layout?: readonly ParamSegment[];
  /** workers and peers train on their shard; servers have none */
  readonly learner?: LocalLearner;
  /** the node's local shard, for algorithms with closed-form local solves */
  readonly data?: Dataset;
  readonly log: Log;
  /**
   * The round this node starts at: 1 for a node that starts with the job; later for one that
   * (re)joins a running job. Such a node is a fresh machine holding no references (no θ̂ of
   * its neighbours, no duals): its channels must ask for keyframes before decoding residuals.
   */
  readonly startRound?: number;
}

/** Why a message was refused before it was held: a short category and the detail for the log. */
export type RefusalReason = 'envelope' | 'codec' | 'decode' | 'non-finite' | 'norm' | 'meta' | 'admission-error';

export interface Refusal {
  readonly reason: RefusalReason;
  readonly detail: string;
}

export interface NodeMachine {
  readonly spec: NodeSpec;
  /**
   * Checks a received message whole (codec, body, values, norm) BEFORE it claims its
   * sender's slot for the round: the driver calls it before holding the message, so a bad
   * copy is refused and the sender's genuine message still counts. Returns null to admit.
   * Must not change the node's state (it sees messages of later rounds too).
   */
  admit?(m: Inbound): Refusal | null;
  /**
   * Messages this node waits for before acting in (round, phase); `null` when it does
   * not act in that phase. Rounds count from 1.
   */
  expects(round: number, phase: number): readonly MessageKey[] | null;
  /** Act on the expected messages (those that arrived; a deadline may cut the list short). */
  act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]>;
  /** The model this node currently holds (a view; the driver copies what it keeps). */
  model(): Float32Array;
  /**
   * Figures this node measured in the round just ended (e.g. a worker's quantization
   * error), read with its model at the end of each round; `Algorithm.roundMetrics` turns
   * them into run-record fields.
   */
  metrics?(): Readonly<Record<string, number>>;
  /**
   * Everything this node holds between rounds (model, duals, replicas, codec states with
   * their references and error memories, its seeded stream), as bytes for a checkpoint
   * (`packState`). Read at the end of a round; a machine without it cannot resume.
   */
  snapshot?(): Uint8Array;
  /**
   * Takes back a `snapshot` of the same node, before the round after it: the node then acts
   * as if it had never stopped. Throws SnapshotError (naming the field) on a foreign or
   * damaged record.
   */
  restore?(bytes: Uint8Array): void;
}

/** Per-node figures of one round, as `NodeMachine.metrics` reported them. */
export type NodeMetrics = ReadonlyMap<NodeId, Readonly<Record<string, number>>>;

/** A round of the run record as an algorithm sees it (the common fields plus any it added). */
export interface RoundFigures {
  readonly round: number;
  readonly loss: number;
  readonly accuracy: number | null;
  readonly [field: string]: number | null;
}

export interface Algorithm {
  readonly name: string;
  /** phase names of one round, in order */
  readonly phases: readonly string[];
  readonly nodes: readonly NodeSpec[];
  createNode(env: NodeEnv): NodeMachine;
  /**
   * The nodes whose messages node `id` receives (its in-neighbours). Drivers subscribe to
   * exactly these senders' topics and refuse messages from anyone else; the gateway's topic
   * policy reads the same function. Optional for server algorithms (default: a server
   * receives from every worker, a worker from the server); required when the algorithm has
   * peers — a job without it is refused.
   */
  senders?(id: NodeId): readonly NodeId[];
  /** The model a lab run evaluates after a round, from each node's end-of-round model. */
  evaluationModel(models: ReadonlyMap<NodeId, Float32Array>): Float32Array;
  /**
   * Extra fields of this algorithm for the run record's round entry (e.g. `modelSparsity`,
   * `uplinkRelError`), from every node's end-of-round model and metrics.
   */
  roundMetrics?(round: number, models: ReadonlyMap<NodeId, Float32Array>, metrics: NodeMetrics): Readonly<Record<string, number | null>>;
  /** Extra fields for the run record's totals (e.g. a fitted `contractionFactor`), once every round is recorded. */
  runTotals?(rounds: readonly RoundFigures[]): Readonly<Record<string, number | null>>;
}
