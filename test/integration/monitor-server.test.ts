import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEdgeflError } from '@edgefl/core';
import { LinkMonitor, MonitorError, createMetrics, startMonitorServer } from '@edgefl/gateway';

const links = new LinkMonitor({ job: 'j', devices: ['d1'], rounds: 1 });
const base = { snapshot: () => links.snapshot(), metrics: await createMetrics(() => links.snapshot()) };

test('monitor server: HTTP Basic with the broker\'s authenticate hook; a throwing hook denies', async () => {
  const seen: string[] = [];
  const srv = await startMonitorServer({
    ...base, host: '127.0.0.1', port: 0,
    authenticate: (user, password) => {
      seen.push(user);
      if (user === 'boom') throw new Error('hook bug');
      return user === 'ops' && password.toString() === 's3cret';
    },
  });
  try {
    const get = (auth?: string) => fetch(`${srv.url}/api/links`, auth ? { headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } } : {});
    const none = await get();
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.equal((await get('ops:wrong')).status, 401);
    assert.equal((await get('boom:x')).status, 401);
    assert.equal((await get('ops:s3cret')).status, 200);
    assert.equal((await fetch(`${srv.url}/metrics`)).status, 401, 'metrics are protected too');
    assert.deepEqual(seen, ['ops', 'boom', 'ops']);
  } finally {
    await srv.close();
  }
});

test('monitor server: HTTPS from PEM files; unreadable files and a taken port are typed errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-tls-'));
  try {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'k.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const srv = await startMonitorServer({ ...base, host: '127.0.0.1', port: 0, tls: { cert, key } });
    try {
      assert.match(srv.url, /^https:\/\//);
      const body = await new Promise<string>((resolve, reject) => {
        request(`${srv.url}/api/links`, { rejectUnauthorized: false }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve(b));
        }).on('error', reject).end();
      });
      assert.equal((JSON.parse(body) as { format: string }).format, 'edgefl-links/1');
      await assert.rejects(startMonitorServer({ ...base, host: '127.0.0.1', port: srv.port }),
        (e: unknown) => e instanceof MonitorError && /port is in use/.test(e.message));
    } finally {
      await srv.close();
    }
    await assert.rejects(startMonitorServer({ ...base, host: '127.0.0.1', port: 0, tls: { cert: join(dir, 'nope.pem'), key } }),
      (e: unknown) => isEdgeflError(e) && /TLS files/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
