/**
 * Every aspect ratio × duration of generate, and upscale, through the HTTP API with the preview
 * engine: poll (progress rises, never falls) → download the signed URL → ffprobe shows the codec,
 * pixel format, size, fps, frame count and streamable layout that CONTRACT.md Part B specifies.
 */

import { readFile } from 'node:fs/promises';
import { ASPECT_RATIOS, DURATIONS, OUTPUT_SIZES } from '@vidforge/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe, topLevelBoxes } from '../engines/preview-helpers.ts';
import { startTestServer, type TestServer } from '../support/index.ts';
import { downloadTo, expectRisingProgress, previewClient } from './e2e-support.ts';
import { type Fixtures, ffmpeg, makeFixtures } from './fixtures.ts';
import { type HostileServer, serveBytes, startHostileServer } from './hostile-server.ts';

let server: TestServer;
let sources: HostileServer;
let fixtures: Fixtures;
let client: ReturnType<typeof previewClient>;

beforeAll(async () => {
  [sources, fixtures] = await Promise.all([startHostileServer('127.0.0.1'), makeFixtures()]);
  const clip = `${fixtures.dir}/clip-320x180.mp4`;
  await ffmpeg(
    ...['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30', '-f', 'lavfi', '-i', 'sine=f=330:r=48000'],
    ...['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', clip],
  );
  sources.route('/clip.mp4', serveBytes(new Uint8Array(await readFile(clip))));
  server = await startTestServer({ env: { VIDFORGE_FETCH_ALLOW: `127.0.0.1:${sources.port}` } });
  client = previewClient(server);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await Promise.all([sources?.close(), fixtures?.remove()]);
});

describe('generate through the API', () => {
  const cases = ASPECT_RATIOS.flatMap((aspectRatio) => DURATIONS.map((duration) => ({ aspectRatio, duration })));

  it.each(cases)(
    '$aspectRatio, $duration s',
    async ({ aspectRatio, duration }) => {
      const taskId = await client.submit('generate', {
        prompt: `A ${aspectRatio} scene`,
        settings: { aspectRatio, duration, seed: 7 },
      });
      const { task, probed } = await finishAndProbe(taskId);
      const { width, height } = OUTPUT_SIZES[aspectRatio];
      expect(task).toMatchObject({
        status: 'SUCCESS',
        progress: 1,
        video: { width, height, fps: 24, durationSeconds: duration },
      });
      expect(probed).toMatchObject({
        codec: 'h264',
        pixFmt: 'yuv420p',
        width,
        height,
        fps: '24/1',
        frames: duration * 24,
      });
      expect(Math.abs(probed.duration - duration)).toBeLessThanOrEqual(1 / 24 + 1e-6);
    },
    90_000,
  ); // an 8 s 1280×720 render takes ~3 s on a quiet 2-core machine, over 30 s at load average 7
});

describe('upscale through the API', () => {
  it('doubles width and height and keeps duration, fps and audio', async () => {
    const taskId = await client.submit('upscale', { config: { sourceVideo: `${sources.origin}/clip.mp4` } });
    const { task, probed } = await finishAndProbe(taskId);
    expect(task).toMatchObject({ status: 'SUCCESS', video: { width: 640, height: 360, fps: 30, hasAudio: true } });
    expect(probed).toMatchObject({
      codec: 'h264',
      pixFmt: 'yuv420p',
      width: 640,
      height: 360,
      fps: '30/1',
      frames: 60,
      audio: { codec: 'aac' },
    });
  });
});

describe('extend through the API', () => {
  it('appends the seconds at the source size and fps, audio padded', async () => {
    const taskId = await client.submit('extend', {
      prompt: 'and on',
      config: { sourceVideo: `${sources.origin}/clip.mp4`, extendDuration: 4 },
    });
    const { task, probed } = await finishAndProbe(taskId);
    expect(task).toMatchObject({
      status: 'SUCCESS',
      video: { width: 320, height: 180, fps: 30, durationSeconds: 6, hasAudio: true },
    });
    expect(probed).toMatchObject({
      codec: 'h264',
      width: 320,
      height: 180,
      fps: '30/1',
      frames: 180,
      audio: { codec: 'aac' },
    });
  });
});

/**
 * Waits for the task (its progress must rise and never fall), downloads the signed URL, checks the
 * moov atom precedes the media data (players can start before the download ends), and probes it.
 */
async function finishAndProbe(taskId: string) {
  const { task, seen } = await client.finish(taskId);
  expectRisingProgress(seen);
  expect(task.status, JSON.stringify(task.error)).toBe('SUCCESS');
  const file = await downloadTo(fixtures.dir, task.mediaUrl);
  const boxes = await topLevelBoxes(file);
  expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
  expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
  return { task, probed: await probe(file) };
}
