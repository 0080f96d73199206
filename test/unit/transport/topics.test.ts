import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TransportError, topics, filters, parseTopic, formatTopic, linkOfTopic, topicMatches, filterMatcher, assertId, isValidId } from '@edgefl/transport';
import type { ParsedTopic } from '@edgefl/transport';

test('builders produce the documented topic scheme', () => {
  assert.equal(topics.ctl('job1'), 'edgefl/v1/job1/ctl');
  assert.equal(topics.up('job1', 'dev-01'), 'edgefl/v1/job1/up/dev-01');
  assert.equal(topics.down('job1'), 'edgefl/v1/job1/down');
  assert.equal(topics.down('job1', 'dev_2'), 'edgefl/v1/job1/down/dev_2');
  assert.equal(topics.link('job1', 'a', 'b'), 'edgefl/v1/job1/link/a/b');
  assert.equal(topics.status('job1', 'a'), 'edgefl/v1/job1/status/a');
  assert.equal(topics.telemetry('job1', 'a'), 'edgefl/v1/job1/telemetry/a');
  assert.equal(filters.allUp('j'), 'edgefl/v1/j/up/+');
  assert.equal(filters.linksTo('j', 'p3'), 'edgefl/v1/j/link/+/p3');
  assert.deepEqual(filters.deviceInbox('j', 'd'), ['edgefl/v1/j/ctl', 'edgefl/v1/j/down', 'edgefl/v1/j/down/d']);
});

test('parseTopic inverts every builder', () => {
  const cases: [string, ParsedTopic][] = [
    [topics.ctl('j'), { kind: 'ctl', job: 'j' }],
    [topics.up('j', 'd'), { kind: 'up', job: 'j', device: 'd' }],
    [topics.down('j'), { kind: 'down', job: 'j', device: null }],
    [topics.down('j', 'd'), { kind: 'down', job: 'j', device: 'd' }],
    [topics.link('j', 'a', 'b'), { kind: 'link', job: 'j', from: 'a', to: 'b' }],
    [topics.peer('j', 'a'), { kind: 'peer', job: 'j', from: 'a' }],
    [topics.status('j', 'd'), { kind: 'status', job: 'j', device: 'd' }],
    [topics.telemetry('j', 'd'), { kind: 'telemetry', job: 'j', device: 'd' }],
  ];
  for (const [topic, parsed] of cases) {
    assert.deepEqual(parseTopic(topic), parsed);
    assert.equal(formatTopic(parsed), topic);
  }
});

test('round trip holds for every valid id (property)', () => {
  const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
  fc.assert(
    fc.property(id, id, id, (job, a, b) => {
      assert.deepEqual(parseTopic(topics.link(job, a, b)), { kind: 'link', job, from: a, to: b });
      assert.deepEqual(parseTopic(topics.up(job, a)), { kind: 'up', job, device: a });
    }),
  );
});

test('ids with separators, wildcards, spaces, or bad length are rejected with a fix', () => {
  for (const bad of ['', 'a/b', '+', '#', 'dev 1', 'dév', 'x'.repeat(65), 'a+b', 'a#']) {
    assert.equal(isValidId(bad), false, bad);
    assert.throws(
      () => topics.up('job', bad),
      (e: unknown) => e instanceof TransportError && e.message.includes('invalid device') && (e.hint ?? '').includes('rename'),
    );
  }
  assert.throws(() => topics.ctl('a/b'), /invalid job/);
  assert.equal(assertId('x'.repeat(64)), 'x'.repeat(64));
});

test('parseTopic: foreign topics are null, broken edgefl topics throw TransportError', () => {
  assert.equal(parseTopic('home/kitchen/temp'), null);
  assert.equal(parseTopic('$SYS/broker/uptime'), null);
  for (const bad of [
    'edgefl/v1/',
    'edgefl/v1/j',
    'edgefl/v1/j/up',
    'edgefl/v1/j/up/a/b',
    'edgefl/v1/j/link/a',
    'edgefl/v1/j/ctl/x',
    'edgefl/v1/j/nope/a',
    'edgefl/v1/j/up/+',
    'edgefl/v1/j k/up/a',
    'edgefl/v1/j/down/a/b',
    'edgefl/v1/j/peer',
    'edgefl/v1/j/peer/a/b',
  ]) {
    assert.throws(() => parseTopic(bad), TransportError, bad);
  }
});

