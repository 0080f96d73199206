import { EdgeflError } from '@edgefl/core';

/** Raised by every decoder on malformed, truncated or out-of-range input. */
export class CodecError extends EdgeflError {
  constructor(message: string, hint = 'the sender and receiver disagree on the codec, or the message was corrupted; check both run the same edgefl version and codec settings') {
    super('CODEC', message, hint);
  }
}
