import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, isPlainMean, RobustSum, UpdateAdmission, sameCodec, checkSamples, aggregationParam, admissionParam, type Inbound, type Weighted } from '@edgefl/algorithms';
import { createCompressor } from '@edgefl/codec';

const w = (values: number[], weight = 1): Weighted => ({ values: Float32Array.from(values), weight });

test('aggregate mean: the weighted mean Σ w_k u_k / Σ w_k', () => {
  const out = new Float64Array(2);
  assert.ok(aggregate([w([1, 10], 1), w([4, -2], 3)], { rule: 'mean', trim: 0.1 }, out));
  assert.deepEqual([...out], [(1 + 12) / 4, (10 - 6) / 4]);
  assert.equal(aggregate([], { rule: 'mean', trim: 0.1 }, out), false, 'nothing to combine');
  assert.equal(aggregate([w([1], 0)], { rule: 'mean', trim: 0.1 }, new Float64Array(1)), false, 'zero total weight');
});

test('aggregate median: coordinate-wise, odd and even counts, one outlier has no pull', () => {
  const out = new Float64Array(2);
  aggregate([w([1, 5]), w([3, -1]), w([1e30, 2])], { rule: 'median', trim: 0.1 }, out);
  assert.deepEqual([...out], [3, 2]);
  aggregate([w([1, 5]), w([3, -1]), w([10, 2]), w([0, 0])], { rule: 'median', trim: 0.1 }, out);
  assert.deepEqual([...out], [2, 1]);
});

test('aggregate trimmed-mean: drops ⌊trim·K⌋ at each end of every coordinate', () => {
  const out = new Float64Array(1);
  const five = [w([-1e9]), w([1]), w([2]), w([3]), w([1e9])];
  aggregate(five, { rule: 'trimmed-mean', trim: 0.2 }, out);
  assert.equal(out[0], 2);
  aggregate(five, { rule: 'trimmed-mean', trim: 0 }, out);
  assert.equal(out[0], 6 / 5, 'trim 0 is the plain mean');
  // trim close to 0.5 still keeps at least one value
  aggregate([w([1]), w([2])], { rule: 'trimmed-mean', trim: 0.49 }, out);
  assert.equal(out[0], 1.5);
});

test('aggregate clip: each deviation is scaled to at most clip × the median norm, around the centre', () => {
  const out = new Float64Array(2);
  // norms 1, 1, 100 → median 1, cap 2: the third is scaled to norm 2
  aggregate([w([1, 0]), w([0, 1]), w([100, 0])], { rule: 'mean', trim: 0.1, clip: 2 }, out);
  assert.ok(Math.abs(out[0]! - 1) < 1e-12 && Math.abs(out[1]! - 1 / 3) < 1e-12, `${[...out]}`);
  // the same around a centre: deviations from (10, 10)
  const c = Float32Array.from([10, 10]);
  aggregate([w([11, 10]), w([10, 11]), w([110, 10])], { rule: 'mean', trim: 0.1, clip: 2 }, out, c);
  assert.ok(Math.abs(out[0]! - 11) < 1e-9 && Math.abs(out[1]! - (10 + 1 / 3)) < 1e-9, `${[...out]}`);
  assert.equal(isPlainMean({ rule: 'mean', trim: 0.1 }), true);
  assert.equal(isPlainMean({ rule: 'mean', trim: 0.1, clip: 3 }), false);
});

test('aggregation and admission parameters: defaults and refusals', () => {
  assert.deepEqual(aggregationParam.parse(undefined), { rule: 'mean', trim: 0.1 });
  assert.deepEqual(aggregationParam.parse({ rule: 'median' }), { rule: 'median', trim: 0.1 });
  assert.throws(() => aggregationParam.parse({ rule: 'mode' }));
  assert.throws(() => aggregationParam.parse({ trim: 0.5 }));
  assert.throws(() => aggregationParam.parse({ clip: 0.5 }));
  assert.deepEqual(admissionParam.parse(undefined), { maxNormRatio: 100 });
});

const inbound = (codec: Inbound['codec'], body: Uint8Array, meta?: Record<string, number>): Inbound => ({
  from: 'dev-01', round: 1, phase: 1, codec, dim: 3, body, payloadBits: 8 * body.length, ...(meta ? { meta } : {}),
});

