import { Rng, nullLog, type Dataset } from '@edgefl/core';
import type { Algorithm, Inbound, NodeMachine, RoundFigures } from '@edgefl/algorithms';

export interface DirectRun {
  readonly rounds: RoundFigures[];
  readonly totals: Readonly<Record<string, number | null>>;
  /** the evaluation model after each round */
  readonly models: Float32Array[];
  readonly payloadBits: number;
}

/**
 * Runs an algorithm's state machines in this process with no driver: every message is
 * handed to its receivers as sent (no envelope, no deadline). For algorithm tests and the
 * reproduction scripts, where thousands of short runs must stay fast; the drivers' own
 * tests show they deliver the same messages.
 */
export async function runDirect(alg: Algorithm, o: { rounds: number; dim: number; shards: ReadonlyMap<string, Dataset>; initialParams?: Float32Array; seed?: number }): Promise<DirectRun> {
  const initialParams = o.initialParams ?? new Float32Array(o.dim);
  const nodes = new Map<string, NodeMachine>();
  for (const spec of alg.nodes) {
    const data = o.shards.get(spec.id);
    nodes.set(spec.id, alg.createNode({
      spec, rng: new Rng(`${o.seed ?? 1}/${spec.id}`), dim: o.dim, initialParams, log: nullLog, ...(data ? { data } : {}),
    }));
  }
  const mail = new Map<string, Inbound[]>();
  const rounds: RoundFigures[] = [];
  const models: Float32Array[] = [];
  let payloadBits = 0;
  for (let round = 1; round <= o.rounds; round++) {
    for (let phase = 0; phase < alg.phases.length; phase++) {
      const sent: [string, Inbound][] = [];
      for (const [id, node] of nodes) {
        const keys = node.expects(round, phase);
        if (keys === null) continue;
        const box = mail.get(id) ?? [];
        const inbox = keys.map((k) => box.find((m) => m.from === k.from && m.round === k.round && m.phase === k.phase)).filter((m): m is Inbound => m !== undefined);
        const outs = await node.act(round, phase, inbox);
        for (const out of outs) {
          payloadBits += out.payloadBits;
          for (const to of out.to) {
            sent.push([to, { from: id, round, phase, codec: out.codec, dim: out.dim, body: out.body, payloadBits: out.payloadBits, ...(out.meta ? { meta: out.meta } : {}) }]);
          }
        }
      }
      for (const [to, m] of sent) {
        const box = mail.get(to) ?? [];
        box.push(m);
        mail.set(to, box.filter((x) => x.round >= round - 1));
      }
    }
    const modelMap = new Map([...nodes].map(([id, n]) => [id, Float32Array.from(n.model())]));
    const metricMap = new Map([...nodes].map(([id, n]) => [id, n.metrics?.() ?? {}]));
    const model = alg.evaluationModel(modelMap);
    models.push(Float32Array.from(model));
    rounds.push({ round, loss: NaN, accuracy: null, ...alg.roundMetrics?.(round, modelMap, metricMap) });
  }
  return { rounds, totals: alg.runTotals?.(rounds) ?? {}, models, payloadBits };
}
