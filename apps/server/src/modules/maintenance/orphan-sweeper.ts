/**
 * Deletes result objects that no task keeps: the outputs of attempts that lost (a retried attempt's
 * partial work, a stale worker's late write), files made from a result that is gone, and objects of
 * tasks that do not exist. Objects of unfinished tasks are left alone, since their attempt may be
 * writing them right now; once the task ends, the next sweep settles them.
 */
import type { BlobStore } from '../../ports/blob-store.ts';
import type { TaskLedger } from '../../ports/task-ledger.ts';
import { parseResultKey, RESULTS_PREFIX } from '../results/result-key.ts';

export interface OrphanSweeperDeps {
  ledger: Pick<TaskLedger, 'resultHolders'>;
  blobs: Pick<BlobStore, 'list' | 'delete'>;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

const BATCH = 200;

/** One pass over every result object; returns how many it deleted. */
export async function sweepOrphans(deps: OrphanSweeperDeps): Promise<number> {
  let deleted = 0;
  let batch: { key: string; taskId: string; stem: string }[] = [];
  const settle = async () => {
    const holders = await deps.ledger.resultHolders([...new Set(batch.map((entry) => entry.taskId))]);
    for (const entry of batch) {
      const holder = holders.get(entry.taskId);
      if (holder && !holder.finished) continue;
      const kept = holder?.outputKey ? parseResultKey(holder.outputKey)?.stem : undefined;
      if (entry.stem === kept) continue;
      await deps.blobs.delete(entry.key);
      deleted++;
    }
    batch = [];
  };
  for await (const entry of deps.blobs.list(RESULTS_PREFIX)) {
    const parsed = parseResultKey(entry.key);
    if (!parsed) {
      deps.log.warn({ key: entry.key }, 'an object under results/ that is not a result; left alone');
      continue;
    }
    batch.push({ key: entry.key, ...parsed });
    if (batch.length >= BATCH) await settle();
  }
  if (batch.length > 0) await settle();
  if (deleted > 0) deps.log.info({ deleted }, 'orphaned result objects deleted');
  return deleted;
}