test('linkOfTopic names the directed link a topic carries', () => {
  assert.deepEqual(linkOfTopic(parseTopic(topics.up('j', 'd1'))!), { from: 'd1', to: 'gateway' });
  assert.deepEqual(linkOfTopic(parseTopic(topics.down('j', 'd1'))!), { from: 'gateway', to: 'd1' });
  assert.deepEqual(linkOfTopic(parseTopic(topics.down('j'))!), { from: 'gateway', to: '*' });
  assert.deepEqual(linkOfTopic(parseTopic(topics.ctl('j'))!), { from: 'gateway', to: '*' });
  assert.deepEqual(linkOfTopic(parseTopic(topics.link('j', 'p1', 'p2'))!), { from: 'p1', to: 'p2' });
  assert.deepEqual(linkOfTopic(parseTopic(topics.peer('j', 'p1'))!), { from: 'p1', to: '*' });
  assert.deepEqual(linkOfTopic(parseTopic(topics.status('j', 'd'))!), { from: 'd', to: 'gateway' });
});

test('topicMatches follows MQTT 3.1.1 §4.7', () => {
  assert.equal(topicMatches('edgefl/v1/j/up/+', 'edgefl/v1/j/up/d1'), true);
  assert.equal(topicMatches('edgefl/v1/j/up/+', 'edgefl/v1/j/up'), false);
  assert.equal(topicMatches('edgefl/v1/j/up/+', 'edgefl/v1/j/up/d1/x'), false);
  assert.equal(topicMatches('edgefl/v1/j/#', 'edgefl/v1/j'), true);
  assert.equal(topicMatches('edgefl/v1/j/#', 'edgefl/v1/j/link/a/b'), true);
  assert.equal(topicMatches('edgefl/v1/+/link/+/b', 'edgefl/v1/j/link/a/b'), true);
  assert.equal(topicMatches('edgefl/v1/+/link/+/b', 'edgefl/v1/j/link/a/c'), false);
  assert.equal(topicMatches('#', '$SYS/x'), false);
  assert.equal(topicMatches('$SYS/#', '$SYS/x'), true);
  assert.equal(topicMatches('a/b', 'a/b'), true);
  assert.equal(topicMatches('a/b', 'a/c'), false);
});

/** MQTT 3.1.1 §4.7 written plainly (split both, compare level by level): the reference for the compiled matcher. */
function referenceMatch(filter: string, topic: string): boolean {
  if (topic.startsWith('$') !== filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

test('a compiled filter matches exactly the topics the plain §4.7 matcher does (property, empty levels and $ included)', () => {
  const level = fc.constantFrom('a', 'b', 'ab', '', '$SYS', 'edgefl', 'up', 'd-1');
  const filterLevel = fc.oneof(level, fc.constant('+'), fc.constant('#'));
  const topic = fc.array(level, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('/'));
  const filter = fc.array(filterLevel, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('/'));
  fc.assert(fc.property(filter, fc.array(topic, { minLength: 1, maxLength: 8 }), (f, ts) => {
    const matches = filterMatcher(f);
    for (const t of ts) assert.equal(matches(t), referenceMatch(f, t), `${f} against ${t}`);
  }), { numRuns: 3000 });
});

test('parseTopic on arbitrary strings returns a topic, null, or a TransportError — nothing else (property)', () => {
  const level = fc.constantFrom('edgefl', 'v1', 'j', 'up', 'down', 'link', 'ctl', 'status', 'telemetry', 'd-1', '', '+', '#', 'x y', 'é');
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(level, { maxLength: 7 }).map((ls) => ls.join('/'))), (s) => {
      try {
        const t = parseTopic(s);
        if (t !== null) assert.equal(formatTopic(t), s);
      } catch (e) {
        assert.ok(e instanceof TransportError, String(e));
      }
    }),
    { numRuns: 3000 },
  );
});
