import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Encoder } from 'cbor-x';
import { Rng } from '@edgefl/core';
import { CodecError, createCompressor, decodeEnvelope, encodeEnvelope, envelopeOverhead } from '@edgefl/codec';
import type { EnvelopeHeader } from '@edgefl/codec';

const header: EnvelopeHeader = {
  v: 1, job: 'mnist-qgadmm', round: 1234, phase: 1, from: 'dev-07', seq: 98765,
  codec: { id: 'uniform', bits: 2 }, dim: 1000, bits: 2 * 1000 + 64,
};

function body(): Uint8Array {
  const v = new Float32Array(1000).map((_, i) => Math.sin(i));
  return createCompressor({ id: 'uniform', bits: 2 }).encode(v, undefined, new Rng(1)).body;
}

test('envelope: encode → decode returns the same header and body', () => {
  const b = body();
  const env = decodeEnvelope(encodeEnvelope(header, b), { dim: 1000, job: 'mnist-qgadmm' });
  assert.deepEqual(env.header, header);
  assert.deepEqual(env.body, b);
});

test('envelope: overhead is small (58 bytes for a typical header, 25 minimal)', () => {
  const b = body();
  const overhead = envelopeOverhead(header, b);
  // array 1 + v 1 + job 13 + round 3 + phase 1 + from 7 + seq 5 + codec map 18 + dim 3 + bits 3
  // + byte-string head 3: the strings (job, sender, codec) are most of it
  assert.equal(overhead, 58);
  const minimal = envelopeOverhead({ ...header, job: 'j', from: 'a', round: 0, seq: 0, codec: { id: 'float32' }, dim: 1, bits: 32 }, new Uint8Array(4));
  assert.equal(minimal, 25); // of which 12 are the codec map {id: "float32"}
});

test('envelope: receiver expectations (dim, job, maxBytes) are enforced', () => {
  const bytes = encodeEnvelope(header, body());
  assert.throws(() => decodeEnvelope(bytes, { dim: 999 }), /dimension 1000 .* does not match this model's 999/);
  assert.throws(() => decodeEnvelope(bytes, { job: 'other' }), /belongs to job "mnist-qgadmm"/);
  assert.throws(() => decodeEnvelope(bytes, { maxBytes: 100 }), /over the limit of 100/);
  assert.throws(() => decodeEnvelope(bytes, { maxDim: 999 }), /dim is 1000/);
});

test('envelope: the schema is validated on receipt', () => {
  const raw = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
  const b = body();
  const good: unknown[] = [1, 'job', 1, 0, 'dev', 0, { id: 'uniform', bits: 2 }, 1000, 2064, b];
  assert.doesNotThrow(() => decodeEnvelope(raw.encode(good)));
  const cases: Array<[number, unknown, RegExp]> = [
    [0, 2, /format version 2 is not supported/],
    [1, '', /job is ""/],
    [1, 7, /job is 7/],
    [2, -1, /round is -1/],
    [2, 1.5, /round is 1.5/],
    [3, 1e6, /phase is 1000000/],
    [4, 'x'.repeat(300), /from is/],
    [5, 'seven', /seq is "seven"/],
    [6, { id: 'zstd' }, /unknown codec id "zstd"/],
    [6, { bits: 2 }, /unknown codec id undefined/],
    [6, [1, 2], /codec is an array/],
    [6, { id: 'uniform', bits: Infinity }, /parameter bits is Infinity/],
    [7, -5, /dim is -5/],
    [7, 2 ** 40, /dim is/],
    [8, 2065 + 8, /2073 payload bits but the body is 258 bytes/],
    [9, 'body', /body is "body"/],
  ];
  for (const [i, value, re] of cases) {
    const msg = good.slice();
    msg[i] = value;
    assert.throws(() => decodeEnvelope(raw.encode(msg)), (e: unknown) => e instanceof CodecError && re.test(e.message), `field ${i} = ${String(value)}`);
  }
  assert.throws(() => decodeEnvelope(raw.encode(good.slice(0, 9))), /array of 10 or 11 fields, got an array of 9/);
  assert.throws(() => decodeEnvelope(raw.encode({ v: 1 })), /got a map/);
});

test('envelope: optional meta (scalar side data) round-trips and is validated', () => {
  const b = body();
  const withMeta: EnvelopeHeader = { ...header, meta: { samples: 225, loss: 0.25 } };
  const bytes = encodeEnvelope(withMeta, b);
  assert.deepEqual(decodeEnvelope(bytes).header, withMeta);
  assert.ok(bytes.length > encodeEnvelope(header, b).length, 'meta costs bytes only when present');
  const raw = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
  const fields = [1, 'j', 1, 0, 'a', 0, { id: 'float32' }, 1, 32, new Uint8Array(4)];
  for (const [meta, re] of [[{ n: 'x' }, /meta n is "x"/], [[1], /meta is an array/], [{ n: Infinity }, /meta n is Infinity/]] as const) {
    assert.throws(() => decodeEnvelope(raw.encode([...fields, meta])), (e: unknown) => e instanceof CodecError && re.test(e.message));
  }
  const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]));
  assert.throws(() => encodeEnvelope({ ...header, meta: many }, b), /meta has 17 entries/);
});

test('envelope: sender refuses a header inconsistent with its body', () => {
  assert.throws(() => encodeEnvelope({ ...header, bits: 8 }, body()), CodecError);
  assert.throws(() => encodeEnvelope({ ...header, round: -1 }, body()), /round is -1/);
});

test('envelope: 10,000 truncated, bit-flipped and random inputs only ever raise CodecError', () => {
  const bytes = encodeEnvelope(header, body());
  const r = new Rng(99);
  for (let t = 0; t < 10_000; t++) {
    let input: Uint8Array;
    const kind = t % 3;
    if (kind === 0) input = bytes.subarray(0, r.int(bytes.length));
    else if (kind === 1) {
      input = bytes.slice();
      const flips = 1 + r.int(4);
      for (let k = 0; k < flips; k++) { const p = r.int(Math.min(input.length, 64)); input[p] = input[p]! ^ (1 << r.int(8)); }
    } else {
      input = new Uint8Array(r.int(80));
      for (let k = 0; k < input.length; k++) input[k] = r.int(256);
    }
    try {
      decodeEnvelope(input, { maxBytes: 4096 });
    } catch (e) {
      if (!(e instanceof CodecError)) throw new Error(`input #${t} (kind ${kind}) raised ${String(e)}`);
    }
  }
});
