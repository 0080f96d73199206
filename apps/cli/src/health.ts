import { EdgeflError, type Log } from '@edgefl/core';
import type { HealthRecord } from '@edgefl/runtime';

/** Exit code of `edgefl sim` and `edgefl gateway` when the job ran to its end but did not do its work. */
export const EXIT_UNHEALTHY = 3;

/** The job finished without doing its work (its run record's `health.ok` is false): exit 3. */
export class UnhealthyRunError extends EdgeflError {
  override readonly exitCode = EXIT_UNHEALTHY;
  constructor(h: HealthRecord) {
    super('UNHEALTHY', `the job did not do its work: ${h.problems.join('; ')}`,
      'read the refusals and warnings in the log; the run record\'s health section has the figures (tune health.maxEmptyRoundFraction if empty rounds are expected)');
  }
}

/** One line for a person: rounds, updates, devices that never contributed, refusals. */
export function formatHealth(h: HealthRecord): string {
  const per = h.updatesPerRound;
  const parts = [`health: ${h.ok ? 'ok' : 'FAILED'}, ${h.roundsCompleted}/${h.roundsPlanned} rounds`];
  if (per) {
    const total = per.reduce((a, b) => a + b, 0);
    parts.push(`${total} updates aggregated (${per.length > 0 ? (total / per.length).toFixed(1) : '0'} per round), ${h.emptyRounds} rounds without any`);
  }
  if (h.neverContributed.length > 0) parts.push(`never contributed: ${h.neverContributed.join(', ')}`);
  const refused = Object.entries(h.refusals);
  if (refused.length > 0) parts.push(`refused: ${refused.map(([r, n]) => `${r} ×${n}`).join(', ')}`);
  if (h.keyframes > 0) parts.push(`${h.keyframes} keyframes`);
  if (h.actFailures > 0) parts.push(`${h.actFailures} rounds skipped after a failure`);
  if (h.reassemblyDrops > 0) parts.push(`${h.reassemblyDrops} partial messages dropped (reassembly budget)`);
  return parts.join('; ') + (h.ok ? '' : `\n  ${h.problems.join('\n  ')}`);
}

/** Logs the health summary (a warning when the job failed). */
export function logHealth(log: Log, h: HealthRecord): void {
  if (h.ok) log.info({ health: h }, 'health summary');
  else log.warn({ health: h }, 'health summary: the job did not do its work');
}
