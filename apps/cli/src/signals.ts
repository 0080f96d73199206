import { EdgeflError, type Log } from '@edgefl/core';

/** Logged once SIGINT/SIGTERM stop the process cleanly; before it, they end it at once (Node's default). */
export const STOPPABLE = 'running; SIGINT or SIGTERM stops cleanly';

/**
 * Waits for `work`, or for SIGINT/SIGTERM (then resolves true so the caller shuts down
 * cleanly: devices publish `offline`, the broker closes its sockets).
 */
export async function untilSignal(work: Promise<unknown>, log: Log): Promise<boolean> {
  let onSignal: (() => void) | undefined;
  const signalled = new Promise<true>((resolve) => {
    onSignal = () => resolve(true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  log.info({}, STOPPABLE);
  try {
    return await Promise.race([work.then(() => false as const), signalled]);
  } finally {
    if (onSignal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** A run the user stopped with Ctrl-C (SIGINT) or SIGTERM: exit 130, as shells report an interrupted command. */
export class StoppedError extends EdgeflError {
  override readonly exitCode = 130;
  constructor(message: string, hint?: string) {
    super('STOPPED', message, hint);
  }
}

/**
 * Aborts the returned signal on the first SIGINT/SIGTERM, after `onStop` (e.g. restoring
 * the terminal); a second one ends the process at once (Node's default).
 */
export function abortOnSignal(onStop: () => void): { readonly signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const handler = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    onStop();
    ctl.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ctl.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
