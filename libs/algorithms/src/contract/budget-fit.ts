import { isEdgeflError } from '@edgefl/core';
import { createCompressor, fitToBudget, type BudgetFit, type CodecCompressor, type CodecSpec } from '@edgefl/codec';
import type { NodeId, RoundBudget } from './types.js';
import type { BuildContext } from './declaration.js';
import { AlgorithmError } from './errors.js';
import { codecState, restoreCodecState, type StateRecord, type StateValue } from './snapshot.js';

/**
 * The codec a node uses on one link this round: the configured one, or the setting
 * `fitToBudget` chose for the link's payload budget (`budgets.*.bitsPerRound`). Sender and
 * receiver compute it from the same job, so a receiver never trusts the codec a message
 * claims. Compressors are cached per spec, so choosing per round costs nothing.
 */
export class BudgetedCodec {
  private readonly cache = new Map<string, { c: CodecCompressor<unknown>; state: unknown }>();

  constructor(private readonly spec: CodecSpec, private readonly dim: number, private readonly budget: RoundBudget | undefined) {}

  /** The fit for messages from `from` to every node of `to` (the tightest budget among them); throws at job start when none fits. */
  fit(from: NodeId, to: readonly NodeId[]): BudgetFit {
    let tightest: number | null = null;
    let at: NodeId | undefined;
    for (const r of to) {
      const b = this.budget?.(from, r) ?? null;
      if (b !== null && (tightest === null || b < tightest)) {
        tightest = b;
        at = r;
      }
    }
    if (tightest === null) return { spec: this.spec, maxPayloadBits: null, adapted: false };
    try {
      return fitToBudget(this.spec, this.dim, tightest);
    } catch (e) {
      if (!isEdgeflError(e)) throw e;
      throw new AlgorithmError(`link ${from} → ${at}: ${e.message}`,
        e.hint ?? 'raise budgets.*.bitsPerRound for this link, or choose a codec that can go lower');
    }
  }

  /** Every codec state used so far (references, error memories), by spec, for a checkpoint. */
  states(): StateValue {
    const out: Record<string, StateValue> = {};
    for (const [k, e] of this.cache) out[k] = codecState(e.state);
    return out;
  }

  /** Takes back `states()` (specs come from the job, so an unknown spec is a foreign record). */
  restoreStates(saved: StateRecord): void {
    for (const [key, st] of Object.entries(saved)) {
      let spec: CodecSpec;
      try {
        spec = JSON.parse(key) as CodecSpec;
        createCompressor(spec);
      } catch {
        throw new AlgorithmError(`node state names a codec ${key} this job does not use`, 'remove the state directory to start afresh');
      }
      restoreCodecState(this.compressor(spec).state, st, key);
    }
  }

  /**
   * The compressor and its state for a message from `from` to `to` this round, fitted to the
   * link's budget: what the sender encodes with and the receiver decodes with.
   */
  codecFor(from: NodeId, to: readonly NodeId[]): { c: CodecCompressor<unknown>; state: unknown } {
    return this.compressor(this.fit(from, to).spec);
  }

  /** Fits every sender's link to `to` now, so a budget no setting meets fails at job start, naming the minimum. */
  check(senders: readonly NodeId[], to: readonly NodeId[]): this {
    for (const s of senders) this.fit(s, to);
    return this;
  }

  /** The compressor (and its state, created once) for a fitted spec. */
  compressor(spec: CodecSpec): { c: CodecCompressor<unknown>; state: unknown } {
    const key = JSON.stringify(spec);
    let e = this.cache.get(key);
    if (e === undefined) {
      const c = createCompressor(spec);
      e = { c, state: c.initState(this.dim) };
      this.cache.set(key, e);
    }
    return e;
  }
}

/** What an algorithm's options carry to fit its codecs: the job's per-round budgets, when it has any. */
export interface RoundBudgetOption {
  readonly roundBudget?: RoundBudget;
}

/** The build context's per-round budgets as algorithm options (spread into them: `{ ...p, ...roundBudgetOf(ctx) }`). */
export function roundBudgetOf(ctx: BuildContext): RoundBudgetOption {
  return ctx.roundBudget ? { roundBudget: ctx.roundBudget } : {};
}

/**
 * A setting of `bits` per coordinate fitted to the per-round budget of `from` → `to` for a
 * codec family with that knob (`dq`, `uniform`, `qgadmm`): the configured bits, or fewer.
 * For algorithms that agree on their bits at setup (the DQ family).
 */
export function fittedBits(spec: CodecSpec & { readonly bits: number }, dim: number, budget: RoundBudget | undefined, from: NodeId, to: NodeId): number {
  const fitted = new BudgetedCodec(spec, dim, budget).fit(from, [to]).spec['bits'];
  return typeof fitted === 'number' ? fitted : spec.bits;
}
