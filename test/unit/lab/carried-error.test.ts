import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeflError } from '@edgefl/core';
import { carryError, reviveError } from '@edgefl/lab';

test('an agent\'s user-facing error crosses threads with its code, hint, exit code and stack', () => {
  class GoneError extends EdgeflError {
    override readonly exitCode = 1;
  }
  const original = new GoneError('GATEWAY_LOST', 'the gateway is gone', 'start it again');
  const back = reviveError(structuredClone(carryError(original)));
  assert.ok(back instanceof EdgeflError);
  assert.equal(back.name, 'GoneError');
  assert.equal(back.code, 'GATEWAY_LOST');
  assert.equal(back.hint, 'start it again');
  assert.equal(back.exitCode, 1);
  assert.equal(back.stack, original.stack);
});

test('a defect in an agent (not an EdgeflError) crosses as a plain error with its own name and stack, never as a user error', () => {
  const original = new TypeError('cannot read properties of undefined');
  const back = reviveError(structuredClone(carryError(original)));
  assert.ok(!(back instanceof EdgeflError), 'the CLI prints an EdgeflError as a user error without its stack');
  assert.equal(back.name, 'TypeError');
  assert.equal(back.message, 'cannot read properties of undefined');
  assert.equal(back.stack, original.stack);
  assert.equal(reviveError(carryError('a thrown string')).message, 'a thrown string');
});

test('an agent thread that crashed fails as a defect with the crash\'s stack; one that exited without an error as an AgentThreadError', async () => {
  const { threadExitError } = await import('@edgefl/lab');
  const crash = new RangeError('Maximum call stack size exceeded');
  const e = threadExitError(1, crash);
  assert.ok(!(e instanceof EdgeflError), 'a crash is not a user error');
  assert.equal(e.name, 'RangeError');
  assert.match(e.message, /^an agent thread crashed \(exit code 1\): Maximum call stack size exceeded$/);
  assert.equal(e.stack, crash.stack);
  const quiet = threadExitError(0, null);
  assert.ok(quiet instanceof EdgeflError);
  assert.equal(quiet.code, 'AGENT_THREAD');
  assert.match(quiet.message, /stopped \(exit code 0\)/);
});
