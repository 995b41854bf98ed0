/**
 * One place that turns every failure into `{"error": {code, message, details?, requestId}}` with the
 * status of the code table. Fastify's own errors (content type, body size, JSON syntax) are mapped to
 * our codes; anything unexpected is logged and answered as a bare 500 without internals.
 */
import type { ErrorBody } from '@vidforge/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StorageUnavailableError } from '../ports/storage-errors.ts';
import { ApiError } from './api-error.ts';
import { declaresBody } from './request-body.ts';

function fromFastify(error: FastifyError): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('INVALID_REQUEST', 'The request body is empty; a JSON object is expected');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('INVALID_REQUEST', 'Content-Length does not match the body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('INVALID_REQUEST', 'The request body is not valid JSON');
    default:
      break;
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    // JSON.parse failures and prototype-poisoning refusals ("__proto__" keys) from the body parser.
    return new ApiError('INVALID_REQUEST', `The request body is not acceptable JSON: ${error.message}`);
  }
  return null;
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      requestId: String(reply.request.id),
    },
  };
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  // Answered before the body was read (401 in onRequest, 413, a body deadline): Node would go on
  // reading and discarding the rest, however slowly it comes. Close the connection instead.
  const { raw } = reply.request;
  if (!raw.complete && declaresBody(raw.headers)) reply.header('connection', 'close');
  return reply.status(error.status).type('application/json; charset=utf-8').send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = error instanceof ApiError ? error : fromFastify(error);
    if (apiError) return sendError(reply, apiError);
    if (error instanceof StorageUnavailableError) {
      // Nothing is wrong with the request: it may succeed once the storage is back.
      request.log.warn({ err: error }, 'storage unavailable');
      return sendError(
        reply,
        new ApiError('SERVICE_UNAVAILABLE', 'The storage is unavailable right now; try again later', { retryAfter: 2 }),
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, new ApiError('INTERNAL_ERROR', 'Internal server error'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ApiError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
