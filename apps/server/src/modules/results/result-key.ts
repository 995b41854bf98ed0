/** Where a task's result lives in the blob store: one fixed key per task, so a re-run overwrites. */
export const outputKeyOf = (taskId: string) => `results/${taskId}.mp4`;

/** The task whose result `key` is, or null for any other key. */
export function taskIdOfOutputKey(key: string): string | null {
  return /^results\/([A-Za-z0-9_-]+)\.mp4$/.exec(key)?.[1] ?? null;
}
