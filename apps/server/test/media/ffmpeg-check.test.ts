import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFfmpeg, FfmpegCheckError } from '../../src/modules/media/ffmpeg-check.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidforge-ffcheck-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkFfmpeg', () => {
  it('finds ffmpeg, ffprobe, libx264 and a caption font on this machine', async () => {
    const info = await checkFfmpeg({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', fontFile: '' });
    expect(info.ffmpegPath).toBe('/usr/bin/ffmpeg');
    expect(info.ffmpegVersion).toMatch(/^\d+\.\d+/);
    expect(info.ffprobeVersion).toBe(info.ffmpegVersion);
    expect(info.fontFile).toMatch(/DejaVuSans\.ttf$/);
    expect(info.pdeathsig).toBe(true);
  });

  it('names every problem at once and says how to fix it', async () => {
    const error = await checkFfmpeg({
      ffmpegPath: '/nonexistent/ffmpeg',
      ffprobePath: 'no-such-ffprobe',
      fontFile: '/nonexistent/font.ttf',
    }).catch((e) => e);
    expect(error).toBeInstanceOf(FfmpegCheckError);
    expect(error.problems).toHaveLength(3);
    expect(error.message).toMatch(
      /ffmpeg not found as "\/nonexistent\/ffmpeg" \(VIDFORGE_FFMPEG\): install it with `apt-get install ffmpeg`/,
    );
    expect(error.message).toMatch(/ffprobe not found as "no-such-ffprobe" \(VIDFORGE_FFPROBE\)/);
    expect(error.message).toMatch(/caption font "\/nonexistent\/font.ttf" \(VIDFORGE_FONT_FILE\)/);
  });

  it('refuses an ffmpeg that is too old or lacks libx264', async () => {
    // A stand-in that answers like an old, minimal build.
    const fake = join(dir, 'ffmpeg');
    await writeFile(
      fake,
      '#!/bin/sh\nif [ "$2" = "-version" ]; then echo "ffmpeg version 4.3.6 Copyright"; else echo " V..... mpeg4 MPEG-4"; fi\n',
    );
    await chmod(fake, 0o755);
    const error = await checkFfmpeg({ ffmpegPath: fake, ffprobePath: 'ffprobe', fontFile: '' }).catch((e) => e);
    expect(error).toBeInstanceOf(FfmpegCheckError);
    expect(error.message).toMatch(/ffmpeg 4\.3\.6 is too old; 5\.1 or newer is needed/);
    expect(error.message).toMatch(/lacks the encoders libx264, aac/);
  });
});
