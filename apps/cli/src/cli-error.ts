/** Exit codes of the `vidforge` command, one per kind of outcome. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  auth: 4,
  taskFailed: 5,
  timeout: 6,
  /** The task (or the endpoint, for this key) does not exist. */
  notFound: 7,
  /** The server could not be reached, or stayed overloaded (5xx, 429) through the retries. */
  unavailable: 8,
  interrupted: 130,
} as const;

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
