import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initParams, makeLayout, type ParamDef } from '@edgefl/train';

const defs: ParamDef[] = [
  { name: 'w', shape: [3, 4], init: { kind: 'he', fanIn: 4 } },
  { name: 'b', shape: [3], init: { kind: 'zeros' } },
];

test('initial parameters drawn again from the same seed are the same values, each caller with a copy of its own', () => {
  const layout = makeLayout(defs);
  const a = initParams(defs, layout, 5);
  const b = initParams(defs, layout, 5);
  assert.deepEqual(b, a);
  assert.notEqual(b.buffer, a.buffer);
  // a caller that trains its copy changes nobody else's start
  a.fill(9);
  assert.notEqual(initParams(defs, layout, 5)[0], 9);
  assert.deepEqual(initParams(defs, layout, 5), b);
  // another seed, or other definitions, is another draw
  assert.notDeepEqual(initParams(defs, layout, 6), b);
  const wider: ParamDef[] = [{ ...defs[0]!, init: { kind: 'he', fanIn: 400 } }, defs[1]!];
  assert.notDeepEqual(initParams(wider, makeLayout(wider), 5), b);
});

test('values an imported model brings are used as given, however often the same definitions are drawn', () => {
  const values = Float32Array.of(1, 2, 3);
  const imported: ParamDef[] = [{ name: 'w', shape: [3], init: { kind: 'values', values } }];
  const layout = makeLayout(imported);
  assert.deepEqual(initParams(imported, layout, 1), values);
  values[0] = 7;
  assert.deepEqual(initParams(imported, layout, 1), Float32Array.of(7, 2, 3));
});
