import { errorMessage } from '@edgefl/core';
import { createCompressor, createTernGrad, createThreshold, type CodecCompressor, type CodecSpec, type IndicatedCompressor } from '@edgefl/codec';
import type { Algorithm, Inbound, LocalLearner, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound, ParamSegment, Refusal } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import { RobustSum, DEFAULT_AGGREGATION } from '../../shared/aggregate.js';
import { AdmittedDecodes, UpdateAdmission } from '../../shared/admission.js';
import { fromEveryWorker, serverJob, workerLearner, type ServerRuleOptions } from '../../shared/server.js';
import { AdaptiveL1State, sparsity, type Method } from './updates.js';
import { doubles, floats, num, packState, unpackState, type StateRecord } from '../../contract/snapshot.js';

/**
 * QCMD / QRDA adagrad (paper 003, Alg. 1) and their 32-bit baselines on a parameter server.
 * Round t, three phases:
 *  - gradient (workers): f'_t(x_t) on a mini-batch; quantized methods also compute the
 *    tentative x̂_{t+1} with Ĥ from [q_{1:t−1}, g], the indicator I_d = [x_{t,d} ≠ 0 or
 *    x̂_{t+1,d} ≠ 0] (Eq. 11) and send I plus Q(S(g, I)) (Eq. 10): 32 + d + 2k bits.
 *    32-bit methods send g as float32.
 *  - aggregate (server): decode, SynQ_t = mean of the workers' vectors (Eq. 4), I^Syn = OR of
 *    the indicators; double quantization sends q_t = Q(S(SynQ_t, I^Syn)) (Eq. 12) with I^Syn,
 *    the † single variant sends SynQ_t itself unquantized: Alg. 1 pushes S(·, I^Syn) plus its
 *    positions, so only SynQ_t's non-zeros go down, as float32 values with their positions
 *    (32k′ + at most d + 1 bits; `sparseFloat32Down`).
 *  - update (every worker, and the server on its own copy): H_t from the q sequence
 *    (Eq. 13) and x_{t+1} by Eq. 16 (CMD) or Eq. 17 (RDA), or Prox-GD's soft threshold.
 * `aggregation` defaults to the mean of Eq. 4.
 */
export interface AdagradL1Options extends ServerRuleOptions {
  readonly method: Method;
  readonly lr: number;
  readonly lambda: number;
  readonly delta: number;
  readonly batchSize: number;
  /** 'none' = 32-bit gradients both ways */
  readonly quantizer: 'threshold' | 'terngrad' | 'none';
  /** threshold quantizer's Δ: exact Δ* or 0.75·mean|v| */
  readonly threshold: 'optimal' | 'approx';
  /** TernGrad: one scale per layer (from the model's parameter layout) or one for the vector */
  readonly scales: 'layer' | 'vector';
  /** quantize the server's average again (true) or send it as float32 († variant) */
  readonly double: boolean;
}

const PHASE_GRADIENT = 0;
const PHASE_AGGREGATE = 1;
const PHASE_UPDATE = 2;

export function adagradL1(name: string, server: NodeId, workers: readonly NodeId[], opts: AdagradL1Options): Algorithm {
  return {
    ...serverJob(name, server, workers),
    phases: ['gradient', 'aggregate', 'update'],
    createNode(env: NodeEnv): NodeMachine {
      return env.spec.role === 'server' ? new AdagradL1Server(env, workers, opts) : new AdagradL1Worker(env, server, opts);
    },
    roundMetrics(_round, models, metrics) {
      const m = models.get(server);
      const out: Record<string, number | null> = { modelSparsity: m ? sparsity(m) : null };
      if (opts.quantizer !== 'none') {
        let sum = 0;
        let n = 0;
        for (const w of workers) {
          const e = metrics.get(w)?.['uplinkRelError'];
          if (e !== undefined && Number.isFinite(e)) { sum += e; n++; }
        }
        out['uplinkRelError'] = n > 0 ? sum / n : null;
      }
      return out;
    },
  };
}

/** The quantizer of these options, with per-layer TernGrad scales from the node's layout. */
function quantizerFor(opts: AdagradL1Options, env: NodeEnv): IndicatedCompressor | undefined {
  if (opts.quantizer === 'none') return undefined;
  if (opts.quantizer === 'threshold') return createThreshold({ id: 'threshold', threshold: opts.threshold, form: 'sparse' });
  if (opts.scales === 'vector') return createTernGrad({ id: 'terngrad', form: 'sparse' });
  const layout: readonly ParamSegment[] | undefined = env.layout ?? env.learner?.layout;
  if (!layout || layout.length === 0) {
    throw new AlgorithmError(`node ${env.spec.id}: TernGrad with per-layer scales needs the model's parameter layout, which this node was not given`, 'set algorithm.scales: vector, or run under a driver that knows the model');
  }
  return createTernGrad({ id: 'terngrad', form: 'sparse', layers: layout.map((s) => s.size).join(',') });
}

