import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { createCompressor } from '@edgefl/codec';
import type { CodecSpec } from '@edgefl/codec';
import { fuzzDecoder } from './fuzz-harness.js';
import { gaussian, sparseLaplace } from './quantizer-stats.js';

/** Every compressor and coder combination; each decoder gets ≥ 10,000 hostile inputs. */
const SPECS: CodecSpec[] = [
  { id: 'float32' }, { id: 'float16' },
  { id: 'uniform', bits: 3 }, { id: 'uniform', bits: 2, coder: 'rans' },
  { id: 'qgadmm', bits: 2 }, { id: 'qgadmm', bits: 'auto' }, { id: 'qgadmm', bits: 2, coder: 'malcom' },
  { id: 'malcom', levels: 8 }, { id: 'malcom', levels: 8, coder: 'fixed', shrink: 'none' }, { id: 'malcom', levels: 8, coder: 'rans' },
  { id: 'qsgd', levels: 4 }, { id: 'qsgd', levels: 4, coder: 'per-coordinate' }, { id: 'qsgd', levels: 4, coder: 'rans', rescale: true },
  { id: 'threshold' }, { id: 'threshold', form: 'sparse', threshold: 'approx' }, { id: 'threshold', coder: 'rans' },
  { id: 'terngrad' }, { id: 'dq', bits: 3 }, { id: 'dq', bits: 5, coder: 'rans' },
  { id: 'topk', ratio: 0.05 }, { id: 'topk', k: 120 }, { id: 'sign' }, { id: 'ef', inner: 'topk', k: 10 },
];

const DIM = 300;
// scripts/fuzz-codec.sh raises these for the long run; CI uses the defaults
const ITERATIONS = Number(process.env['EDGEFL_FUZZ_ITERATIONS'] ?? 10_000);
const SEED = process.env['EDGEFL_FUZZ_SEED'] ?? '0';

for (const spec of SPECS) {
  test(`fuzz ${JSON.stringify(spec)}: ${ITERATIONS} hostile bodies only ever raise CodecError`, () => {
    const c = createCompressor(spec);
    const fresh = (): unknown => {
      const st = c.initState(DIM);
      if (spec.id === 'dq') (st as { range: number }).range = 0.5;
      return st;
    };
    const inputs = [gaussian(DIM, 1, 0.1), sparseLaplace(DIM, 2, 0.8), new Float32Array(DIM).fill(0.25), new Float32Array(DIM)];
    const corpus = inputs.map((v, i) => c.encode(v, fresh(), new Rng(i)).body);
    const report = fuzzDecoder({
      name: JSON.stringify(spec),
      seed: `compressors:${SEED}:${JSON.stringify(spec)}`,
      corpus,
      iterations: ITERATIONS,
      decode: (bytes) => c.decode(bytes, DIM, fresh()),
      check: (out) => {
        assert.equal(out.length, DIM);
        for (let i = 0; i < DIM; i++) assert.ok(Number.isFinite(out[i]!), `non-finite output at ${i}`);
      },
    });
    assert.equal(report.runs, ITERATIONS);
    // the validators must actually reject: random bytes and truncations almost never decode
    assert.ok(report.byMutation.truncate.rejected > 0.5 * report.byMutation.truncate.runs, JSON.stringify(report.byMutation));
  });
}
