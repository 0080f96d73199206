import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGGREGATOR, TopicPolicy, filterWithin, type Identity } from '@edgefl/gateway';
import { topics } from '@edgefl/transport';

const J = 'job1';
const dev1: Identity = { id: 'dev-01', role: 'device' };
const policy = new TopicPolicy({ jobs: new Set([J]), neighbours: (d) => (d === 'dev-01' ? new Set(['dev-02']) : new Set()) });

test('a device publishes only as itself, and retains only its own status', () => {
  const ok: [string, boolean][] = [
    [topics.up(J, 'dev-01'), false], [topics.link(J, 'dev-01', 'dev-02'), false], [topics.peer(J, 'dev-01'), false],
    [topics.status(J, 'dev-01'), true], [topics.status(J, 'dev-01'), false], [topics.telemetry(J, 'dev-01'), false],
  ];
  for (const [t, retain] of ok) assert.equal(policy.mayPublish(dev1, t, retain), true, `${t} retain=${retain}`);
  const no: [string, boolean][] = [
    [topics.up(J, 'dev-02'), false], [topics.link(J, 'dev-02', 'dev-01'), false], [topics.peer(J, 'dev-02'), false],
    [topics.status(J, 'dev-02'), true], [topics.telemetry(J, 'dev-02'), false], [topics.ctl(J), false], [topics.ctl(J), true],
    [topics.down(J), false], [topics.down(J, 'dev-01'), false], [topics.up(J, 'dev-01'), true], [topics.telemetry(J, 'dev-01'), true],
    [topics.up('other', 'dev-01'), false], ['edgefl/v1/job1/up/+', false], ['$SYS/x', false], ['elsewhere/dev-01', false],
    ['edgefl/v1/job1/up/dev-01/extra', false],
  ];
  for (const [t, retain] of no) assert.equal(policy.mayPublish(dev1, t, retain), false, `${t} retain=${retain}`);
});

test('a device reads ctl, down, down/{self}, links to itself and its neighbours\' peer topics only', () => {
  for (const t of [topics.ctl(J), topics.down(J), topics.down(J, 'dev-01'), topics.link(J, 'dev-03', 'dev-01'), topics.peer(J, 'dev-02')]) {
    assert.equal(policy.mayRead(dev1, t), true, t);
  }
  for (const t of [topics.down(J, 'dev-02'), topics.up(J, 'dev-02'), topics.link(J, 'dev-01', 'dev-02'), topics.peer(J, 'dev-03'),
    topics.status(J, 'dev-02'), topics.telemetry(J, 'dev-02'), topics.ctl('other')]) {
    assert.equal(policy.mayRead(dev1, t), false, t);
  }
  for (const f of [`edgefl/v1/${J}/link/+/dev-01`, topics.ctl(J), topics.peer(J, 'dev-02')]) assert.equal(policy.maySubscribe(dev1, f), true, f);
  for (const f of ['#', '+/#', `edgefl/v1/${J}/#`, `edgefl/v1/+/ctl`, `edgefl/v1/${J}/link/+/+`, `edgefl/v1/${J}/peer/+`, `edgefl/v1/${J}/down/+`,
    `$share/g/${topics.ctl(J)}`, '']) {
    assert.equal(policy.maySubscribe(dev1, f), false, f);
  }
  const open = new TopicPolicy({ jobs: new Set([J]), neighbours: () => 'any' });
  assert.equal(open.maySubscribe(dev1, `edgefl/v1/${J}/peer/+`), true, "'any' neighbours: every peer topic");
  const none = new TopicPolicy({ jobs: new Set([J]) });
  assert.equal(none.mayRead(dev1, topics.peer(J, 'dev-02')), false, 'no topology: no peer reads');
});

test('only the aggregator publishes ctl and down, and only it retains on ctl', () => {
  assert.equal(policy.mayPublish(AGGREGATOR, topics.ctl(J), true), true);
  assert.equal(policy.mayPublish(AGGREGATOR, topics.down(J), false), true);
  assert.equal(policy.mayPublish(AGGREGATOR, topics.down(J, 'dev-02'), false), true);
  assert.equal(policy.mayPublish(AGGREGATOR, topics.down(J), true), false, 'no retained down');
  assert.equal(policy.mayPublish(AGGREGATOR, topics.up(J, 'dev-01'), false), false);
  assert.equal(policy.maySubscribe(AGGREGATOR, `edgefl/v1/${J}/up/+`), true);
  assert.equal(policy.maySubscribe(AGGREGATOR, `edgefl/v1/${J}/status/+`), true);
  assert.equal(policy.maySubscribe(AGGREGATOR, '#'), false);
});

test('filterWithin: a filter is allowed only if the pattern covers every topic it can match', () => {
  assert.equal(filterWithin('a/b/c', 'a/+/c'), true);
  assert.equal(filterWithin('a/+/c', 'a/+/c'), true);
  assert.equal(filterWithin('a/+/c', 'a/b/c'), false);
  assert.equal(filterWithin('a/#', 'a/+'), false);
  assert.equal(filterWithin('a/b', 'a/b/c'), false);
  assert.equal(filterWithin('a/b/c', 'a/b'), false);
});
