import { Rng, errorMessage, type Log } from '@edgefl/core';
import { createCompressor, decodeFloat64, encodeFloat64, roundRates, waterFill, type CodecCompressor, type DqState } from '@edgefl/codec';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound, Refusal, RoundFigures } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import { RobustSum, DEFAULT_AGGREGATION } from '../../shared/aggregate.js';
import { AdmittedDecodes, UpdateAdmission, sameCodec } from '../../shared/admission.js';
import { fromEveryWorker, serverJob, type ServerRuleOptions } from '../../shared/server.js';
import { fittedBits, type RoundBudgetOption } from '../../contract/budget-fit.js';
import { contractionBound, coveringEfficiency, methodConstants, type Method, type MethodConstants, type Quantization } from './methods.js';
import { RangeSchedule, type RangeSnapshot } from './ranges.js';
import { LeastSquares } from './least-squares.js';
import { fitContraction } from './contraction.js';
import { SnapshotError, doubles, floats, num, packState, sub, unpackState, type StateRecord, type StateValue } from '../../contract/snapshot.js';

/**
 * Server/worker gradient methods of the differentially quantized gradient paper (Lin,
 * Kostina, Hassibi; Algorithms 1–4): the server holds the iterate x̂_t and sends it back
 * noiselessly (float64: the n coordinates of x̂, exactly); each worker computes gradients of its
 * summand f_k(x) = ½‖y_k − A_k x‖² and sends q_t at R bits per dimension.
 *
 * Round 1 opens with a handshake: workers announce L_k, μ_k, ‖x̂_0 − x*_k‖ of their data
 * (the server has none), the server fixes L, μ, D (or takes them from the job) and each
 * worker's rate (water-filling for K workers), and sends them with x̂_0. Every round then
 * runs one iteration t = round − 1: gradient (worker → server q_t), update (server →
 * workers x̂_{t+1}), observe (workers measure x̂_{t+1}). `aggregation` combines K workers'
 * gradients (full precision and NQ-GD; default: their sum).
 */
export interface DqOptions extends RoundBudgetOption, ServerRuleOptions {
  readonly method: Method;
  readonly quant: Quantization;
  /** R: bits per dimension (split across workers by water-filling for K-worker NQ-GD) */
  readonly bits: number;
  /** x̂_0: standard normal from the job seed (the paper's experiment) or the model's initial parameters */
  readonly start: 'gaussian' | 'model';
  readonly smoothness?: number | undefined;
  readonly strongConvexity?: number | undefined;
  readonly radius?: number | undefined;
  /** α of DQ-HB's range (45) */
  readonly alpha: number;
  readonly seed: number;
  /** fit the linear model's bias too (f over [w, b] on rows [a, 1]); the paper's f has none */
  readonly bias?: boolean;
  /** GD's step: the paper's 2/(L+μ) (20) by default, 'auto' = 1/L, or a number */
  readonly lr?: number | 'auto' | undefined;
}

/** η, γ, σ of the run: the paper's (20)–(44), or GD at a chosen step η with σ = max(|1 − ημ|, |1 − ηL|). */
export function runConstants(o: DqOptions, L: number, mu: number): MethodConstants {
  const c = methodConstants(o.method, L, mu);
  if (o.lr === undefined || o.method !== 'gd') return c;
  const eta = o.lr === 'auto' ? 1 / L : o.lr;
  return { eta, gamma: 0, sigma: Math.max(Math.abs(1 - eta * mu), Math.abs(1 - eta * L)) };
}

export const PHASES = ['announce', 'setup', 'gradient', 'update', 'observe'] as const;
const PH_ANNOUNCE = 0;
const PH_SETUP = 1;
const PH_GRADIENT = 2;
const PH_UPDATE = 3;
const PH_OBSERVE = 4;

/** Why iterations stopped (sent in `meta.stopped`). */
export const STOP_PRECISION = 1;
export const STOP_DIVERGED = 2;
export const STOP_UNCONFIGURED = 3;

