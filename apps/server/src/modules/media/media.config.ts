/**
 * Settings of the media module (source fetching, media limits, ffmpeg). The server's config merges
 * this schema; `MEDIA_ENV` names the environment variable of each field. Inputs may be numbers or
 * the decimal strings the environment gives; every bad value is reported by zod at once.
 */
import { z } from 'zod';
import { type Allowlist, parseAllowlist } from './fetch-allowlist.ts';

const MiB = 1024 * 1024;

const integer = (fallback: number, min: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^[0-9]+$/, 'must be a whole number')
        .transform(Number),
    ])
    .pipe(z.number().int('must be a whole number').min(min).max(max))
    .default(fallback);

const allowlist = z
  .string()
  .default('')
  .transform((text, ctx): Allowlist => {
    try {
      return parseAllowlist(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

export const MediaConfigSchema = z.strictObject({
  /** Non-public addresses and extra ports sources may be fetched from; empty: public hosts on 80/443 only. */
  fetchAllow: allowlist,
  /** Whole download, from connect to the last byte. */
  fetchTimeoutMs: integer(120_000, 1, 3_600_000),
  /** Longest wait for response headers and longest silence between body chunks. */
  fetchIdleTimeoutMs: integer(15_000, 1, 600_000),
  fetchConnectTimeoutMs: integer(10_000, 1, 600_000),
  /**
   * Slowest average a download may keep once `fetchThroughputWindowMs` has passed; a trickle
   * would otherwise hold a worker until the total deadline. 0 turns the check off.
   */
  fetchMinBytesPerSecond: integer(32 * 1024, 0, 1024 * MiB),
  fetchThroughputWindowMs: integer(5_000, 1, 600_000),
  fetchMaxRedirects: integer(5, 0, 20),
  imageMaxBytes: integer(20 * MiB, 1, 1024 * MiB),
  imageMaxSide: integer(4096, 16, 16_384),
  videoMaxBytes: integer(200 * MiB, 1, 16 * 1024 * MiB),
  videoMaxSeconds: integer(60, 1, 3600),
  videoMaxSide: integer(4096, 16, 16_384),
  ffmpegPath: z.string().trim().min(1).default('ffmpeg'),
  ffprobePath: z.string().trim().min(1).default('ffprobe'),
  /** Wall-clock limit of one ffmpeg run; the process group is SIGKILLed past it. */
  ffmpegTimeoutMs: integer(900_000, 1000, 24 * 3_600_000),
  ffprobeTimeoutMs: integer(30_000, 100, 600_000),
  /**
   * Encoder threads. Fixed rather than "auto" because x264's output depends on its thread count:
   * a fixed number keeps results byte-identical across machines.
   */
  ffmpegThreads: integer(2, 1, 64),
  /** TrueType font for captions; empty: the first of the usual DejaVu Sans locations. */
  fontFile: z.string().trim().default(''),
});

export type MediaConfig = z.infer<typeof MediaConfigSchema>;
export type MediaConfigInput = z.input<typeof MediaConfigSchema>;

export const MEDIA_ENV = {
  fetchAllow: 'VIDFORGE_FETCH_ALLOW',
  fetchTimeoutMs: 'VIDFORGE_FETCH_TIMEOUT_MS',
  fetchIdleTimeoutMs: 'VIDFORGE_FETCH_IDLE_TIMEOUT_MS',
  fetchConnectTimeoutMs: 'VIDFORGE_FETCH_CONNECT_TIMEOUT_MS',
  fetchMinBytesPerSecond: 'VIDFORGE_FETCH_MIN_BYTES_PER_SECOND',
  fetchThroughputWindowMs: 'VIDFORGE_FETCH_THROUGHPUT_WINDOW_MS',
  fetchMaxRedirects: 'VIDFORGE_FETCH_MAX_REDIRECTS',
  imageMaxBytes: 'VIDFORGE_IMAGE_MAX_BYTES',
  imageMaxSide: 'VIDFORGE_IMAGE_MAX_SIDE',
  videoMaxBytes: 'VIDFORGE_VIDEO_MAX_BYTES',
  videoMaxSeconds: 'VIDFORGE_VIDEO_MAX_SECONDS',
  videoMaxSide: 'VIDFORGE_VIDEO_MAX_SIDE',
  ffmpegPath: 'VIDFORGE_FFMPEG',
  ffprobePath: 'VIDFORGE_FFPROBE',
  ffmpegTimeoutMs: 'VIDFORGE_FFMPEG_TIMEOUT_MS',
  ffprobeTimeoutMs: 'VIDFORGE_FFPROBE_TIMEOUT_MS',
  ffmpegThreads: 'VIDFORGE_FFMPEG_THREADS',
  fontFile: 'VIDFORGE_FONT_FILE',
} as const satisfies Record<keyof MediaConfig, string>;

/** The schema's input taken from environment variables (unset ones fall back to defaults). */
export function mediaEnvInput(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(MEDIA_ENV).map(([key, name]) => [key, env[name]]));
}

/** Convenience for tests and tools; the server parses through its merged config instead. */
export function parseMediaConfig(input: MediaConfigInput = {}): MediaConfig {
  return MediaConfigSchema.parse(input);
}
