/**
 * Reads a running server's SQLite file directly (read-only): watching task states this way costs
 * the server nothing, unlike polling its API, and has sub-millisecond resolution.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export interface TaskDb {
  status(taskId: string): string | undefined;
  countByStatus(status: string): number;
  /** Epoch ms at which the first attempt of each task started (its claim), by task id. */
  claimTimes(taskIds: readonly string[]): Map<string, number>;
  /** Claim (first attempt's started_at) minus created_at of each task, ms. */
  queueWaits(taskIds: readonly string[]): number[];
  close(): void;
}

export function openTaskDb(file: string): TaskDb {
  // WAL: this reader never blocks the server's writer.
  const db = new DatabaseSync(file, { readOnly: true });
  const byId: StatementSync = db.prepare('SELECT status FROM tasks WHERE id = ?');
  const count: StatementSync = db.prepare('SELECT count(*) AS n FROM tasks WHERE status = ?');
  const claims: StatementSync = db.prepare(
    'SELECT task_id AS id, min(started_at) AS startedAt FROM task_attempts GROUP BY task_id',
  );
  const waits: StatementSync = db.prepare(
    `SELECT t.id AS id, min(a.started_at) - t.created_at AS wait FROM tasks t
     JOIN task_attempts a ON a.task_id = t.id GROUP BY t.id`,
  );
  return {
    status: (taskId) => (byId.get(taskId) as { status: string } | undefined)?.status,
    countByStatus: (status) => Number((count.get(status) as { n: number }).n),
    claimTimes(taskIds) {
      const wanted = new Set(taskIds);
      const out = new Map<string, number>();
      for (const row of claims.all() as { id: string; startedAt: number }[]) {
        if (wanted.has(row.id)) out.set(row.id, Number(row.startedAt));
      }
      return out;
    },
    queueWaits(taskIds) {
      const wanted = new Set(taskIds);
      return (waits.all() as { id: string; wait: number }[]).filter((r) => wanted.has(r.id)).map((r) => Number(r.wait));
    },
    close: () => db.close(),
  };
}

/** Polls `check` (a cheap read) until it is true; yields to the event loop between reads. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string, everyMs = 0): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => (everyMs > 0 ? setTimeout(resolve, everyMs) : setImmediate(resolve)));
  }
}
