import { nullLog, type Log } from '@edgefl/core';
import type { AgentThreadEvent, ForwardLevel, LogLevel } from './protocol.js';

const RANK: Record<ForwardLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity };

/** The level a logger forwards at: pino's `level`, `silent` for `nullLog`. */
export function forwardLevelOf(log: Log): ForwardLevel {
  if (log === nullLog) return 'silent';
  const level = (log as { level?: unknown }).level;
  // pino's levels beyond the Log interface's: trace below debug, fatal above error
  if (level === 'fatal') return 'error';
  return typeof level === 'string' && level in RANK ? (level as ForwardLevel) : 'debug';
}

/**
 * A Log in an agent thread that hands each record at or above `level` to `emit` (the main
 * thread logs it with the lab's logger and the same child bindings). Records are made
 * plain JSON first: an object that cannot cross threads (a function, a socket) must not
 * lose the batch it travels in.
 */
export function forwardedLog(level: ForwardLevel, emit: (e: AgentThreadEvent) => void, bindings: readonly Record<string, unknown>[] = []): Log {
  // nothing to forward: no record, and no child's bindings made plain (1,000 agents make several each)
  if (level === 'silent') return nullLog;
  const at = (l: LogLevel) => (obj: object, msg?: string): void => {
    if (RANK[l] < RANK[level]) return;
    emit({ kind: 'log', level: l, bindings, obj: plain(obj), ...(msg !== undefined ? { msg } : {}) });
  };
  return {
    debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'),
    child: (b) => forwardedLog(level, emit, [...bindings, plain(b) as Record<string, unknown>]),
  };
}

function plain(obj: object): object {
  try {
    return JSON.parse(JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : typeof v === 'bigint' ? v.toString() : v))) as object;
  } catch (e) {
    return { unloggable: (e as Error).message };
  }
}

/** Logs a forwarded record with `log`, under the record's child bindings. */
export function replay(log: Log, e: Extract<AgentThreadEvent, { kind: 'log' }>): void {
  const target = e.bindings.reduce<Log>((l, b) => l.child(b), log);
  target[e.level](e.obj, e.msg);
}
