import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CHUNK_HEADER_BYTES,
  WHOLE_HEADER_BYTES,
  Reassembler,
  TransportError,
  decodeFrame,
  encodeChunk,
  encodeWhole,
  frameSizes,
  messageWireBytes,
  mqttPublishPacketBytes,
  splitMessage,
} from '@edgefl/transport';
import type { PushResult } from '@edgefl/transport';

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function message(r: PushResult): Uint8Array {
  assert.equal(r.kind, 'message', r.kind === 'rejected' ? r.error.message : r.kind);
  return (r as { bytes: Uint8Array }).bytes;
}

function rejection(r: PushResult): TransportError {
  assert.equal(r.kind, 'rejected');
  const e = (r as { error: TransportError }).error;
  assert.ok(e instanceof TransportError);
  assert.ok((e.hint ?? '').length > 0, 'a rejection names the fix');
  return e;
}

test('a message that fits travels whole behind a 5-byte header', () => {
  const m = bytes(1000);
  const frames = splitMessage(42, m, 1005);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.length, m.length + WHOLE_HEADER_BYTES);
  assert.deepEqual([...frames[0]!.subarray(0, 5)], [0xe0, 0, 0, 0, 42]);
  const r = new Reassembler({ maxMessageBytes: 10_000 });
  assert.deepEqual(message(r.push('t', frames[0]!)), m);
});

test('a message one byte over the limit is split; chunk sizes and headers are exact', () => {
  const m = bytes(1001);
  const frames = splitMessage(7, m, 1005);
  const chunk = 1005 - CHUNK_HEADER_BYTES;
  assert.equal(frames.length, Math.ceil(1001 / chunk));
  for (const [i, f] of frames.entries()) {
    assert.ok(f.length <= 1005);
    const d = decodeFrame(f);
    assert.equal(d.kind, 'chunk');
    if (d.kind !== 'chunk') continue;
    assert.deepEqual([d.msgId, d.index, d.count, d.total], [7, i, frames.length, 1001]);
    assert.equal(d.slice.length, i < frames.length - 1 ? chunk : 1001 - chunk * (frames.length - 1));
  }
});

