/**
 * The gateway's work on one FedAvg round's uploads: K workers' updates through the server's
 * admission (`NodeMachine.admit`: codec, decode, finite, norm bound) and its aggregate phase
 * (`act`). "decode once" is the server as it runs (act takes the values admission decoded);
 * the reference "decode twice" is the same server handed copies of the admitted messages,
 * so act finds nothing kept and decodes every body again — what the server did before.
 * Both are timed in the same run, alternating round by round; each row is its median round. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/server-intake.bench.ts [d …]
 */
import { pathToFileURL } from 'node:url';
import { Rng, nullLog, type BenchRow } from '@edgefl/core';
import { createCompressor, type CodecSpec } from '@edgefl/codec';
import { fedAvg, type Inbound, type NodeMachine } from '@edgefl/algorithms';
import { printRows } from './print-rows.js';

const K = 8;
const SPECS: readonly CodecSpec[] = [{ id: 'uniform', bits: 8 }, { id: 'float32' }];

/** K seeded updates of dimension d in `spec`, as the server receives them in round 1. */
function uploads(d: number, spec: CodecSpec): Inbound[] {
  const rng = new Rng(`intake/${d}`);
  const c = createCompressor(spec);
  const state = c.initState(d);
  return Array.from({ length: K }, (_, k) => {
    const v = new Float32Array(d);
    for (let i = 0; i < d; i++) v[i] = 0.01 * rng.normal();
    const enc = c.encode(v, state, rng);
    return { from: `w${k}`, round: 1, phase: 1, codec: c.spec, dim: d, body: enc.body, payloadBits: enc.payloadBits, meta: { samples: 100 } };
  });
}

function server(d: number, spec: CodecSpec): NodeMachine {
  const alg = fedAvg('gw', Array.from({ length: K }, (_, k) => `w${k}`), { localSteps: 1, lr: 0.1, batchSize: 1, up: spec, down: { id: 'float32' } });
  return alg.createNode({ spec: alg.nodes[0]!, rng: new Rng('intake/gw'), dim: d, initialParams: new Float32Array(d).fill(0.5), log: nullLog });
}

/** One round's intake: every upload admitted, then the aggregate phase on `inbox(msgs)`. */
async function intake(s: NodeMachine, msgs: readonly Inbound[], inbox: (m: readonly Inbound[]) => readonly Inbound[]): Promise<void> {
  for (const m of msgs) if (s.admit!(m) !== null) throw new Error(`bench update of ${m.from} refused`);
  await s.act(1, 2, inbox(msgs));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length;
  return k % 2 === 1 ? s[(k - 1) / 2]! : (s[k / 2 - 1]! + s[k / 2]!) / 2;
};

/**
 * Rows per dimension and codec: the median round of each variant, the two timed in
 * alternation round by round (so both see the same load) for at least `budgetMs` and 15 pairs.
 */
export async function benchServerIntake(dims: readonly number[], budgetMs = 2000): Promise<{ reference: BenchRow; results: BenchRow[] }[]> {
  const out: { reference: BenchRow; results: BenchRow[] }[] = [];
  for (const d of dims) {
    for (const spec of SPECS) {
      const msgs = uploads(d, spec);
      const once = server(d, spec);
      const twice = server(d, spec);
      const decodeTwice = async () => intake(twice, msgs, (ms) => ms.map((m) => ({ ...m })));
      const decodeOnce = async () => intake(once, msgs, (ms) => ms);
      await decodeTwice();
      await decodeOnce();
      const tTwice: number[] = [];
      const tOnce: number[] = [];
      const t0 = performance.now();
      while (tOnce.length < 15 || performance.now() - t0 < budgetMs) {
        let a = performance.now();
        await decodeTwice();
        tTwice.push(performance.now() - a);
        a = performance.now();
        await decodeOnce();
        tOnce.push(performance.now() - a);
      }
      const codec = JSON.stringify(spec);
      const ref = median(tTwice);
      const value = median(tOnce);
      const reference: BenchRow = { name: `fedavg intake d=${d} K=${K} ${codec} decode twice (before)`, value: ref, unit: 'ms/round', ratioToReference: 1 };
      out.push({ reference, results: [{ name: `fedavg intake d=${d} K=${K} ${codec} decode once`, value, unit: 'ms/round', ratioToReference: value / ref, lowerIsBetter: true, d, K, codec, rounds: tOnce.length }] });
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dims = process.argv.slice(2).map(Number).filter((n) => n > 0);
  for (const { reference, results } of await benchServerIntake(dims.length ? dims : [2410, 25_000])) printRows('server-intake', reference, results);
}
