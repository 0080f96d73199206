/**
 * Base of every error a user can cause (bad config, data file, network message,
 * credentials). `message` names the cause; `hint` says how to fix it. Each lib
 * subclasses it (CodecError, ConfigError, DataError, TrainError, TransportError) so
 * callers can tell a user's mistake from a bug.
 */
export class EdgeflError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** the CLI's exit code for it: 2 a user error (config, data, arguments), 1 a failure at run time, 130 stopped by Ctrl-C */
  readonly exitCode: number = 2;

  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }

  /** One line for a terminal: the cause, then the fix. */
  describe(): string {
    return this.hint ? `${this.message}\n  fix: ${this.hint}` : this.message;
  }
}

export function isEdgeflError(e: unknown): e is EdgeflError {
  return e instanceof EdgeflError;
}

/** Message of any thrown value, for logs. */
export function errorMessage(e: unknown): string {
  if (e instanceof EdgeflError) return e.describe();
  if (e instanceof Error) return e.message;
  return String(e);
}
