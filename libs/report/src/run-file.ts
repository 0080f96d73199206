import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { ReportError } from './errors.js';

/**
 * The `edgefl-run/1` fields a report reads. Objects are loose so records written by later
 * versions (extra fields) still load; a number JSON could not write (NaN, ∞ → null) is null.
 */
const count = z.number().finite().min(0);
const RoundSchema = z.looseObject({
  round: z.int().min(0),
  loss: z.number().finite().nullable(),
  accuracy: z.number().finite().nullable(),
  objectiveGap: z.number().finite().nullable(),
  payloadBits: count,
  wireBytes: count,
});
const LinkSchema = z.looseObject({
  from: z.string(),
  to: z.string(),
  payloadBits: count,
  wireBytes: count,
});
const RunSchema = z.looseObject({
  format: z.literal('edgefl-run/1'),
  config: z.unknown(),
  model: z.looseObject({ dim: z.int().min(0) }),
  rounds: z.array(RoundSchema),
  links: z.array(LinkSchema),
});

export type RoundRow = z.output<typeof RoundSchema>;
export type LinkRow = z.output<typeof LinkSchema>;
export type RunData = z.output<typeof RunSchema>;

/** One loaded record and where it came from. */
export interface RunFile {
  /** the path as given on the command line */
  readonly path: string;
  /** file name without `.json`, one way `--baseline` names a run */
  readonly name: string;
  readonly record: RunData;
}

const RECORD_HINT = 'pass run records written by `edgefl sim … --json run.json` (format edgefl-run/1)';

/** Reads and validates one run record; every failure is a ReportError naming the file. */
export function readRunFile(path: string): RunFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new ReportError('REPORT_READ', `cannot read run record ${path}: ${why}`, RECORD_HINT, { cause: e });
  }
  return parseRunFile(text, path);
}

/** Validates the text of a run record read from `path` (named in errors). */
export function parseRunFile(text: string, path: string): RunFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ReportError('REPORT_NOT_JSON', `${path} is not JSON: ${(e as Error).message}`, RECORD_HINT, { cause: e });
  }
  const format = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { format?: unknown }).format : undefined;
  if (format !== 'edgefl-run/1') {
    const got = format === undefined ? 'no "format" field' : `format ${JSON.stringify(format)}`;
    throw new ReportError('REPORT_NOT_RUN_RECORD', `${path} is not an edgefl-run/1 record (${got})`, RECORD_HINT);
  }
  const parsed = RunSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `  ${keyPath(i.path)}: ${i.message}`);
    throw new ReportError('REPORT_NOT_RUN_RECORD', `${path} is not a valid edgefl-run/1 record:\n${problems.join('\n')}`, RECORD_HINT);
  }
  if (parsed.data.rounds.length === 0) {
    throw new ReportError('REPORT_NO_ROUNDS', `${path} has no rounds (the run stopped before its first round finished)`,
      'report runs that completed at least one round');
  }
  return { path, name: basename(path).replace(/\.json$/i, ''), record: parsed.data };
}

function keyPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `${s ? '.' : ''}${String(p)}`;
  return s || '(root)';
}
