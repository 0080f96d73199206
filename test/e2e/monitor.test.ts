import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from '@edgefl/transport';
import type { LinkRecord, RunRecord } from '@edgefl/runtime';
import { getLinks, runMonitoredJob, until, type MonitoredJob } from './monitor-helpers.js';

let job: MonitoredJob;
let record: RunRecord;

before(async () => {
  job = await runMonitoredJob();
  record = job.gw.record();
});
after(async () => {
  await job?.close();
});

const link = (from: string, to: string): LinkRecord => {
  const l = record.links.find((x) => x.from === from && x.to === to);
  assert.ok(l, `no link ${from}→${to} in the run record`);
  return l;
};

test('socket counts agree with the run record\'s ledger, per device and direction', async () => {
  const s = await getLinks(job.url);
  assert.equal(s.format, 'edgefl-links/1');
  assert.equal(s.job, job.cfg.job);
  assert.equal(s.round, job.cfg.rounds);
  assert.equal(s.state, 'done');
  assert.ok(s.accuracy !== null && s.accuracy > 0.5, `accuracy ${s.accuracy}`);
  assert.deepEqual(s.devices.map((d) => d.device), job.devices);
  for (const d of s.devices) {
    const up = link(d.device, GATEWAY);
    const down = link(GATEWAY, d.device);
    // Algorithm messages as the broker's sockets counted them = as the gateway's ledger counted them.
    assert.equal(d.up.byKind['up'], up.wireBytes, `${d.device} up`);
    assert.equal(d.down.byKind['down'], down.wireBytes, `${d.device} down`);
    assert.equal(up.messages, job.cfg.rounds);
    assert.equal(d.up.payloadBits, up.payloadBits);
    // Wire = payload + MQTT overhead; status and telemetry are in the totals too.
    assert.equal(d.up.wireBytes, d.up.payloadBytes + d.up.overheadBytes);
    assert.ok(d.up.wireBytes > up.wireBytes && d.up.overheadBytes > 0);
    assert.equal(Object.values(d.up.byKind).reduce((a, b) => a + b, 0), d.up.wireBytes);
    assert.ok(d.status === 'ready' || d.status === 'online', d.status);
    assert.ok(d.lastSeen !== null);
  }
});

test('agents\' own telemetry agrees with what the gateway counted from them', async () => {
  const s = await until(() => getLinks(job.url), (x) => x.devices.every((d) => d.telemetry !== null), 'every device\'s telemetry');
  for (const d of s.devices) {
    const t = d.telemetry!;
    assert.equal(t.report.device, d.device);
    assert.equal(t.report.sent.wireBytes, t.gatewayReceivedBytes, `${d.device}: device says it sent ${t.report.sent.wireBytes} B, gateway received ${t.gatewayReceivedBytes} B`);
    assert.equal(t.report.sent.payloadBits, link(d.device, GATEWAY).payloadBits);
    assert.equal(t.report.received.wireBytes, d.down.wireBytes, `${d.device}: received`);
  }
});

test('per-round budget: the uniform codec is refitted to it and every round meets it; budgets are in the record', async () => {
  const dim = record.model.dim;
  const bits = Math.floor((10_000 - 64) / dim);
  assert.equal(bits, 4);
  for (const d of job.devices) {
    const up = link(d, GATEWAY);
    assert.equal(up.payloadBits, job.cfg.rounds * (64 + bits * dim));
    assert.equal(up.budgetBitsPerRound, 10_000);
    assert.equal(up.overBudget, 0);
    assert.equal(up.budgetBitsPerSec, d === 'dev-02' ? 400_000 : null);
    assert.equal(link(GATEWAY, d).budgetBitsPerRound, null);
  }
  assert.equal(record.source, 'gateway');
  assert.equal(record.rounds.length, job.cfg.rounds);
  assert.equal(record.totals.payloadBits, record.rounds.reduce((a, r) => a + r.payloadBits, 0));
  assert.ok(record.totals.finalAccuracy !== null);
});

test('/metrics: Prometheus text with the same figures, bounded labels', async () => {
  const res = await fetch(`${job.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  const value = (name: string, labels: Record<string, string>): number => {
    const sel = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && sel.every((s) => l.includes(s)));
    assert.ok(line, `no ${name}{${sel.join(',')}}`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const s = await getLinks(job.url);
  for (const d of s.devices) {
    for (const direction of ['up', 'down'] as const) {
      const v = d[direction];
      assert.equal(value('edgefl_link_bytes_total', { device: d.device, direction, kind: 'payload' }), v.payloadBytes);
      assert.equal(value('edgefl_link_bytes_total', { device: d.device, direction, kind: 'overhead' }), v.overheadBytes);
      assert.equal(value('edgefl_link_over_budget_total', { device: d.device, direction }), v.overBudget);
    }
    assert.equal(value('edgefl_link_budget_bits_per_round', { device: d.device, direction: 'up' }), 10_000);
    assert.equal(value('edgefl_device_online', { device: d.device }), 1);
  }
  assert.match(text, /# TYPE edgefl_link_bytes_total counter/);
  assert.match(text, /^edgefl_job_round 3$/m);
  // Every device label is one of the job's devices.
  const labels = new Set([...text.matchAll(/device="([^"]*)"/g)].map((m) => m[1]));
  assert.deepEqual([...labels].sort(), [...job.devices]);
});

test('monitor HTTP: read-only, unknown paths 404, live stream sends snapshots', async () => {
  assert.equal((await fetch(`${job.url}/api/links`, { method: 'POST' })).status, 405);
  assert.equal((await fetch(`${job.url}/nope`)).status, 404);
  const page = await fetch(`${job.url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<table id="links"/);
  assert.equal((await fetch(`${job.url}/assets/uPlot.iife.min.js`)).status, 200);
  const ctl = new AbortController();
  const res = await fetch(`${job.url}/api/events`, { signal: ctl.signal });
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  let buf = '';
  while ((buf.match(/event: links/g) ?? []).length < 2) buf += new TextDecoder().decode((await reader.read()).value);
  ctl.abort();
  const first = buf.split('\n').find((l) => l.startsWith('data: '))!;
  assert.equal((JSON.parse(first.slice(6)) as { format: string }).format, 'edgefl-links/1');
});
