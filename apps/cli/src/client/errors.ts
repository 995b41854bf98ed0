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

/** `value` as one POSIX shell word, so a printed command can be pasted as it is. */
export function shellWord(value: string): string {
  return /^[\w./@%+=:,-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/** What picks a task up again: `vidforge wait ID`, keeping the `-o FILE` the user gave. */
export function resumeCommand(taskId: string, output?: string): string {
  return output === undefined ? `vidforge wait ${taskId}` : `vidforge wait ${taskId} -o ${shellWord(output)}`;
}

/** A 404 from no route at all (not a missing task or endpoint) means the base URL lacks the basePath. */
const BASE_URL_HINT = 'check the base URL: it must end with the API basePath, e.g. http://localhost:8080/v1/ai';

function messageOf(error: APIError, context: FailContext): string {
  if (error instanceof TimeoutError && error.taskId) {
    return `${error.message}\nResume with: ${resumeCommand(error.taskId, context.output)}`;
  }
  if (error instanceof NotFoundError && error.code === 'NOT_FOUND' && error.message.startsWith('No route for')) {
    return `${error.message} (${error.code}); ${BASE_URL_HINT}`;
  }
  if (error instanceof AuthenticationError) {
    return `${error.message} (${error.code}); check the access key (VIDFORGE_ACCESS_KEY, --key or \`vidforge login\`)`;
  }
  const id = error.requestId ? ` [request ${error.requestId}]` : '';
  return error instanceof TaskFailedError
    ? `${error.message} (${error.code})`
    : `${error.message} (${error.code})${id}`;
}

export interface FailContext {
  /** The `-o FILE` of the command, kept in the resume hint. */
  output?: string;
}

/** Rethrows `error` as a CliError with the right exit code, after printing it as JSON in machine mode. */
export function fail(mode: OutputMode, error: unknown, context: FailContext = {}): never {
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
  throw new CliError(messageOf(error, context), exitCodeOf(error));
}