const FLOAT32 = createCompressor({ id: 'float32' });

/** The † downlink codec for `synq`: its k′ non-zeros as float32 values plus their positions. */
function sparseFloat32Down(synq: Float32Array): CodecCompressor<void> {
  let k = 0;
  for (let i = 0; i < synq.length; i++) if (synq[i] !== 0) k++;
  return createCompressor({ id: 'topk', k });
}

/**
 * The † downlink's decoder from the message's own codec: `topk` with an integer k ≤ d (the
 * count of non-zeros the server sent); anything else is refused.
 */
function sparseFloat32Decoder(codec: CodecSpec, dim: number): CodecCompressor<void> {
  const k = codec['k'];
  if (codec.id !== 'topk' || typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > dim || Object.keys(codec).length !== 2) {
    throw new AlgorithmError(`synchronised gradient has codec ${JSON.stringify(codec)}, expected { id: 'topk', k } with 0 ≤ k ≤ ${dim}`);
  }
  return createCompressor({ id: 'topk', k });
}

/** A worker's gradient as the server decodes it: the values, and with a quantizer the indicator I of Eq. 11. */
interface DecodedGradient {
  readonly decoded: Float32Array;
  readonly indicator?: Uint8Array;
}

class AdagradL1Server implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly state: AdaptiveL1State;
  private readonly quantizer: IndicatedCompressor | undefined;
  private pending: Float32Array | undefined;
  private readonly admission: UpdateAdmission;
  /** gradients admission decoded, for the aggregate phase (decoded once) */
  private readonly admitted = new AdmittedDecodes<DecodedGradient>();

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], private readonly opts: AdagradL1Options) {
    this.spec = env.spec;
    this.admission = new UpdateAdmission(opts.admission?.maxNormRatio ?? 100);
    this.state = new AdaptiveL1State(env.initialParams, opts);
    this.quantizer = quantizerFor(opts, env);
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_AGGREGATE) return fromEveryWorker(this.workers, round, PHASE_GRADIENT);
    if (phase === PHASE_UPDATE) return [];
    return null;
  }

  /**
   * A gradient is admitted when it is in the job's codec, decodes and is finite, and its norm
   * is within maxNormRatio × the median of recently admitted gradients.
   */
  admit(m: Inbound): Refusal | null {
    if (m.phase !== PHASE_GRADIENT) return { reason: 'envelope', detail: `phase ${m.phase}: the server receives only gradients` };
    const decoder = this.quantizer ?? FLOAT32;
    return this.admission.check(m, decoder.spec, () => this.admitted.decode(m, decoder, () => this.decodeGradient(m)).decoded, 0);
  }

  /** What `m` carries: Q(S(g, I)) with its indicator I (Eq. 10–11), or a float32 gradient. */
  private decodeGradient(m: Inbound): DecodedGradient {
    const d = this.env.dim;
    return this.quantizer ? this.quantizer.decodeIndicated(m.body, d) : { decoded: FLOAT32.decode(m.body, d, undefined) };
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PHASE_UPDATE) {
      // The server keeps the model by the same update the workers apply (what a lab run evaluates).
      if (this.pending) this.state.apply(this.pending);
      this.pending = undefined;
      return [];
    }
    const d = this.env.dim;
    const sum = new Float64Array(d);
    // Σ of the gradients (Eq. 4's mean is sum / n below), or n × a robust rule's centre of them
    const summed = new RobustSum(this.opts.aggregation ?? DEFAULT_AGGREGATION, sum);
    const or = new Uint8Array(d);
    for (const m of inbox) {
      let got: DecodedGradient;
      try {
        got = this.admitted.take(m, this.quantizer ?? FLOAT32, () => this.decodeGradient(m));
      } catch (e) {
        this.env.log.warn({ round, from: m.from, reason: errorMessage(e) }, 'gradient rejected');
        continue;
      }
      const values = got.decoded;
      const indicator = got.indicator;
      if (indicator) for (let i = 0; i < d; i++) or[i]! |= indicator[i]!; // I^Syn: bitwise OR of the workers' indicators
      summed.add(values);
    }
    const n = summed.finish();
    if (n === 0) {
      this.env.log.warn({ round }, 'no usable gradient this round; nothing to send');
      return [];
    }
    const synq = new Float32Array(d); // SynQ_t, Eq. 4
    for (let i = 0; i < d; i++) synq[i] = sum[i]! / n;
    if (this.quantizer && this.opts.double) {
      const enc = this.quantizer.encodeOn(synq, or, this.env.rng); // q_t = Q(S(SynQ_t, I^Syn)), Eq. 12
      this.pending = enc.decoded;
      return [{ to: this.workers, codec: this.quantizer.spec, dim: d, body: enc.body, payloadBits: enc.payloadBits }];
    }
    // 32-bit methods send the dense average; the † variant its non-zeros (SynQ_t is 0 off I^Syn)
    const down = this.quantizer ? sparseFloat32Down(synq) : FLOAT32;
    const enc = down.encode(synq, undefined, this.env.rng);
    this.pending = enc.decoded;
    return [{ to: this.workers, codec: down.spec, dim: d, body: enc.body, payloadBits: enc.payloadBits }];
  }

  model(): Float32Array {
    return this.state.x;
  }

  snapshot(): Uint8Array {
    return packState(this.env, this.opts.method, { ...saveL1(this.state), ...(this.pending ? { pending: this.pending } : {}) });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.method, bytes);
    restoreL1(this.state, r);
    this.pending = r['pending'] === undefined ? undefined : floats(r, 'pending', this.env.dim);
  }
}

