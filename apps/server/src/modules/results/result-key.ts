/**
 * Where results live in the blob store. Each attempt writes under its own key and the fenced commit
 * records which one won, so a stale worker (its lease reaped, then resumed) can never overwrite or
 * delete the committed result; the orphan sweeper deletes the losers (maintenance/orphan-sweeper.ts).
 *
 *   results/<task>/<attempt>.mp4                 an attempt's output; the task keeps one
 *   results/<task>/<attempt>.thumbnail.webp      previews made from it, once (the OpenAI API)
 *   results/<task>.openai.json                   a record of the task itself, written at submit
 */
export const RESULTS_PREFIX = 'results/';

export const outputKeyOf = (taskId: string, attempt: number) => `${RESULTS_PREFIX}${taskId}/${attempt}.mp4`;

/** Files made from a result and kept beside it, deleted with it. */
export const RESULT_ASSETS = {
  thumbnail: { suffix: 'thumbnail.webp', contentType: 'image/webp' },
  spritesheet: { suffix: 'spritesheet.jpg', contentType: 'image/jpeg' },
} as const;
export type ResultAsset = keyof typeof RESULT_ASSETS;

export const assetKeyOf = (outputKey: string, asset: ResultAsset) =>
  `${outputKey.replace(/\.mp4$/, '')}.${RESULT_ASSETS[asset].suffix}`;

/** Every key the result at `outputKey` may have, itself first. */
export const resultKeysOf = (outputKey: string) => [
  outputKey,
  ...(Object.keys(RESULT_ASSETS) as ResultAsset[]).map((asset) => assetKeyOf(outputKey, asset)),
];

/**
 * The OpenAI API's record of what a video was made from (remix, extension): one per task, written
 * before any attempt; kept while the task is unfinished or keeps a result.
 */
export const TASK_RECORD = { suffix: 'openai.json', contentType: 'application/json' } as const;
export const taskRecordKeyOf = (taskId: string) => `${RESULTS_PREFIX}${taskId}.${TASK_RECORD.suffix}`;

/**
 * The task a result key belongs to and its stem (the key up to its extensions: `results/<task>/<n>`
 * for an attempt's files, `results/<task>` for the task's own record and for results stored before
 * keys were attempt-scoped, `results/<task>.mp4`), or null for any other key.
 */
export function parseResultKey(key: string): { taskId: string; stem: string } | null {
  const match = /^results\/([A-Za-z0-9_-]+)(\/[0-9]+)?\.[A-Za-z0-9.]+$/.exec(key);
  if (!match?.[1]) return null;
  return { taskId: match[1], stem: `${RESULTS_PREFIX}${match[1]}${match[2] ?? ''}` };
}

/** The task whose result `key` is, or null for any other key. */
export const taskIdOfOutputKey = (key: string): string | null => parseResultKey(key)?.taskId ?? null;
