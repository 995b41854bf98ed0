/** Writes a transition decided by modules/tasks/task-state.ts: the mapping to columns, nothing more. */
import type { Kysely, Updateable } from 'kysely';
import type { Transition } from '../../modules/tasks/task-state.ts';
import { terminalEventOf } from '../../modules/webhooks/webhook-events.ts';
import type { SqlSchema, TasksTable } from './schema.ts';
import { outcomeOf, recordUsage } from './usage.ts';
import { enqueueTaskEvent } from './webhook-outbox.ts';

export async function applyTransition(
  trx: Kysely<SqlSchema>,
  taskId: string,
  /** The open attempt to end, when the transition ends one. */
  attemptId: number | null,
  transition: Transition,
): Promise<void> {
  const change = transition.task;
  const columns: Updateable<TasksTable> = {};
  if (change.status !== undefined) columns.status = change.status;
  if (change.progress !== undefined) columns.progress = change.progress;
  if (change.error !== undefined) {
    columns.error_code = change.error?.code ?? null;
    columns.error_message = change.error?.message ?? null;
  }
  if (change.video !== undefined) columns.video = JSON.stringify(change.video);
  if (change.outputKey !== undefined) columns.output_key = change.outputKey;
  if (change.retainUntil !== undefined) columns.retain_until = change.retainUntil;
  if (change.runAfter !== undefined) columns.run_after = change.runAfter;
  if (change.finishedAt !== undefined) columns.finished_at = change.finishedAt;
  if (change.updatedAt !== undefined) columns.updated_at = change.updatedAt;
  const delta = change.attemptsDelta ?? 0;
  await trx
    .updateTable('tasks')
    .set((eb) => (delta === 0 ? columns : { ...columns, attempts: eb('attempts', '+', delta) }))
    .where('id', '=', taskId)
    .execute();
  if (transition.attempt && attemptId !== null) {
    const { outcome, error, endedAt } = transition.attempt;
    await trx
      .updateTable('task_attempts')
      .set({
        ended_at: endedAt,
        outcome,
        error_code: error?.code ?? null,
        error_message: error?.message ?? null,
      })
      .where('id', '=', attemptId)
      .execute();
  }
  // The webhook outbox row commits with the state change that causes its event, or not at all.
  const event = terminalEventOf(change);
  if (event) await enqueueTaskEvent(trx, taskId, event, change.finishedAt ?? change.updatedAt ?? 0);
  // A terminal transition (SUCCESS or FAIL) happens once per task: its usage is counted here, in
  // the same transaction, after the attempt it ends was written.
  if (change.finishedAt !== undefined && change.status !== undefined) {
    const outcome = outcomeOf(change.status, change.error);
    await recordUsage(trx, taskId, change.finishedAt, outcome, change.video?.durationSeconds ?? 0);
  }
}
