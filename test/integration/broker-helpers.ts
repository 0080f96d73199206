import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { provisionFleet, type GatewayAuth } from '@edgefl/gateway';
import type { Log } from '@edgefl/core';
import type { Aedes } from 'aedes';
import { decodeJobAnnouncement } from '@edgefl/runtime';
import { decodeFrame, topics } from '@edgefl/transport';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

/** A Log that keeps every line, so tests can assert the reason something was refused. */
export class CaptureLog implements Log {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  debug(obj: object, msg = ''): void {
    this.lines.push({ level: 'debug', obj: { ...this.bindings, ...obj }, msg });
  }
  info(obj: object, msg = ''): void {
    this.lines.push({ level: 'info', obj: { ...this.bindings, ...obj }, msg });
  }
  warn(obj: object, msg = ''): void {
    this.lines.push({ level: 'warn', obj: { ...this.bindings, ...obj }, msg });
  }
  error(obj: object, msg = ''): void {
    this.lines.push({ level: 'error', obj: { ...this.bindings, ...obj }, msg });
  }
  child(bindings: Record<string, unknown>): Log {
    return new CaptureLog(this.lines, { ...this.bindings, ...bindings });
  }
  /** Lines at warn or error whose message or fields mention `text`. */
  problems(text: string): LogLine[] {
    return this.lines.filter((l) => (l.level === 'warn' || l.level === 'error') && (l.msg + JSON.stringify(l.obj)).includes(text));
  }
}

/** Resolves when `cond()` holds, polling; rejects with `what` after `ms` (a hang guard, not a timing assertion). */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Deterministic pseudo-random bytes (xorshift32), for payloads that must round-trip bit-exactly. */
export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Per-device credentials for a gateway started in a test (the one helper every test that
 * starts gateways and agents uses): `auth` for startGateway, `login(device)` for its agent.
 */
export async function fleetCredentials(devices: readonly string[]): Promise<{
  readonly auth: GatewayAuth;
  login(device: string): { username: string; password: string };
}> {
  const fleet = await provisionFleet(devices);
  return {
    auth: { keys: { entries: fleet.entries } },
    login: (device) => ({ username: device, password: fleet.secrets.get(device)! }),
  };
}

/** A lab CA, a gateway certificate for 127.0.0.1/localhost and client certificates, made by scripts/make-lab-certs.sh (openssl). */
export function labCerts(dir: string, devices: readonly string[] = []): { ca: string; cert: string; key: string; client(device: string): { cert: string; key: string } } {
  const script = join(import.meta.dirname, '../../scripts/make-lab-certs.sh');
  const r = spawnSync('bash', [script, dir, ...devices], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-lab-certs.sh failed (${r.status}): ${r.stderr}`);
  return {
    ca: join(dir, 'ca.crt'), cert: join(dir, 'gateway.crt'), key: join(dir, 'gateway.key'),
    client: (d) => ({ cert: join(dir, `${d}.crt`), key: join(dir, `${d}.key`) }),
  };
}

/**
 * Every job announcement the broker's retained store takes on `ctl` of `job` from now on,
 * whether published (start, done) or written in place (each round's clock), as `state round`:
 * what a device subscribing at that moment would read.
 */
export function retainedClock(aedes: Aedes, job: string): string[] {
  const seen: string[] = [];
  const store = (aedes as unknown as { persistence: { storeRetained(p: { topic: string; payload: Buffer }): Promise<void> } }).persistence;
  const inner = store.storeRetained.bind(store);
  store.storeRetained = (p) => {
    if (p.topic === topics.ctl(job) && p.payload.length > 0) {
      // inside the broker's publish pipeline: whatever is stored, nothing may throw here
      try {
        const frame = decodeFrame(p.payload);
        const a = decodeJobAnnouncement(frame.kind === 'whole' ? frame.body : new Uint8Array());
        seen.push(`${a.state} ${a.round}`);
      } catch (e) {
        seen.push(`not an announcement: ${(e as Error).message}`);
      }
    }
    return inner(p);
  };
  return seen;
}