/** A run stops at machine precision: ‖x̂_t − x*‖ ≤ 1e−13·D (float64 resolves ~1e−16 relative). */
const PRECISION = 1e-13;
/** …or when it diverged past any use: ‖x̂_t − x*‖ ≥ 1e8·D, or a range beyond 1e30. */
const DIVERGED = 1e8;
const MAX_RANGE = 1e30;
/** Most doublings of D one overload may ask for (an attacker's escalation is refused beyond). */
const MAX_ESCALATION = 64;

export function dqAlgorithm(name: string, server: NodeId, workers: readonly NodeId[], o: DqOptions): Algorithm {
  const job = serverJob(name, server, workers);
  if (o.quant === 'dq' && workers.length > 1) {
    throw new AlgorithmError(`${name} runs with one worker: differential quantization does not extend to K workers (the paper's Section V-C — no worker knows the others' quantization errors)`,
      'set fleet.devices: 1, or use nq-gd (water-filling across workers) or the unquantized gd/agd/hb');
  }
  if (o.quant !== 'none' && (!Number.isInteger(o.bits) || o.bits < 1 || o.bits > 32)) {
    throw new AlgorithmError(`${name}: bits = ${o.bits} is not an integer in 1..32`, 'set algorithm.bits to R ≥ 1 bits per dimension');
  }
  if (o.lr !== undefined && o.lr !== 'auto' && !(o.lr > 0 && Number.isFinite(o.lr))) {
    throw new AlgorithmError(`${name}: lr = ${o.lr} is not a positive step size`, "set lr to a number > 0 or 'auto' (1/L)");
  }
  if (o.smoothness !== undefined && o.strongConvexity !== undefined && !(o.smoothness >= o.strongConvexity)) {
    throw new AlgorithmError(`${name}: smoothness L = ${o.smoothness} is below strongConvexity μ = ${o.strongConvexity}, so κ = L/μ < 1`,
      'κ ≥ 1 always: L bounds the Hessian from above and μ from below');
  }
  return {
    ...job,
    phases: PHASES,
    createNode(env: NodeEnv): NodeMachine {
      return env.spec.role === 'server' ? new DqServer(env, workers, o) : new DqWorker(env, server, o);
    },
    roundMetrics(_round, _models, metrics) {
      let gap = 0, distance = 0, overloads = 0, escalations = 0, seen = 0;
      for (const id of workers) {
        const m = metrics.get(id);
        if (!m || m['distance'] === undefined) continue;
        seen++;
        gap += m['objectiveGap'] ?? 0;
        distance = Math.max(distance, m['distance']);
        overloads += m['overloads'] ?? 0;
        escalations += m['rangeEscalations'] ?? 0;
      }
      const s = metrics.get(server);
      return {
        objectiveGap: seen ? gap : null,
        distance: seen ? distance : null,
        overloads,
        rangeEscalations: escalations,
        contractionBound: s?.['contractionBound'] ?? null,
      };
    },
    runTotals(rounds: readonly RoundFigures[]) {
      let overloads = 0, escalations = 0;
      for (const r of rounds) {
        overloads += r['overloads'] ?? 0;
        escalations += r['rangeEscalations'] ?? 0;
      }
      const last = rounds[rounds.length - 1];
      return {
        contractionFactor: fitContraction(rounds.map((r) => r['distance'])),
        contractionBound: last?.['contractionBound'] ?? null,
        overloads,
        rangeEscalations: escalations,
      };
    },
  };
}

/** x̂_0 as both ends draw it: standard normal from the job seed, or the model's initial parameters. */
function startingPoint(o: DqOptions, n: number, initial: Float32Array): Float64Array {
  if (o.start === 'model') return Float64Array.from({ length: n }, (_, i) => initial[i] ?? 0);
  const rng = new Rng(`${o.seed}/dq/start`);
  return Float64Array.from({ length: n }, () => rng.normal());
}

/** What the server fixes in the handshake and every worker uses. */
interface Agreement {
  readonly features: number;
  readonly L: number;
  readonly mu: number;
  readonly D: number;
  readonly c: MethodConstants;
  /** per worker, in job order */
  readonly bits: readonly number[];
  readonly workerL: readonly number[];
  /** NQ's range contraction (the bound) */
  readonly nqSigma: number;
  readonly bound: number;
}