test('split then reassemble is the identity in any arrival order, with duplicates (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: CHUNK_HEADER_BYTES + 1, max: 700 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer(),
      (n, limit, msgId, seed) => {
        const m = bytes(n, seed);
        const frames = splitMessage(msgId, m, limit);
        for (const f of frames) assert.ok(f.length <= Math.max(limit, n + WHOLE_HEADER_BYTES));
        // Deterministic shuffle plus every frame repeated once.
        const order = [...frames.keys(), ...frames.keys()].sort((a, b) => ((a * 2654435761 + seed) >>> 0) % 97 - ((b * 2654435761 + seed) >>> 0) % 97);
        const r = new Reassembler({ maxMessageBytes: 10_000 });
        const out: Uint8Array[] = [];
        let dups = 0;
        for (const i of order) {
          const res = r.push('src', frames[i]!);
          if (res.kind === 'message') out.push(res.bytes);
          else if (res.kind === 'duplicate') dups++;
          else assert.equal(res.kind, 'partial');
        }
        assert.equal(out.length, 1);
        assert.deepEqual(out[0], m);
        assert.equal(dups, frames.length);
        assert.equal(r.pending, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('a replayed whole message (QoS 1 redelivery) is a duplicate', () => {
  const r = new Reassembler({ maxMessageBytes: 100 });
  const f = encodeWhole(5, bytes(10));
  assert.equal(r.push('a', f).kind, 'message');
  assert.deepEqual(r.push('a', f), { kind: 'duplicate', msgId: 5 });
  // Same id from another source is another message.
  assert.equal(r.push('b', f).kind, 'message');
});

test('hostile frames are rejected with a reason and nothing is kept', () => {
  const r = new Reassembler({ maxMessageBytes: 1000 });
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /empty payload/],
    [Uint8Array.of(0x7b, 0x22), /not an edgefl frame/],
    [Uint8Array.of(0xe0, 1, 2), /shorter than its 5-byte header/],
    [encodeChunk(1, 0, 2, 10, bytes(5)).subarray(0, 16), /shorter than its 17-byte header/],
    [encodeChunk(1, 0, 1, 10, bytes(10)), /at least 2/],
    [encodeChunk(1, 5, 5, 10, bytes(2)), /index 5 is not below the chunk count 5/],
    [encodeChunk(1, 0, 0xffffffff, 10, bytes(2)), /chunk count 4294967295 exceeds the message length 10/],
    [encodeChunk(1, 0, 2, 0xffffffff, bytes(2)), /claims 4294967295 bytes, over maxMessageBytes 1000/],
    [encodeChunk(1, 0, 2, 10, new Uint8Array(0)), /empty slice/],
    [encodeChunk(1, 0, 2, 3, bytes(4)), /longer than the whole message/],
    [encodeWhole(1, bytes(1001)), /exceeds maxMessageBytes 1000/],
    // Non-last chunks of S bytes need (count−1)·S < total ≤ count·S.
    [encodeChunk(1, 0, 2, 10, bytes(3)), /cannot hold the claimed total/],
    [encodeChunk(1, 0, 2, 10, bytes(10)), /already reach the claimed total/],
    [encodeChunk(1, 1, 2, 10, bytes(10)), /leaves less than 1 byte/],
  ];
  for (const [frame, why] of cases) {
    const e = rejection(r.push('evil', frame));
    assert.match(e.message, why);
  }
  assert.equal(r.pending, 0);
});

test('chunks that contradict earlier chunks drop the whole partial message', () => {
  const r = new Reassembler({ maxMessageBytes: 1000 });
  assert.equal(r.push('s', encodeChunk(9, 0, 3, 25, bytes(10))).kind, 'partial');
  assert.match(rejection(r.push('s', encodeChunk(9, 1, 3, 26, bytes(10)))).message, /earlier chunks said 3\/25/);
  assert.equal(r.pending, 0);
  assert.equal(r.push('s', encodeChunk(9, 0, 3, 25, bytes(10))).kind, 'partial');
  assert.match(rejection(r.push('s', encodeChunk(9, 1, 3, 25, bytes(9)))).message, /earlier chunks had 10/);
  assert.equal(r.push('s', encodeChunk(9, 0, 3, 25, bytes(10))).kind, 'partial');
  assert.match(rejection(r.push('s', encodeChunk(9, 2, 3, 25, bytes(4)))).message, /gives 24 bytes in all, header said 25/);
  assert.equal(r.pending, 0);
});

test('partials per source are capped: the oldest is dropped', () => {
  const r = new Reassembler({ maxMessageBytes: 1000, maxPartialPerSource: 2 });
  for (let id = 1; id <= 3; id++) assert.equal(r.push('s', encodeChunk(id, 0, 2, 20, bytes(10))).kind, 'partial');
  assert.equal(r.pending, 2);
  // id 1 was evicted: its second chunk starts a new partial (evicting id 2) instead of completing it.
  assert.equal(r.push('s', encodeChunk(1, 1, 2, 20, bytes(10))).kind, 'partial');
  assert.equal(r.pending, 2);
  assert.equal(message(r.push('s', encodeChunk(3, 1, 2, 20, bytes(10)))).length, 20);
  assert.equal(r.pending, 1);
  // Other sources are not affected by one source's cap.
  assert.equal(r.push('t', encodeChunk(1, 0, 2, 20, bytes(10))).kind, 'partial');
  assert.equal(r.push('t', encodeChunk(2, 0, 2, 20, bytes(10))).kind, 'partial');
  assert.equal(r.pending, 3);
});

test('partials older than the timeout are dropped', () => {
  const r = new Reassembler({ maxMessageBytes: 1000, timeoutMs: 1000 });
  assert.equal(r.push('s', encodeChunk(1, 0, 2, 20, bytes(10)), 0).kind, 'partial');
  assert.equal(r.expire(500), 0);
  assert.equal(r.expire(1001), 1);
  assert.equal(r.pending, 0);
  // A chunk arriving late starts over rather than completing a stale message.
  assert.equal(r.push('s', encodeChunk(1, 1, 2, 20, bytes(10)), 1002).kind, 'partial');
});

test('sources are capped: the least recently heard is forgotten', () => {
  const r = new Reassembler({ maxMessageBytes: 1000, maxSources: 2 });
  r.push('a', encodeChunk(1, 0, 2, 20, bytes(10)));
  r.push('b', encodeChunk(1, 0, 2, 20, bytes(10)));
  r.push('c', encodeChunk(1, 0, 2, 20, bytes(10)));
  assert.equal(r.pending, 2);
  assert.equal(r.push('a', encodeChunk(1, 1, 2, 20, bytes(10))).kind, 'partial');
});

test('bytes held in partials are capped over all sources: the least recently heard sources lose theirs first', () => {
  // 1000-byte messages in 2 chunks of 500; the cap holds 4 such halves.
  const r = new Reassembler({ maxMessageBytes: 1000, maxPartialBytes: 2000 });
  const half = (source: string, id: number, index: number) => r.push(source, encodeChunk(id, index, 2, 1000, bytes(500, id)));
  // 100 sources each send half a message and never the rest: without the cap, 50 000 bytes held.
  for (let s = 0; s < 100; s++) assert.equal(half(`junk-${s}`, s + 1, 0).kind, 'partial');
  assert.equal(r.pendingBytes, 2000);
  assert.equal(r.pending, 4);
  assert.equal(r.budgetDrops, 96, 'every partial dropped for the cap is counted');
  // A legitimate message still completes, bit for bit.
  assert.equal(half('dev', 7, 0).kind, 'partial');
  const done = half('dev', 7, 1);
  assert.equal(done.kind, 'message');
  assert.deepEqual(done.kind === 'message' ? done.bytes : null, Uint8Array.from([...bytes(500, 7), ...bytes(500, 7)]));
  assert.ok(r.pendingBytes <= 2000);
  // The cap never goes below one whole message.
  assert.equal(new Reassembler({ maxMessageBytes: 5000, maxPartialBytes: 10 }).limits.maxPartialBytes, 5000);
});

test('push never throws on arbitrary bytes (property)', () => {
  const r = new Reassembler({ maxMessageBytes: 4096 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, asChunk) => {
      if (asChunk && b.length > 0) b[0] = 0xe1;
      const res = r.push('fuzz', b);
      assert.ok(['message', 'partial', 'duplicate', 'rejected'].includes(res.kind));
    }),
    { numRuns: 5000 },
  );
  // Memory stays bounded by the per-source cap however much junk arrived.
  assert.ok(r.pending <= r.limits.maxPartialPerSource);
});

