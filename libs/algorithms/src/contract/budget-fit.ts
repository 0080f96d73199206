import { isEdgeflError } from '@edgefl/core';
import { createCompressor, fitToBudget, type BudgetFit, type CodecCompressor, type CodecSpec } from '@edgefl/codec';
import type { NodeId, RoundBudget } from './types.js';
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