function isPositiveFinite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

function uplinkCodec(quant: Quantization, bits: number): CodecCompressor<DqState> | CodecCompressor<void> | null {
  if (quant === 'none') return createCompressor({ id: 'float32' });
  return bits >= 1 ? createCompressor({ id: 'dq', bits }) : null;
}

function scheduleFor(o: DqOptions, a: Agreement, k: number): RangeSchedule {
  const L = o.quant === 'nq' ? a.workerL[k]! : a.L;
  return new RangeSchedule(o.method, o.quant, a.c, L, a.mu, a.D, coveringEfficiency(a.features), a.bits[k]!, a.nqSigma, o.alpha);
}

class DqServer implements NodeMachine {
  readonly spec: NodeSpec;
  private agreement: Agreement | null = null;
  private x: Float64Array = new Float64Array(0);
  /** AGD's ŷ_t; HB's x̂_{t−1} */
  private aux: Float64Array = new Float64Array(0);
  private schedules: RangeSchedule[] = [];
  private codecs: (CodecCompressor<DqState> | CodecCompressor<void> | null)[] = [];
  private readonly model32: Float32Array;
  private t = 0;
  private stopped = 0;
  private readonly log: Log;
  private readonly admission: UpdateAdmission;
  /** full-precision gradients admission decoded, for the iteration (decoded once) */
  private readonly admitted = new AdmittedDecodes<Float32Array>();

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], private readonly o: DqOptions) {
    this.spec = env.spec;
    this.admission = new UpdateAdmission(o.admission?.maxNormRatio ?? 100);
    this.model32 = Float32Array.from(env.initialParams);
    this.log = env.log;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PH_SETUP) return round === 1 ? fromEveryWorker(this.workers, round, PH_ANNOUNCE) : null;
    if (phase === PH_UPDATE) return fromEveryWorker(this.workers, round, PH_GRADIENT);
    return null;
  }

  /**
   * A gradient message is admitted when it is in the codec agreed for its worker; a float32
   * one (full precision) must also decode, be finite and within the norm bound of recent
   * gradients. Quantized bodies decode only against the range of their iteration, so they are
   * checked when the iteration runs (a bad one skips it, and the workers roll back).
   */
  admit(m: Inbound): Refusal | null {
    const a = this.agreement;
    if (m.phase !== PH_GRADIENT || !a) return null;
    const k = this.workers.indexOf(m.from);
    const codec = this.codecs[k];
    if (!codec || m.meta?.['stopped'] !== undefined) return null;
    if (this.o.quant !== 'none') {
      return sameCodec(m.codec, codec.spec) ? null : { reason: 'codec', detail: `message codec ${JSON.stringify(m.codec)} is not the agreed ${JSON.stringify(codec.spec)}` };
    }
    const float32 = codec as CodecCompressor<void>;
    return this.admission.check(m, codec.spec, () => this.admitted.decode(m, float32, () => float32.decode(m.body, a.features, undefined)), 0);
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PH_SETUP) return this.setup(inbox);
    this.update(round, inbox);
    return [this.broadcast({ iteration: this.t, ...(this.stopped ? { stopped: this.stopped } : {}) }, this.workers)];
  }

  /** Fixes L, μ, D and the rates from the announcements (or the job), and sends them with x̂_0. */
  private setup(inbox: readonly Inbound[]): readonly Outbound[] {
    const announced = this.workers.map((id) => inbox.find((m) => m.from === id)?.meta);
    const n = announced[0]?.['features'];
    const bad = announced.findIndex((m) => !m || m['features'] !== n || !isPositiveFinite(m['smoothness']) || !isPositiveFinite(m['strongConvexity'])
      || !isPositiveFinite(m['radius']) || m['strongConvexity'] > m['smoothness']);
    if (bad >= 0 || typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > this.env.dim) {
      this.log.error({ worker: bad >= 0 ? this.workers[bad] : undefined }, 'a worker announced no usable problem constants; the run stays at x̂_0');
      this.stopped = STOP_UNCONFIGURED;
      return [this.broadcast({ stopped: STOP_UNCONFIGURED }, this.workers)];
    }
    const workerL = announced.map((m) => m!['smoothness']!);
    // f = Σ_k f_k: L ≤ Σ L_k, μ ≥ Σ μ_k (the paper's (60) for the average form).
    const L = this.o.smoothness ?? workerL.reduce((s, v) => s + v, 0);
    const mu = this.o.strongConvexity ?? announced.reduce((s, m) => s + m!['strongConvexity']!, 0);
    const D = this.o.radius ?? Math.max(...announced.map((m) => m!['radius']!));
    if (!(L >= mu)) {
      this.log.error({ L, mu }, 'L < μ: the configured smoothness/strongConvexity contradict the workers’ data; the run stays at x̂_0');
      this.stopped = STOP_UNCONFIGURED;
      return [this.broadcast({ stopped: STOP_UNCONFIGURED }, this.workers)];
    }
    const c = runConstants(this.o, L, mu);
    const K = this.workers.length;
    const effL = K === 1 ? [L] : workerL;
    // Rates: one worker gets R; K workers split R by water-filling on L_k (66)–(67), rounded to whole bits.
    const split = this.o.quant === 'none' ? effL.map(() => 0)
      : K === 1 ? [this.o.bits] : roundRates(waterFill(effL, this.o.bits).bits, this.o.bits);
    // A worker's per-round budget caps its R_k at ⌊bitsPerRound / n⌋ (q_t is R_k·n bits).
    let bits: number[];
    try {
      bits = split.map((b, k) => (b >= 1 ? fittedBits({ id: 'dq', bits: b }, n, this.o.roundBudget, this.workers[k]!, this.spec.id) : b));
    } catch (e) {
      this.log.error({ reason: errorMessage(e) }, 'a per-round budget is below n bits (1 bit per dimension); the run stays at x̂_0');
      this.stopped = STOP_UNCONFIGURED;
      return [this.broadcast({ stopped: STOP_UNCONFIGURED }, this.workers)];
    }
    const bound = contractionBound(this.o.method, this.o.quant, c, n, this.o.bits, effL, bits);
    const a: Agreement = { features: n, L, mu, D, c, bits, workerL: effL, nqSigma: bound, bound };
    this.agreement = a;
    this.schedules = this.workers.map((_, k) => scheduleFor(this.o, a, k));
    this.codecs = bits.map((b) => uplinkCodec(this.o.quant, b));
    this.x = startingPoint(this.o, n, this.env.initialParams);
    this.aux = Float64Array.from(this.x);
    this.syncModel();
    return this.workers.map((id, k) => this.broadcast({
      iteration: 0, features: n, smoothness: L, strongConvexity: mu, radius: D, bits: bits[k]!, workerSmoothness: effL[k]!, nqSigma: bound,
    }, [id]));
  }

  /** One iteration from every worker's q_t; a missing, stopped or undecodable message skips it (workers roll back). */
  private update(round: number, inbox: readonly Inbound[]): void {
    const a = this.agreement;
    if (!a || this.stopped) return;
    const n = a.features;
    const sum = new Float64Array(n);
    const before: RangeSnapshot[] = this.schedules.map((s) => s.snapshot());
    // Σ_k q_{t,k}, or under a robust rule (number of gradients) × the rule's centre of them
    const summed = new RobustSum(this.o.aggregation ?? DEFAULT_AGGREGATION, sum);
    const skip = (why: string, from?: string): void => {
      this.schedules.forEach((s, k) => s.restore(before[k]!));
      this.log.warn({ round, from, reason: why }, 'iteration skipped; x̂ unchanged');
    };
    for (let k = 0; k < this.workers.length; k++) {
      const m = inbox.find((x) => x.from === this.workers[k]);
      if (!m) return skip('no gradient arrived', this.workers[k]);
      const stop = m.meta?.['stopped'];
      if (stop !== undefined) {
        this.stopped = stop === STOP_PRECISION || stop === STOP_DIVERGED ? stop : STOP_UNCONFIGURED;
        this.log.info({ round, from: m.from, stopped: this.stopped, iteration: this.t }, 'iterations stopped');
        this.schedules.forEach((s, j) => s.restore(before[j]!));
        return;
      }
      const codec = this.codecs[k];
      if (!codec) continue; // a worker water-filling gave 0 bits sends nothing: q_{t,k} = 0
      const esc = m.meta?.['escalation'] ?? 0;
      if (!Number.isInteger(esc) || esc < 0 || esc > MAX_ESCALATION) return skip(`escalation ${esc} outside 0..${MAX_ESCALATION}`, m.from);
      if (esc > 0) this.schedules[k]!.escalate(esc);
      let q: Float32Array;
      try {
        if (this.o.quant === 'none') {
          const float32 = codec as CodecCompressor<void>;
          q = this.admitted.take(m, float32, () => float32.decode(m.body, n, undefined));
        } else {
          q = (codec as CodecCompressor<DqState>).decode(m.body, n, { range: this.schedules[k]!.current(), overload: 0 });
        }
      } catch (e) {
        return skip(errorMessage(e), m.from);
      }
      summed.add(q);
    }
    summed.finish();
    const { eta, gamma } = a.c;
    const x = this.x;
    if (this.o.method === 'agd') {
      // Algorithm 2 lines 9–10: ŷ_{t+1} = x̂_t − η q_t; x̂_{t+1} = ŷ_{t+1} + γ(ŷ_{t+1} − ŷ_t).
      for (let i = 0; i < n; i++) {
        const y = x[i]! - eta * sum[i]!;
        x[i] = y + gamma * (y - this.aux[i]!);
        this.aux[i] = y;
      }
    } else if (this.o.method === 'hb') {
      // Algorithm 3 line 8: x̂_{t+1} = x̂_t − η q_t + γ(x̂_t − x̂_{t−1}).
      for (let i = 0; i < n; i++) {
        const xi = x[i]!;
        x[i] = xi - eta * sum[i]! + gamma * (xi - this.aux[i]!);
        this.aux[i] = xi;
      }
    } else {
      // Algorithm 1 line 8 / Algorithm 4 line 5 (sum form): x̂_{t+1} = x̂_t − η Σ_k q_{t,k}.
      for (let i = 0; i < n; i++) x[i] = x[i]! - eta * sum[i]!;
    }
    for (const s of this.schedules) s.advance();
    this.t++;
    this.syncModel();
  }

  private syncModel(): void {
    for (let i = 0; i < this.x.length; i++) this.model32[i] = this.x[i]!;
  }

  /** x̂_t as float64 (n coordinates; a model's bias, if any, is not part of f and stays 0). */
  private broadcast(meta: Record<string, number>, to: readonly NodeId[]): Outbound {
    return { to, codec: { id: 'float64' }, dim: this.env.dim, body: encodeFloat64(this.x), payloadBits: 64 * this.x.length, meta };
  }

  model(): Float32Array {
    return this.model32;
  }

  metrics(): Readonly<Record<string, number>> {
    const a = this.agreement;
    return a ? { contractionBound: a.bound, iterations: this.t } : { iterations: this.t };
  }

  snapshot(): Uint8Array {
    return packState(this.env, `dq/${this.o.method}/${this.o.quant}`, {
      t: this.t, stopped: this.stopped, x: this.x, aux: this.aux,
      agreement: this.agreement ? saveAgreement(this.agreement) : null,
      schedules: this.schedules.map((r) => ({ ...r.snapshot() })),
    });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, `dq/${this.o.method}/${this.o.quant}`, bytes);
    this.t = num(r, 't');
    this.stopped = num(r, 'stopped');
    if (r['agreement'] === null) return;
    const a = loadAgreement(sub(r, 'agreement'), this.workers.length);
    this.agreement = a;
    this.x = doubles(r, 'x', a.features);
    this.aux = doubles(r, 'aux', a.features);
    this.schedules = this.workers.map((_, k) => scheduleFor(this.o, a, k));
    this.codecs = a.bits.map((b) => uplinkCodec(this.o.quant, b));
    const saved = r['schedules'];
    if (!Array.isArray(saved) || saved.length !== this.schedules.length) throw new SnapshotError('dq state has the wrong number of range schedules');
    this.schedules.forEach((s, k) => s.restore(rangeSnapshot(saved[k] as StateValue)));
    this.syncModel();
  }
}

