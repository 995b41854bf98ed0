/**
 * Where results live in the blob store. Each attempt writes under its own key and the fenced commit
 * records which one won, so a stale worker (its lease reaped, then resumed) can never overwrite or
 * delete the committed result; the orphan sweeper deletes the losers (maintenance/orphan-sweeper.ts).
 * Files made from a result (a thumbnail) share its stem: `results/<task>/<attempt>.<what>`.
 */
export const RESULTS_PREFIX = 'results/';

export const outputKeyOf = (taskId: string, attempt: number) => `${RESULTS_PREFIX}${taskId}/${attempt}.mp4`;

/**
 * The task a result key belongs to and its stem (the key up to its extensions), or null for any
 * other key. Also reads the layout before attempt-scoped keys, `results/<task>.mp4`.
 */
export function parseResultKey(key: string): { taskId: string; stem: string } | null {
  const match = /^results\/([A-Za-z0-9_-]+)(\/[0-9]+)?\.[A-Za-z0-9.]+$/.exec(key);
  if (!match?.[1]) return null;
  return { taskId: match[1], stem: `${RESULTS_PREFIX}${match[1]}${match[2] ?? ''}` };
}

/** The task whose result `key` is, or null for any other key. */
export const taskIdOfOutputKey = (key: string): string | null => parseResultKey(key)?.taskId ?? null;
