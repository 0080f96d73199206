import { EdgeflError } from '@edgefl/core';

/** A user-visible problem with an algorithm's configuration or inputs. */
export class AlgorithmError extends EdgeflError {
  constructor(message: string, hint?: string) {
    super('ALGORITHM', message, hint);
  }
}
