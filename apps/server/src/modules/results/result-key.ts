/** Where a task's result lives in the blob store: one fixed key per task, so a re-run overwrites. */
export const outputKeyOf = (taskId: string) => `results/${taskId}.mp4`;

/** The task whose result `key` is, or null for any other key. */
export function taskIdOfOutputKey(key: string): string | null {
  return /^results\/([A-Za-z0-9_-]+)\.mp4$/.exec(key)?.[1] ?? null;
}

/**
 * Files kept beside a result, under keys derived from its key: made once (previews) or written at
 * submit (the OpenAI API's record of what a video was made from), deleted with the result.
 */
export const RESULT_ASSETS = {
  thumbnail: { suffix: 'thumbnail.webp', contentType: 'image/webp' },
  spritesheet: { suffix: 'spritesheet.jpg', contentType: 'image/jpeg' },
  openai: { suffix: 'openai.json', contentType: 'application/json' },
} as const;
export type ResultAsset = keyof typeof RESULT_ASSETS;

export const assetKeyOf = (outputKey: string, asset: ResultAsset) =>
  `${outputKey.replace(/\.mp4$/, '')}.${RESULT_ASSETS[asset].suffix}`;

/** Every key the result at `outputKey` may have, itself first. */
export const resultKeysOf = (outputKey: string) => [
  outputKey,
  ...(Object.keys(RESULT_ASSETS) as ResultAsset[]).map((asset) => assetKeyOf(outputKey, asset)),
];
