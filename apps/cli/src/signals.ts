/**
 * Waits for `work`, or for SIGINT/SIGTERM (then resolves true so the caller shuts down
 * cleanly: devices publish `offline`, the broker closes its sockets).
 */
export async function untilSignal(work: Promise<unknown>): Promise<boolean> {
  let onSignal: (() => void) | undefined;
  const signalled = new Promise<true>((resolve) => {
    onSignal = () => resolve(true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  try {
    return await Promise.race([work.then(() => false as const), signalled]);
  } finally {
    if (onSignal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
