import { EdgeflError, errorMessage } from '@edgefl/core';
import type { LinksSnapshot } from '@edgefl/gateway';
import { SORT_KEYS, renderTop, type SortKey } from './render.js';

export interface TopOptions {
  readonly gateway: string;
  readonly intervalMs: number;
  readonly sort: SortKey;
  readonly desc: boolean;
  /** plain text, one table per refresh, no screen control (also when stdout is not a terminal) */
  readonly plain: boolean;
  /** print one table and exit */
  readonly once: boolean;
  readonly username?: string;
  readonly password?: string;
}

export class TopError extends EdgeflError {
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('TOP', message, hint, options);
  }
}

async function fetchLinks(o: TopOptions): Promise<LinksSnapshot> {
  const url = new URL('/api/links', o.gateway);
  const headers: Record<string, string> = {};
  if (o.username !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new TopError(`cannot reach the gateway monitor at ${url.origin}: ${errorMessage((e as { cause?: unknown }).cause ?? e)}`,
      'start the gateway with a monitor section (monitor: { host, port }) and pass its address with --gateway http://host:port', { cause: e });
  }
  if (res.status === 401) throw new TopError(`the gateway monitor at ${url.origin} wants credentials`, 'pass --user and --password');
  if (!res.ok) throw new TopError(`the gateway monitor answered ${res.status} ${res.statusText}`, 'check --gateway points at the monitor port, not the MQTT port');
  const body = (await res.json()) as LinksSnapshot;
  if (body?.format !== 'edgefl-links/1' || !Array.isArray(body.devices)) {
    throw new TopError(`${url.href} did not answer in edgefl-links/1`, 'check --gateway points at an edgefl gateway monitor');
  }
  return body;
}

const ESC = '\x1b[';

/** `edgefl top`: refreshes in place on a terminal (keys sort, q quits); plain text otherwise. */
export async function runTop(o: TopOptions): Promise<void> {
  const out = process.stdout;
  const tty = out.isTTY === true && !o.plain && !o.once;
  let key = o.sort;
  let desc = o.desc;
  let snap = await fetchLinks(o);
  if (!tty) {
    for (;;) {
      out.write(renderTop(snap, key, desc).join('\n') + '\n');
      if (o.once) return;
      await new Promise((r) => setTimeout(r, o.intervalMs));
      snap = await fetchLinks(o);
      out.write('\n');
    }
  }
  let error = '';
  const draw = (): void => {
    const lines = renderTop(snap, key, desc, out.columns ?? 120);
    lines.push('', error || 'sort: d device  s status  l seen  u up/s  w down/s  t up  o down  b budget  v over   r reverse   q quit');
    out.write(`${ESC}H${lines.map((l) => `${l}${ESC}K`).join('\n')}${ESC}J`);
  };
  out.write(`${ESC}?1049h${ESC}?25l`);
  const stdin = process.stdin;
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      clearInterval(timer);
      stdin.off('data', onKey);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      out.write(`${ESC}?25h${ESC}?1049l`);
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      resolve();
    };
    const onKey = (buf: Buffer): void => {
      const k = buf.toString('utf8');
      if (k === 'q' || k === '\x03') return finish();
      if (k === 'r') desc = !desc;
      else if (k in SORT_KEYS) {
        const next = SORT_KEYS[k as keyof typeof SORT_KEYS];
        desc = next === key ? !desc : !(next === 'device' || next === 'status');
        key = next;
      }
      draw();
    };
    const timer = setInterval(() => {
      fetchLinks(o).then((s) => {
        snap = s;
        error = '';
      }, (e: unknown) => {
        error = `! ${e instanceof EdgeflError ? e.message : errorMessage(e)} (retrying)`;
      }).finally(draw);
    }, o.intervalMs);
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onKey);
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    draw();
  });
}
