/**
 * The closed list of error codes and the one code → HTTP status table (house rule 8).
 *
 * `API_ERROR_STATUS` covers codes that a request can fail with. `TASK_ERROR_CODES` are the codes a
 * task can end with (`task.error.code` on FAIL); they never appear as HTTP errors.
 */
import { z } from 'zod';
import { component } from './registry.ts';

export const API_ERROR_STATUS = {
  INVALID_REQUEST: 400,
  INVALID_PARAMETER: 400,
  UNAUTHORIZED: 401,
  MEDIA_URL_INVALID: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The request (headers or body) did not arrive within the server's time limit. */
  REQUEST_TIMEOUT: 408,
  IDEMPOTENCY_CONFLICT: 409,
  TASK_NOT_CANCELLABLE: 409,
  /** Runner protocol: the lease token is not the task's current lease (expired, reaped, finished). */
  LEASE_LOST: 409,
  /** Runner protocol: complete before a successful upload. */
  OUTPUT_MISSING: 409,
  MEDIA_GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  /** The request's headers are larger than the server accepts. */
  HEADERS_TOO_LARGE: 431,
  /** Runner protocol: the uploaded result is not a playable MP4 video. */
  OUTPUT_INVALID: 422,
  /** The access key sent more requests of this kind than its rate limit allows in the current window. */
  RATE_LIMITED: 429,
  /** The access key already has as many unfinished tasks as its concurrency limit allows. */
  CONCURRENCY_LIMITED: 429,
  /** Runner protocol: the runner already holds as many tasks as its token's concurrency. */
  RUNNER_AT_CAPACITY: 429,
  /** The access key already has as many live-progress streams open on this server as it may. */
  TOO_MANY_STREAMS: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  /** Too many tasks are waiting for this endpoint's engine to finish in time: submit later. */
  QUEUE_FULL: 503,
  /** This server process already serves as many live-progress streams as it may: poll, or retry later. */
  STREAMS_FULL: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;
export const API_ERROR_CODES = Object.keys(API_ERROR_STATUS) as [ApiErrorCode, ...ApiErrorCode[]];

export const TASK_ERROR_CODES = [
  'CANCELLED',
  'TIMEOUT',
  'SOURCE_FETCH_FAILED',
  'SOURCE_TOO_LARGE',
  'SOURCE_UNSUPPORTED',
  'SOURCE_INVALID',
  'ENGINE_FAILED',
  'ENGINE_UNAVAILABLE',
  'OUTPUT_INVALID',
  'INTERNAL_ERROR',
] as const;
export type TaskErrorCode = (typeof TASK_ERROR_CODES)[number];

export const ErrorDetail = component(
  'ErrorDetail',
  z.object({
    path: z.string().describe('Dotted path of the offending field, empty for the whole body'),
    message: z.string(),
  }),
);
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorBody = component(
  'Error',
  z.object({
    error: z.object({
      code: z.enum(API_ERROR_CODES),
      message: z.string(),
      details: z.array(ErrorDetail).optional(),
      requestId: z.string().optional(),
    }),
  }),
  { description: 'Every error response has this shape' },
);
export type ErrorBody = z.infer<typeof ErrorBody>;

export const TaskError = component('TaskError', z.object({ code: z.enum(TASK_ERROR_CODES), message: z.string() }));
export type TaskError = z.infer<typeof TaskError>;
