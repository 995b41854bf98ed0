/**
 * What a runner runs a task with. Structurally the server's Engine interface
 * (apps/server/src/engines/engine.ts), so the reference runner plugs the in-process preview engine
 * in unchanged and gets the same results.
 */
import type { TaskRequest, VideoInfo } from '@vidforge/contract';

export type SourceKind = 'image' | 'video';

/** The task's source, downloaded from the server (which fetched and checked it) into the work directory. */
export interface LocalSource {
  path: string;
  kind: SourceKind;
  /** As the server detected it from the bytes, e.g. 'image/png', 'video/mp4'. */
  contentType: string;
  size: number;
}

export interface ExecutorTask {
  id: string;
  request: TaskRequest;
  /** The seed to use (already resolved by the server); null for upscale. */
  seed: number | null;
  attempt: number;
  /** Settings of the endpoint the task was submitted to (`family`, ...). */
  endpointSettings: Record<string, unknown>;
}

export interface ExecutorContext {
  /** A private, empty directory removed after the run. */
  workDir: string;
  /** Aborted on cancel, lost lease or shutdown: stop promptly and kill child processes. */
  signal: AbortSignal;
  /** Fraction of the work done in [0, 1]; values that go down are ignored. */
  progress(fraction: number, stage?: string): void;
  /** Downloads (once per run) the task's source. */
  source(): Promise<LocalSource>;
}

export interface ExecutorOutput {
  /** The produced MP4 file, inside workDir. */
  path: string;
  contentType: string;
  video: VideoInfo;
}

/**
 * Runs one task. To fail it on purpose, throw an error with a `code` (one of
 * RUNNER_FAILURE_CODES) and `retryable` (ExecutorError, or the server's EngineError); anything
 * else thrown is a retryable ENGINE_FAILED.
 */
export interface Executor {
  run(task: ExecutorTask, context: ExecutorContext): Promise<ExecutorOutput>;
}
