import { EdgeflError } from '@edgefl/core';

/**
 * A data file or data request the user can fix: unreadable or malformed file, counts
 * that disagree with a header, a partition that cannot be made. `message` names the
 * file, line and column where there is one; `hint` names the fix.
 */
export class DataError extends EdgeflError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    message: string,
    hint: string,
    where: { file?: string; line?: number; column?: number } = {},
    options?: { cause?: unknown },
  ) {
    super('DATA', message, hint, options);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

/**
 * Most classes a classification dataset may have. Classes come from the largest label, and
 * a classifier's output layer is that wide: one stray label (a wrong label column, an id or a
 * timestamp) would otherwise size a model of billions of parameters.
 */
export const MAX_CLASSES = 65_536;

/** "file, line 3, column 5" — the prefix of every located DataError message. */
export function location(file: string, line?: number, column?: number): string {
  let s = file;
  if (line !== undefined) s += `, line ${line}`;
  if (column !== undefined) s += `, column ${column}`;
  return s;
}
