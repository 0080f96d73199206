import { EdgeflError } from '@edgefl/core';

/** A topology or mixing matrix that cannot be used, naming the reason and the nodes at fault. */
export class TopologyError extends EdgeflError {
  constructor(message: string, hint?: string) {
    super('TOPOLOGY', message, hint);
  }
}
