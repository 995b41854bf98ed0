/** Conversions between SQLite rows and the port records; no policy lives here. */
import type { TaskErrorCode, TaskStatus, TaskType, VideoInfo } from '@vidforge/contract';
import type { Selectable } from 'kysely';
import type { AccessKeyRecord, EndpointRecord, KeyLimits, RateLimit } from '../../ports/access-store.ts';
import type { NewTask, TaskRecord } from '../../ports/task-ledger.ts';
import type { AccessKeysTable, EndpointsTable, TasksTable } from './schema.ts';

export function taskFromRow(row: Selectable<TasksTable>): TaskRecord {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    keyId: row.key_id,
    type: row.type as TaskType,
    engine: row.engine,
    status: row.status as TaskStatus,
    progress: row.progress,
    request: JSON.parse(row.request) as TaskRecord['request'],
    seed: row.seed,
    error: row.error_code === null ? null : { code: row.error_code as TaskErrorCode, message: row.error_message ?? '' },
    video: row.video === null ? null : (JSON.parse(row.video) as VideoInfo),
    outputKey: row.output_key,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deadlineAt: row.deadline_at,
    runAfter: row.run_after,
    finishedAt: row.finished_at,
    retainUntil: row.retain_until,
    resultDeletedAt: row.result_deleted_at,
    engineState: row.engine_state ?? null,
    revision: row.revision,
    rowVersion: Number(row.row_version),
  };
}

export function rowFromNewTask(task: NewTask): TasksTable {
  return {
    id: task.id,
    endpoint_id: task.endpointId,
    key_id: task.keyId,
    type: task.type,
    engine: task.engine,
    status: 'PENDING',
    progress: 0,
    request: JSON.stringify(task.request),
    seed: task.seed,
    error_code: null,
    error_message: null,
    video: null,
    output_key: null,
    attempts: 0,
    max_attempts: task.maxAttempts,
    created_at: task.createdAt,
    updated_at: task.createdAt,
    deadline_at: task.deadlineAt,
    run_after: task.createdAt,
    finished_at: null,
    retain_until: null,
    result_deleted_at: null,
    engine_state: null,
    callback_url: task.callbackUrl ?? null,
    revision: 0,
    row_version: 0,
  };
}

export function endpointFromRow(row: Selectable<EndpointsTable>): EndpointRecord {
  return {
    id: row.id,
    path: row.path,
    engine: row.engine,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    name: row.name,
    createdAt: row.created_at,
  };
}

export function keyFromRow(row: Selectable<AccessKeysTable>, endpointIds: string[]): AccessKeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    endpointIds,
    limits: {
      rate: rateOf(row.rate_count, row.rate_window_s),
      pollRate: rateOf(row.poll_rate_count, row.poll_rate_window_s),
      concurrency: row.concurrency,
    },
  };
}

const rateOf = (count: number | null, windowSeconds: number | null): RateLimit | null =>
  count === null || windowSeconds === null ? null : { count, windowSeconds };

/** The columns of the limits given; a limit left out is not in the result, so it stays unchanged. */
export function limitColumns(limits: Partial<KeyLimits>) {
  const columns: Partial<
    Pick<AccessKeysTable, 'rate_count' | 'rate_window_s' | 'poll_rate_count' | 'poll_rate_window_s' | 'concurrency'>
  > = {};
  if (limits.rate !== undefined) {
    columns.rate_count = limits.rate?.count ?? null;
    columns.rate_window_s = limits.rate?.windowSeconds ?? null;
  }
  if (limits.pollRate !== undefined) {
    columns.poll_rate_count = limits.pollRate?.count ?? null;
    columns.poll_rate_window_s = limits.pollRate?.windowSeconds ?? null;
  }
  if (limits.concurrency !== undefined) columns.concurrency = limits.concurrency;
  return columns;
}
