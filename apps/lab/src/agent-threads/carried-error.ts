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
 * Why an agent thread ended before it reported `closed`: a crash (an uncaught error, out of
 * memory) is a defect and stays a plain Error with the crash's name and stack, so the CLI
 * reports it as one; a thread that exited without an error is an AgentThreadError.
 */
export function threadExitError(exitCode: number, crash: Error | null): Error {
  if (crash !== null) {
    const e = new Error(`an agent thread crashed (exit code ${exitCode}): ${crash.message}`);
    e.name = crash.name;
    if (crash.stack !== undefined) e.stack = crash.stack;
    return e;
  }
  return new AgentThreadError({
    edgefl: true, name: 'AgentThreadError', code: 'AGENT_THREAD', exitCode: 1,
    message: `an agent thread stopped (exit code ${exitCode})`,
    hint: 'run with --set log.level=debug to see what its agents did last; report it as a defect if it repeats',
  });
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
