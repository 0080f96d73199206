import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger, silentLogger } from '@edgefl/telemetry';
import type { Log } from '@edgefl/core';

function capture(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stream, lines: () => chunks.join('').split('\n').filter((l) => l !== '') };
}

test('JSON lines with level, time, name, message, fields and child bindings', () => {
  const { stream, lines } = capture();
  const log = createLogger({ level: 'debug', name: 'gateway', destination: stream, base: { job: 'quickstart' } });
  log.info({ round: 3, bytes: 1024 }, 'round closed');
  log.child({ device: 'dev-02' }).warn({ reason: 'truncated envelope' }, 'update rejected');
  log.debug('detail');
  log.trace('not shown at debug');
  const parsed = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(parsed.length, 3);
  const [a, b, c] = parsed as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual([a['level'], a['name'], a['msg'], a['round'], a['bytes'], a['job']], [30, 'gateway', 'round closed', 3, 1024, 'quickstart']);
  assert.equal(typeof a['time'], 'number');
  assert.equal(a['pid'], process.pid);
  assert.deepEqual([b['level'], b['device'], b['reason'], b['msg']], [40, 'dev-02', 'truncated envelope', 'update rejected']);
  assert.deepEqual([c['level'], c['msg']], [20, 'detail']);
});

test('level comes from the option, then EDGEFL_LOG_LEVEL, then info', () => {
  const saved = process.env['EDGEFL_LOG_LEVEL'];
  try {
    process.env['EDGEFL_LOG_LEVEL'] = 'warn';
    assert.equal(createLogger({ destination: new PassThrough() }).level, 'warn');
    assert.equal(createLogger({ level: 'debug', destination: new PassThrough() }).level, 'debug');
    delete process.env['EDGEFL_LOG_LEVEL'];
    assert.equal(createLogger({ destination: new PassThrough() }).level, 'info');
    // an unknown value is reported on the log itself, not fatal
    process.env['EDGEFL_LOG_LEVEL'] = 'loud';
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream });
    assert.equal(log.level, 'info');
    const warn = JSON.parse(lines()[0]!) as Record<string, unknown>;
    assert.deepEqual([warn['level'], warn['EDGEFL_LOG_LEVEL']], [40, 'loud']);
  } finally {
    if (saved === undefined) delete process.env['EDGEFL_LOG_LEVEL']; else process.env['EDGEFL_LOG_LEVEL'] = saved;
  }
});

test('pretty: true writes readable lines, not JSON; auto stays JSON off a terminal', () => {
  const p = capture();
  createLogger({ name: 'agent', pretty: true, destination: p.stream }).info({ round: 2 }, 'hello');
  const line = p.lines()[0]!;
  assert.throws(() => JSON.parse(line) as unknown);
  assert.match(line, /INFO.*\(agent\).*hello/);
  const j = capture();
  createLogger({ pretty: 'auto', destination: j.stream }).info('plain');
  assert.equal((JSON.parse(j.lines()[0]!) as { msg: string }).msg, 'plain');
});

test('silentLogger writes nothing and satisfies the core Log interface', () => {
  const log: Log = silentLogger();
  log.info({ a: 1 }, 'dropped');
  assert.equal(silentLogger().level, 'silent');
  assert.equal(silentLogger().isLevelEnabled('fatal'), false);
  const child: Log = log.child({ device: 'x' });
  child.error({}, 'dropped too');
});
