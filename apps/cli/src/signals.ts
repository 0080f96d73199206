import type { Log } from '@edgefl/core';

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
