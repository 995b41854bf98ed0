/**
 * Why the server could not start, said in one line an operator can act on, with an exit code per
 * kind so that scripts and supervisors can tell them apart (docs/operations.md, "Exit codes").
 */
export const STARTUP_EXIT = {
  /** The data directory cannot be created or used. */
  dataDir: 10,
  /** The address cannot be listened on: the port is taken, the host unknown, the port privileged. */
  listen: 11,
  /** A program the server needs (ffmpeg, ffprobe) is missing or broken. */
  dependency: 12,
  /** The database cannot be opened: not a database, written by a newer version, or unreadable. */
  storage: 13,
} as const;

export type StartupFailure = keyof typeof STARTUP_EXIT;

export class StartupError extends Error {
  readonly failure: StartupFailure;
  readonly exitCode: number;

  constructor(failure: StartupFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'StartupError';
    this.failure = failure;
    this.exitCode = STARTUP_EXIT[failure];
  }
}
