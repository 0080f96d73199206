import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_THREADS_FROM_DEVICES, agentThreadsFor } from '@edgefl/lab';

test('sim runs agents in threads from 100 devices on, one per 500, never more than the cores beside the gateway\'s, none on one core', () => {
  assert.equal(AGENT_THREADS_FROM_DEVICES, 100);
  assert.equal(agentThreadsFor(8, 2), 0);
  assert.equal(agentThreadsFor(99, 16), 0);
  assert.equal(agentThreadsFor(100, 2), 1);
  assert.equal(agentThreadsFor(1000, 2), 1);
  assert.equal(agentThreadsFor(1000, 8), 2);
  assert.equal(agentThreadsFor(1001, 8), 3);
  assert.equal(agentThreadsFor(100_000, 8), 7);
  assert.equal(agentThreadsFor(1000, 1), 0);
});