function saveAgreement(a: Agreement): StateRecord {
  return { ...a, c: { ...a.c }, bits: Float64Array.from(a.bits), workerL: Float64Array.from(a.workerL) };
}

function loadAgreement(r: StateRecord, workers: number): Agreement {
  const c = sub(r, 'c');
  return {
    features: num(r, 'features'), L: num(r, 'L'), mu: num(r, 'mu'), D: num(r, 'D'),
    c: { eta: num(c, 'eta'), gamma: num(c, 'gamma'), sigma: num(c, 'sigma') },
    bits: [...doubles(r, 'bits', workers)], workerL: [...doubles(r, 'workerL', workers)], nqSigma: num(r, 'nqSigma'), bound: num(r, 'bound'),
  };
}

function rangeSnapshot(v: StateValue): RangeSnapshot {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || Array.isArray(v)) throw new SnapshotError('dq range schedule state is not a record');
  const r = v as StateRecord;
  return { t: num(r, 't'), scale: num(r, 'scale'), prev1: num(r, 'prev1'), prev2: num(r, 'prev2') };
}

interface Pending {
  readonly e: Float64Array;
  readonly before: RangeSnapshot;
}

class DqWorker implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly problem: LeastSquares;
  private readonly n: number;
  private readonly x: Float64Array;
  private readonly model32: Float32Array;
  private agreement: Agreement | null = null;
  private schedule: RangeSchedule | null = null;
  private codec: CodecCompressor<DqState> | CodecCompressor<void> | null = null;
  private bits = 0;
  /** e_{t−1}, e_{t−2} */
  private e1: Float64Array;
  private e2: Float64Array;
  private pending: Pending | null = null;
  private stopped = 0;
  private readonly grad: Float64Array;
  private readonly z: Float64Array;
  private figures: Record<string, number> = {};
  private readonly log: Log;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, private readonly o: DqOptions) {
    if (!env.data) throw new AlgorithmError(`worker ${env.spec.id} has no local data`);
    this.spec = env.spec;
    this.problem = new LeastSquares(env.data, o.bias ?? false);
    this.n = this.problem.features;
    if (this.n > env.dim) {
      throw new AlgorithmError(`the model has ${env.dim} parameters but the problem ${this.n} unknowns${o.bias ? ' (features + bias)' : ''}`, 'use model: { kind: linear } on the least-squares data');
    }
    this.x = startingPoint(o, this.n, env.initialParams);
    this.model32 = Float32Array.from(env.initialParams);
    this.e1 = new Float64Array(this.n);
    this.e2 = new Float64Array(this.n);
    this.grad = new Float64Array(this.n);
    this.z = new Float64Array(this.n);
    this.log = env.log;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PH_ANNOUNCE) return round === 1 ? [] : null;
    if (phase === PH_GRADIENT) return round === 1 ? [{ from: this.server, round, phase: PH_SETUP }] : [];
    if (phase === PH_OBSERVE) return [{ from: this.server, round, phase: PH_UPDATE }];
    return null;
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PH_ANNOUNCE) {
      const meta = {
        features: this.n, smoothness: this.problem.smoothness, strongConvexity: this.problem.strongConvexity, radius: this.problem.distance(this.x),
      };
      return [this.send(new Uint8Array(0), 0, meta)];
    }
    if (phase === PH_GRADIENT) {
      this.figures = {};
      if (round === 1) this.configure(inbox[0]);
      return [this.gradientStep()];
    }
    this.observe(round, inbox[0]);
    return [];
  }

  /** Takes the server's agreement (network input: every value is checked). */
  private configure(m: Inbound | undefined): void {
    const g = m?.meta;
    const bits = g?.['bits'];
    const ok = g && g['features'] === this.n && isPositiveFinite(g['smoothness']) && isPositiveFinite(g['strongConvexity'])
      && isPositiveFinite(g['radius']) && isPositiveFinite(g['workerSmoothness']) && isPositiveFinite(g['nqSigma'])
      && g['smoothness'] >= g['strongConvexity'] && typeof bits === 'number' && Number.isInteger(bits) && bits >= 0 && bits <= 32
      && (this.o.quant === 'none' || bits >= 1 || this.o.quant === 'nq');
    if (!ok || !m) {
      this.log.error({ from: m?.from }, 'no usable setup from the server; this worker sits the run out');
      this.stopped = STOP_UNCONFIGURED;
      return;
    }
    try {
      this.x.set(decodeFloat64(m.body, this.n));
    } catch (e) {
      this.log.error({ reason: errorMessage(e) }, 'x̂_0 rejected; this worker sits the run out');
      this.stopped = STOP_UNCONFIGURED;
      return;
    }
    const L = g['smoothness'];
    const mu = g['strongConvexity'];
    const c = runConstants(this.o, L, mu);
    const a: Agreement = {
      features: this.n, L, mu, D: g['radius'], c, bits: [bits], workerL: [g['workerSmoothness']], nqSigma: g['nqSigma'], bound: g['nqSigma'],
    };
    this.agreement = a;
    this.bits = bits;
    this.schedule = scheduleFor(this.o, a, 0);
    this.codec = uplinkCodec(this.o.quant, bits);
  }

  /** Algorithm 1–4's worker lines: z_t, u_t, q_t = q_t(u_t), e_t = q_t − u_t. */
  private gradientStep(): Outbound {
    const a = this.agreement;
    if (!a || this.stopped) return this.stop(this.stopped || STOP_UNCONFIGURED);
    const d = this.problem.distance(this.x);
    if (d <= PRECISION * a.D) return this.stop(STOP_PRECISION);
    if (!(d < DIVERGED * a.D)) return this.stop(STOP_DIVERGED);
    const n = this.n;
    const { eta, gamma } = a.c;
    const u = new Float64Array(n);
    const comp = new Float64Array(n);
    if (this.o.quant === 'dq') {
      // Compensation: DQ-GD e_{t−1} (Alg. 1 l.4–5); DQ-AGD/HB e_{t−1} + γ(e_{t−1} − e_{t−2}) (Alg. 2 l.5, Alg. 3 l.5).
      for (let i = 0; i < n; i++) comp[i] = this.e1[i]! + gamma * (this.e1[i]! - this.e2[i]!);
      // z_t: x̂_t + η e_{t−1} for GD and HB (Alg. 1 l.4, Alg. 3 l.4), x̂_t + η·comp for AGD (Alg. 2 l.4).
      const shift = this.o.method === 'agd' ? comp : this.e1;
      for (let i = 0; i < n; i++) this.z[i] = this.x[i]! + eta * shift[i]!;
      this.problem.gradient(this.z, this.grad);
      for (let i = 0; i < n; i++) u[i] = this.grad[i]! - comp[i]!;
    } else {
      // NQ-GD (27) and the unquantized methods: the gradient at the current iterate.
      this.problem.gradient(this.x, this.grad);
      u.set(this.grad);
    }
    let uInf = 0;
    for (let i = 0; i < n; i++) uInf = Math.max(uInf, Math.abs(u[i]!));
    if (!Number.isFinite(uInf)) return this.stop(STOP_DIVERGED);
    const before = this.schedule!.snapshot();
    if (!this.codec) {
      // water-filling gave this worker no bits: it sends nothing and the server adds q = 0
      this.pending = { e: new Float64Array(n), before };
      return this.send(new Uint8Array(0), 0, {});
    }
    if (this.o.quant === 'none') {
      const enc = (this.codec as CodecCompressor<void>).encode(Float32Array.from(u), undefined, this.env.rng);
      this.pending = { e: new Float64Array(n), before };
      return this.send(enc.body, enc.payloadBits, {});
    }
    let r = this.schedule!.current();
    // Overload: a coordinate outside [−r_t, r_t] breaks the induction of Lemma B.3 (the
    // assumed D was too small). Never clip: double D on both ends until u_t fits.
    let overloads = 0;
    for (let i = 0; i < n; i++) if (Math.abs(u[i]!) > r) overloads++;
    let esc = 0;
    if (overloads > 0) {
      while (uInf > r * 2 ** esc && esc < MAX_ESCALATION) esc++;
      this.schedule!.escalate(esc);
      r = this.schedule!.current();
      this.log.debug({ iteration: this.schedule!.iteration, overloads, escalation: esc }, 'range overload: D doubled');
    }
    if (!(r <= MAX_RANGE) || uInf > r) {
      this.schedule!.restore(before);
      return this.stop(STOP_DIVERGED);
    }
    const state: DqState = { range: r, overload: 0 };
    const enc = (this.codec as CodecCompressor<DqState>).encode(Float32Array.from(u), state, this.env.rng);
    const e = new Float64Array(n);
    for (let i = 0; i < n; i++) e[i] = enc.decoded[i]! - u[i]!;
    this.pending = { e, before };
    this.figures = { overloads, rangeEscalations: esc > 0 ? 1 : 0 };
    return this.send(enc.body, enc.payloadBits, esc > 0 ? { escalation: esc } : {});
  }

  /** The server's x̂_{t+1}: commit this iteration if the server applied it, else roll back. */
  private observe(round: number, m: Inbound | undefined): void {
    const p = this.pending;
    this.pending = null;
    let x: Float64Array | null = null;
    try {
      if (m) x = decodeFloat64(m.body, this.n);
    } catch (e) {
      this.log.warn({ round, reason: errorMessage(e) }, 'iterate rejected');
    }
    const it = m?.meta?.['iteration'];
    const stop = m?.meta?.['stopped'];
    if (x && p && this.schedule && it === this.schedule.iteration + 1) {
      this.e2 = this.e1;
      this.e1 = p.e;
      this.schedule.advance();
    } else if (p && this.schedule) {
      this.schedule.restore(p.before);
    }
    if (stop !== undefined && !this.stopped) this.stopped = stop === STOP_PRECISION || stop === STOP_DIVERGED ? stop : STOP_UNCONFIGURED;
    if (x) {
      this.x.set(x);
      for (let i = 0; i < this.n; i++) this.model32[i] = x[i]!;
    }
    if (this.agreement) {
      this.figures = { ...this.figures, distance: this.problem.distance(this.x), objectiveGap: this.problem.gap(this.x), bits: this.bits };
    }
  }

  private stop(code: number): Outbound {
    if (!this.stopped) this.log.info({ iteration: this.schedule?.iteration, stopped: code }, 'iterations stopped');
    this.stopped = code;
    return this.send(new Uint8Array(0), 0, { stopped: code });
  }

  private send(body: Uint8Array, payloadBits: number, meta: Record<string, number>): Outbound {
    return {
      to: [this.server], codec: this.codec?.spec ?? { id: 'float32' }, dim: this.env.dim, body, payloadBits,
      ...(Object.keys(meta).length ? { meta } : {}),
    };
  }

  model(): Float32Array {
    return this.model32;
  }

  metrics(): Readonly<Record<string, number>> {
    return this.figures;
  }

  snapshot(): Uint8Array {
    return packState(this.env, `dq/${this.o.method}/${this.o.quant}`, {
      x: this.x, model: this.model32, e1: this.e1, e2: this.e2, stopped: this.stopped, bits: this.bits,
      agreement: this.agreement ? saveAgreement(this.agreement) : null,
      schedule: this.schedule ? { ...this.schedule.snapshot() } : null,
    });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, `dq/${this.o.method}/${this.o.quant}`, bytes);
    this.x.set(doubles(r, 'x', this.n));
    this.model32.set(floats(r, 'model', this.env.dim));
    this.e1 = doubles(r, 'e1', this.n);
    this.e2 = doubles(r, 'e2', this.n);
    this.stopped = num(r, 'stopped');
    this.bits = num(r, 'bits');
    if (r['agreement'] === null) return;
    const a = loadAgreement(sub(r, 'agreement'), 1);
    this.agreement = a;
    this.schedule = scheduleFor(this.o, a, 0);
    this.schedule.restore(rangeSnapshot(r['schedule'] ?? null));
    this.codec = uplinkCodec(this.o.quant, this.bits);
  }
}
