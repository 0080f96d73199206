// Reproduces Fig. 3 of "Differentially Quantized Gradient Methods" (Lin, Kostina, Hassibi):
// empirical contraction factors of DQ-GD, DQ-AGD, DQ-HB and NQ-GD against the rate R = 1…8
// bits per dimension, averaged over random least-squares instances, beside the paper's bounds
// and the unquantized GD/AGD/HB; plus a water-filling example for K workers.
//
//   node --conditions=edgefl-source --import tsx scripts/dq-contraction.ts [--instances 100] [--kappa 10]
//        [--features 16] [--rows 64] [--rounds 600] [--out docs/figures/dq-contraction]
//
// Each instance is the synthetic least-squares problem of the dq-least-squares experiment
// (A Gaussian rows × features rescaled to κ, y and x̂_0 standard normal, seeds 1…instances),
// run on the algorithms' own state machines (test/helpers/direct-run.ts) until machine
// precision or the round cap. Like the paper, a factor above 1 (divergence) is clipped to 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '@edgefl/report';
import { syntheticLeastSquares } from '@edgefl/data';
import { contractionBound, dqAlgorithm, methodConstants, thresholdRate, type Method, type Quantization } from '@edgefl/algorithms';
import { roundRates, waterFill } from '@edgefl/codec';
import { runDirect } from '../test/helpers/direct-run.js';

const { values: a } = parseArgs({
  options: {
    instances: { type: 'string', default: '100' }, kappa: { type: 'string', default: '10' }, features: { type: 'string', default: '16' },
    rows: { type: 'string', default: '64' }, rounds: { type: 'string', default: '600' }, out: { type: 'string', default: 'docs/figures/dq-contraction' },
  },
});
const instances = Number(a.instances), kappa = Number(a.kappa), n = Number(a.features), m = Number(a.rows), rounds = Number(a.rounds);
const RATES = [1, 2, 3, 4, 5, 6, 7, 8];
const QUANTIZED: [string, Method, Quantization][] = [['dq-gd', 'gd', 'dq'], ['dq-agd', 'agd', 'dq'], ['dq-hb', 'hb', 'dq'], ['nq-gd', 'gd', 'nq']];
const REFERENCES: [string, Method][] = [['gd', 'gd'], ['agd', 'agd'], ['hb', 'hb']];

