/** Source clips made locally with ffmpeg, so the media figures need nothing from the network. */
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClipSpec {
  width: number;
  height: number;
  seconds: number;
}

/** H.264 yuv420p MP4 at 24 fps with the moov atom first, like a typical web video. */
export async function makeClip(path: string, spec: ClipSpec): Promise<void> {
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=s=${spec.width}x${spec.height}:r=24`, '-t', String(spec.seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
    path,
  ]);
}

/**
 * Grows a valid MP4 to exactly `totalBytes` with a trailing `free` box, which every reader skips:
 * a source that is large on the wire but cheap to probe and encode, so a fetch's memory can be
 * measured without minutes of encoding.
 */
export async function padMp4(path: string, totalBytes: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const pad = totalBytes - size;
    if (pad < 8 || pad > 0xffffffff) throw new Error(`cannot pad ${size} bytes to ${totalBytes}`);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(pad, 0);
    header.write('free', 4, 'latin1');
    await file.write(header, 0, 8, size);
    // Zeros in 8 MiB writes: bounded memory however large the target.
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    for (let at = size + 8; at < totalBytes; at += zeros.length) {
      await file.write(zeros, 0, Math.min(zeros.length, totalBytes - at), at);
    }
  } finally {
    await file.close();
  }
}
