import { Rng, type Dataset } from '@edgefl/core';
import { DataError } from '../errors.js';

/**
 * Sinusoid regression y = A·sin(x + φ), x uniform on [−π, π] (the local-SADMM paper's second
 * experiment, after Finn et al.'s sinusoid task): A and φ are drawn from the seed on
 * [0.1, 5] and [0, π] unless given.
 */
export interface SyntheticSinusoidSpec {
  readonly synthetic: 'sinusoid';
  readonly rows: number;
  readonly amplitude?: number;
  readonly phase?: number;
  readonly seed?: number;
}

const MAX_ROWS = 16 * 1024 * 1024;

export function syntheticSinusoid(spec: SyntheticSinusoidSpec): Dataset {
  const m = spec.rows;
  if (!Number.isInteger(m) || m < 1 || m > MAX_ROWS) throw new DataError(`a sinusoid needs whole rows in [1, ${MAX_ROWS}], got ${m}`, 'e.g. { synthetic: sinusoid, rows: 10000 }');
  const rng = new Rng(`synthetic-sinusoid/${spec.seed ?? 1}`);
  const amplitude = spec.amplitude ?? 0.1 + 4.9 * rng.next();
  const phase = spec.phase ?? Math.PI * rng.next();
  if (!Number.isFinite(amplitude) || !Number.isFinite(phase)) throw new DataError('sinusoid amplitude and phase must be finite', 'give numbers, or leave them out to draw them from the seed');
  const x = new Float32Array(m);
  const y = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    x[i] = -Math.PI + 2 * Math.PI * rng.next();
    y[i] = amplitude * Math.sin(x[i]! + phase);
  }
  return { name: `sinusoid-A${amplitude.toFixed(3)}-phi${phase.toFixed(3)}`, n: m, features: 1, x, y, classes: 0 };
}