test('admission: codec id, decoding, finiteness and the norm bound, each refused with its reason', () => {
  const f32 = createCompressor({ id: 'float32' });
  const body = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
  const a = new UpdateAdmission(10);
  const decode = (m: Inbound) => () => f32.decode(m.body, 3, undefined);
  const ok = inbound(f32.spec, body([1, 2, 2]));
  assert.equal(a.check(ok, f32.spec, decode(ok), 1), null, 'norm 3 ≤ 10 × 1');
  const wrongCodec = inbound({ id: 'uniform', bits: 8 }, body([1, 2, 2]));
  assert.equal(a.check(wrongCodec, f32.spec, decode(wrongCodec), 1)?.reason, 'codec');
  const short = inbound(f32.spec, new Uint8Array(5));
  assert.equal(a.check(short, f32.spec, decode(short), 1)?.reason, 'decode');
  // the float32 decoder refuses NaN itself; a codec whose side info scales values may still produce one
  assert.equal(a.check(ok, f32.spec, () => Float32Array.of(1, NaN, 0), 1)?.reason, 'non-finite');
  const huge = inbound(f32.spec, body([3e38, -3e38, 3e38]));
  assert.equal(a.check(huge, f32.spec, decode(huge), 1)?.reason, 'norm', 'a huge finite vector is refused by its norm');
  const big = inbound(f32.spec, body([100, 0, 0]));
  const r = a.check(big, f32.spec, decode(big), 1);
  assert.equal(r?.reason, 'norm');
  assert.match(r!.detail, /exceeds the bound/);
  // with a model of norm 0, the bound comes from the recently admitted norms (median 3)
  assert.equal(a.check(inbound(f32.spec, body([20, 0, 0])), f32.spec, () => Float32Array.of(20, 0, 0), 0), null, '20 ≤ 10 × 3');
  assert.equal(a.check(big, f32.spec, decode(big), 0), null, '100 ≤ 10 × median(3, 20) = 115');
  assert.equal(a.check(big, f32.spec, () => Float32Array.of(2000, 0, 0), 0)?.reason, 'norm', '2000 > 10 × median(3, 20, 100) = 200');
  // a fresh admission with no scale at all admits any finite vector
  assert.equal(new UpdateAdmission(10).checkValues(Float32Array.of(1e30), 0), null);
});

test('admission helpers: codec equality ignores key order, sample counts must be positive integers', () => {
  assert.ok(sameCodec({ id: 'uniform', bits: 8 }, { bits: 8, id: 'uniform' }));
  assert.ok(!sameCodec({ id: 'uniform', bits: 8 }, { id: 'uniform', bits: 4 }));
  assert.ok(!sameCodec({ id: 'uniform' }, { id: 'uniform', bits: 8 }));
  const e = new Uint8Array(0);
  assert.equal(checkSamples(inbound({ id: 'float32' }, e, { samples: 10 })), null);
  assert.equal(checkSamples(inbound({ id: 'float32' }, e)), null);
  assert.equal(checkSamples(inbound({ id: 'float32' }, e, { samples: 1e308 }))?.reason, 'meta');
  assert.equal(checkSamples(inbound({ id: 'float32' }, e, { samples: 0.5 }))?.reason, 'meta');
});

test('RobustSum: Σ_k u_k in arrival order under the plain mean; K × the rule\'s centre under a robust rule (around a centre when given)', () => {
  const us = [[1, 5], [3, -1], [1e6, 2]].map((v) => Float32Array.from(v));
  const out = Float64Array.of(7, 7); // starts from 0 whatever it held
  const plain = new RobustSum({ rule: 'mean', trim: 0.1 }, out);
  for (const u of us) plain.add(u);
  assert.equal(plain.finish(), 3);
  assert.deepEqual([...out], [1 + 3 + 1e6, 5 - 1 + 2]);
  const median = new RobustSum({ rule: 'median', trim: 0.1 }, out);
  for (const u of us) median.add(u);
  assert.equal(median.finish(), 3);
  assert.deepEqual([...out], [3 * 3, 3 * 2]);
  // clipping around a centre: the outlier's deviation is cut to 1 × the median deviation norm
  const centre = Float32Array.of(1, 1);
  const clipped = new RobustSum({ rule: 'mean', trim: 0.1, clip: 1 }, out, centre);
  for (const u of us) clipped.add(u);
  clipped.finish();
  const expected = new Float64Array(2);
  aggregate(us.map((values) => ({ values, weight: 1 })), { rule: 'mean', trim: 0.1, clip: 1 }, expected, centre);
  assert.deepEqual([...out], [...expected].map((x) => x * 3));
  assert.ok(out[0]! < 30, `the outlier is clipped: ${out[0]}`);
});
