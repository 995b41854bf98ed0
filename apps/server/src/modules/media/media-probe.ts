/**
 * ffprobe of a local file into a typed description. The input options lock ffprobe to the file
 * itself: `-protocol_whitelist file` (no network, no `concat:`/`subfile:` tricks) and a
 * `-format_whitelist` of self-contained demuxers, so an HLS or concat playlist disguised as media
 * is refused before it can open anything else (reference §2.1). Never called with a URL.
 */
import { type MediaRunObserver, runMediaProcess } from './media-process.ts';

export interface VideoStreamInfo {
  codec: string;
  /** Coded size, as stored. */
  width: number;
  height: number;
  /** Quarter turns a player applies (phone videos), in degrees; ffmpeg applies it when transcoding. */
  rotation: number;
  /** Size as shown, after rotation. */
  displayWidth: number;
  displayHeight: number;
  /** Frames per second as a rational string ffmpeg accepts back, e.g. "30000/1001". */
  fpsRational: string;
  fps: number;
  frameCount: number | null;
  durationSeconds: number | null;
  pixelFormat: string | null;
}

export interface AudioStreamInfo {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface MediaDescription {
  /** ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "png_pipe". */
  container: string;
  durationSeconds: number | null;
  streamCount: number;
  videoStreamCount: number;
  audioStreamCount: number;
  /** The first video stream (cover art excluded). */
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
  size: number;
}

export interface ProbeOptions {
  ffprobePath: string;
  /** Demuxers allowed to open the file, comma-separated ffmpeg names. */
  demuxers: string;
  /** Decoders refuse frames with more pixels than this. */
  maxPixels: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** For the metrics of media runs (media-process.ts). */
  purpose?: string;
  observe?: MediaRunObserver;
}

/**
 * Input options shared by every ffprobe and ffmpeg run on untrusted media (before `-i`). The
 * demuxer is forced to the one the bytes were sniffed as: left to probing, a `.jpg` name alone
 * makes ffmpeg pick `image2` (which expands patterns), and the file could be read as something
 * other than what was checked. The whitelist stays as the second lock.
 */
export function untrustedInputArgs(demuxers: string, maxPixels: number): string[] {
  return [
    '-f',
    demuxers.split(',')[0]!,
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    demuxers,
    '-max_streams',
    '16',
    '-max_pixels',
    String(maxPixels),
    '-probesize',
    '10000000',
    '-analyzeduration',
    '10000000',
  ];
}

/** Largest single allocation ffmpeg may make: a 4096×4096 RGBA frame is 64 MiB. */
export const MAX_ALLOC_BYTES = 256 * 1024 * 1024;

export async function probeMedia(path: string, options: ProbeOptions): Promise<MediaDescription> {
  const args = [
    '-hide_banner',
    '-v',
    'error',
    '-max_alloc',
    String(MAX_ALLOC_BYTES),
    ...untrustedInputArgs(options.demuxers, options.maxPixels),
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    '-i',
    path,
  ];
  const { stdout } = await runMediaProcess(options.ffprobePath, args, {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    maxStdoutBytes: 4 * 1024 * 1024,
    purpose: options.purpose,
    observe: options.observe,
  });
  return describe(JSON.parse(stdout) as FfprobeJson);
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  pix_fmt?: string;
  sample_rate?: string;
  channels?: number;
  disposition?: { attached_pic?: number };
  side_data_list?: { rotation?: number }[];
  tags?: { rotate?: string };
}

interface FfprobeJson {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; size?: string };
}

function positive(text: string | undefined): number | null {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : null;
}

function parseRational(text: string | undefined): { text: string; value: number } | null {
  if (!text) return null;
  const [num, den = '1'] = text.split('/');
  const value = Number(num) / Number(den);
  return Number.isFinite(value) && value > 0 ? { text, value } : null;
}

/** From the display matrix, or the `rotate` tag of older files; only 0/90/180/270 matter. */
function rotationOf(stream: FfprobeStream): number {
  const matrix = stream.side_data_list?.find((entry) => typeof entry.rotation === 'number')?.rotation;
  const degrees = matrix ?? Number(stream.tags?.rotate ?? 0);
  return Number.isFinite(degrees) ? (((Math.round(degrees / 90) * 90) % 360) + 360) % 360 : 0;
}

function describe(json: FfprobeJson): MediaDescription {
  const streams = json.streams ?? [];
  const videos = streams.filter((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audios = streams.filter((s) => s.codec_type === 'audio');
  const v = videos[0];
  const a = audios[0];
  // avg_frame_rate is the real rate; r_frame_rate can be a timebase artefact (e.g. 90000/1).
  const rate = parseRational(v?.avg_frame_rate) ?? parseRational(v?.r_frame_rate);
  const rotation = v ? rotationOf(v) : 0;
  const quarterTurn = Math.abs(rotation) % 180 === 90;
  return {
    container: json.format?.format_name ?? '',
    durationSeconds: positive(json.format?.duration) ?? positive(v?.duration),
    streamCount: streams.length,
    videoStreamCount: videos.length,
    audioStreamCount: audios.length,
    video: v
      ? {
          codec: v.codec_name ?? '',
          width: v.width ?? 0,
          height: v.height ?? 0,
          rotation,
          displayWidth: (quarterTurn ? v.height : v.width) ?? 0,
          displayHeight: (quarterTurn ? v.width : v.height) ?? 0,
          fpsRational: rate?.text ?? '0/1',
          fps: rate?.value ?? 0,
          frameCount: positive(v.nb_frames),
          durationSeconds: positive(v.duration),
          pixelFormat: v.pix_fmt ?? null,
        }
      : null,
    audio: a
      ? { codec: a.codec_name ?? '', sampleRate: positive(a.sample_rate) ?? 0, channels: a.channels ?? 0 }
      : null,
    size: positive(json.format?.size) ?? 0,
  };
}
