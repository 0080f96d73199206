import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { CODEC_IDS, CodecError, createCompressor, decodeEnvelope, encodeEnvelope } from '@edgefl/codec';
import type { CodecSpec } from '@edgefl/codec';
import { gaussian } from './quantizer-stats.js';

const ONE_PER_ID: CodecSpec[] = [
  { id: 'float32' }, { id: 'float64' }, { id: 'float16' }, { id: 'uniform', bits: 4 }, { id: 'qgadmm', bits: 'auto' },
  { id: 'malcom', levels: 8 }, { id: 'qsgd', levels: 8 }, { id: 'threshold', form: 'sparse' }, { id: 'terngrad' },
  { id: 'dq', bits: 6 }, { id: 'topk', ratio: 0.1 }, { id: 'sign' }, { id: 'ef', inner: 'qsgd', levels: 2 },
];

test('registry: every codec id has a compressor, and a spec read back from an envelope rebuilds it', () => {
  assert.deepEqual(ONE_PER_ID.map((s) => s.id).sort(), [...CODEC_IDS].sort());
  const d = 1234;
  const v = gaussian(d, 5, 0.2);
  for (const spec of ONE_PER_ID) {
    const tx = createCompressor(spec);
    const txState = tx.initState(d);
    const out = tx.encode(v, txState, new Rng(1));
    assert.equal(out.body.length, Math.ceil(out.payloadBits / 8), spec.id);
    const bytes = encodeEnvelope({ v: 1, job: 'j', round: 3, phase: 0, from: 'a', seq: 9, codec: tx.spec, dim: d, bits: out.payloadBits }, out.body);
    const env = decodeEnvelope(bytes, { dim: d, job: 'j' });
    const rx = createCompressor(env.header.codec);
    assert.deepEqual(rx.spec, tx.spec);
    const got = rx.decode(env.body, env.header.dim, rx.initState(d));
    assert.deepEqual(got, out.decoded, spec.id);
  }
});

test('registry: typos and wrong types in a spec are CodecErrors that name the parameter', () => {
  assert.throws(() => createCompressor({ id: 'uniform', bits: 2, bitz: 3 }), (e: unknown) =>
    e instanceof CodecError && /unknown parameter "bitz"/.test(e.message) && /uniform takes: bits, coder/.test(e.hint ?? ''));
  assert.throws(() => createCompressor({ id: 'qsgd', levels: '8' }), /"levels" is "8", expected a number/);
  assert.throws(() => createCompressor({ id: 'qsgd', levels: 8, rescale: 'yes' }), /expected true or false/);
  assert.throws(() => createCompressor({ id: 'uniform', bits: 2, coder: 'zip' }), /expected 'fixed' or 'rans' or 'malcom'/);
  assert.throws(() => createCompressor({ id: 'threshold', form: 'sparse', coder: 'rans' }), /dense form only/);
  assert.throws(() => createCompressor({ id: 'float32', bits: 2 }), (e: unknown) => e instanceof CodecError && /takes no parameters/.test(e.hint ?? ''));
});
