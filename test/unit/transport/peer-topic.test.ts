import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransportError, filters, formatTopic, linkOfTopic, parseTopic, topicMatches, topics } from '@edgefl/transport';

test('peer/{from}: a sender\'s one topic for all its neighbours; built, parsed and matched like the others', () => {
  assert.equal(topics.peer('j', 'p1'), 'edgefl/v1/j/peer/p1');
  assert.deepEqual(parseTopic('edgefl/v1/j/peer/p1'), { kind: 'peer', job: 'j', from: 'p1' });
  assert.equal(formatTopic({ kind: 'peer', job: 'j', from: 'p1' }), 'edgefl/v1/j/peer/p1');
  assert.deepEqual(linkOfTopic({ kind: 'peer', job: 'j', from: 'p1' }), { from: 'p1', to: '*' });
  for (const bad of ['edgefl/v1/j/peer', 'edgefl/v1/j/peer/a/b', 'edgefl/v1/j/peer/+']) assert.throws(() => parseTopic(bad), TransportError, bad);
  assert.throws(() => topics.peer('j', 'a/b'), TransportError);
  const [peers, links] = filters.allPeers('j');
  assert.equal(topicMatches(peers!, 'edgefl/v1/j/peer/p9'), true);
  assert.equal(topicMatches(links!, 'edgefl/v1/j/link/p1/p2'), true);
  assert.equal(topicMatches(peers!, 'edgefl/v1/k/peer/p9'), false);
});
