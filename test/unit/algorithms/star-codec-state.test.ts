import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEdgeflError } from '@edgefl/core';
import { AlgorithmError, createAlgorithm, fedAvg, gd, type BuildContext } from '@edgefl/algorithms';
import type { CodecSpec } from '@edgefl/codec';

/**
 * A server job keeps one codec state per direction, so a codec whose receiver holds a
 * reference shared with ONE sender (qgadmm, also inside ef) would have the server decode
 * every worker's upload against the same reference, and any lost message would leave the
 * two ends apart for good. Such a job is refused when it is built, naming the codec, the
 * algorithm and a stateless codec to use instead.
 */

const DEVICES = ['dev-01', 'dev-02', 'dev-03'];
const F32: CodecSpec = { id: 'float32' };
const ctx = (up: CodecSpec, down: CodecSpec = F32): BuildContext => ({ server: 'gateway', devices: DEVICES, codecs: { up, down }, seed: 1 });

const SERVER_ALGORITHMS = [
  { name: 'fedavg', localSteps: 1, lr: 0.1, batchSize: 4 },
  { name: 'local-sadmm', localSteps: 1, lr: 0.1, batchSize: 4 },
  { name: 'stoc-admm', batchSize: 4 },
] as const;

function refusal(build: () => unknown): AlgorithmError {
  try {
    build();
  } catch (e) {
    assert.ok(e instanceof AlgorithmError, `a typed AlgorithmError, got ${String(e)}`);
    assert.ok(isEdgeflError(e));
    return e;
  }
  assert.fail('the job was built');
}

test('a server algorithm with a shared-reference codec on its uplink is refused at build, naming codec, algorithm and fix', () => {
  for (const alg of SERVER_ALGORITHMS) {
    for (const up of [{ id: 'qgadmm', bits: 2 }, { id: 'qgadmm', bits: 'auto' }, { id: 'ef', inner: 'qgadmm', bits: 3 }] as CodecSpec[]) {
      const e = refusal(() => createAlgorithm(alg, ctx(up)));
      assert.match(e.message, new RegExp(`^codec\\.up .*"qgadmm".* cannot be used by ${alg.name}:`), e.message);
      assert.match(e.message, /reference shared with one sender/);
      assert.match(e.hint ?? '', new RegExp(`use a stateless codec for codec\\.up of ${alg.name}, e\\.g\\. \\{ id: uniform, bits: ${typeof up['bits'] === 'number' ? up['bits'] : 4} \\}`), e.hint);
      assert.match(e.hint ?? '', /qsgd, topk/);
    }
  }
});

test('a shared-reference codec on the broadcast (codec.down) is refused too: a worker that misses one broadcast would decode every later one against a stale reference', () => {
  for (const alg of SERVER_ALGORITHMS) {
    const e = refusal(() => createAlgorithm(alg, ctx(F32, { id: 'qgadmm', bits: 8 })));
    assert.match(e.message, new RegExp(`^codec\\.down .* cannot be used by ${alg.name}:`));
    assert.match(e.hint ?? '', /codec\.down .* \{ id: uniform, bits: 8 \}/);
  }
  // the machine constructors refuse it as well, whoever calls them (one worker too: no resync on a star)
  assert.match(refusal(() => fedAvg('gw', ['w1'], { localSteps: 1, lr: 0.1, batchSize: 1, up: { id: 'qgadmm', bits: 4 }, down: F32 })).message, /cannot be used by fedavg/);
  assert.match(refusal(() => gd('gw', DEVICES, { name: 'qgd', lr: 'auto', up: { id: 'qgadmm', bits: 4 }, down: F32 })).message, /cannot be used by qgd/);
});

test('codecs whose receiver keeps no per-sender reference are built as before (error feedback: the residual is each worker\'s own)', () => {
  const fine: CodecSpec[] = [
    F32, { id: 'uniform', bits: 4 }, { id: 'qsgd', levels: 4 }, { id: 'topk', ratio: 0.1 }, { id: 'ef', inner: 'topk', ratio: 0.1 },
    { id: 'ef', inner: 'sign' }, { id: 'float16' }, { id: 'terngrad' },
  ];
  for (const alg of SERVER_ALGORITHMS) {
    for (const c of fine) {
      const built = createAlgorithm(alg, ctx(c, c));
      assert.equal(built.nodes.length, DEVICES.length + 1, `${alg.name} with ${JSON.stringify(c)}`);
    }
  }
});
