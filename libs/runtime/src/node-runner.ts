import { errorMessage, type Log } from '@edgefl/core';
import type { NodeMachine, Outbound } from '@edgefl/algorithms';
import type { Port } from './port.js';
import { allFinite, type NodeHealth } from './health.js';

export type { Port } from './port.js';

export interface RunNodeOptions {
  readonly rounds: number;
  /** the round to start at (default 1): a node joining a running job starts where it is */
  readonly firstRound?: number;
  readonly phases: number;
  /**
   * How long a server waits for the messages of one phase before acting on what arrived
   * (`transport.roundTimeoutMs`). Other roles wait twice as long: what a worker waits for is
   * sent after the server's own wait, which a missing device stretches to the full timeout;
   * with equal deadlines a healthy worker gave up a few ms before every broadcast and never
   * took part again.
   */
  readonly phaseTimeoutMs: number;
  readonly log: Log;
  /** called as each round starts, before the node acts in it */
  readonly onRoundStart?: (round: number) => void;
  /** called after the node's last phase of each round, with its model (a view: copy it) and the figures it measured */
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /** stops the node: a wait for messages ends at once and nothing more is acted on or sent */
  readonly signal?: AbortSignal;
  /** where the node reports what it took, skipped and whether its model diverged (the run's health) */
  readonly health?: NodeHealth;
}

/**
 * The one loop that runs a node under any driver: for every round and phase, wait for the
 * messages the node expects, let it act, send what it returns.
 */
export async function runNode(node: NodeMachine, port: Port, o: RunNodeOptions): Promise<void> {
  const log = o.log.child({ node: node.spec.id });
  const waitMs = node.spec.role === 'server' ? o.phaseTimeoutMs : 2 * o.phaseTimeoutMs;
  const health = o.health;
  // Every message is checked whole before it claims its sender's slot (NodeMachine.admit).
  if (node.admit) port.mailbox.setAdmission((m) => node.admit!(m));
  health?.watch(port.mailbox);
  let divergedAt = 0;
  for (let round = o.firstRound ?? 1; round <= o.rounds; round++) {
    port.mailbox.advance(round);
    o.onRoundStart?.(round);
    for (let phase = 0; phase < o.phases; phase++) {
      if (o.signal?.aborted) return;
      const keys = node.expects(round, phase);
      if (keys === null) continue;
      const inbox = await port.mailbox.take(keys, waitMs, o.signal);
      if (o.signal?.aborted) return;
      if (inbox.length < keys.length) {
        const got = new Set(inbox.map((m) => m.from));
        log.warn({ round, phase, missing: keys.filter((k) => !got.has(k.from)).map((k) => k.from) }, 'acting without late messages');
      }
      health?.taken(round, inbox.map((m) => m.from), keys.length - inbox.length);
      // A node never dies of a message: whatever acting on this round throws (a bad
      // broadcast, a learner failure) skips the round; the next one starts afresh.
      let outs: readonly Outbound[];
      try {
        outs = await node.act(round, phase, inbox);
      } catch (e) {
        log.error({ round, phase, reason: errorMessage(e) }, 'acting on the round failed; skipping it');
        health?.actFailed(round, phase);
        continue;
      }
      // A non-finite model is never propagated: nothing is sent from it. A server's model is
      // the job's, so the job ends there (reported in its health); a worker or peer waits for
      // a model to recover from (the next broadcast).
      if (!allFinite(node.model())) {
        if (divergedAt === 0) log.error({ round, phase }, 'model diverged (non-finite values); sending nothing from it');
        divergedAt = round;
        health?.diverged(round);
        if (node.spec.role === 'server') return;
        continue;
      }
      for (const out of outs) {
        if (o.signal?.aborted) return;
        try {
          await port.send(out, round, phase);
        } catch (e) {
          log.error({ round, phase, to: out.to, reason: errorMessage(e) }, 'send failed');
        }
      }
    }
    let metrics: Readonly<Record<string, number>> | undefined;
    try {
      metrics = node.metrics?.();
    } catch (e) {
      log.warn({ round, reason: errorMessage(e) }, 'node figures unavailable this round');
    }
    health?.roundEnd(round, metrics);
    o.onRoundEnd?.(round, node.model(), metrics);
  }
}
