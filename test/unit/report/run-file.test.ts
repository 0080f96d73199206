import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunFile, readRunFile, ReportError } from '@edgefl/report';
import { runRecord, writeRun, tmp } from './fixtures.js';

const ok = runRecord([{ loss: 1, accuracy: 0.5, payloadBits: 10, wireBytes: 5 }]);

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReportError, `not a ReportError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    assert.ok(e.hint && e.hint.length > 0, 'a hint says how to fix it');
    return true;
  });
}

test('a valid record loads with its rounds and links; the name is the file name without .json', () => {
  const f = readRunFile(writeRun(ok, 'fedavg-8bit.json'));
  assert.equal(f.name, 'fedavg-8bit');
  assert.equal(f.record.rounds.length, 1);
  assert.equal(f.record.rounds[0]!.loss, 1);
  assert.equal(f.record.links.length, 4);
});

test('a missing file, text that is not JSON, JSON that is not edgefl-run/1 and a record with no rounds are typed errors naming the file', () => {
  rejects(() => readRunFile(`${tmp}/nope.json`), 'REPORT_READ', /nope\.json: no such file/);
  rejects(() => parseRunFile('{"format": "edgefl-run/1", ', 'broken.json'), 'REPORT_NOT_JSON', /broken\.json is not JSON/);
  rejects(() => parseRunFile('[1,2]', 'array.json'), 'REPORT_NOT_RUN_RECORD', /array\.json is not an edgefl-run\/1 record \(no "format" field\)/);
  rejects(() => parseRunFile(JSON.stringify({ format: 'edgefl-bench/1', results: [] }), 'bench.json'), 'REPORT_NOT_RUN_RECORD', /format "edgefl-bench\/1"/);
  rejects(() => parseRunFile(JSON.stringify({ ...ok, rounds: [] }), 'empty.json'), 'REPORT_NO_ROUNDS', /empty\.json has no rounds/);
});

test('a record with wrong field types names the key path of the problem', () => {
  const bad = { ...ok, rounds: [{ ...ok.rounds[0], payloadBits: 'many' }] };
  rejects(() => parseRunFile(JSON.stringify(bad), 'bad.json'), 'REPORT_NOT_RUN_RECORD', /rounds\[0\]\.payloadBits/);
  const negative = { ...ok, links: [{ from: 'a', to: 'b', payloadBits: -1, wireBytes: 0 }] };
  rejects(() => parseRunFile(JSON.stringify(negative), 'neg.json'), 'REPORT_NOT_RUN_RECORD', /links\[0\]\.payloadBits/);
  const noModel = { ...ok, model: undefined };
  rejects(() => parseRunFile(JSON.stringify(noModel), 'nomodel.json'), 'REPORT_NOT_RUN_RECORD', /model/);
});

test('a diverged round (loss written as null: JSON has no NaN) loads; extra fields from later versions are kept', () => {
  const f = parseRunFile(JSON.stringify({ ...ok, rounds: [{ ...ok.rounds[0], loss: null, extra: 1 }], newField: true }), 'x.json');
  assert.equal(f.record.rounds[0]!.loss, null);
});