class AdagradL1Worker implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly state: AdaptiveL1State;
  private readonly quantizer: IndicatedCompressor | undefined;
  private relError = NaN;
  private readonly learner: LocalLearner;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, private readonly opts: AdagradL1Options) {
    this.learner = workerLearner(env);
    this.spec = env.spec;
    this.state = new AdaptiveL1State(env.initialParams, opts);
    this.quantizer = quantizerFor(opts, env);
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_GRADIENT) return [];
    if (phase === PHASE_UPDATE) return [{ from: this.server, round, phase: PHASE_AGGREGATE }];
    return null;
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    return phase === PHASE_GRADIENT ? this.gradient() : this.update(round, inbox);
  }

  private async gradient(): Promise<readonly Outbound[]> {
    const d = this.env.dim;
    const { grad, loss } = await this.learner.gradient(this.state.x, { batchSize: this.opts.batchSize });
    if (!this.quantizer) {
      const enc = FLOAT32.encode(grad, undefined, this.env.rng);
      return [{ to: [this.server], codec: FLOAT32.spec, dim: d, body: enc.body, payloadBits: enc.payloadBits, meta: { loss } }];
    }
    // Eq. 11: I_d = 1 where the model is non-zero now or after the local tentative update.
    const xHat = this.state.tentative(grad);
    const x = this.state.x;
    const indicator = new Uint8Array(d);
    for (let i = 0; i < d; i++) indicator[i] = x[i] !== 0 || xHat[i] !== 0 ? 1 : 0;
    const enc = this.quantizer.encodeOn(grad, indicator, this.env.rng); // Q(S(f'_t(x_t), I)), Eq. 10
    // ‖Q(S(g)) − S(g)‖² / ‖S(g)‖²: the quantization error of what was sent
    let err = 0;
    let norm = 0;
    for (let i = 0; i < d; i++) {
      if (indicator[i] === 0) continue;
      const g = grad[i]!;
      err += (enc.decoded[i]! - g) ** 2;
      norm += g * g;
    }
    this.relError = norm > 0 ? err / norm : 0;
    return [{ to: [this.server], codec: this.quantizer.spec, dim: d, body: enc.body, payloadBits: enc.payloadBits, meta: { loss } }];
  }

  private async update(round: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    const msg = inbox[0];
    if (!msg) {
      this.env.log.warn({ round }, 'no synchronised gradient arrived before the deadline; model unchanged this round');
      return [];
    }
    let q: Float32Array;
    try {
      q = this.decodeDown(msg);
    } catch (e) {
      this.env.log.warn({ round, from: msg.from, reason: errorMessage(e) }, 'synchronised gradient rejected; model unchanged this round');
      return [];
    }
    this.state.apply(q);
    return [];
  }

  /** q_t from the server: Q(S(SynQ_t, I^Syn)) (double), SynQ_t's non-zeros (†), or float32. */
  private decodeDown(msg: Inbound): Float32Array {
    const d = this.env.dim;
    if (!this.quantizer) return FLOAT32.decode(msg.body, d, undefined);
    if (this.opts.double) return this.quantizer.decodeIndicated(msg.body, d).decoded;
    return sparseFloat32Decoder(msg.codec, d).decode(msg.body, d, undefined);
  }

  model(): Float32Array {
    return this.state.x;
  }

  metrics(): Readonly<Record<string, number>> {
    return this.quantizer ? { uplinkRelError: this.relError } : {};
  }

  snapshot(): Uint8Array {
    return packState(this.env, this.opts.method, saveL1(this.state));
  }

  restore(bytes: Uint8Array): void {
    restoreL1(this.state, unpackState(this.env, this.opts.method, bytes));
  }
}

/** x, Σq², Σq and t of Eq. 13–17: all an adaptive L1 node carries between rounds (its quantizers hold no memory). */
function saveL1(s: AdaptiveL1State): StateRecord {
  return { x: s.x, sumSq: s.sumSq, sumQ: s.sumQ, t: s.t };
}

function restoreL1(s: AdaptiveL1State, r: StateRecord): void {
  const d = s.x.length;
  s.x.set(floats(r, 'x', d));
  s.sumSq.set(doubles(r, 'sumSq', d));
  s.sumQ.set(doubles(r, 'sumQ', d));
  s.t = num(r, 't');
}
