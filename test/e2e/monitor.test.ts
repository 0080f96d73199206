/// <reference lib="dom" />
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from '@edgefl/transport';
import type { LinkRecord, RunRecord } from '@edgefl/runtime';
import { basicAuth, getLinks, runMonitoredJob, tempDir, until, type MonitoredJob } from './monitor-helpers.js';
import { bytes } from '../../apps/cli/src/top/render.js';
import { BIN } from '../helpers/cli-run.js';

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
  const s = await getLinks(job.url, job.headers);
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
    // every agent's node finished the last round and said so on its retained status topic
    assert.equal(d.status, 'done');
    assert.ok(d.lastSeen !== null);
  }
});

test('agents\' own telemetry agrees with what the gateway counted from them', async () => {
  // Reports are re-requested until deliveries in flight (the final ctl announcement) have landed.
  const s = await until(async () => {
    await Promise.all(job.agents.map((a) => a.publishTelemetry()));
    return getLinks(job.url, job.headers);
  }, (x) => x.devices.every((d) => d.telemetry !== null && d.telemetry.report.received.wireBytes === d.down.wireBytes), 'every device\'s telemetry');
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
  const res = await fetch(`${job.url}/metrics`, { headers: job.headers });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  const value = (name: string, labels: Record<string, string>): number => {
    const sel = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && sel.every((s) => l.includes(s)));
    assert.ok(line, `no ${name}{${sel.join(',')}}`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const s = await getLinks(job.url, job.headers);
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
  // The gateway runs with per-device keys: the monitor wants one of them too.
  assert.equal((await fetch(`${job.url}/api/links`)).status, 401);
  assert.equal((await fetch(`${job.url}/api/links`, { headers: basicAuth({ username: job.login.username, password: 'wrong' }) })).status, 401);
  assert.equal((await fetch(`${job.url}/api/links`, { headers: basicAuth({ username: 'dev-99', password: job.login.password }) })).status, 401);
  const headers = job.headers;
  assert.equal((await fetch(`${job.url}/api/links`, { method: 'POST', headers })).status, 405);
  assert.equal((await fetch(`${job.url}/nope`, { headers })).status, 404);
  const page = await fetch(`${job.url}/`, { headers });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<table id="links"/);
  assert.equal((await fetch(`${job.url}/assets/uPlot.iife.min.js`, { headers })).status, 200);
  const ctl = new AbortController();
  const res = await fetch(`${job.url}/api/events`, { signal: ctl.signal, headers });
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  let buf = '';
  while ((buf.match(/event: links/g) ?? []).length < 2) buf += new TextDecoder().decode((await reader.read()).value);
  ctl.abort();
  const first = buf.split('\n').find((l) => l.startsWith('data: '))!;
  assert.equal((JSON.parse(first.slice(6)) as { format: string }).format, 'edgefl-links/1');
});

test('dashboard in headless Chromium: live numbers equal the ledger, sortable, readable on a phone', async () => {
  const { chromium } = await import('playwright-core');
  const { dir, remove } = tempDir('edgefl-chromium-');
  const browser = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 720 }, httpCredentials: job.login,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith(job.url)) external.push(r.url()); });
    await page.goto(`${job.url}/`);
    await page.waitForSelector('[data-testid=live].on');
    await page.waitForFunction(() => document.querySelectorAll('#links tbody tr').length === 3);
    assert.equal(await page.textContent('[data-testid=round]'), `${job.cfg.rounds} / ${job.cfg.rounds} (done)`);
    const s = await getLinks(job.url, job.headers);
    const cell = (device: string, field: string): Promise<string | null> =>
      page.getAttribute(`#links tr[data-device="${device}"] td[data-field="${field}"]`, 'data-value');
    for (const d of s.devices) {
      // Totals on the page are the socket counts, which equal the ledger (test above) plus control traffic.
      assert.equal(Number(await cell(d.device, 'upBytes')), d.up.wireBytes);
      assert.equal(Number(await cell(d.device, 'downBytes')), d.down.wireBytes);
      assert.ok(d.up.byKind['up'] === link(d.device, GATEWAY).wireBytes);
      assert.equal(await cell(d.device, 'status'), d.status);
      assert.equal(Number(await cell(d.device, 'over')), 0);
      assert.equal(Number(await cell(d.device, 'budget')), d.up.budgetBitsPerSec ?? d.up.budgetBitsPerRound);
    }
    const accuracy = await page.textContent('[data-testid=accuracy]');
    assert.equal(accuracy, `${(100 * s.accuracy!).toFixed(2)} %`);
    // Sorting: click "down total" → largest first, click again → smallest first.
    const order = (): Promise<string[]> => page.$$eval('#links tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset['device']!));
    const byDown = [...s.devices].sort((a, b) => b.down.wireBytes - a.down.wireBytes || (a.device < b.device ? -1 : 1)).map((d) => d.device);
    await page.click('th[data-key="downBytes"]');
    assert.deepEqual(await order(), byDown);
    assert.equal(await page.getAttribute('th[data-key="downBytes"]', 'aria-sort'), 'descending');
    await page.click('th[data-key="device"]');
    assert.deepEqual(await order(), [...job.devices]);
    // Live: the stream keeps the page updating without a reload.
    const stamp = await page.evaluate(() => (window as unknown as { edgeflDashboard: { last(): { time: number } } }).edgeflDashboard.last().time);
    await page.waitForFunction((t) => (window as unknown as { edgeflDashboard: { last(): { time: number } } }).edgeflDashboard.last().time > t, stamp);
    if (process.env['EDGEFL_UPDATE_SCREENSHOTS'] === '1') await page.screenshot({ path: 'docs/images/dashboard.png', fullPage: true });
    else await page.screenshot({ path: `${dir}/dashboard.png`, fullPage: true });
    // A phone: no sideways scrolling; each device is a card with labelled values.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= 390);
    assert.equal(await page.$eval('#links thead', (e) => getComputedStyle(e).display), 'none');
    // ... and sorting is a select there.
    await page.selectOption('[data-testid=sort]', 'downBytes:-1');
    assert.deepEqual(await order(), byDown);
    assert.equal(await page.$eval('#links tbody td[data-field="upRate"]', (e) => getComputedStyle(e, '::before').content), '"up rate"');
    if (process.env['EDGEFL_UPDATE_SCREENSHOTS'] === '1') await page.screenshot({ path: 'docs/images/dashboard-phone.png', fullPage: true });
    assert.deepEqual(external, [], 'the dashboard loads nothing from the network');
  } finally {
    await browser.close();
    remove();
  }
});

