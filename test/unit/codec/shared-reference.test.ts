import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { CODEC_IDS, SHARED_REFERENCE_CODECS, createCompressor, keepsSharedReference, type CodecSpec, type QGadmmState } from '@edgefl/codec';

test('keepsSharedReference: qgadmm, alone or inside ef; no other codec', () => {
  assert.deepEqual([...SHARED_REFERENCE_CODECS], ['qgadmm']);
  assert.equal(keepsSharedReference({ id: 'qgadmm', bits: 2 }), true);
  assert.equal(keepsSharedReference({ id: 'qgadmm', bits: 'auto' }), true);
  assert.equal(keepsSharedReference({ id: 'ef', inner: 'qgadmm', bits: 2 }), true);
  for (const id of CODEC_IDS.filter((c) => c !== 'qgadmm')) assert.equal(keepsSharedReference({ id }), false, id);
  assert.equal(keepsSharedReference({ id: 'ef', inner: 'topk', ratio: 0.1 }), false);
});

test('a shared-reference codec decodes two senders right only with one receiver state per sender (why a star refuses it)', () => {
  const spec: CodecSpec = { id: 'qgadmm', bits: 8 };
  const c = createCompressor(spec) as ReturnType<typeof createCompressor> & { initState(d: number): QGadmmState };
  const d = 16;
  const senders = [0, 1, 2].map((k) => ({ state: c.initState(d) as QGadmmState, rng: new Rng(`s${k}`), offset: 3 * k - 3 }));
  const perSender = senders.map(() => c.initState(d));
  const shared = c.initState(d);
  let sharedWorst = 0;
  for (let round = 0; round < 4; round++) {
    senders.forEach((s, k) => {
      const v = new Float32Array(d);
      for (let i = 0; i < d; i++) v[i] = s.offset + Math.sin(i + round + k);
      const enc = c.encode(v, s.state, s.rng);
      // one state per sender: the receiver's θ̂ is the sender's, bit for bit
      assert.deepEqual(c.decode(enc.body, d, perSender[k]!), enc.decoded);
      const wrong = c.decode(enc.body, d, shared);
      for (let i = 0; i < d; i++) sharedWorst = Math.max(sharedWorst, Math.abs(wrong[i]! - enc.decoded[i]!));
    });
  }
  // one state for all senders: each message is added to another sender's reference
  assert.ok(sharedWorst > 1, `a shared receiver state is off by ${sharedWorst}`);
});
