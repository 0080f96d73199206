import { EdgeflError } from '@edgefl/core';

/**
 * Raised for anything a user or a peer can get wrong on the wire: a bad topic id, a
 * malformed or oversized chunk frame, a refused connection. `message` names the cause,
 * `hint` the fix.
 */
export class TransportError extends EdgeflError {
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('TRANSPORT', message, hint, options);
  }
}
