import { EdgeflError } from '@edgefl/core';

/** A credential, key file or TLS setting a user must fix. */
export class SecurityError extends EdgeflError {
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('SECURITY', message, hint, options);
  }
}
