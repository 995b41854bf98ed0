/**
 * The preview engine on source media: image-to-video, upscale and extend, checked with ffprobe and
 * by comparing pictures roughly (downscaled grey frames).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engines/engine.ts';
import { type Fixtures, ffmpeg, makeFixtures, withExifOrientation } from '../media/fixtures.ts';
import { generateRequest, grayFrame, meanAbsDiff, probe, removeWorkDirs, runPreview } from './preview-helpers.ts';

let fixtures: Fixtures;
let wideVideo: string;

beforeAll(async () => {
  fixtures = await makeFixtures();
  wideVideo = `${fixtures.dir}/wide.mp4`;
  await ffmpeg(
    ...['-f', 'lavfi', '-i', 'color=c=gray:s=2000x100:r=24', '-frames:v', '2'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', wideVideo],
  );
});

afterAll(async () => {
  await Promise.all([fixtures.remove(), removeWorkDirs()]);
});

const png = () => ({ path: fixtures.png, kind: 'image' as const, contentType: 'image/png' });
const jpeg = () => ({ path: fixtures.jpeg, kind: 'image' as const, contentType: 'image/jpeg' });
const mp4 = () => ({ path: fixtures.mp4, kind: 'video' as const, contentType: 'video/mp4' });
const silentMp4 = () => ({ path: fixtures.mp4Silent, kind: 'video' as const, contentType: 'video/mp4' });

describe('image to video', () => {
  it.each([
    ['16:9', png, 1280, 720, 'crop=320:180'],
    ['9:16', jpeg, 720, 1280, 'crop=100:178'],
  ] as const)(
    '%s: the first frame is the source cropped to the ratio, then it moves',
    async (aspectRatio, source, width, height, crop) => {
      const result = await runPreview(
        generateRequest('a slow push in', { aspectRatio, seed: 5 }, 'https://example.com/a'),
        {
          source: source(),
        },
      );
      const probed = await probe(result.output.path);
      expect(probed).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width, height, fps: '24/1', frames: 48 });
      const size = { width: width / 20, height: height / 20 };
      const expected = await grayFrame(source().path, { ...size, filter: crop });
      const first = await grayFrame(result.output.path, { ...size, index: 0 });
      const last = await grayFrame(result.output.path, { ...size, index: 47 });
      expect(meanAbsDiff(first, expected)).toBeLessThan(3);
      // Zoomed and panned by the end (an uncropped or wrong first frame differs by ~75 here).
      expect(meanAbsDiff(last, expected)).toBeGreaterThan(3 * Math.max(1, meanAbsDiff(first, expected)));
    },
  );

  // ffmpeg (5.1 too) reads the EXIF orientation of JPEGs and turns them upright on decode.
  it('turns a phone photo upright from its EXIF orientation', async () => {
    const rotated = `${fixtures.dir}/rotated.jpg`;
    await writeFile(rotated, withExifOrientation(new Uint8Array(await readFile(fixtures.jpeg)), 6));
    const result = await runPreview(
      generateRequest('upright', { aspectRatio: '9:16', seed: 5 }, 'https://example.com/a'),
      {
        source: { path: rotated, kind: 'image', contentType: 'image/jpeg' },
      },
    );
    const size = { width: 36, height: 64 };
    const first = await grayFrame(result.output.path, { ...size, index: 0 });
    // Orientation 6: the stored picture is shown turned a quarter clockwise, 180×320, which is 9:16.
    const upright = await grayFrame(fixtures.jpeg, { ...size, filter: 'transpose=clock' });
    const sideways = await grayFrame(fixtures.jpeg, { ...size, filter: 'crop=100:178' });
    expect(meanAbsDiff(first, upright)).toBeLessThan(3);
    expect(meanAbsDiff(first, sideways)).toBeGreaterThan(20);
  });
});

describe('upscale', () => {
  it('doubles width and height and keeps fps, duration and audio', async () => {
    const result = await runPreview(
      { type: 'upscale', body: { config: { sourceVideo: 'https://example.com/v' } } },
      {
        source: mp4(),
      },
    );
    const probed = await probe(result.output.path);
    expect(probed).toMatchObject({
      codec: 'h264',
      pixFmt: 'yuv420p',
      width: 320,
      height: 240,
      fps: '24/1',
      frames: 24,
    });
    expect(probed.duration).toBeCloseTo(1, 2);
    expect(probed.audio?.codec).toBe('aac');
    expect(probed.audio!.duration).toBeCloseTo(1, 1);
    expect(result.output.video).toEqual({ width: 320, height: 240, fps: 24, durationSeconds: 1, hasAudio: true });
    // The picture is the source's, bigger.
    const size = { width: 32, height: 24 };
    expect(meanAbsDiff(await grayFrame(fixtures.mp4, size), await grayFrame(result.output.path, size))).toBeLessThan(4);
  });

  it('keeps a 25 fps silent source at 25 fps without audio', async () => {
    const result = await runPreview(
      { type: 'upscale', body: { config: { sourceVideo: 'https://example.com/v' } } },
      {
        source: silentMp4(),
      },
    );
    const probed = await probe(result.output.path);
    expect(probed).toMatchObject({ width: 320, height: 180, fps: '25/1', frames: 25, audio: null });
  });

  it('refuses a source above 1920 px on the long side with SOURCE_TOO_LARGE', async () => {
    const error = await runPreview(
      { type: 'upscale', body: { config: { sourceVideo: 'https://example.com/v' } } },
      {
        source: { path: wideVideo, kind: 'video', contentType: 'video/mp4' },
      },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ code: 'SOURCE_TOO_LARGE', retryable: false });
    expect(error.message).toMatch(/at most 1920 px on the long side; this one is 2000×100/);
  });
});

describe('extend', () => {
  const extendRequest = (extendDuration: 2 | 4, prompt?: string) => ({
    type: 'extend' as const,
    body: {
      ...(prompt ? { prompt } : {}),
      config: { sourceVideo: 'https://example.com/v', extendDuration },
      settings: { seed: 3, guidanceScale: 7.5 },
    },
  });

  it('returns the source followed by the new seconds, same size and fps, audio padded', async () => {
    const result = await runPreview(extendRequest(2, 'the camera keeps drifting'), { source: mp4() });
    const probed = await probe(result.output.path);
    expect(probed).toMatchObject({
      codec: 'h264',
      pixFmt: 'yuv420p',
      width: 160,
      height: 120,
      fps: '24/1',
      frames: 72,
    });
    expect(probed.duration).toBeCloseTo(3, 2);
    expect(probed.audio?.codec).toBe('aac');
    expect(Math.abs(probed.audio!.duration - 3)).toBeLessThan(0.05);
    expect(result.output.video).toEqual({ width: 160, height: 120, fps: 24, durationSeconds: 3, hasAudio: true });
    // The seam: the first new frame continues from the source's last one.
    const size = { width: 40, height: 30 };
    const lastSource = await grayFrame(fixtures.mp4, { ...size, index: 23 });
    expect(
      meanAbsDiff(await grayFrame(result.output.path, { ...size, index: 0 }), await grayFrame(fixtures.mp4, size)),
    ).toBeLessThan(4);
    expect(meanAbsDiff(await grayFrame(result.output.path, { ...size, index: 24 }), lastSource)).toBeLessThan(4);
  });

  it('keeps a 25 fps silent source silent, 4 s added', async () => {
    const result = await runPreview(extendRequest(4), { source: silentMp4() });
    const probed = await probe(result.output.path);
    expect(probed).toMatchObject({ width: 160, height: 90, fps: '25/1', frames: 125, audio: null });
    expect(probed.duration).toBeCloseTo(5, 2);
  });
});
