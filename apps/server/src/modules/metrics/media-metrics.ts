/** Source downloads (the safe fetcher) and ffmpeg/ffprobe runs (media-process.ts). */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { FetchObserver, MediaRunObserver } from '../media/index.ts';
import { MEDIA_PROCESS_SECONDS } from './buckets.ts';

export function createMediaMetrics(registry: Registry): { fetches: FetchObserver; processes: MediaRunObserver } {
  const registers = [registry];
  const bytes = new Counter({
    name: 'vidforge_source_fetch_bytes_total',
    help: "Bytes of callers' source media downloaded, including downloads that were then refused",
    labelNames: ['kind'] as const,
    registers,
  });
  const fetches = new Counter({
    name: 'vidforge_source_fetches_total',
    help: 'Source downloads by kind and result: ok, aborted, or the task error code they failed with',
    labelNames: ['kind', 'result'] as const,
    registers,
  });
  const runs = new Histogram({
    name: 'vidforge_ffmpeg_run_duration_seconds',
    help: 'Wall-clock time of each ffmpeg or ffprobe process, by tool, purpose and outcome',
    labelNames: ['tool', 'purpose', 'outcome'] as const,
    buckets: MEDIA_PROCESS_SECONDS,
    registers,
  });
  const processes: MediaRunObserver = (run) =>
    runs.observe({ tool: run.tool, purpose: run.purpose, outcome: run.outcome }, run.seconds);
  return {
    processes,
    fetches: {
      fetched(fetch) {
        if (fetch.bytes > 0) bytes.inc({ kind: fetch.kind }, fetch.bytes);
        fetches.inc({ kind: fetch.kind, result: fetch.result });
      },
      processRan: processes,
    },
  };
}
