/** SDK errors → exit codes and messages; in machine mode the error is also printed as JSON on stdout. */
import {
  APIError,
  AuthenticationError,
  ConnectionError,
  InvalidRequestError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TaskFailedError,
  TimeoutError,
} from '@vidforge/sdk';
import { CliError, EXIT } from '../cli-error.ts';
import { printJson } from '../output.ts';
import type { OutputMode } from './report.ts';

function exitCodeOf(error: APIError): number {
  if (error instanceof TaskFailedError) return EXIT.taskFailed;
  if (error instanceof TimeoutError) return EXIT.timeout;
  if (error instanceof AuthenticationError) return EXIT.auth;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof InvalidRequestError) return EXIT.usage;
  if (error instanceof ConnectionError || error instanceof ServerError || error instanceof RateLimitError) {
    return EXIT.unavailable;
  }
  return EXIT.failure;
}

function messageOf(error: APIError): string {
  if (error instanceof TimeoutError && error.taskId) {
    return `${error.message}\nResume with: vidforge wait ${error.taskId}`;
  }
  if (error instanceof AuthenticationError) {
    return `${error.message} (${error.code}); check the access key (VIDFORGE_ACCESS_KEY, --key or \`vidforge login\`)`;
  }
  const id = error.requestId ? ` [request ${error.requestId}]` : '';
  return error instanceof TaskFailedError
    ? `${error.message} (${error.code})`
    : `${error.message} (${error.code})${id}`;
}

/** Rethrows `error` as a CliError with the right exit code, after printing it as JSON in machine mode. */
export function fail(mode: OutputMode, error: unknown): never {
  if (error instanceof CliError || !(error instanceof APIError)) throw error;
  if (mode.machine) {
    if (error instanceof TaskFailedError) printJson(error.task);
    else {
      printJson({
        error: {
          code: error.code,
          message: error.message,
          status: error.status ?? null,
          requestId: error.requestId ?? null,
          ...(error.details.length > 0 ? { details: error.details } : {}),
          ...(error instanceof TimeoutError ? { taskId: error.taskId ?? null } : {}),
        },
      });
    }
  }
  throw new CliError(messageOf(error), exitCodeOf(error));
}
