import type { EmulatedDevice } from '../fleet-agents.js';
import type { Transmission } from '@edgefl/runtime';

/** How much an agent thread's log forwards: the lab logger's level (pino's names). */
export type ForwardLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogLevel = Exclude<ForwardLevel, 'silent'>;

/** One run's settings for a thread's agents (a warm thread serves one run after another). */
export interface AgentRunSettings {
  readonly job: string;
  /** the thread's pool of training workers (its share of the process's) */
  readonly trainerThreads: number;
  readonly jobTimeoutMs: number;
  readonly logLevel: ForwardLevel;
}

/** An error as it crosses the thread boundary (an EdgeflError keeps its code, hint and exit code). */
export interface CarriedError {
  /** an EdgeflError (a user-facing failure), or any other error (a defect) */
  readonly edgefl: boolean;
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly hint?: string;
  readonly exitCode?: number;
  readonly stack?: string;
}

/** The thread's events, posted in batches in the order they happened. */
export type AgentThreadEvent =
  | { readonly kind: 'started' }
  | { readonly kind: 'start-failed'; readonly error: CarriedError }
  | { readonly kind: 'traffic'; readonly transmission: Transmission }
  | { readonly kind: 'round'; readonly device: string; readonly round: number; readonly model: Float32Array; readonly metrics?: Readonly<Record<string, number>> }
  | { readonly kind: 'log'; readonly level: LogLevel; readonly bindings: readonly Record<string, unknown>[]; readonly obj: object; readonly msg?: string }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly error: CarriedError }
  /** the run's last event; `clean`: every agent of it started and closed without an error (the thread may serve another run) */
  | { readonly kind: 'closed'; readonly clean: boolean };

/**
 * `start`: a run begins; connect these devices' agents to the gateway at `url`. `close`:
 * stop every agent of the run where it is and report `closed`, the run's last event; the
 * thread then waits for the next `start`.
 */
export type AgentThreadCommand =
  | { readonly kind: 'start'; readonly run: AgentRunSettings; readonly url: string; readonly agents: readonly EmulatedDevice[] }
  | { readonly kind: 'close' };
