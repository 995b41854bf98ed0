/**
 * ffprobe on hostile local files: playlists disguised as media must be refused by the input locks
 * (forced demuxer, format whitelist, file-only protocols) without opening what they point at.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia, untrustedInputArgs } from '../../src/modules/media/media-probe.ts';
import { MediaProcessError, runMediaProcess } from '../../src/modules/media/media-process.ts';
import { type Fixtures, hlsPlaylist, makeFixtures } from './fixtures.ts';
import { type HostileServer, serveBytes, startHostileServer } from './hostile-server.ts';

const run = promisify(execFile);
let fixtures: Fixtures;
let server: HostileServer;
let localPlaylist: string;
let remotePlaylist: string;
let concatList: string;

beforeAll(async () => {
  [fixtures, server] = await Promise.all([makeFixtures(), startHostileServer()]);
  server.route('/internal/segment.ts', serveBytes('secret'));
  localPlaylist = join(fixtures.dir, 'local-playlist.mp4');
  remotePlaylist = join(fixtures.dir, 'remote-playlist.mp4');
  concatList = join(fixtures.dir, 'list.mp4');
  await Promise.all([
    writeFile(localPlaylist, hlsPlaylist(fixtures.secretTs)),
    writeFile(remotePlaylist, hlsPlaylist(`${server.origin}/internal/segment.ts`)),
    writeFile(concatList, `ffconcat version 1.0\nfile ${fixtures.secretTs}\n`),
  ]);
});

afterAll(async () => {
  await Promise.all([server.close(), fixtures.remove()]);
});

const probeOptions = { ffprobePath: 'ffprobe', demuxers: 'mov', maxPixels: 4096 * 4096, timeoutMs: 10_000 };

describe('probeMedia', () => {
  it('describes a video with audio', async () => {
    const description = await probeMedia(fixtures.mp4, probeOptions);
    expect(description).toMatchObject({
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSeconds: 1,
      streamCount: 2,
      videoStreamCount: 1,
      audioStreamCount: 1,
      video: { codec: 'h264', width: 160, height: 120, fps: 24, fpsRational: '24/1', frameCount: 24, rotation: 0 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 1 },
    });
    const webm = await probeMedia(fixtures.webm, { ...probeOptions, demuxers: 'matroska' });
    expect(webm.video).toMatchObject({ codec: 'vp8', width: 160, height: 120 });
    expect(webm.durationSeconds).toBeCloseTo(2, 1);
  });

  it('reports the display size of a rotated phone video', async () => {
    const rotated = join(fixtures.dir, 'rotated.mp4');
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      fixtures.mp4Silent,
      '-c',
      'copy',
      '-metadata:s:v',
      'rotate=90',
      '-y',
      rotated,
    ]);
    const description = await probeMedia(rotated, probeOptions);
    expect(description.video).toMatchObject({ width: 160, height: 90, displayWidth: 90, displayHeight: 160 });
  });

  it('control: without the locks, this ffprobe opens the playlist and reads the local segment', async () => {
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=format_name',
      '-of',
      'csv=p=0',
      localPlaylist,
    ]);
    expect(stdout.trim()).toBe('hls');
  });

  it.each([
    ['an HLS playlist pointing at a local file', () => localPlaylist],
    ['an HLS playlist pointing at a URL', () => remotePlaylist],
    ['an ffconcat list', () => concatList],
  ])('refuses %s named .mp4', async (_name, path) => {
    const error = await probeMedia(path(), probeOptions).catch((e) => e);
    expect(error).toBeInstanceOf(MediaProcessError);
    expect(error.failure).toBe('exit');
    expect(server.requests).toHaveLength(0);
  });

  it('the format whitelist alone refuses playlists, even when the demuxer is not forced', async () => {
    const locks = untrustedInputArgs('mov,matroska', 4096 * 4096).slice(2); // drop `-f mov`
    for (const path of [localPlaylist, remotePlaylist, concatList]) {
      const error = await runMediaProcess('ffprobe', ['-v', 'error', ...locks, '-show_format', '-i', path], {
        timeoutMs: 10_000,
      }).catch((e) => e);
      expect(error.stderrTail).toMatch(/not on whitelist/);
    }
    expect(server.requests).toHaveLength(0);
  });
});
