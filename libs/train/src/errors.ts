import { EdgeflError } from '@edgefl/core';

/**
 * A training problem a user can cause: an unsupported op in an imported model, a bad
 * model spec, a dataset that does not fit the model, wrong step options.
 */
export class TrainError extends EdgeflError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
  }
}
