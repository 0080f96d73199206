import { EdgeflError } from '@edgefl/core';

/** Why a report cannot be made; every one is the user's input, so the CLI exits 2. */
export type ReportErrorCode =
  | 'REPORT_READ'
  | 'REPORT_NOT_JSON'
  | 'REPORT_NOT_RUN_RECORD'
  | 'REPORT_NO_ROUNDS'
  | 'REPORT_TARGET'
  | 'REPORT_BASELINE'
  | 'REPORT_LABELS'
  | 'REPORT_NO_RUNS'
  | 'REPORT_WRITE';

/** A run file or report option that cannot be used; the message names the file or option. */
export class ReportError extends EdgeflError {
  declare readonly code: ReportErrorCode;

  constructor(code: ReportErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
  }
}
