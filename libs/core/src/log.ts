/**
 * The logging interface libs accept. pino's Logger satisfies it; libs never import pino
 * themselves, so they stay usable with any structured logger (and silent in tests).
 */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

/** A logger that drops everything. */
export const nullLog: Log = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLog;
  },
};

/**
 * Rate-limits a warning per key: at most `burst` lines per key every `windowMs`; the lines
 * held back are counted and reported (`suppressed`) with the next line let through. A flood
 * of hostile messages must not turn into a flood of log lines on a board's SD card.
 */
export class LogThrottle {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(private readonly burst = 10, private readonly windowMs = 10_000, private readonly now: () => number = Date.now) {}

  /** Logs `msg` at `level` unless `key` used its burst in this window. */
  log(log: Log, level: 'warn' | 'error' | 'info', key: string, obj: Record<string, unknown>, msg: string): void {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      const suppressed = w?.suppressed ?? 0;
      if (this.windows.size > 1024) this.windows.clear();
      w = { start: t, count: 0, suppressed: 0 };
      this.windows.set(key, w);
      if (suppressed > 0) obj = { ...obj, suppressed };
    }
    if (w.count >= this.burst) {
      w.suppressed++;
      return;
    }
    w.count++;
    log[level](obj, msg);
  }
}
