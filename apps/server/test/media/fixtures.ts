/**
 * Media fixtures made with ffmpeg at test time (no binary media in the repository), once per test
 * file, in a temp directory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { EngineError } from '../../src/engines/engine.ts';

const run = promisify(execFile);

export async function ffmpeg(...args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

export interface Fixtures {
  dir: string;
  png: string;
  jpeg: string;
  webp: string;
  /** 1 s, 160×120, 24 fps, H.264 + AAC. */
  mp4: string;
  /** 1 s, 160×90, 25 fps, H.264, no audio. */
  mp4Silent: string;
  /** 2 s, 160×120, VP8 in WebM. */
  webm: string;
  /** An MP4 cut in half, its moov atom (at the end) lost. */
  truncatedMp4: string;
  /** A short MPEG-TS segment, the target of playlist tricks. */
  secretTs: string;
  remove(): Promise<void>;
}

export async function makeFixtures(): Promise<Fixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'vidforge-media-'));
  const p = (name: string) => join(dir, name);
  const still = ['-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1'];
  await Promise.all([
    ffmpeg(...still, p('image.png')),
    ffmpeg(...still, '-q:v', '3', p('image.jpg')),
    ffmpeg(...still, '-c:v', 'libwebp', p('image.webp')),
    ffmpeg(
      ...['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=24', '-f', 'lavfi', '-i', 'sine=f=440:r=48000'],
      ...['-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', p('video.mp4')],
    ),
    ffmpeg(
      ...['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25', '-t', '1'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', p('silent.mp4')],
    ),
    ffmpeg(...['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=24', '-t', '2', '-c:v', 'libvpx', p('video.webm')]),
    ffmpeg(...['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=24', '-t', '1', '-c:v', 'mpeg2video', p('secret.ts')]),
  ]);
  const whole = await readFile(p('video.mp4'));
  await writeFile(p('truncated.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
  return {
    dir,
    png: p('image.png'),
    jpeg: p('image.jpg'),
    webp: p('image.webp'),
    mp4: p('video.mp4'),
    mp4Silent: p('silent.mp4'),
    webm: p('video.webm'),
    truncatedMp4: p('truncated.mp4'),
    secretTs: p('secret.ts'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A PNG signature and IHDR chunk declaring the given size, followed by nothing useful. */
export function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 2, 0, 0, 0], 24); // 8-bit RGB
  return bytes;
}

/** An HLS playlist, the classic media impostor, pointing at the given segments. */
export function hlsPlaylist(...segments: string[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (const segment of segments) lines.push('#EXTINF:1.0,', segment);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** The JPEG with an APP1 Exif segment (big- or little-endian TIFF) carrying the orientation tag. */
export function withExifOrientation(jpeg: Uint8Array, orientation: number, littleEndian = false): Uint8Array {
  const tiff = new Uint8Array(26);
  const view = new DataView(tiff.buffer);
  tiff.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, littleEndian);
  view.setUint32(4, 8, littleEndian); // IFD0 right after the header
  view.setUint16(8, 1, littleEndian); // one entry
  view.setUint16(10, 0x0112, littleEndian); // Orientation
  view.setUint16(12, 3, littleEndian); // SHORT
  view.setUint32(14, 1, littleEndian);
  view.setUint16(18, orientation, littleEndian);
  view.setUint32(22, 0, littleEndian); // no next IFD
  const payload = new Uint8Array([...new TextEncoder().encode('Exif'), 0, 0, ...tiff]);
  const segment = new Uint8Array(4 + payload.length);
  segment.set([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  segment.set(payload, 4);
  return new Uint8Array([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

/** The EngineError a fetch rejected with (fails the test if it resolved or threw something else). */
export async function engineFailure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}