async function factor(name: string, method: Method, quant: Quantization, bits: number, seed: number): Promise<number> {
  const data = syntheticLeastSquares({ synthetic: 'least-squares', rows: m, features: n, kappa, seed });
  const alg = dqAlgorithm(name, 'gateway', ['dev-01'], { method, quant, bits, start: 'gaussian', alpha: 0, seed });
  const run = await runDirect(alg, { rounds, dim: n + 1, shards: new Map([['dev-01', data]]) });
  const f = run.totals['contractionFactor'];
  return f === null || f === undefined ? 1 : Math.min(1, f);
}

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const started = performance.now();
interface Row { algorithm: string; R: number; empirical: number; bound: number; kind: string }
const rows: Row[] = [];
const refs: Record<string, number> = {};
for (const [name, method] of REFERENCES) {
  const f: number[] = [];
  for (let s = 1; s <= instances; s++) f.push(await factor(name, method, 'none', 0, s));
  refs[name] = mean(f);
}
for (const [name, method, quant] of QUANTIZED) {
  for (const R of RATES) {
    const f: number[] = [];
    for (let s = 1; s <= instances; s++) f.push(await factor(name, method, quant, R, s));
    // the bound for the nominal κ (μ = 1, L = κ) of the instances
    const c = methodConstants(method, kappa, 1);
    const bound = Math.min(1, contractionBound(method, quant, c, n, R, [kappa], [R]));
    rows.push({ algorithm: name, R, empirical: mean(f), bound, kind: 'empirical' });
  }
  process.stderr.write(`${name} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}

const sigma = { gd: methodConstants('gd', kappa, 1).sigma, agd: methodConstants('agd', kappa, 1).sigma, hb: methodConstants('hb', kappa, 1).sigma };
const thresholds = {
  'dq-gd': thresholdRate(n, sigma.gd, 0), 'dq-agd': thresholdRate(n, sigma.agd, methodConstants('agd', kappa, 1).gamma),
  'dq-hb': thresholdRate(n, sigma.hb, methodConstants('hb', kappa, 1).gamma),
};

// Water-filling example: 5 workers, one budget of R = 40 bits per dimension.
const L = [16, 8, 4, 1, 0.25];
const TOTAL = 40;
const wf = waterFill(L, TOTAL);
const whole = roundRates(wf.bits, TOTAL);
const cGd = methodConstants('gd', L.reduce((s, x) => s + x, 0), 1);
const equal = L.map(() => TOTAL / L.length);
const example = {
  smoothness: L, totalBits: TOTAL, nu: wf.nu, bits: wf.bits, wholeBits: whole,
  boundWaterFilled: contractionBound('gd', 'nq', cGd, n, TOTAL, L, whole),
  boundEqualSplit: contractionBound('gd', 'nq', cGd, n, TOTAL, L, equal),
};

// Table
const lines = [`instances ${instances}, κ = ${kappa}, n = ${n}, m = ${m}, rounds ≤ ${rounds}, ${((performance.now() - started) / 1000).toFixed(0)} s`, ''];
lines.push(`| R | ${QUANTIZED.map(([q]) => `${q} (bound)`).join(' | ')} |`, `|---|${QUANTIZED.map(() => '---').join('|')}|`);
for (const R of RATES) {
  lines.push(`| ${R} | ${QUANTIZED.map(([q]) => { const r = rows.find((x) => x.algorithm === q && x.R === R)!; return `${r.empirical.toFixed(4)} (${r.bound.toFixed(4)})`; }).join(' | ')} |`);
}
lines.push('', `unquantized: GD ${refs['gd']!.toFixed(4)} (σ_GD ${sigma.gd.toFixed(4)}), AGD ${refs['agd']!.toFixed(4)} (σ_AGD ${sigma.agd.toFixed(4)}), HB ${refs['hb']!.toFixed(4)} (σ_HB ${sigma.hb.toFixed(4)})`);
lines.push(`thresholds R₂: DQ-GD ${thresholds['dq-gd'].toFixed(2)}, DQ-AGD ${thresholds['dq-agd'].toFixed(2)}, DQ-HB ${thresholds['dq-hb'].toFixed(2)}`);
lines.push(`water-filling L = [${L.join(', ')}], R = ${TOTAL}: ν = ${wf.nu.toFixed(4)}, R_k = [${wf.bits.map((b) => b.toFixed(3)).join(', ')}], whole bits [${whole.join(', ')}]; bound (177) ${example.boundWaterFilled.toFixed(4)} vs equal split ${example.boundEqualSplit.toFixed(4)}`);
console.log(lines.join('\n'));

// Figure: empirical factors as points, bounds as lines, one panel per algorithm (Vega-Lite → SVG
// through @edgefl/report's renderer, the one `edgefl report` uses).
const values = [
  ...rows.map((r) => ({ algorithm: r.algorithm, R: r.R, factor: r.empirical, series: 'empirical' })),
  ...rows.map((r) => ({ algorithm: r.algorithm, R: r.R, factor: r.bound, series: 'bound' })),
  ...QUANTIZED.flatMap(([q, method]) => RATES.map((R) => ({ algorithm: q, R, factor: refs[method]!, series: `unquantized ${method.toUpperCase()}` }))),
];
const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: `Contraction factor vs rate (κ = ${kappa}, n = ${n}, ${instances} instances)`,
  data: { values },
  facet: { field: 'algorithm', type: 'nominal', title: null, sort: QUANTIZED.map(([q]) => q) },
  columns: 4,
  spec: {
    width: 180, height: 180,
    layer: [
      { mark: { type: 'line' }, transform: [{ filter: "datum.series !== 'empirical'" }],
        encoding: { x: { field: 'R', type: 'quantitative', title: 'R (bits / dimension)' }, y: { field: 'factor', type: 'quantitative', title: 'contraction factor', scale: { domain: [0.4, 1] } },
          color: { field: 'series', type: 'nominal' }, strokeDash: { field: 'series', type: 'nominal' } } },
      { mark: { type: 'point', filled: true, size: 40 }, transform: [{ filter: "datum.series === 'empirical'" }],
        encoding: { x: { field: 'R', type: 'quantitative' }, y: { field: 'factor', type: 'quantitative' }, color: { field: 'series', type: 'nominal' } } },
    ],
  },
};
mkdirSync(a.out!, { recursive: true });
writeFileSync(`${a.out}/fig3-contraction-vs-rate.svg`, await renderSvg(spec));
writeFileSync(`${a.out}/fig3-contraction-vs-rate.json`, JSON.stringify({ instances, kappa, features: n, rows: m, rounds, rates: RATES, results: rows, unquantized: refs, sigma, thresholds, waterFilling: example }, null, 2) + '\n');
