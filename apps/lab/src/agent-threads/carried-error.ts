import { EdgeflError, isEdgeflError } from '@edgefl/core';
import type { CarriedError } from './protocol.js';

/** An error, as plain data that crosses a thread boundary: an EdgeflError keeps its code, hint and exit code, any error its stack. */
export function carry(e: unknown): CarriedError {
  if (isEdgeflError(e)) {
    return { edgefl: true, name: e.name, message: e.message, code: e.code, ...(e.hint !== undefined ? { hint: e.hint } : {}), exitCode: e.exitCode, ...(e.stack !== undefined ? { stack: e.stack } : {}) };
  }
  if (e instanceof Error) return { edgefl: false, name: e.name, message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}) };
  return { edgefl: false, name: 'Error', message: String(e) };
}

/** A user-facing failure of an agent (bad data, a job it cannot run), raised again in the lab's thread as it was. */
export class AgentThreadError extends EdgeflError {
  override readonly exitCode: number;
  constructor(c: CarriedError & { readonly code: string }) {
    super(c.code, c.message, c.hint);
    this.name = c.name;
    this.exitCode = c.exitCode ?? 1;
    if (c.stack !== undefined) this.stack = c.stack;
  }
}

/**
 * The error `c` describes, on this side: an EdgeflError stays one (the CLI prints its cause
 * and fix, and exits with its code); anything else is a defect and stays a plain Error with
 * its own name and stack, so it is reported as one.
 */
export function revive(c: CarriedError): Error {
  if (c.edgefl && c.code !== undefined) return new AgentThreadError({ ...c, code: c.code });
  const e = new Error(c.message);
  e.name = c.name;
  if (c.stack !== undefined) e.stack = c.stack;
  return e;
}
