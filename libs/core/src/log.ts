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