test('edgefl top in a pseudo-terminal (tmux): one row per device, refreshes in place, sorts by key, q quits', async () => {
  const { execFileSync } = await import('node:child_process');
  const session = `edgefl-top-${process.pid}`;
  const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
  // The password comes from the environment, never the command line.
  tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '30', '-e', `EDGEFL_PASSWORD=${job.login.password}`,
    `${process.execPath} ${BIN} top --gateway ${job.url} --interval 300 --user ${job.login.username}`);
  try {
    const screen = (): Promise<string> => Promise.resolve(tmux('capture-pane', '-p', '-t', session));
    const s = await getLinks(job.url, job.headers);
    let text = await until(screen, (t) => /DEVICE/.test(t) && t.includes('dev-03'), 'the first frame');
    assert.match(text, new RegExp(`round ${job.cfg.rounds}/${job.cfg.rounds} \\(done\\)`));
    const rowOf = (t: string, device: string): string => t.split('\n').find((l) => l.startsWith(device + ' '))!;
    for (const d of s.devices) {
      const row = rowOf(text, d.device);
      assert.ok(row, `no row for ${d.device}`);
      assert.ok(row.includes(bytes(d.up.wireBytes)) && row.includes(bytes(d.down.wireBytes)), row);
    }
    // In place: the screen never scrolls, the header stays on the first line.
    assert.match(text.split('\n')[0]!, /^edgefl top — job monitor-test/);
    // 'o' sorts by down total, largest first.
    tmux('send-keys', '-t', session, 'o');
    text = await until(screen, (t) => /DOWN▼/.test(t), 'sorted by down');
    const rows = text.split('\n').filter((l) => /^dev-\d\d /.test(l)).map((l) => l.split(' ')[0]);
    assert.deepEqual(rows, [...s.devices].sort((a, b) => b.down.wireBytes - a.down.wireBytes || (a.device < b.device ? -1 : 1)).map((d) => d.device));
    tmux('send-keys', '-t', session, 'q');
    await until(async () => { try { tmux('has-session', '-t', session); return false; } catch { return true; } }, (gone) => gone, 'top to quit');
  } finally {
    try { tmux('kill-session', '-t', session); } catch { /* already gone */ }
  }
});

test('edgefl top --plain (not a terminal): one plain table, no escape codes', async () => {
  // Async: the gateway under test lives in this process and must keep answering.
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-top-'));
  const file = join(dir, 'monitor.secret');
  writeFileSync(file, job.login.password + '\n', { mode: 0o600 });
  const { EDGEFL_PASSWORD: _drop, ...env } = process.env;
  let out: string;
  try {
    ({ stdout: out } = await run(process.execPath, [BIN, 'top', '--gateway', job.url, '--once', '--sort', 'upBytes', '--desc', '--user', job.login.username, '--password-file', file], { encoding: 'utf8', env }));
    // --password still works, with a warning on stderr; a wrong password is refused by the monitor.
    const onCli = await run(process.execPath, [BIN, 'top', '--gateway', job.url, '--once', '--user', job.login.username, `--password=${job.login.password}`], { encoding: 'utf8', env });
    assert.match(onCli.stderr, /warning: --password puts the secret on the command line/);
    assert.match(onCli.stdout, /^dev-01 /m);
    const wrong = await run(process.execPath, [BIN, 'top', '--gateway', job.url, '--once', '--user', job.login.username], { encoding: 'utf8', env: { ...env, EDGEFL_PASSWORD: 'not-it' } })
      .then(() => '', (e: { stderr: string }) => e.stderr);
    assert.match(wrong, /wants credentials/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(!out.includes('\x1b'), 'no ANSI escapes');
  const s = await getLinks(job.url, job.headers);
  const rows = out.split('\n').filter((l) => /^dev-\d\d /.test(l));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows.map((l) => l.split(' ')[0]), [...s.devices].sort((a, b) => b.up.wireBytes - a.up.wireBytes || (a.device < b.device ? -1 : 1)).map((d) => d.device));
  const bad = await run(process.execPath, [BIN, 'top', '--gateway', 'http://127.0.0.1:1', '--once'], { encoding: 'utf8' }).then(() => '', (e: { stderr: string; code: number }) => {
    assert.equal(e.code, 2);
    return e.stderr;
  });
  assert.match(bad, /cannot reach the gateway monitor at http:\/\/127\.0\.0\.1:1/);
  assert.match(bad, /fix: /);
});
