/**
 * Errors of the OpenAI-compatible API: `{"error": {message, type, param, code}}`, the shape the
 * official SDKs parse into their typed errors (chosen by status: 400 BadRequestError, 401
 * AuthenticationError, 404 NotFoundError, 409, 413, 415, 429 RateLimitError, 5xx InternalServerError).
 * Errors raised by the shared services (ApiError), by Fastify and by the multipart parser are
 * translated here, so nothing under /v1/videos or /v1/models answers in the seed API's shape.
 */
import type { OpenAiErrorBody } from '@vidforge/contract';
import type { FastifyError, FastifyReply } from 'fastify';
import { EngineError } from '../../engines/engine.ts';
import { ApiError } from '../../http/api-error.ts';
import { declaresBody } from '../../http/request-body.ts';
import { StorageUnavailableError } from '../../ports/storage-errors.ts';

export class OpenAiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryAfter: number | undefined;

  constructor(
    status: number,
    message: string,
    options: { type?: string; param?: string | null; code?: string | null; retryAfter?: number } = {},
  ) {
    super(message);
    this.name = 'OpenAiError';
    this.status = status;
    this.type = options.type ?? typeFor(status);
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryAfter = options.retryAfter;
  }
}

function typeFor(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** A 400 about one request field. */
export const invalidParam = (param: string, message: string, code = 'invalid_value') =>
  new OpenAiError(400, message, { param, code });

export const videoNotFound = (id: string) =>
  new OpenAiError(404, `No video with id "${id.slice(0, 80)}"`, { param: 'video_id', code: 'video_not_found' });

/** Seed-API field paths as the OpenAI field a client sent, for `param`. */
const PARAM_OF: Record<string, string> = {
  prompt: 'prompt',
  negativePrompt: 'negative_prompt',
  'settings.seed': 'seed',
  'settings.duration': 'seconds',
  'settings.aspectRatio': 'size',
  'settings.guidanceScale': 'guidance_scale',
  'config.sourceImage': 'input_reference',
  'config.extendDuration': 'seconds',
  'config.sourceVideo': 'video',
  callbackUrl: 'callback_url',
};

function fromApiError(error: ApiError): OpenAiError {
  const path = error.details?.[0]?.path;
  const retryAfter = error.retryAfter;
  switch (error.code) {
    case 'UNAUTHORIZED':
      return new OpenAiError(401, error.message, { code: 'invalid_api_key' });
    case 'TASK_NOT_FOUND':
      return new OpenAiError(404, 'No such video', { param: 'video_id', code: 'video_not_found' });
    case 'ENDPOINT_NOT_FOUND':
      return new OpenAiError(404, 'No such model for this API key', { param: 'model', code: 'model_not_found' });
    case 'INVALID_PARAMETER':
    case 'INVALID_REQUEST':
      return new OpenAiError(400, error.message, {
        param: path === undefined ? null : (PARAM_OF[path] ?? path),
        code: error.code === 'INVALID_REQUEST' ? 'invalid_request' : 'invalid_value',
      });
    default:
      return new OpenAiError(error.status, error.message, { code: error.code.toLowerCase(), retryAfter });
  }
}

/** A file that failed the same checks as a fetched source (size, type from the bytes, decodable). */
export function fromUploadCheck(error: EngineError, param: string): OpenAiError {
  const status = error.code === 'SOURCE_TOO_LARGE' ? 413 : 400;
  return new OpenAiError(status, `${param}: ${error.message}`, { param, code: error.code.toLowerCase() });
}

const MULTIPART_ERRORS: Record<string, [number, string]> = {
  FST_PARTS_LIMIT: [413, 'The form has too many parts'],
  FST_FILES_LIMIT: [413, 'The form has more than one file'],
  FST_FIELDS_LIMIT: [413, 'The form has too many fields'],
  FST_REQ_FILE_TOO_LARGE: [413, 'The uploaded file is too large'],
  FST_PROTO_VIOLATION: [400, 'A form field name is not allowed'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'Content-Type must be multipart/form-data or application/json'],
  FST_MP_PREMATURE_CLOSE: [400, 'The form ended before it was complete'],
};

function fromFastify(error: FastifyError): OpenAiError | null {
  const multipart = MULTIPART_ERRORS[error.code];
  if (multipart) return new OpenAiError(multipart[0], multipart[1], { code: error.code.slice(4).toLowerCase() });
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OpenAiError(415, 'Content-Type must be application/json or multipart/form-data', {
        code: 'unsupported_media_type',
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OpenAiError(413, 'The request body is too large', { code: 'payload_too_large' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new OpenAiError(400, 'The request body is empty; a JSON object is expected', { code: 'invalid_json' });
    default:
      break;
  }
  // Busboy's own parse errors ("Malformed part header", "Unexpected end of form") have no code.
  if (error instanceof SyntaxError || error.statusCode === 400 || /multipart|form/i.test(error.message)) {
    return new OpenAiError(400, `The request body could not be parsed: ${error.message}`, { code: 'invalid_body' });
  }
  return null;
}

/** The OpenAI error for anything thrown while serving a /v1 request; null: an internal fault. */
export function toOpenAiError(error: unknown): OpenAiError | null {
  if (error instanceof OpenAiError) return error;
  if (error instanceof ApiError) return fromApiError(error);
  if (error instanceof StorageUnavailableError) {
    return new OpenAiError(503, 'The storage is unavailable right now; try again later', {
      code: 'service_unavailable',
      retryAfter: 2,
    });
  }
  if (error instanceof EngineError) return fromUploadCheck(error, 'input_reference');
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return fromFastify(error as FastifyError);
  }
  return null;
}

export function sendOpenAiError(reply: FastifyReply, error: OpenAiError): FastifyReply {
  const body: OpenAiErrorBody = {
    error: { message: error.message, type: error.type, param: error.param, code: error.code },
  };
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  // An answer before the whole body was read (401, 413, a bad form): close rather than drain it.
  const { raw } = reply.request;
  if (!raw.complete && declaresBody(raw.headers)) reply.header('connection', 'close');
  return reply.status(error.status).type('application/json; charset=utf-8').send(body);
}