test('splitMessage refuses a limit too small for a chunk header', () => {
  assert.throws(() => splitMessage(1, bytes(100), CHUNK_HEADER_BYTES), /too small to carry a chunk/);
});

test('frameSizes and messageWireBytes predict exactly what splitMessage produces (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: CHUNK_HEADER_BYTES + 1, max: 3000 }), fc.constantFrom(0 as const, 1 as const), (n, limit, qos) => {
      const frames = splitMessage(1, new Uint8Array(n), limit);
      assert.deepEqual(frameSizes(n, limit), frames.map((f) => f.length));
      const topic = 'edgefl/v1/j/up/d';
      const expected = frames.reduce((s, f) => s + mqttPublishPacketBytes(topic.length, f.length, qos, 4), 0);
      assert.equal(messageWireBytes(topic, n, limit, qos), expected);
    }),
    { numRuns: 300 },
  );
});

test('a handed-over chunk is kept without a copy; a copied one, or a view into a larger buffer, is not affected by later writes', () => {
  const m = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  const run = (owned: boolean, wrap: (f: Uint8Array) => Uint8Array): Uint8Array => {
    const frames = splitMessage(9, m, 117).map(wrap);
    const r = new Reassembler({ maxMessageBytes: 4096 });
    for (let i = 0; i < frames.length - 1; i++) assert.equal(r.push('s', frames[i]!, 0, owned).kind, 'partial');
    frames[0]![CHUNK_HEADER_BYTES] = 0xff; // the caller scribbles on a frame it pushed
    const res = r.push('s', frames[frames.length - 1]!, 0, owned);
    assert.equal(res.kind, 'message');
    return (res as { bytes: Uint8Array }).bytes;
  };
  const own = (f: Uint8Array): Uint8Array => f;
  // Each frame sits 300 bytes into a buffer of its own plus padding: more than the slack allowed.
  const inLargerBuffer = (f: Uint8Array): Uint8Array => {
    const big = new Uint8Array(f.length + 600);
    big.set(f, 300);
    return big.subarray(300, 300 + f.length);
  };
  assert.equal(run(true, own)[0], 0xff, 'owned: kept as handed over');
  assert.deepEqual(run(false, own), m, 'not owned: copied on arrival');
  assert.deepEqual(run(true, inLargerBuffer), m, 'owned but a view into a larger buffer: copied');
});
