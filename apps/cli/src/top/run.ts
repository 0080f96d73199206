import { readFileSync, statSync } from 'node:fs';
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

/**
 * The monitor password, from (in order) `--password-file`, `--password` (with a warning: the
 * command line is visible to every user through `ps` and lands in shell history) or the
 * EDGEFL_PASSWORD environment variable; undefined when none is given.
 */
export function topPassword(
  o: { readonly password?: string | undefined; readonly passwordFile?: string | undefined },
  env: string | undefined,
  warn: (message: string) => void,
): string | undefined {
  if (o.passwordFile !== undefined && o.password !== undefined) {
    throw new TopError('both --password and --password-file were given', 'keep --password-file (or $EDGEFL_PASSWORD) and drop --password');
  }
  if (o.passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.passwordFile, 'utf8');
    } catch (e) {
      throw new TopError(`cannot read --password-file ${o.passwordFile}: ${errorMessage(e)}`, 'write the monitor password into that file (chmod 600)', { cause: e });
    }
    try {
      if ((statSync(o.passwordFile).mode & 0o077) !== 0) warn(`password file ${o.passwordFile} is readable by other users; chmod 600 it`);
    } catch {
      // the read succeeded; an unreadable mode is nothing to warn about
    }
    const secret = text.trim();
    if (secret === '') throw new TopError(`--password-file ${o.passwordFile} is empty`, 'put the monitor password in it');
    return secret;
  }
  if (o.password !== undefined) {
    warn('--password puts the secret on the command line (visible in `ps` and shell history); export EDGEFL_PASSWORD or use --password-file instead');
    return o.password;
  }
  const fromEnv = env?.trim();
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
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
  if (res.status === 401) throw new TopError(`the gateway monitor at ${url.origin} wants credentials`, 'pass --user, with the password in $EDGEFL_PASSWORD or --password-file');
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
