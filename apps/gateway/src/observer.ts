import { errorMessage, type Log } from '@edgefl/core';
import { filters, parseTopic, type FleetClient } from '@edgefl/transport';
import { receiveChecks, unframe, type Expectation, type Job, type Transmission } from '@edgefl/runtime';

/**
 * The gateway's view of a serverless job: it runs no node, but reads every peer's
 * messages (headers checked like any receiver's) to keep the round clock — the latest
 * round any peer has sent in, which the job announcement carries so that a (re)starting
 * peer starts where the fleet is — and logs each round once every peer has moved past it.
 * Each accepted message is also reported to `onReceive` as a transmission (its sender's
 * uplink and every receiver's downlink), so the gateway's record has per-link payloads.
 */
export interface PeerObserver {
  /** the latest round any peer has sent a message in (0 before the first) */
  readonly clock: number;
}

export async function observePeers(
  client: FleetClient, job: Job, dim: number, log: Log, onClock: (round: number) => void, onReceive?: (t: Transmission) => void,
): Promise<PeerObserver> {
  const peers = job.algorithm.nodes.map((n) => n.id);
  // who hears each peer's `peer/{from}` publishes (the broker delivers them to these)
  const receivers = new Map(peers.map((p) => [p, peers.filter((r) => job.routes.senders(r).has(p))]));
  const expect: Expectation = { ...receiveChecks(job, dim), job: job.cfg.job, senders: new Set(peers) };
  const newest = new Map<string, number>(peers.map((p) => [p, 0]));
  const state = { clock: 0, logged: 0 };
  await client.subscribe(filters.allPeers(job.cfg.job), (topic, bytes) => {
    try {
      const t = parseTopic(topic);
      if (t?.kind !== 'peer' && t?.kind !== 'link') throw new Error(`topic ${topic} is not a peer topic`);
      const m = unframe(bytes, expect, t.from);
      if (m.round > job.cfg.rounds) throw new Error(`round ${m.round} is past the job's ${job.cfg.rounds} rounds`);
      onReceive?.({
        from: m.from, round: m.round, phase: m.phase, payloadBits: m.payloadBits,
        publishes: [{ topic, bytes: bytes.length, deliveries: t.kind === 'link' ? [t.to] : receivers.get(m.from) ?? [] }],
      });
      if (m.round > newest.get(m.from)!) newest.set(m.from, m.round);
      if (m.round > state.clock) {
        state.clock = m.round;
        onClock(m.round);
      }
      // Round r is over for the fleet once every peer has sent in a later round.
      const behind = Math.min(...newest.values()) - 1;
      for (let r = state.logged + 1; r <= behind; r++) log.info({ round: r, clock: state.clock }, 'round done (every peer has moved past it)');
      state.logged = Math.max(state.logged, behind);
    } catch (e) {
      log.warn({ topic, bytes: bytes.length, reason: errorMessage(e) }, 'peer message rejected by the observer');
    }
  });
  return {
    get clock() {
      return state.clock;
    },
  };
}
