import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { hostname } from 'node:os';
import pretty from 'pino-pretty';

/** edgefl's logger: pino's. It satisfies `Log` from @edgefl/core, which libs accept. */
export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  /** default: EDGEFL_LOG_LEVEL, then `info` */
  readonly level?: LogLevel | undefined;
  /** the `name` field of every line (e.g. `gateway`, `agent`) */
  readonly name?: string;
  /**
   * `auto` (default): readable lines when the destination is a terminal, JSON otherwise;
   * `true`/`false` force it. JSON lines are what log collectors and tests read.
   */
  readonly pretty?: boolean | 'auto';
  /** where lines go: `stdout` (default), `stderr`, or any writable stream */
  readonly destination?: 'stdout' | 'stderr' | NodeJS.WritableStream;
  /** fields on every line, e.g. `{ job, device }` */
  readonly base?: Record<string, unknown>;
}

function isLevel(s: string | undefined): s is LogLevel {
  return s !== undefined && (LOG_LEVELS as readonly string[]).includes(s);
}

/**
 * A pino logger writing JSON lines (level, time, name, msg and fields), or readable
 * colored lines through pino-pretty when a person is watching. Pretty printing runs in
 * this thread (no worker transport), so lines are never lost at exit.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const env = process.env['EDGEFL_LOG_LEVEL'];
  const level: LogLevel = opts.level ?? (isLevel(env) ? env : 'info');
  const dest = opts.destination ?? 'stdout';
  const stream: NodeJS.WritableStream = dest === 'stdout' ? process.stdout : dest === 'stderr' ? process.stderr : dest;
  const tty = (stream as { isTTY?: boolean }).isTTY === true;
  const usePretty = opts.pretty === true || ((opts.pretty ?? 'auto') === 'auto' && tty);

  const out: DestinationStream = usePretty
    ? pretty({ destination: stream, sync: true, colorize: tty, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' })
    : (stream as DestinationStream);
  const logger = pino({ level, ...(opts.name === undefined ? {} : { name: opts.name }), base: { pid: process.pid, hostname: hostname(), ...opts.base } }, out);
  if (opts.level === undefined && env !== undefined && env !== '' && !isLevel(env)) {
    logger.warn({ EDGEFL_LOG_LEVEL: env, allowed: LOG_LEVELS }, 'ignoring unknown EDGEFL_LOG_LEVEL; logging at info');
  }
  return logger;
}

/** A logger that writes nothing, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
