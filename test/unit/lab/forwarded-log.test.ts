import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog, type Log } from '@edgefl/core';
import { forwardedLog, forwardLevelOf } from '@edgefl/lab';

type Event = Parameters<Parameters<typeof forwardedLog>[1]>[0];

test('an agent thread forwards records at or above the lab logger\'s level, with every child binding, as plain data', () => {
  const events: Event[] = [];
  const log = forwardedLog('info', (e) => events.push(e)).child({ device: 'dev-01' }).child({ clientId: 'c1' });
  log.debug({ hidden: true }, 'below the level');
  log.info({ n: 1 }, 'kept');
  // an Error becomes its name and message; a function (which cannot cross threads) is dropped
  log.warn({ err: new RangeError('too big'), fn: () => 1, big: 2n }, 'with odd values');
  assert.equal(events.length, 2);
  assert.deepEqual(events[0], { kind: 'log', level: 'info', bindings: [{ device: 'dev-01' }, { clientId: 'c1' }], obj: { n: 1 }, msg: 'kept' });
  assert.deepEqual(events[1], { kind: 'log', level: 'warn', bindings: [{ device: 'dev-01' }, { clientId: 'c1' }], obj: { err: { name: 'RangeError', message: 'too big' }, big: '2' }, msg: 'with odd values' });
  // every event survives the structured clone a postMessage does
  for (const e of events) assert.deepEqual(structuredClone(e), e);
});

test('the level an agent thread forwards at is the lab logger\'s: pino\'s level, nothing for nullLog, everything otherwise', () => {
  const pinoLike = Object.assign({ level: 'warn' }, nullLog) as Log;
  assert.equal(forwardLevelOf(pinoLike), 'warn');
  assert.equal(forwardLevelOf(nullLog), 'silent');
  const plain: Log = { debug() {}, info() {}, warn() {}, error() {}, child: () => plain };
  assert.equal(forwardLevelOf(plain), 'debug');
  const events: Event[] = [];
  forwardedLog('silent', (e) => events.push(e)).error({}, 'dropped');
  assert.equal(events.length, 0);
});
