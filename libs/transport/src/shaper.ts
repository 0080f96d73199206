import type { LinkId } from './topics.js';

/**
 * Extension point for rate budgets (TokenBucketShaper in budget/ implements it). FleetClient
 * awaits `admit` before every PUBLISH packet it sends, so a token-bucket shaper can delay
 * traffic (never drop it silently), and reports what it sent through `sent`.
 */
export interface Shaper {
  /** Resolves when `wireBytes` more may be sent on `link`. */
  admit(link: LinkId, wireBytes: number): Promise<void> | void;
  /** Called after a packet of `wireBytes` went out on `link`. */
  sent?(link: LinkId, wireBytes: number): void;
}

/** No budget: admits everything at once. */
export const unlimitedShaper: Shaper = {
  admit() {},
};
