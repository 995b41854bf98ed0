/**
 * Histogram buckets (upper bounds, seconds). Each bucket is a time series per label set, so they
 * are few and placed where decisions are made: a poll is a millisecond or so, a video minutes.
 */

/** API requests: a poll takes about a millisecond; runner long-polls wait up to 30 s, uploads longer. */
export const HTTP_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30, 120];

/** From runnable to claimed: instant with an idle worker, up to the task deadline (15 min) without. */
export const QUEUE_WAIT_SECONDS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 900, 1800];

/** One attempt: a second for the preview engine, many minutes for a GPU model. */
export const RUN_SECONDS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** One ffmpeg or ffprobe process: a probe takes tens of milliseconds, an encode up to its timeout. */
export const MEDIA_PROCESS_SECONDS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
