import { BROADCAST, GATEWAY, type LinkId } from '../topics.js';

/** A budget on one direction of one link (see the experiment's `budgets:` section). */
export interface RateBudget {
  /** wire bits per second (MQTT bytes × 8), shaped by the sender's token bucket */
  readonly bitsPerSec?: number | undefined;
  /** payload bits per round, met by the codec */
  readonly bitsPerRound?: number | undefined;
}

export interface DeviceBudget {
  readonly up?: RateBudget | undefined;
  readonly down?: RateBudget | undefined;
}

/** The `budgets:` section, structurally (so the transport does not depend on the config package). */
export interface LinkBudgets {
  readonly default?: DeviceBudget | undefined;
  readonly devices?: Readonly<Record<string, DeviceBudget>> | undefined;
  readonly links?: Readonly<Record<string, RateBudget>> | undefined;
}

/** The key of a peer link under `budgets.links`. */
export function peerLinkKey(link: LinkId): string {
  return `${link.from}->${link.to}`;
}

/**
 * The budget that applies to a directed link, or null when it has none:
 * - device → gateway: `devices.<id>.up` over `default.up`, field by field;
 * - gateway → device: `devices.<id>.down` over `default.down`;
 * - gateway → `*` (a broadcast every device receives): the tightest downlink budget of
 *   `devices` (the job's fleet), field by field, since every downlink carries it;
 * - peer → peer: `links."<from>-><to>"`, else the sender's uplink budget.
 */
export function budgetOf(budgets: LinkBudgets | undefined, link: LinkId, devices: readonly string[] = []): RateBudget | null {
  if (budgets === undefined) return null;
  const up = (d: string): RateBudget => merge(budgets.default?.up, budgets.devices?.[d]?.up);
  const down = (d: string): RateBudget => merge(budgets.default?.down, budgets.devices?.[d]?.down);
  let b: RateBudget;
  if (link.to === GATEWAY) b = up(link.from);
  else if (link.from === GATEWAY && link.to === BROADCAST) b = tightest(devices.map(down));
  else if (link.from === GATEWAY) b = down(link.to);
  else b = budgets.links?.[peerLinkKey(link)] ?? up(link.from);
  return b.bitsPerSec === undefined && b.bitsPerRound === undefined ? null : b;
}

function merge(base: RateBudget | undefined, over: RateBudget | undefined): RateBudget {
  return {
    bitsPerSec: over?.bitsPerSec ?? base?.bitsPerSec,
    bitsPerRound: over?.bitsPerRound ?? base?.bitsPerRound,
  };
}

function tightest(bs: readonly RateBudget[]): RateBudget {
  const min = (xs: (number | undefined)[]): number | undefined => {
    const ys = xs.filter((x): x is number => x !== undefined);
    return ys.length === 0 ? undefined : Math.min(...ys);
  };
  return { bitsPerSec: min(bs.map((b) => b.bitsPerSec)), bitsPerRound: min(bs.map((b) => b.bitsPerRound)) };
}
