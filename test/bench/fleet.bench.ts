/**
 * A fleet over MQTT against the same fleet in memory (same seed, same run). Run:
 *   node --conditions=edgefl-source --import tsx test/bench/fleet.bench.ts [experiment.yaml] [--quick]
 * `edgefl bench fleet` runs the same cases (FLEET_BENCH_CASES in @edgefl/lab).
 */
import { pathToFileURL } from 'node:url';
import { loadExperimentConfig } from '@edgefl/config';
import { benchFleet } from '@edgefl/lab';
import { printRows } from './print-rows.js';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'configs/quickstart.yaml';
  const { reference, results } = await benchFleet(loadExperimentConfig(file), { quick: process.argv.includes('--quick') });
  printRows('fleet', reference, results);
}
