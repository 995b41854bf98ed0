/**
 * What was used, per access key, endpoint, operation and outcome: written by the ledger in the
 * transaction that ends a task (adapters/sql/usage.ts), read by `vidforge usage` and /metrics.
 */
import type { TaskType } from '@vidforge/contract';

export type UsageOutcome = 'succeeded' | 'failed' | 'cancelled';

export interface UsageFigures {
  /** Tasks that ended so. */
  tasks: number;
  /** Seconds of video produced (the results' VideoInfo duration; 0 unless succeeded). */
  videoSeconds: number;
  /** Run time of every attempt of those tasks, retried ones included, in ms. */
  engineMs: number;
}

export interface UsageRow extends UsageFigures {
  /** YYYY-MM-DD, UTC, of the day the tasks ended. */
  day: string;
  keyId: string;
  keyName: string | null;
  endpointId: string;
  /** null once the endpoint was deleted. */
  endpointPath: string | null;
  type: TaskType;
  outcome: UsageOutcome;
}

export interface UsageTotal extends UsageFigures {
  endpointId: string;
  endpointPath: string | null;
  type: TaskType;
  outcome: UsageOutcome;
}

export interface UsageFilter {
  keyId?: string;
  /** An endpoint id or path. */
  endpoint?: string;
  /** First and last day included, YYYY-MM-DD (UTC). */
  since?: string;
  until?: string;
}

export interface UsageStore {
  /** Daily rows, oldest day first. */
  daily(filter: UsageFilter): Promise<UsageRow[]>;
  /** All-time figures per endpoint, operation and outcome (a small table: what /metrics exports). */
  totals(): Promise<UsageTotal[]>;
}
