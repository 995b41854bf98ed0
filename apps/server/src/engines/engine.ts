/**
 * The engine interface every way of making a video plugs into: the CPU preview engine, remote GPU
 * runners and an upstream proxy. An engine sees a validated request and a context; it never touches
 * the database, the queue or the blob store.
 */
import type { TaskErrorCode, TaskRequest, VideoInfo } from '@vidforge/contract';

export type SourceKind = 'image' | 'video';

/** A source that was fetched safely and checked; `path` is a local file in the work directory. */
export interface LocalSource {
  path: string;
  kind: SourceKind;
  /** Detected from the bytes, e.g. 'image/png', 'video/mp4'. */
  contentType: string;
  size: number;
}

export interface EngineTask {
  id: string;
  request: TaskRequest;
  /** The seed to use (already resolved when the client sent -1); null for upscale. */
  seed: number | null;
  attempt: number;
  /** Settings of the endpoint the task was submitted to. */
  endpointSettings: Record<string, unknown>;
  /** What an earlier attempt of this task last passed to `checkpoint`; null when nothing. */
  resumeState: unknown;
}

/**
 * Why `EngineContext.signal` was aborted (its `reason`): `finished-elsewhere` when the task ended
 * without this run (a cancel, the deadline), so work started elsewhere for it may be stopped too;
 * `shutdown` and `lease-lost` when the task goes on in a later attempt, which may resume that work.
 */
export type StopReason = 'shutdown' | 'finished-elsewhere' | 'lease-lost';

export interface EngineContext {
  /** A private, empty directory removed after the run. */
  workDir: string;
  /** Aborted on cancel, deadline, lost lease or shutdown; stop promptly and kill child processes. */
  signal: AbortSignal;
  /** Fraction of the work done in [0, 1]; values that go down are ignored. */
  progress(fraction: number, stage?: string): void;
  /** Fetches (once per run) and checks the task's source media: `config.sourceImage` or `config.sourceVideo`. */
  source(): Promise<LocalSource>;
  /**
   * Durably records `state` (JSON-serialisable, at most 16 KiB as JSON; null clears it) for later
   * attempts of this task, which receive it as `EngineTask.resumeState`. Fenced by the lease:
   * rejects (and the run is aborted) when this attempt no longer holds the task.
   */
  checkpoint(state: unknown): Promise<void>;
}

export interface EngineOutput {
  /** The produced file, inside workDir. */
  path: string;
  contentType: string;
  video: VideoInfo;
}

export interface Engine {
  readonly name: string;
  run(task: EngineTask, context: EngineContext): Promise<EngineOutput>;
}

/**
 * A failure an engine reports on purpose. `retryable: false` is for deterministic failures (bad
 * media): the task fails at once. Anything else thrown counts as a retryable ENGINE_FAILED.
 */
export class EngineError extends Error {
  readonly code: TaskErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: TaskErrorCode,
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Engines by name; an endpoint names one. */
export class EngineRegistry {
  readonly #engines = new Map<string, Engine>();

  register(engine: Engine): this {
    if (this.#engines.has(engine.name)) throw new Error(`engine "${engine.name}" is registered twice`);
    this.#engines.set(engine.name, engine);
    return this;
  }

  get(name: string): Engine | undefined {
    return this.#engines.get(name);
  }

  names(): string[] {
    return [...this.#engines.keys()];
  }
}
