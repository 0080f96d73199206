import { EdgeflError, isEdgeflError } from '@edgefl/core';
import type { CarriedError } from './protocol.js';

/** An error, as plain data that crosses a thread boundary. */
export function carry(e: unknown): CarriedError {
  if (isEdgeflError(e)) return { name: e.name, message: e.message, code: e.code, ...(e.hint !== undefined ? { hint: e.hint } : {}), exitCode: e.exitCode };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** An agent's error, raised again in the lab's thread with its code, hint and exit code. */
export class AgentThreadError extends EdgeflError {
  override readonly exitCode: number;
  constructor(c: CarriedError) {
    super(c.code ?? 'AGENT', c.message, c.hint);
    this.name = c.name;
    this.exitCode = c.exitCode ?? 1;
  }
}
