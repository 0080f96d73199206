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

/** "file, line 3, column 5" — the prefix of every located DataError message. */
export function location(file: string, line?: number, column?: number): string {
  let s = file;
  if (line !== undefined) s += `, line ${line}`;
  if (column !== undefined) s += `, column ${column}`;
  return s;
}
