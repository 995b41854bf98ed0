/**
 * Text-to-video with the real preview engine: output shape per aspect ratio and duration,
 * progress, and byte-for-byte determinism.
 */
import { ASPECT_RATIOS, OUTPUT_SIZES } from '@vidforge/contract';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateRequest,
  probe,
  type RunResult,
  removeWorkDirs,
  runPreview,
  topLevelBoxes,
} from './preview-helpers.ts';

afterAll(removeWorkDirs);

async function expectShape(result: RunResult, width: number, height: number, seconds: number) {
  const probed = await probe(result.output.path);
  expect(probed).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width, height, fps: '24/1', frames: seconds * 24 });
  expect(probed.duration).toBeCloseTo(seconds, 2);
  expect(probed.audio).toBeNull();
  const boxes = await topLevelBoxes(result.output.path);
  expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat')); // streamable: moov first
  expect(result.output).toMatchObject({
    contentType: 'video/mp4',
    video: { width, height, fps: 24, durationSeconds: seconds, hasAudio: false },
  });
}

function expectRising(progress: number[]) {
  expect(progress.length).toBeGreaterThan(2);
  for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
  expect(progress[0]!).toBeGreaterThanOrEqual(0);
  expect(progress.at(-1)!).toBeLessThan(1); // 1 belongs to SUCCESS, which the worker records
  expect(progress.at(-1)!).toBeGreaterThan(0.9);
}

describe('preview generate', () => {
  it.each(ASPECT_RATIOS)('%s makes H.264 yuv420p at the contract size, 24 fps, exact frames', async (aspectRatio) => {
    const { width, height } = OUTPUT_SIZES[aspectRatio];
    const result = await runPreview(generateRequest(`a ${aspectRatio} test scene`, { aspectRatio, seed: 7 }));
    await expectShape(result, width, height, 2);
    expectRising(result.progress);
  });

  it.each([4, 8] as const)('%i s long at 16:9', async (duration) => {
    const started = Date.now();
    const result = await runPreview(generateRequest('a longer scene', { duration, seed: 11 }));
    await expectShape(result, 1280, 720, duration);
    expectRising(result.progress);
    console.info(`generate ${duration} s 16:9: ${Date.now() - started} ms`);
  });

  it('is deterministic: same request, same bytes; another seed or prompt, other bytes', async () => {
    const prompt = 'A lighthouse at dawn: waves, "quotes", 100% [brackets] %{localtime} \\ back\\slash';
    const [first, again, otherSeed, otherPrompt] = await Promise.all([
      runPreview(generateRequest(prompt, { seed: 42, aspectRatio: '1:1' })),
      runPreview(generateRequest(prompt, { seed: 42, aspectRatio: '1:1' })),
      runPreview(generateRequest(prompt, { seed: 43, aspectRatio: '1:1' })),
      runPreview(generateRequest(`${prompt}!`, { seed: 42, aspectRatio: '1:1' })),
    ]);
    expect(first.bytes.equals(again.bytes)).toBe(true);
    expect(first.bytes.equals(otherSeed.bytes)).toBe(false);
    expect(first.bytes.equals(otherPrompt.bytes)).toBe(false);
  });
});
