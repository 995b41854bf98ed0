import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageDimensions } from '../../src/modules/media/image-header.ts';
import { type Fixtures, ffmpeg, makeFixtures, pngHeader } from './fixtures.ts';

let fixtures: Fixtures;

beforeAll(async () => {
  fixtures = await makeFixtures();
});

afterAll(() => fixtures.remove());

const write = async (name: string, bytes: Uint8Array) => {
  const path = join(fixtures.dir, name);
  await writeFile(path, bytes);
  return path;
};

describe('readImageDimensions', () => {
  it('reads PNG, JPEG and WebP headers without decoding', async () => {
    const expected = { width: 320, height: 180 };
    expect(await readImageDimensions(fixtures.png, 'png')).toEqual(expected);
    expect(await readImageDimensions(fixtures.jpeg, 'jpeg')).toEqual(expected);
    expect(await readImageDimensions(fixtures.webp, 'webp')).toEqual(expected);
    expect(await readImageDimensions(await write('huge.png', pngHeader(100_000, 100_000)), 'png')).toMatchObject({
      width: 100_000,
      height: 100_000,
    });
  });

  it('reads lossless and extended WebP headers', async () => {
    const lossless = join(fixtures.dir, 'lossless.webp');
    const alpha = join(fixtures.dir, 'alpha.webp');
    await ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=124x46',
      '-frames:v',
      '1',
      '-c:v',
      'libwebp',
      '-lossless',
      '1',
      lossless,
    );
    await ffmpeg(
      ...['-f', 'lavfi', '-i', 'testsrc2=s=77x66,format=rgba,geq=r=r(X\\,Y):a=128'],
      '-frames:v',
      '1',
      alpha,
    );
    expect(await readImageDimensions(lossless, 'webp')).toMatchObject({ width: 124, height: 46 });
    expect(await readImageDimensions(alpha, 'webp')).toMatchObject({ width: 77, height: 66 });
  });

  it('returns null for damaged headers', async () => {
    expect(await readImageDimensions(await write('short.png', pngHeader(1, 1).subarray(0, 20)), 'png')).toBeNull();
    const jpeg = new Uint8Array(await readFile(fixtures.jpeg));
    expect(await readImageDimensions(await write('cut.jpg', jpeg.subarray(0, 30)), 'jpeg')).toBeNull();
    expect(
      await readImageDimensions(await write('riff.webp', new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ')), 'webp'),
    ).toBeNull();
  });
});
