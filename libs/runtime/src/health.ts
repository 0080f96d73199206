import type { NodeId, NodeSpec, RefusalReason } from '@edgefl/algorithms';
import type { Mailbox } from './mailbox.js';

/** The run record's `health` section: whether the job did its work, and why not. */
export interface HealthRecord {
  /** false when the job did not do its work: `edgefl sim` and `edgefl gateway` then exit 3 */
  readonly ok: boolean;
  /** one sentence per reason `ok` is false */
  readonly problems: readonly string[];
  readonly roundsPlanned: number;
  readonly roundsCompleted: number;
  /**
   * Updates the aggregating node acted on in each round (index 0 = round 1): messages the
   * server took after admission, or in a serverless job the messages all peers took; null
   * where this process hosts no such node (the gateway of a serverless job).
   */
  readonly updatesPerRound: readonly number[] | null;
  /** rounds with no update at all */
  readonly emptyRounds: number;
  /** devices none of whose updates was ever acted on */
  readonly neverContributed: readonly NodeId[];
  /** keyframes the nodes sent to resynchronise a peer's reference (decentralized algorithms) */
  readonly keyframes: number;
  /** messages a node expected and did not get (or could not decode) at its deadline */
  readonly missedMessages: number;
  /** messages refused before they were held, by reason */
  readonly refusals: Readonly<Partial<Record<RefusalReason, number>>>;
  /** rounds a node skipped because acting on them failed */
  readonly actFailures: number;
  /** the first round a node's model was non-finite, or null */
  readonly diverged: { readonly round: number; readonly node: NodeId } | null;
  /** partial chunked messages dropped for the reassembly budget */
  readonly reassemblyDrops: number;
}

/** What `runNode` reports to (one per node). */
export interface NodeHealth {
  watch(mailbox: Mailbox): void;
  /** the node took these messages in `round` (after admission and its deadline) */
  taken(round: number, from: readonly NodeId[], missing: number): void;
  roundEnd(round: number, metrics?: Readonly<Record<string, number>>): void;
  actFailed(round: number, phase: number): void;
  diverged(round: number): void;
}

export interface RunHealthOptions {
  readonly rounds: number;
  readonly devices: readonly NodeId[];
  /** the job has a server node (its messages count as the round's updates), else peers' do */
  readonly hasServer: boolean;
  /** `health.maxEmptyRoundFraction` of the job */
  readonly maxEmptyRoundFraction: number;
}

/**
 * Collects a run's health from the nodes this process hosts: updates per round, refusals
 * (summed over every watched mailbox), skipped rounds, divergence, keyframes. `record()`
 * judges it: the job failed when its model diverged, or when more rounds than
 * `maxEmptyRoundFraction` of the job had no update to aggregate.
 */
export class RunHealth {
  private readonly updates = new Map<number, number>();
  private readonly contributed = new Set<NodeId>();
  private readonly mailboxes: Mailbox[] = [];
  private completed = 0;
  private readonly keyframes = new Map<NodeId, number>();
  private missed = 0;
  private failures = 0;
  private divergence: { round: number; node: NodeId } | null = null;
  private counting = false;
  /** read at record time, e.g. the transport's reassembly drops */
  reassemblyDrops: () => number = () => 0;

  constructor(private readonly o: RunHealthOptions) {}

  /** The sink for node `spec`'s runNode. */
  node(spec: NodeSpec): NodeHealth {
    const counts = this.o.hasServer ? spec.role === 'server' : spec.role === 'peer';
    if (counts) this.counting = true;
    return {
      watch: (m) => { this.mailboxes.push(m); },
      taken: (round, from, missing) => {
        this.missed += missing;
        if (!counts) return;
        this.updates.set(round, (this.updates.get(round) ?? 0) + from.length);
        for (const f of from) this.contributed.add(f);
      },
      roundEnd: (round, metrics) => {
        if (counts || !this.counting) this.completed = Math.max(this.completed, round);
        // a node's `keyframes` figure counts every keyframe it sent so far
        const k = metrics?.['keyframes'];
        if (k !== undefined) this.keyframes.set(spec.id, k);
      },
      actFailed: () => { this.failures++; },
      diverged: (round) => { if (!this.divergence || round < this.divergence.round) this.divergence = { round, node: spec.id }; },
    };
  }

  /** Rounds the job's clock reached where this process hosts no node (the gateway of a serverless job). */
  /** rounds a crashed process ran before this one resumed from its checkpoint: not counted as empty here */
  resumedAfter = 0;

  roundsObserved(round: number): void {
    this.completed = Math.max(this.completed, round);
  }

  record(): HealthRecord {
    const refusals: Partial<Record<RefusalReason, number>> = {};
    for (const m of this.mailboxes) for (const [r, n] of m.refusalCounts()) refusals[r] = (refusals[r] ?? 0) + n;
    const perRound: number[] | null = this.counting ? [] : null;
    let empty = 0;
    if (perRound) {
      for (let r = 1; r <= this.completed; r++) {
        const n = this.updates.get(r) ?? 0;
        perRound.push(n);
        if (n === 0 && r > this.resumedAfter) empty++;
      }
    }
    const problems: string[] = [];
    if (this.divergence) problems.push(`the model of ${this.divergence.node} diverged (non-finite) in round ${this.divergence.round}`);
    const allowed = Math.floor(this.o.maxEmptyRoundFraction * this.o.rounds);
    if (perRound && empty > allowed) {
      problems.push(`${empty} of ${this.o.rounds} rounds had no usable update (health.maxEmptyRoundFraction ${this.o.maxEmptyRoundFraction} allows ${allowed})`);
    }
    return {
      ok: problems.length === 0,
      problems,
      roundsPlanned: this.o.rounds,
      roundsCompleted: this.completed,
      updatesPerRound: perRound,
      emptyRounds: empty,
      neverContributed: perRound ? this.o.devices.filter((d) => !this.contributed.has(d)) : [],
      keyframes: [...this.keyframes.values()].reduce((a, b) => a + b, 0),
      missedMessages: this.missed,
      refusals,
      actFailures: this.failures,
      diverged: this.divergence,
      reassemblyDrops: this.reassemblyDrops(),
    };
  }
}

/** True when every value of `v` is finite. */
export function allFinite(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/**
 * Adds what the evaluated losses say to a health record: a final loss that is not finite, or
 * that blew up to more than `maxLossRatio` × the best loss of the run and above the first
 * round's, is a diverged model
 * (the job failed) whatever the nodes saw.
 */
export function judgeLosses(h: HealthRecord, losses: readonly number[], maxLossRatio: number): HealthRecord {
  if (losses.length === 0) return h;
  const final = losses[losses.length - 1]!;
  let best = Infinity;
  for (const l of losses) if (Number.isFinite(l) && l < best) best = l;
  let problem: string | null = null;
  if (!Number.isFinite(final)) problem = `the final model's loss is ${final}`;
  // both: above the ratio to the best, and above where the run started (a converged run's
  // float jitter around a near-zero optimum is not a blow-up)
  else if (best > 0 && final > maxLossRatio * best && final > losses[0]!) problem = `the loss blew up: final ${final.toPrecision(4)} is over ${maxLossRatio} × the run's best ${best.toPrecision(4)} (health.maxLossRatio)`;
  return problem === null ? h : { ...h, ok: false, problems: [...h.problems, problem] };
}
